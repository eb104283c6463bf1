/*
 * ingest.h: finding recordings and their metadata.  Metadata comes from a
 * manifest CSV or from the file name AGENT_YYYYMMDDTHHMMSS_CALLID.ext.
 */
#ifndef CALLQA_INGEST_H
#define CALLQA_INGEST_H

#include <stddef.h>
#include <stdint.h>

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

#endif
