/*
 * ingest.h: finding recordings and their metadata, and the ingest stage
 * that turns them into records.  Metadata comes from a manifest CSV or
 * from the file name AGENT_YYYYMMDDTHHMMSS_CALLID.ext.
 *
 * The stage, as callqa-ingest runs it:
 *
 *	struct ingest_opts o = { "B1", "manifest.csv", 0, 0, warn, NULL };
 *	in = ingest_new(&o, &e);		(NULL: bad manifest)
 *	ingest_start(in, stdout, &e);		(writes the header)
 *	ingest_manifest(in, &e);		(every manifest row)
 *	ingest_path(in, "/data/calls", &e);	(every recording under it)
 *	ingest_stats(in, &st);
 *	ingest_free(in);
 */
#ifndef CALLQA_INGEST_H
#define CALLQA_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "callqa/callqa.h"

#define INGEST_ID_MAX 128

struct ingest_name {
	char agent_id[INGEST_ID_MAX];
	char call_id[INGEST_ID_MAX];
	char started_at[32]; /* YYYY-MM-DDTHH:MM:SS */
};

/*
 * Parse the base name of path as AGENT_YYYYMMDDTHHMMSS_CALLID.ext.  On
 * failure *out still gets a call_id (the base name without extension) so
 * that the call can be passed on as a reject.
 */
int ingest_parse_name(const char *path, struct ingest_name *out,
		      struct err *e);

/*
 * Check a timestamp and write it in ISO 8601 form to out (at least 32
 * bytes): accepts "YYYY-MM-DDTHH:MM[:SS]", a space instead of 'T', and a
 * trailing "Z" or "+HH:MM" offset, which is kept.  The date must exist.
 */
int ingest_norm_time(const char *in, char *out, size_t outlen, struct err *e);

/* True when the name ends with an audio extension callqa looks for. */
int ingest_is_audio_name(const char *name);

/*
 * Call fn for every recording under path (a file, or a directory searched
 * recursively in name order; symbolic links to files are followed, links to
 * directories are not, so loops cannot happen).  An operand that cannot be
 * read is passed with why set, so that it becomes a reject; fn returns
 * non-zero to stop the walk, which then returns that value.
 */
typedef int ingest_walk_fn(const char *path, const char *why, void *arg);
int ingest_walk(const char *path, ingest_walk_fn *fn, void *arg);

/*
 * How many calls a batch will have: the rows of a manifest (manifest not
 * NULL) or the recordings under dir.  For progress only: -1 when it cannot
 * be told (the ingest stage itself reports what is wrong).
 */
long ingest_count(const char *manifest, const char *dir);

/*
 * The shard of a call: FNV-1a 64 of the call id's bytes, modulo n.  Stable
 * across machines and releases (documented in callqa-ingest(1)).
 */
unsigned ingest_shard(const char *call_id, unsigned n);

/*
 * The transcript beside a recording: the same path with .vtt, .srt or
 * .tsv instead of the audio extension, if such a file exists.  Returns a
 * new string or NULL.
 */
char *ingest_sidecar(const char *audio_path);

/* path made absolute against base_dir (or the working directory if
 * base_dir is NULL); a new string, NULL when out of memory. */
char *ingest_abspath(const char *path, const char *base_dir);

/*
 * Whether a decodable file is a call recording callqa can score: mono (one
 * mixed channel) or two channels (agent and customer), sampled at 8 kHz or
 * more (telephone band).  Fills e with the reason naming path when not.
 */
struct audio_info;
int ingest_check_audio(const char *path, const struct audio_info *info,
		       struct err *e);

/*
 * The ingest stage.  Records have the columns call_id, agent_id,
 * started_at, audio, team, post, agent_channel, transcript, then the
 * manifest's other columns in their order, then batch_id, audio_format,
 * sample_rate, channels, duration_s and status.  A call that cannot be
 * ingested (bad manifest row, bad file name, unreadable or unsuitable
 * audio, a call_id already seen in the batch) is written as a reject
 * "rejected:ingest:<reason>", never dropped.
 */
struct ingest; /* opaque */

/* Called for each reject, with its reason (borrowed: valid during the
 * call), e.g. "m.csv:3: no agent_id". */
typedef void ingest_warn_fn(const char *why, void *arg);

struct ingest_opts {
	const char *batch;    /* batch_id of every record (required) */
	const char *manifest; /* manifest CSV, "-" for stdin; NULL: none */
	unsigned shard_k;     /* keep only the calls of shard k ... */
	unsigned shard_n;     /* ... of n (ingest_shard); n == 0: all */
	ingest_warn_fn *warn; /* or NULL */
	void *arg;	      /* passed to warn */
};

struct ingest_stats {
	long inputs;   /* records written */
	long rejected; /* of which rejects */
};

/*
 * Open the stage: the manifest (if any) is opened and its header read, and
 * the record columns are planned.  The strings of o are borrowed and must
 * outlive the ingest.  NULL (e set) when the manifest cannot be opened or
 * its header is unusable (a missing required column, an extra column name
 * that is not a plain identifier), or when out of memory.
 */
struct ingest *ingest_new(const struct ingest_opts *o, struct err *e);
/* Close the manifest (unless it is stdin) and free; NULL does nothing. */
void ingest_free(struct ingest *in);

/*
 * Start writing records to out (borrowed, must outlive the ingest): the
 * header line is written now, so that an empty batch still has one.
 * -1 (e set) on a write error or when out of memory.
 */
int ingest_start(struct ingest *in, FILE *out, struct err *e);

/*
 * Write a record for every manifest row in the shard (nothing without a
 * manifest).  Audio paths and transcripts are taken relative to the
 * manifest's directory.  Returns 0 when the manifest was read to its end,
 * -1 (e set) on a write error (the stage stops; the records before it
 * were written and counted), -2 (e set) on a read error of the manifest.
 */
int ingest_manifest(struct ingest *in, struct err *e);

/*
 * Write a record for every recording under path in the shard
 * (ingest_walk), with metadata from the file names and the transcript
 * found beside it (ingest_sidecar).  0, or -1 (e set) on a write error.
 */
int ingest_path(struct ingest *in, const char *path, struct err *e);

/* The counts so far. */
void ingest_stats(const struct ingest *in, struct ingest_stats *st);

#endif
