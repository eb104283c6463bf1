/*
 * nightly.h: the nightly batch, "callqa nightly": ingest | measure | score
 * | store as one Unix pipeline over a directory of recordings or a
 * manifest, on this machine (nightly_run) or as a Slurm job array of
 * shards and a finalising job (nightly_slurm).  The stages are the
 * programs callqa-STAGE found beside the running one (run.h).
 */
#ifndef CALLQA_NIGHTLY_H
#define CALLQA_NIGHTLY_H

#include <stdio.h>

#include "callqa/callqa.h"

struct nightly {
	const char *src;     /* recording directory or manifest .csv */
	const char *rubric;  /* rubric file */
	const char *db;	     /* --db conninfo, or NULL for the usual */
	const char *batch;   /* batch id, or NULL for the UTC time now */
	const char *jobs;    /* callqa-measure -j, or NULL */
	const char *dead_air, *interrupt_min; /* measure options, or NULL */
	const char *shard;   /* "K/N" for one shard of the batch, or NULL */
	int quiet;
};

/* A batch id from the UTC time now, "20261123T020000Z", into buf. */
void nightly_batch_id(char *buf, size_t size);

/*
 * Run the batch here.  Returns its exit status: 0 all stored, 3 some
 * calls rejected, 2 a stage refused its options or configuration, 1 a
 * stage stopped midway, the pipeline could not start or a signal stopped
 * it (e says which, in one line).  Unless quiet, the closing summary of
 * the batch (ops_summary) goes to summary.
 */
int nightly_run(const struct nightly *n, FILE *summary, struct err *e);

/*
 * Submit the batch as a Slurm job array of tasks shards, each running
 * "callqa nightly --shard K/N" with the same batch id, rubric, database
 * and recordings, and a finalising job; job files and logs in dir (NULL:
 * slurm-BATCH).  With wait, wait for the finalising job and copy its log
 * to log.  Returns 0 (submitted; with wait, the batch's status 0 or 3),
 * 1 (Slurm failed or the batch did), 2 (cannot set it up); e says why.
 */
int nightly_slurm(const struct nightly *n, int tasks, const char *dir,
		  int wait, FILE *log, struct err *e);

#endif
