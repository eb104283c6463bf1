/*
 * ops.h: what the operator of the nightly batch asks in the morning:
 * `callqa status` (the last batches, the months ranked and closed, the
 * database in use), `callqa rejects --batch ID` (the calls that did not
 * make it and why) and `callqa doctor` (is everything in place, and what
 * to do about what is not).  Output goes to out; library code, so nothing
 * is printed to stderr and nothing exits.
 */
#ifndef CALLQA_OPS_H
#define CALLQA_OPS_H

#include <stdio.h>

#include "callqa/callqa.h"

struct db;

/* The schema: migrations this program knows, and those the database has. */
struct ops_schema {
	int known;	     /* compiled into this program */
	int applied;	     /* recorded in the database's schema_migrations */
	int unknown;	     /* applied but not known here: a newer callqa */
	char latest[128];    /* the last applied migration's name, or "" */
};
int ops_schema(struct db *db, struct ops_schema *s, struct err *e);

/* The last n batches, the months ranked and closed; 0 or -1. */
int ops_status(struct db *db, const char *conninfo, int n, FILE *out,
	       struct err *e);

/*
 * The rejects of a batch as TSV (batch_id, call_id, stage, reason, audio)
 * with a header; *count gets how many.  0 or -1.
 */
int ops_rejects(struct db *db, const char *batch, FILE *out, long *count,
		struct err *e);

/*
 * The closing lines of callqa nightly: the batch's counts, hours of audio,
 * wall time and rate, the rejects by stage and reason (file names left
 * out), and how to list them.  0 or -1.
 */
int ops_summary(struct db *db, const char *batch, double wall_s, FILE *out,
		struct err *e);

struct ops_doctor {
	const char *db_opt;     /* --db, or NULL for the usual choice */
	const char *rubric;     /* the rubric to check, or NULL */
	const char *ranking;    /* the ranking policy, or NULL */
	const char *ladder;     /* the ladder policy, or NULL */
	const char *recordings; /* the recording directory, or NULL */
	const char *var;        /* the private cluster's directory */
	double min_free_gib;    /* less free disk than this is a problem */
};

/*
 * Check libraries, database and schema, rubric, ranking and ladder
 * policies (and that they start months in the same time zone), recording
 * directory and free disk; one line per check on out ("ok", "warn" or
 * "FAIL", what was found, and for a problem what to do).  Returns the
 * number of problems (FAIL lines).
 */
int ops_doctor(const struct ops_doctor *o, FILE *out);

#endif
