/*
 * csv.c: a streaming RFC 4180 reader.  It reads byte by byte through stdio,
 * keeps one row in memory, and bounds each field, so a hostile manifest
 * cannot exhaust memory.
 */
#include "callqa/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/strbuf.h"

struct csv {
	FILE *fp;
	char *name;
	long line;	/* current line of the reader */
	long rowline;	/* line where the current row began */
	int ncols;
	char **cols;
	int nfields;
	struct strbuf vals; /* fields, NUL-separated */
	size_t *off;
	int cap;
};

enum { ROW_OK = 1, ROW_EOF = 0, ROW_BAD = -1, ROW_IOERR = -2 };

/*
 * Read one row into c->vals/off (at most c->cap fields are kept; the count
 * goes to c->nfields).  *why is set for a damaged row.
 */
static int
read_row(struct csv *c, const char **why)
{
	int ch, quoted = 0, inq = 0, any = 0, toolong = 0;
	size_t fieldlen = 0;

	*why = NULL;
	strbuf_reset(&c->vals);
	c->nfields = 0;
	c->rowline = c->line;
	c->off[0] = 0;
	for (;;) {
		ch = getc(c->fp);
		if (ch == EOF) {
			if (ferror(c->fp))
				return ROW_IOERR;
			if (!any)
				return ROW_EOF;
			if (inq)
				*why = "unterminated quoted field";
			break;
		}
		any = 1;
		if (inq) {
			if (ch == '"') {
				int next = getc(c->fp);

				if (next == '"')
					goto add;
				inq = 0;
				if (next != EOF)
					ungetc(next, c->fp);
				continue;
			}
			if (ch == '\n')
				c->line++;
			goto add;
		}
		if (ch == '\r') {
			int next = getc(c->fp);

			if (next == '\n')
				ch = '\n';
			else if (next != EOF)
				ungetc(next, c->fp);
		}
		if (ch == '"' && fieldlen == 0 && !quoted) {
			inq = quoted = 1;
			continue;
		}
		if (ch == ',' || ch == '\n') {
			if (c->nfields < c->cap)
				strbuf_addch(&c->vals, '\0');
			c->nfields++;
			if (ch == '\n') {
				c->line++;
				if (c->nfields == 1 && c->vals.len == 1 && !quoted) {
					/* A blank line: read on. */
					strbuf_reset(&c->vals);
					c->nfields = 0;
					c->rowline = c->line;
					any = 0;
					continue;
				}
				return toolong ? (*why = "field too long", ROW_BAD)
					       : ROW_OK;
			}
			if (c->nfields < c->cap)
				c->off[c->nfields] = c->vals.len;
			quoted = 0;
			fieldlen = 0;
			continue;
		}
		if (ch == '"' && quoted && !*why)
			*why = "stray quote after a quoted field";
	add:
		fieldlen++;
		if (fieldlen > CSV_FIELD_MAX) {
			toolong = 1;
			continue;
		}
		if (c->nfields < c->cap && strbuf_addch(&c->vals, ch) < 0)
			toolong = 1;
	}
	/* The last line had no newline. */
	if (c->nfields < c->cap)
		strbuf_addch(&c->vals, '\0');
	c->nfields++;
	if (toolong && !*why)
		*why = "field too long";
	return *why ? ROW_BAD : ROW_OK;
}

static char *
trimdup(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

struct csv *
csv_new(FILE *fp, const char *name, struct err *e)
{
	struct csv *c = calloc(1, sizeof(*c));
	const char *why;
	int rc, i, j, ch;

	if (c == NULL || (c->name = strdup(name)) == NULL) {
		free(c);
		err_set(e, "%s: out of memory", name);
		return NULL;
	}
	c->fp = fp;
	c->line = 1;
	c->cap = CSV_COLS_MAX;
	strbuf_init(&c->vals);
	c->off = calloc(c->cap + 1, sizeof(*c->off));
	if (c->off == NULL) {
		err_set(e, "%s: out of memory", name);
		goto error;
	}
	/* Skip a UTF-8 byte-order mark. */
	if ((ch = getc(fp)) == 0xef) {
		if (getc(fp) != 0xbb || getc(fp) != 0xbf) {
			err_set(e, "%s:1: not a CSV header line", name);
			goto error;
		}
	} else if (ch != EOF) {
		ungetc(ch, fp);
	}
	rc = read_row(c, &why);
	if (rc == ROW_IOERR) {
		err_set(e, "%s: read error: %s", name, strerror(errno));
		goto error;
	}
	if (rc == ROW_EOF) {
		err_set(e, "%s: empty manifest: no header line", name);
		goto error;
	}
	if (rc == ROW_BAD) {
		err_set(e, "%s:1: bad header line: %s", name, why);
		goto error;
	}
	if (c->nfields > c->cap) {
		err_set(e, "%s:1: more than %d columns", name, c->cap);
		goto error;
	}
	c->ncols = c->nfields;
	c->cols = calloc(c->ncols, sizeof(*c->cols));
	if (c->cols == NULL)
		goto nomem;
	for (i = 0; i < c->ncols; i++) {
		if ((c->cols[i] = trimdup(c->vals.buf + c->off[i])) == NULL)
			goto nomem;
		if (c->cols[i][0] == '\0') {
			err_set(e, "%s:1: column %d has no name", name, i + 1);
			goto error;
		}
		for (j = 0; j < i; j++)
			if (strcmp(c->cols[j], c->cols[i]) == 0) {
				err_set(e, "%s:1: duplicate column '%s'", name,
					c->cols[i]);
				goto error;
			}
	}
	c->cap = c->ncols;
	return c;
nomem:
	err_set(e, "%s: out of memory", name);
error:
	csv_free(c);
	return NULL;
}

void
csv_free(struct csv *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; c->cols && i < c->ncols; i++)
		free(c->cols[i]);
	free(c->cols);
	free(c->off);
	free(c->name);
	strbuf_release(&c->vals);
	free(c);
}

int
csv_ncols(const struct csv *c)
{
	return c->ncols;
}

const char *
csv_colname(const struct csv *c, int i)
{
	return i >= 0 && i < c->ncols ? c->cols[i] : NULL;
}

int
csv_col(const struct csv *c, const char *name)
{
	int i;

	for (i = 0; i < c->ncols; i++)
		if (strcmp(c->cols[i], name) == 0)
			return i;
	return -1;
}

int
csv_read(struct csv *c, struct err *e)
{
	const char *why;
	int rc = read_row(c, &why), i;

	if (rc == ROW_IOERR)
		return err_set(e, "%s: read error: %s", c->name,
			       strerror(errno)), ROW_IOERR;
	if (rc == ROW_EOF)
		return 0;
	if (rc == ROW_BAD)
		return err_set(e, "%s:%ld: %s", c->name, c->rowline, why);
	if (c->nfields != c->ncols)
		return err_set(e, "%s:%ld: %d fields where the header has %d",
			       c->name, c->rowline, c->nfields, c->ncols);
	for (i = 0; i < c->ncols; i++) {
		const char *v = c->vals.buf + c->off[i];

		if (!utf8_valid(v, strlen(v)))
			return err_set(e, "%s:%ld: column '%s' is not valid "
				       "UTF-8", c->name, c->rowline,
				       c->cols[i]);
	}
	return 1;
}

const char *
csv_get(const struct csv *c, int i)
{
	if (i < 0 || i >= c->ncols || i >= c->nfields)
		return NULL;
	return c->vals.buf + c->off[i];
}

long
csv_lineno(const struct csv *c)
{
	return c->rowline;
}
