/*
 * callqa-ingest: find the night's recordings, read their metadata from a
 * manifest CSV or from their file names, open each with libsndfile to
 * validate it, and write one record per call.  A call that cannot be
 * ingested is written as a reject with its reason, never dropped.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callqa/audio.h"
#include "callqa/callqa.h"
#include "callqa/csv.h"
#include "callqa/ingest.h"
#include "callqa/msg.h"
#include "callqa/record.h"
#include "callqa/strbuf.h"

/* Columns every ingest record has, in this order, before manifest extras. */
static const char *const meta_cols[] = {
	"call_id", "agent_id", "started_at", "audio", "team", "post",
	"agent_channel", "transcript"
};
#define NMETA (int)(sizeof(meta_cols) / sizeof(meta_cols[0]))
static const char *const own_cols[] = {
	"batch_id", "audio_format", "sample_rate", "channels", "duration_s",
	"status"
};
#define NOWN (int)(sizeof(own_cols) / sizeof(own_cols[0]))

struct ingest {
	struct record_writer *w;
	const char *batch;
	unsigned shard_k, shard_n;
	long inputs, rejected;
	char **seen; /* call ids seen, open addressing */
	char **seen_where;
	size_t seen_cap, seen_len;
	int failed; /* a write error: stop */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-ingest [-qv] [-m manifest.csv] [-b batch] "
		"[-s K/N] [path ...]\n"
		"  -m, --manifest FILE  metadata from FILE (CSV with call_id,"
		"agent_id,started_at,audio)\n"
		"  -b, --batch ID       batch id for the records (default: "
		"the UTC time now)\n"
		"  -s, --shard K/N      keep only the calls of shard K of N "
		"(0 <= K < N)\n"
		"  -q, --quiet          no warnings\n"
		"  -v, --verbose        notes too\n"
		"  -h, --help           this help\n"
		"      --version        print the version\n"
		"Without a manifest, metadata comes from file names "
		"AGENT_YYYYMMDDTHHMMSS_CALLID.ext.\n");
}

/*
 * Remember call_id; returns NULL when new, or where it was first seen.
 * The table grows by doubling; ids and places are owned by it.
 */
static const char *
seen_add(struct ingest *in, const char *id, const char *where)
{
	size_t h, i;

	if (in->seen_len * 2 >= in->seen_cap) {
		size_t ncap = in->seen_cap ? in->seen_cap * 2 : 1024, j;
		char **ns = calloc(ncap, sizeof(*ns));
		char **nw = calloc(ncap, sizeof(*nw));

		if (ns == NULL || nw == NULL) {
			free(ns);
			free(nw);
			return NULL;
		}
		for (j = 0; j < in->seen_cap; j++) {
			if (in->seen[j] == NULL)
				continue;
			h = ingest_shard(in->seen[j], (unsigned)ncap);
			while (ns[h])
				h = (h + 1) % ncap;
			ns[h] = in->seen[j];
			nw[h] = in->seen_where[j];
		}
		free(in->seen);
		free(in->seen_where);
		in->seen = ns;
		in->seen_where = nw;
		in->seen_cap = ncap;
	}
	h = ingest_shard(id, (unsigned)in->seen_cap);
	for (i = h; in->seen[i]; i = (i + 1) % in->seen_cap)
		if (strcmp(in->seen[i], id) == 0)
			return in->seen_where[i];
	in->seen[i] = strdup(id);
	in->seen_where[i] = strdup(where);
	in->seen_len++;
	return NULL;
}

static void
seen_free(struct ingest *in)
{
	size_t i;

	for (i = 0; i < in->seen_cap; i++) {
		free(in->seen[i]);
		free(in->seen_where[i]);
	}
	free(in->seen);
	free(in->seen_where);
}

/* Set the audio columns from a probe, or reject the call. */
static void
probe_audio(struct ingest *in, const char *path)
{
	struct audio_info info;
	struct err e;

	if (audio_probe(path, &info, &e) < 0 ||
	    ingest_check_audio(path, &info, &e) < 0) {
		record_reject(in->w, "ingest", "%s", e.msg);
		return;
	}
	record_set(in->w, record_writer_col(in->w, "audio_format"),
		   info.format);
	record_setf(in->w, record_writer_col(in->w, "sample_rate"), "%d",
		    info.rate);
	record_setf(in->w, record_writer_col(in->w, "channels"), "%d",
		    info.channels);
	record_set_num(in->w, record_writer_col(in->w, "duration_s"),
		       info.duration_s, 3);
}

/* Finish the row: status, accounting, duplicate check, write. */
static void
emit(struct ingest *in, const char *where)
{
	int st = record_writer_col(in->w, "status");
	const char *id = record_peek(in->w, 0), *first;
	struct err e;

	record_set(in->w, record_writer_col(in->w, "batch_id"), in->batch);
	if (id != NULL && (first = seen_add(in, id, where)) != NULL &&
	    record_status_ok(record_peek(in->w, st)))
		record_reject(in->w, "ingest", "%s: duplicate call_id '%s' "
			      "(first at %s)", where, id, first);
	if (record_status_ok(record_peek(in->w, st)))
		record_set(in->w, st, "ok");
	else {
		msg_warn("%s", record_peek(in->w, st) + strlen("rejected:ingest:"));
		in->rejected++;
	}
	in->inputs++;
	if (record_write(in->w, &e) < 0) {
		msg_error("%s", e.msg);
		in->failed = 1;
	}
}

static int
in_shard(const struct ingest *in, const char *call_id)
{
	return in->shard_n == 0 || call_id == NULL ||
	       ingest_shard(call_id, in->shard_n) == in->shard_k;
}

static int
ingest_file(const char *path, const char *why, void *arg)
{
	struct ingest *in = arg;
	struct ingest_name nm;
	struct err e;
	char *abs, *side;
	int bad;

	bad = ingest_parse_name(path, &nm, &e) < 0;
	if (!in_shard(in, nm.call_id))
		return 0;
	abs = ingest_abspath(path, NULL);
	record_set(in->w, 0, nm.call_id);
	record_set(in->w, 1, nm.agent_id[0] ? nm.agent_id : NULL);
	record_set(in->w, 2, nm.started_at[0] ? nm.started_at : NULL);
	record_set(in->w, 3, abs ? abs : path);
	record_set(in->w, 6, "1");
	if (why)
		record_reject(in->w, "ingest", "%s: %s", path, why);
	else if (bad)
		record_reject(in->w, "ingest", "%s", e.msg);
	else {
		side = ingest_sidecar(abs ? abs : path);
		record_set(in->w, 7, side);
		free(side);
		probe_audio(in, path);
	}
	free(abs);
	emit(in, path);
	return in->failed;
}

/* Map of manifest columns to record columns. */
struct manifest {
	struct csv *csv;
	const char *name;
	char *dir;	/* the manifest's directory, for relative paths */
	int col[NMETA]; /* csv column of each meta column, or -1 */
	int *extra;	/* record column of each csv column, or -1 */
};

static void
ingest_row(struct ingest *in, struct manifest *m, int damaged,
	   const char *why)
{
	char where[512], ts[64];
	const char *v;
	char *path = NULL;
	struct err e;
	int i;

	snprintf(where, sizeof(where), "%s", why ? why : "");
	for (i = 0; i < NMETA; i++) {
		v = csv_get(m->csv, m->col[i]);
		record_set(in->w, i, v && *v ? v : NULL);
	}
	for (i = 0; i < csv_ncols(m->csv); i++)
		if (m->extra[i] >= 0)
			record_set(in->w, m->extra[i], csv_get(m->csv, i));
	v = record_peek(in->w, 0);
	if (v == NULL) {
		char id[64];

		snprintf(id, sizeof(id), "%s-line%ld", in->batch,
			 csv_lineno(m->csv));
		record_set(in->w, 0, id);
	}
	if (!in_shard(in, record_peek(in->w, 0)))
		return;
	if (damaged) {
		record_reject(in->w, "ingest", "%s", why);
		goto out;
	}
	snprintf(where, sizeof(where), "%s:%ld", m->name, csv_lineno(m->csv));
	if (v == NULL) {
		record_reject(in->w, "ingest", "%s: no call_id", where);
		goto out;
	}
	if (record_peek(in->w, 1) == NULL) {
		record_reject(in->w, "ingest", "%s: no agent_id", where);
		goto out;
	}
	v = record_peek(in->w, 2);
	if (v == NULL || ingest_norm_time(v, ts, sizeof(ts), &e) < 0) {
		record_reject(in->w, "ingest", "%s: %s", where,
			      v ? e.msg : "no started_at");
		goto out;
	}
	record_set(in->w, 2, ts);
	v = record_peek(in->w, 6);
	if (v && strcmp(v, "1") != 0 && strcmp(v, "2") != 0) {
		record_reject(in->w, "ingest", "%s: agent_channel '%.20s' is "
			      "not 1 or 2", where, v);
		goto out;
	}
	if ((v = record_peek(in->w, 7)) != NULL) {
		char *t = ingest_abspath(v, m->dir);

		record_set(in->w, 7, t);
		free(t);
	}
	v = record_peek(in->w, 3);
	if (v == NULL) {
		record_reject(in->w, "ingest", "%s: no audio", where);
		goto out;
	}
	path = ingest_abspath(v, m->dir);
	if (path == NULL) {
		record_reject(in->w, "ingest", "out of memory");
		goto out;
	}
	record_set(in->w, 3, path);
	probe_audio(in, path);
out:
	emit(in, where);
	free(path);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/*
 * Open the manifest and plan the record columns: the meta columns, the
 * manifest's other columns in their order, then ingest's own.
 */
static int
manifest_open(struct manifest *m, const char *path, FILE **fpp,
	      struct strbuf *names, int *nnames, struct err *e)
{
	static const char *const required[] = { "call_id", "agent_id",
						"started_at", "audio" };
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int i, j;

	if (fp == NULL)
		return err_set(e, "%s: cannot open manifest: %s", path,
			       strerror(errno));
	*fpp = fp;
	m->name = path;
	if ((m->csv = csv_new(fp, path, e)) == NULL)
		return -1;
	for (i = 0; i < 4; i++)
		if (csv_col(m->csv, required[i]) < 0)
			return err_set(e, "%s:1: missing column '%s' (need "
				       "call_id,agent_id,started_at,audio)",
				       path, required[i]);
	for (i = 0; i < NMETA; i++)
		m->col[i] = csv_col(m->csv, meta_cols[i]);
	m->extra = calloc(csv_ncols(m->csv), sizeof(int));
	m->dir = strcmp(path, "-") == 0 ? NULL : dir_of(path);
	if (m->extra == NULL)
		return err_set(e, "out of memory");
	*nnames = 0;
	for (i = 0; i < csv_ncols(m->csv); i++) {
		const char *c = csv_colname(m->csv, i);
		const char *p;
		int meta = 0;

		for (j = 0; j < NMETA; j++)
			meta |= strcmp(c, meta_cols[j]) == 0;
		for (j = 0; j < NOWN; j++)
			meta |= strcmp(c, own_cols[j]) == 0;
		m->extra[i] = -1;
		if (meta)
			continue;
		for (p = c; *p; p++)
			if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') ||
			      (p > c && *p >= '0' && *p <= '9')))
				return err_set(e, "%s:1: column name '%.40s' "
					       "is not a plain identifier",
					       path, c);
		m->extra[i] = NMETA + (*nnames)++;
		strbuf_adds(names, c);
		strbuf_addch(names, '\0');
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "shard", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest in = { 0 };
	struct manifest m = { 0 };
	struct strbuf extra = STRBUF_INIT;
	const char **cols = NULL;
	const char *manifest = NULL;
	char batch[64];
	FILE *mfp = NULL;
	struct err e;
	int c, i, nextra = 0, rval = 0;

	msg_init("callqa-ingest");
	while ((c = getopt_long(argc, argv, "m:b:s:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			manifest = optarg;
			break;
		case 'b':
			in.batch = optarg;
			break;
		case 's': {
			char tail;

			if (sscanf(optarg, "%u/%u%c", &in.shard_k, &in.shard_n,
				   &tail) != 2 || in.shard_n == 0 ||
			    in.shard_k >= in.shard_n) {
				msg_error("bad shard '%s': want K/N with "
					  "0 <= K < N", optarg);
				return 2;
			}
			break;
		}
		case 'q':
			msg_set_level(MSG_QUIET);
			break;
		case 'v':
			msg_set_level(MSG_VERBOSE);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("callqa-ingest %s\n", CALLQA_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (manifest == NULL && optind == argc) {
		msg_error("no recordings: give a manifest or paths");
		usage(stderr);
		return 2;
	}
	if (in.batch == NULL) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(batch, sizeof(batch), "%Y%m%dT%H%M%SZ", &tm);
		in.batch = batch;
	}
	if (manifest && manifest_open(&m, manifest, &mfp, &extra, &nextra,
				      &e) < 0) {
		msg_error("%s", e.msg);
		rval = 2;
		goto out;
	}
	cols = calloc(NMETA + nextra + NOWN, sizeof(*cols));
	if (cols == NULL) {
		msg_error("out of memory");
		rval = 1;
		goto out;
	}
	for (i = 0; i < NMETA; i++)
		cols[i] = meta_cols[i];
	{
		const char *p = extra.buf;

		for (i = 0; i < nextra; i++, p += strlen(p) + 1)
			cols[NMETA + i] = p;
	}
	for (i = 0; i < NOWN; i++)
		cols[NMETA + nextra + i] = own_cols[i];
	in.w = record_writer_new(stdout, NULL, cols, NMETA + nextra + NOWN);
	if (in.w == NULL || record_writer_flush_header(in.w, &e) < 0) {
		msg_error("%s", in.w ? e.msg : "out of memory");
		rval = 1;
		goto out;
	}
	if (m.csv) {
		int rc;

		while (!in.failed && (rc = csv_read(m.csv, &e)) != 0) {
			if (rc == -2) {
				msg_error("%s", e.msg);
				rval = 1;
				goto out;
			}
			ingest_row(&in, &m, rc < 0, rc < 0 ? e.msg : NULL);
		}
	}
	for (i = optind; i < argc && !in.failed; i++)
		ingest_walk(argv[i], ingest_file, &in);
	if (in.failed)
		rval = 1;
	if (in.rejected)
		msg_warn("%ld of %ld calls rejected", in.rejected, in.inputs);
	else
		msg_note("%ld calls", in.inputs);
out:
	record_writer_free(in.w);
	seen_free(&in);
	csv_free(m.csv);
	free(m.extra);
	free(m.dir);
	free(cols);
	strbuf_release(&extra);
	if (mfp && mfp != stdin)
		fclose(mfp);
	if (msg_close_stdout() < 0 && rval == 0)
		rval = 1;
	return rval;
}
