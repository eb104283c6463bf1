/*
 * score.h: scoring one call against a rubric (see rubric.h and
 * callqa-rubric(5)), the inspector's marks, and the plain-words score
 * sheet of a scored call.
 *
 * A call's values are read through a lookup function (column name ->
 * value or NULL), so the same code scores a live record, a stored one, or
 * a test's table.  The transcript named by the "transcript" column is read
 * when an item needs it.
 *
 * Score: each item earns 0..points; an item that does not apply (no value,
 * no transcript, a bad transcript, no mark, a customer metric on a mono
 * call) is N/A and leaves the denominator.  A section's score is 100 x
 * earned / possible over its applicable items (N/A when it has none); the
 * call's score is the weight-averaged mean of the applicable sections,
 * rounded half up to one decimal.  A failed critical item makes the score 0.
 * An ineligible call (eligibility rules) has no score.
 *
 * The stage over record streams, as callqa-score runs it:
 *
 *	s = score_stream_new(stdout, rb, mk, warn, NULL);
 *	score_stream_input(s, stdin, "-", &e);	(once per input)
 *	score_stream_end(s, &e);
 *	score_stream_stats(s, &st);
 *	score_stream_free(s);
 */
#ifndef CALLQA_SCORE_H
#define CALLQA_SCORE_H

#include <math.h>
#include <stdio.h>

#include "callqa/callqa.h"
#include "callqa/rubric.h"
#include "callqa/strbuf.h"

/* Value of a column of the call (borrowed, valid during score_call), or
 * NULL when the column is missing or NULL. */
typedef const char *(*score_get_fn)(void *arg, const char *column);

struct marks; /* opaque: manual marks by call and item */

/*
 * Read a marks CSV (header call_id,item,result,points,inspector,note;
 * result is pass, fail or points).  Rows that cannot be used (unknown
 * item, bad result or points, damaged row) are skipped with a line
 * "FILE:LINE: why\n" appended to warnings; a later mark for the same call
 * and item replaces an earlier one.  NULL (e set) when the file cannot be
 * read or lacks a column.
 */
struct marks *marks_load(const char *path, const struct rubric *rb,
			 struct strbuf *warnings, struct err *e);
void marks_free(struct marks *mk);
/* Number of marks kept. */
size_t marks_count(const struct marks *mk);

struct score_result {
	int eligible;
	char ineligible_reason[256];
	double score;	       /* NaN when ineligible */
	double *section;       /* per rubric section, NaN when N/A */
	size_t nsections;
	int critical_fail;
	struct strbuf items;   /* the items JSON array */
	struct strbuf warnings; /* lines ("...\n") for the operator */
};

void score_result_init(struct score_result *res, const struct rubric *rb);
void score_result_release(struct score_result *res);

/*
 * Score one call; fills res (its previous content is replaced).  Returns
 * -1 only when out of memory (e set); every problem of the call itself
 * (bad transcript, odd values) becomes N/A evidence and a warning.
 */
int score_call(const struct rubric *rb, score_get_fn get, void *arg,
	       const struct marks *mk, struct score_result *res,
	       struct err *e);

/*
 * Append the score sheet of a scored call, in plain words, to out: a few
 * header lines (call, rubric, score, sections) and one line per item, for
 * example "问候语 greeting: +10 of 10, said “您好” at 0:02".  Reads the
 * columns written by callqa-score (rubric, rubric_version, score,
 * score_<section>, critical_fail, eligible, ineligible_reason, items);
 * sections lists the score_<section> column names to show.  When rb is
 * not NULL (the rubric the call was scored with), sections are shown with
 * their labels and weights instead, and a note says so if the record names
 * another rubric version.  -1 (e set) when the items JSON cannot be read.
 */
int score_explain(score_get_fn get, void *arg, const struct rubric *rb,
		  const char *const *sections, size_t nsections,
		  struct strbuf *out, struct err *e);

/*
 * The score stage: records in, the same records out with the columns
 * rubric, rubric_version, score, score_<section> for each section of the
 * rubric, critical_fail, eligible, ineligible_reason and items added (a
 * column already present is overwritten in place).  A record rejected
 * upstream passes through untouched; a damaged record or a call that
 * cannot be scored becomes a reject "rejected:score:<reason>".
 */
struct score_stream; /* opaque */

/* Called for each reject reason and each warning of a scored call
 * (score_result.warnings, one line per call, without the newline); why
 * is borrowed, valid during the call. */
typedef void score_warn_fn(const char *why, void *arg);

struct score_stats {
	long inputs; /* records read, damaged ones included */
};

/*
 * Start the stage writing to out, scoring with rb and mk (all borrowed
 * and must outlive the stream; rb is required, mk may be NULL).  warn
 * may be NULL.  NULL when out of memory.
 */
struct score_stream *score_stream_new(FILE *out, const struct rubric *rb,
				      const struct marks *mk,
				      score_warn_fn *warn, void *arg);
void score_stream_free(struct score_stream *s);

/*
 * Score the records of one input in (borrowed, not closed), named name in
 * messages.  The first input with a header line fixes the output columns;
 * every later one must have the same columns.  An empty input (no header
 * line) is skipped.  Returns 0 when the input was read to its end
 * (rejects included), -1 (e set) when the stage must stop: an unreadable
 * header, columns that differ from the first input's, a read or write
 * error, or no memory; the records before were written.
 */
int score_stream_input(struct score_stream *s, FILE *in, const char *name,
		       struct err *e);

/*
 * Finish: write the header line if records were expected but none came
 * (an input with a header and no records), so that the output is still
 * a stream.  Nothing is written when no input had a header.  -1 (e set)
 * on a write error.
 */
int score_stream_end(struct score_stream *s, struct err *e);

void score_stream_stats(const struct score_stream *s, struct score_stats *st);

/*
 * Called for a call whose sheet cannot be read, with "NAME:LINE: why"
 * (borrowed, valid during the call); the part of the sheet that could be
 * made is written all the same.
 */
typedef void score_explain_fn(const char *why, void *arg);

/*
 * Write to out the score sheet (score_explain, rb may be NULL) of every
 * record of in (a scored stream named name in messages; both borrowed)
 * whose call_id is call_id; *found is incremented for each.  An empty
 * input is no error.  0, or -1 (e set) when the header cannot be read
 * or on a read error.
 */
int score_explain_stream(FILE *in, const char *name, FILE *out,
			 const char *call_id, const struct rubric *rb,
			 score_explain_fn *bad, void *arg, long *found,
			 struct err *e);

#endif
