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
 */
#ifndef CALLQA_SCORE_H
#define CALLQA_SCORE_H

#include <math.h>

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

#endif
