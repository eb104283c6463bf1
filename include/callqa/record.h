/*
 * record.h: the record stream between stages.  One call per line, fields
 * separated by TAB, a header line naming the columns, escaped exactly as
 * PostgreSQL's COPY text format (\\ \t \n \r, and \N for NULL).
 *
 * A stage reads with a record_reader, and writes with a record_writer whose
 * columns are the input's columns followed by the stage's own (a column the
 * input already has is overwritten in place, so a stage can be re-run on its
 * own output).  Values are stored unescaped; escaping happens on output.
 *
 *	r = record_reader_new(stdin, "-", &e);
 *	w = record_writer_new(stdout, r, added, nadded);
 *	while ((rc = record_read(r, &e)) != 0) {
 *		record_writer_copy(w, r);
 *		record_set(w, score_col, "87.5");
 *		record_write(w, &e);
 *	}
 */
#ifndef CALLQA_RECORD_H
#define CALLQA_RECORD_H

#include <stdio.h>

#include "callqa/callqa.h"

#define RECORD_LINE_MAX ((size_t)64 << 20) /* longest accepted line */
#define RECORD_COLS_MAX 4096

struct record_reader; /* opaque */
struct record_writer; /* opaque */

/*
 * Read the header line from fp (borrowed; not closed by the reader).  name
 * is used in messages ("-" for stdin) and copied.  Fails on an empty stream,
 * an empty or duplicated column name, or a header that looks like data.
 */
struct record_reader *record_reader_new(FILE *fp, const char *name,
					struct err *e);
void record_reader_free(struct record_reader *r);

int record_reader_ncols(const struct record_reader *r);
/* Column name (borrowed, lives as long as the reader). */
const char *record_reader_colname(const struct record_reader *r, int i);
/* Index of a column by name, or -1. */
int record_reader_col(const struct record_reader *r, const char *name);
/* Line number of the last line read (the header is line 1). */
long record_reader_lineno(const struct record_reader *r);
const char *record_reader_name(const struct record_reader *r);

/*
 * Read the next record.  Returns 1 for a record, 0 at end of input, -1 for
 * a damaged line (ragged, too long, not UTF-8...): e says "NAME:LINE: why",
 * and the fields that could be read are still available (missing ones are
 * NULL), so the caller can pass the call on as a reject.  -2 means a read
 * error on the stream (the batch must stop).
 */
int record_read(struct record_reader *r, struct err *e);
/*
 * Value of column i of the current record, unescaped, or NULL for \N or a
 * missing column (i < 0).  Borrowed: valid until the next record_read().
 */
const char *record_get(const struct record_reader *r, int i);
/* record_get by name. */
const char *record_get_by_name(const struct record_reader *r,
			       const char *name);

/*
 * Writer over fp (borrowed) with the reader's columns (in == NULL: none)
 * followed by the names in add[0..nadd) not already present.  The header is
 * written by the first record_write() or by record_writer_flush_header().
 */
struct record_writer *record_writer_new(FILE *fp,
					const struct record_reader *in,
					const char *const *add, int nadd);
void record_writer_free(struct record_writer *w);
int record_writer_ncols(const struct record_writer *w);
int record_writer_col(const struct record_writer *w, const char *name);
/* Copy every input column of the current record into the row. */
void record_writer_copy(struct record_writer *w,
			const struct record_reader *r);
/* Set column i of the row to a copy of v (NULL writes \N). */
int record_set(struct record_writer *w, int i, const char *v);
int record_setf(struct record_writer *w, int i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set a number with fixed decimals; NaN writes \N. */
int record_set_num(struct record_writer *w, int i, double v, int decimals);
/* Current value of column i of the row being built (borrowed). */
const char *record_peek(const struct record_writer *w, int i);
/* Write the header if not yet written. */
int record_writer_flush_header(struct record_writer *w, struct err *e);
/* Write the row (header first if needed) and clear it; -1 on write error. */
int record_write(struct record_writer *w, struct err *e);

/* Escape s into out in COPY text form (for writers of other streams). */
struct strbuf;
int record_escape(struct strbuf *out, const char *s);

/*
 * status column helpers: "ok" or "rejected:<stage>:<reason>".
 * record_status_ok() is true for NULL, "" and "ok".
 */
int record_status_ok(const char *status);
/* Set the "status" column of w to rejected:<stage>:<reason>. */
int record_reject(struct record_writer *w, const char *stage,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
