/*
 * csv.h: reading the manifest CSV that call-recording systems export
 * (RFC 4180: a header line, comma-separated fields, quoted fields that may
 * hold commas, doubled quotes and line breaks; CRLF or LF line ends; a
 * UTF-8 byte-order mark is skipped).
 */
#ifndef CALLQA_CSV_H
#define CALLQA_CSV_H

#include <stdio.h>

#include "callqa/callqa.h"

#define CSV_FIELD_MAX ((size_t)1 << 20) /* longest accepted field */
#define CSV_COLS_MAX 1024

struct csv; /* opaque */

/*
 * Read the header from fp (borrowed).  name is used in messages.  Column
 * names are trimmed of surrounding spaces; empty or duplicated names fail.
 */
struct csv *csv_new(FILE *fp, const char *name, struct err *e);
void csv_free(struct csv *c);

int csv_ncols(const struct csv *c);
/* Column name (borrowed, valid while c lives). */
const char *csv_colname(const struct csv *c, int i);
int csv_col(const struct csv *c, const char *name);

/*
 * Read the next row: 1 for a row, 0 at the end, -1 for a damaged row
 * (wrong field count, unterminated quote, field too long, not UTF-8): e says
 * "NAME:LINE: why" and the fields that could be read remain available, -2 on
 * a read error.  Blank lines are skipped.
 */
int csv_read(struct csv *c, struct err *e);
/* Field i of the current row, or NULL if absent (borrowed: valid until
 * the next csv_read). */
const char *csv_get(const struct csv *c, int i);
/* Line on which the current row started. */
long csv_lineno(const struct csv *c);

#endif
