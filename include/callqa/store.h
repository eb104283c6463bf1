/*
 * store.h: loading a record stream into PostgreSQL.
 *
 * store_load() reads the records (any stage's output: ingest, measure or
 * score columns, plus extras), COPYs them into a temporary staging table
 * and then, in the same transaction, upserts batches, agents, calls, scores
 * and rejects.  Either the whole stream is committed or nothing of it is.
 * A re-run of the same batch changes nothing; a call id that another batch
 * already stored is a reject ("duplicate call_id"), as is a call id seen
 * twice in the stream, a record the reader could not read (a damaged line),
 * a value that is not of its column's type, and every record whose status
 * is not ok, a started_at outside 1970..2199, and a call of a month
 * archived by callqa db detach-month.  A reject never touches the calls
 * and scores tables.  calls and scores are partitioned by month
 * (pipeline/sql/030_month_partitions.sql): the store makes the months'
 * partitions it needs (callqa_ensure_months), registers new call ids in
 * call_ids, and moves a call of the same batch whose started_at changed
 * (with its scores) to its new month.
 *
 * Columns read (all optional but call_id): batch_id, call_id, agent_id,
 * started_at, audio, team, post, agent_channel, transcript, audio_format,
 * sample_rate, channels, duration_s, status, the measure columns (mono,
 * agent_talk_s ... hold_s, segments), the score columns (rubric,
 * rubric_version, score, score_<section>, critical_fail, eligible,
 * ineligible_reason, items).  score_<section> go into scores.sections
 * (jsonb); other columns are dropped unless named in keep (then they go
 * into calls.extra, jsonb).
 */
#ifndef CALLQA_STORE_H
#define CALLQA_STORE_H

#include <stdio.h>

#include "callqa/callqa.h"

struct db;
struct progress;

struct store_opts {
	const char *batch;	 /* batch_id for records without one */
	const char *const *keep; /* extra columns to keep */
	int nkeep;
	/* Called with each reason the store itself rejects a call for. */
	void (*warn)(const char *msg, void *arg);
	void *arg;
	/*
	 * Shard shard of shards (shards 0: the stream is not a shard): each
	 * batch of the stream gets its row in batch_shards, with this
	 * stream's counts, in the same transaction as its calls.
	 */
	int shard, shards;
	struct progress *progress; /* stepped per record read, or NULL */
};

struct store_count {
	char *batch_id;
	long inputs, stored, rejected;
};

struct store_result {
	struct store_count *batches; /* sorted by batch_id */
	int nbatches;
	long inputs, stored, rejected; /* totals */
};

/*
 * Load the records read from fp (borrowed; name is used in messages) in one
 * transaction.  Fills res (release with store_result_release).  Returns 0,
 * or -1 with nothing committed (e says why: an unreadable header, a read
 * error, the database).
 */
int store_load(struct db *db, FILE *fp, const char *name,
	       const struct store_opts *o, struct store_result *res,
	       struct err *e);
void store_result_release(struct store_result *res);

/* A batch stored in shards, as store_finalise() finds it. */
struct store_shards {
	long inputs, stored, rejected; /* summed over the shards found */
	int found;		       /* shards of 0..shards-1 with a row */
	char *missing;		       /* "2" or "0,3" (malloc'd), or NULL */
};

/*
 * Whether every shard 0..shards-1 of batch has been stored (with the same
 * number of shards), and the batch's counts summed over them.  Returns 0
 * (fills st; release with store_shards_release), or -1 (e: no such batch,
 * the database).
 */
int store_finalise(struct db *db, const char *batch, int shards,
		   struct store_shards *st, struct err *e);
void store_shards_release(struct store_shards *st);

/*
 * A spool: a copy of the input kept on disk while it is read, so that a
 * batch the database did not take (down at the start, gone mid-COPY) can
 * be replayed with `callqa-store FILE` without re-running the stages.
 *
 *	sp = store_spool_open(stdin, "night.spool", &e);
 *	store_load(db, store_spool_stream(sp), ...);
 *	store_spool_finish(sp, failed, &e);
 */
struct store_spool; /* opaque */

/*
 * Copy everything read from in (borrowed) to PATH.tmp.  NULL on failure.
 */
struct store_spool *store_spool_open(FILE *in, const char *path,
				     struct err *e);
/* The stream to read the input from (borrowed, lives until finish). */
FILE *store_spool_stream(struct store_spool *sp);
/*
 * Read the rest of the input into the spool, then: keep, the spool is
 * synced and renamed to PATH (a complete copy of the input); else it is
 * removed.  Frees sp.  -1 on a read or write error (a spool that is not
 * complete is never left under PATH).
 */
int store_spool_finish(struct store_spool *sp, int keep, struct err *e);

/*
 * True when s is a plain decimal number ("-12", "3.50", "1e3"): an
 * optional '-', digits with an optional fraction, an optional exponent,
 * and |value| < limit.  integer: no fraction or exponent allowed.
 */
int store_number_ok(const char *s, int integer, double limit);

/* Parse "rejected:<stage>:<reason>"; 0 and borrowed pointers, or -1. */
int store_parse_status(const char *status, const char **stage,
		       size_t *stage_len, const char **reason);

#endif
