/*
 * test_ingest_stage.c: the ingest stage as a library (ingest_new and
 * friends): manifest rows and recordings under a directory become records
 * with the planned columns, rejects are counted and reported through the
 * warn callback, duplicates name their first place, shards split a batch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "callqa/ingest.h"
#include "callqa/record.h"
#include "../tap.h"

static char dir[] = "/tmp/test_ingest_stage.XXXXXX";
static char warned[4096];
static int nwarned;

static void
write_wav(const char *name, int rate, double seconds)
{
	SF_INFO si = { .samplerate = rate, .channels = 2,
		       .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	char path[512];
	SNDFILE *sf;
	long n = (long)(seconds * rate), i;
	short *buf = calloc(2 * (size_t)n, sizeof(*buf));

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sf = sf_open(path, SFM_WRITE, &si);
	for (i = 0; i < n; i++)
		buf[2 * i] = (short)(8000 * sin(2 * M_PI * 440 * i / rate));
	sf_writef_short(sf, buf, n);
	sf_close(sf);
	free(buf);
}

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

static void
warn(const char *why, void *arg)
{
	size_t n = strlen(warned);

	(void)arg;
	nwarned++;
	snprintf(warned + n, sizeof(warned) - n, "%s\n", why);
}

/* Run a batch; the records are left in *text (caller frees). */
static int
batch(struct ingest_opts *o, const char *path, char **text,
      struct ingest_stats *st, struct err *e)
{
	struct ingest *in;
	size_t len;
	FILE *out = open_memstream(text, &len);
	int rc = -1;

	warned[0] = '\0';
	nwarned = 0;
	o->warn = warn;
	if ((in = ingest_new(o, e)) == NULL)
		goto out;
	if (ingest_start(in, out, e) < 0 || ingest_manifest(in, e) < 0 ||
	    (path && ingest_path(in, path, e) < 0))
		goto out;
	ingest_stats(in, st);
	rc = 0;
out:
	ingest_free(in);
	fclose(out);
	return rc;
}

static const char *
first_line(const char *text)
{
	static char line[1024];
	const char *nl = strchr(text, '\n');

	snprintf(line, sizeof(line), "%.*s",
		 (int)(nl ? nl - text : (long)strlen(text)), text);
	return line;
}

/* Field col of record row (1-based) of a record stream, in buf. */
static const char *
field(const char *text, int row, const char *col)
{
	static char val[512];
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct err e;
	struct record_reader *r = record_reader_new(fp, "out", &e);
	const char *v = NULL;
	int i;

	for (i = 0; r && i < row && record_read(r, &e) == 1; i++)
		;
	if (r && i == row)
		v = record_get_by_name(r, col);
	snprintf(val, sizeof(val), "%s", v ? v : "\\N");
	record_reader_free(r);
	fclose(fp);
	return i == row ? val : "(no such row)";
}

int
main(void)
{
	struct ingest_opts o = { "B1", NULL, 0, 0, NULL, NULL };
	struct ingest_stats st = { -1, -1 };
	struct ingest *in;
	char path[512], want[2048], *text = NULL;
	struct err e;
	long sum = 0;
	unsigned k;

	if (mkdtemp(dir) == NULL)
		return 1;
	write_wav("a.wav", 8000, 1.5);
	write_wav("low.wav", 4000, 1.0);
	write_file("m.csv",
		   "call_id,agent_id,started_at,audio,note\n"
		   "C1,A1,2026-10-01 09:15,a.wav,first\n"
		   "C2,,2026-10-01T09:15:00,a.wav,x\n"
		   "C3,A1,2026-10-01T09:15:00Z,low.wav,y\n"
		   "C1,A2,2026-10-01T10:00:00,a.wav,again\n");
	snprintf(path, sizeof(path), "%s/m.csv", dir);
	o.manifest = path;
	check_int(batch(&o, NULL, &text, &st, &e), 0, "manifest batch runs");
	check_int(st.inputs, 4, "four records");
	check_int(st.rejected, 3, "three rejects");
	check_int(nwarned, 3, "one warning per reject");
	check_str(first_line(text),
		  "call_id\tagent_id\tstarted_at\taudio\tteam\tpost\t"
		  "agent_channel\ttranscript\tnote\tbatch_id\taudio_format\t"
		  "sample_rate\tchannels\tduration_s\tstatus",
		  "columns: meta, the manifest's extra, then ingest's own");
	check_str(field(text, 1, "started_at"), "2026-10-01T09:15:00",
		  "time normalised");
	snprintf(want, sizeof(want), "%s/a.wav", dir);
	check_str(field(text, 1, "audio"), want,
		  "audio relative to the manifest's directory");
	check_str(field(text, 1, "duration_s"), "1.500", "duration probed");
	check_str(field(text, 1, "sample_rate"), "8000", "rate probed");
	check_str(field(text, 1, "batch_id"), "B1", "batch id");
	check_str(field(text, 1, "status"), "ok", "first row ok");
	check_str(field(text, 3, "note"), "y", "extra column kept");
	snprintf(want, sizeof(want),
		 "%s/m.csv:3: no agent_id\n"
		 "%s/low.wav: sample rate 4000 Hz is below telephone quality "
		 "(8000 Hz)\n"
		 "%s/m.csv:5: duplicate call_id 'C1' (first at %s/m.csv:2)\n",
		 dir, dir, dir, dir);
	check_str(warned, want, "reject reasons, in order, through warn");
	snprintf(want, sizeof(want),
		 "rejected:ingest:%s/m.csv:5: duplicate call_id 'C1' (first "
		 "at %s/m.csv:2)", dir, dir);
	check_str(field(text, 4, "status"), want, "duplicate is a reject");
	free(text);

	for (k = 0; k < 3; k++) {
		o.shard_k = k;
		o.shard_n = 3;
		batch(&o, NULL, &text, &st, &e);
		sum += st.inputs;
		free(text);
	}
	check_int(sum, 4, "three shards cover the batch once");
	o.shard_n = 0;

	snprintf(path, sizeof(path), "%s/calls", dir);
	mkdir(path, 0700);
	write_wav("calls/A7_20261002T081500_C9.wav", 8000, 2.0);
	write_file("calls/A7_20261002T081500_C9.tsv", "0\t1\tagent\thi\n");
	write_wav("calls/not-a-call-name.wav", 8000, 1.0);
	o.manifest = NULL;
	check_int(batch(&o, path, &text, &st, &e), 0, "directory batch runs");
	check_int(st.inputs, 2, "two recordings found");
	check_int(st.rejected, 1, "the badly named one is a reject");
	check_str(field(text, 1, "agent_id"), "A7", "agent from the name");
	check_str(field(text, 1, "started_at"), "2026-10-02T08:15:00",
		  "time from the name");
	check_str(field(text, 1, "call_id"), "C9", "call id from the name");
	snprintf(want, sizeof(want), "%s/calls/A7_20261002T081500_C9.tsv",
		 dir);
	check_str(field(text, 1, "transcript"), want, "sidecar transcript");
	check_str(field(text, 1, "agent_channel"), "1", "channel 1");
	check_str(field(text, 2, "call_id"), "not-a-call-name",
		  "a reject keeps a call id");
	free(text);

	write_file("m2.csv", "call_id,agent_id,started_at\n");
	snprintf(path, sizeof(path), "%s/m2.csv", dir);
	o.manifest = path;
	in = ingest_new(&o, &e);
	check(in == NULL, "a manifest without audio fails to open");
	snprintf(want, sizeof(want), "%s:1: missing column 'audio' (need "
		 "call_id,agent_id,started_at,audio)", path);
	check_str(in ? "" : e.msg, want, "the reason names the column");

	o.manifest = NULL;
	in = ingest_new(&o, &e);
	check_int(ingest_path(in, dir, &e), -1, "ingest_path before start");
	check_str(e.msg, "ingest: not started", "says it was not started");
	ingest_free(in);
	ingest_free(NULL);

	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	if (system(want) != 0)
		return 1;
	return test_done();
}
