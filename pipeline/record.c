/*
 * record.c: reading and writing the TSV record stream (PostgreSQL COPY
 * text format with a header line).  Lines are read with a hard length
 * limit, so a hostile stream cannot exhaust memory; damaged lines are
 * reported with their line number and still yield what could be read.
 */
#include "callqa/record.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/strbuf.h"

struct record_reader {
	FILE *fp;
	char *name;
	long lineno;
	int ncols;
	char **cols;
	struct strbuf line;
	struct strbuf vals;	/* unescaped values, NUL-separated */
	size_t *off;		/* offset of each value in vals */
	unsigned char *isnull;
};

struct record_writer {
	FILE *fp;
	int ncols;
	int ninput;
	char **cols;
	struct strbuf *val;
	unsigned char *isnull;
	struct strbuf out;
	int header_done;
};

/*
 * Read one line into sb without its terminator.  Returns 1 for a line, 0 at
 * EOF, -1 when the line is longer than RECORD_LINE_MAX (it is skipped), -2
 * on a read error.
 */
static int
read_line(FILE *fp, struct strbuf *sb)
{
	char chunk[8192];
	int toolong = 0, any = 0;

	strbuf_reset(sb);
	while (fgets(chunk, sizeof(chunk), fp) != NULL) {
		size_t n = strlen(chunk);
		int eol = n > 0 && chunk[n - 1] == '\n';

		any = 1;
		if (eol)
			n--;
		if (!toolong && (sb->len + n > RECORD_LINE_MAX ||
				 strbuf_add(sb, chunk, n) < 0))
			toolong = 1;
		if (eol)
			break;
	}
	if (ferror(fp))
		return -2;
	if (!any)
		return 0;
	if (toolong)
		return -1;
	if (sb->len > 0 && sb->buf[sb->len - 1] == '\r')
		sb->buf[--sb->len] = '\0';
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Unescape one COPY text field s[0..n) onto out; sets *isnull for \N.
 * Follows PostgreSQL: \b \f \n \r \t \v, \digits (octal), \xhh, and any
 * other backslashed character stands for itself.
 */
static int
unescape(struct strbuf *out, const char *s, size_t n, unsigned char *isnull)
{
	size_t i;
	int rc = 0;

	*isnull = n == 2 && s[0] == '\\' && s[1] == 'N';
	if (*isnull)
		return 0;
	for (i = 0; i < n && rc == 0; i++) {
		char c = s[i];

		if (c != '\\' || i + 1 == n) {
			rc = strbuf_addch(out, c);
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'b': rc = strbuf_addch(out, '\b'); break;
		case 'f': rc = strbuf_addch(out, '\f'); break;
		case 'n': rc = strbuf_addch(out, '\n'); break;
		case 'r': rc = strbuf_addch(out, '\r'); break;
		case 't': rc = strbuf_addch(out, '\t'); break;
		case 'v': rc = strbuf_addch(out, '\v'); break;
		case 'x':
			if (i + 1 < n && hexval(s[i + 1]) >= 0) {
				int v = hexval(s[++i]);

				if (i + 1 < n && hexval(s[i + 1]) >= 0)
					v = v * 16 + hexval(s[++i]);
				rc = strbuf_addch(out, v ? v : '?');
			} else {
				rc = strbuf_addch(out, 'x');
			}
			break;
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', k;

				for (k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' &&
					    s[i + 1] <= '7'; k++)
					v = v * 8 + s[++i] - '0';
				rc = strbuf_addch(out, (v & 0xff) ? v : '?');
			} else {
				rc = strbuf_addch(out, c);
			}
		}
	}
	return rc;
}

/* Split the current line into unescaped fields; returns the field count. */
static int
split_fields(struct record_reader *r, int maxf, int *overflow)
{
	const char *p = r->line.buf, *end = p + r->line.len;
	int n = 0;

	*overflow = 0;
	strbuf_reset(&r->vals);
	for (;;) {
		const char *tab = memchr(p, '\t', end - p);
		size_t len = tab ? (size_t)(tab - p) : (size_t)(end - p);

		if (n < maxf) {
			r->off[n] = r->vals.len;
			if (unescape(&r->vals, p, len, &r->isnull[n]) < 0 ||
			    strbuf_addch(&r->vals, '\0') < 0)
				return -1;
		} else {
			*overflow = 1;
		}
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	return n;
}

static int
valid_colname(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

struct record_reader *
record_reader_new(FILE *fp, const char *name, struct err *e)
{
	struct record_reader *r = calloc(1, sizeof(*r));
	const char *p, *end;
	int rc, i, j;

	if (r == NULL) {
		err_set(e, "%s: out of memory", name);
		return NULL;
	}
	r->fp = fp;
	r->name = strdup(name);
	strbuf_init(&r->line);
	strbuf_init(&r->vals);
	if (r->name == NULL)
		goto nomem;
	rc = read_line(fp, &r->line);
	r->lineno = 1;
	if (rc == -2) {
		err_set(e, "%s: read error: %s", name, strerror(errno));
		goto error;
	}
	if (rc == 0) {
		err_set(e, "%s: empty input: no header line", name);
		goto error;
	}
	if (rc < 0) {
		err_set(e, "%s:1: header line too long", name);
		goto error;
	}
	if (r->line.len >= 3 && memcmp(r->line.buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(r->line.buf, r->line.buf + 3, r->line.len - 2);
		r->line.len -= 3;
	}
	r->ncols = 1;
	for (p = r->line.buf; *p; p++)
		r->ncols += *p == '\t';
	if (r->ncols > RECORD_COLS_MAX) {
		err_set(e, "%s:1: more than %d columns", name, RECORD_COLS_MAX);
		goto error;
	}
	r->cols = calloc(r->ncols, sizeof(*r->cols));
	r->off = calloc(r->ncols, sizeof(*r->off));
	r->isnull = calloc(r->ncols, 1);
	if (!r->cols || !r->off || !r->isnull)
		goto nomem;
	p = r->line.buf;
	end = p + r->line.len;
	for (i = 0; i < r->ncols; i++) {
		const char *tab = memchr(p, '\t', end - p);
		size_t len = tab ? (size_t)(tab - p) : (size_t)(end - p);

		r->cols[i] = strndup(p, len);
		if (r->cols[i] == NULL)
			goto nomem;
		if (!valid_colname(r->cols[i])) {
			err_set(e, "%s:1: missing or bad header line: '%.40s' "
				"is not a column name", name, r->cols[i]);
			goto error;
		}
		for (j = 0; j < i; j++)
			if (strcmp(r->cols[j], r->cols[i]) == 0) {
				err_set(e, "%s:1: duplicate column '%s'", name,
					r->cols[i]);
				goto error;
			}
		p = tab ? tab + 1 : end;
	}
	return r;
nomem:
	err_set(e, "%s: out of memory", name);
error:
	record_reader_free(r);
	return NULL;
}

void
record_reader_free(struct record_reader *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; r->cols && i < r->ncols; i++)
		free(r->cols[i]);
	free(r->cols);
	free(r->off);
	free(r->isnull);
	free(r->name);
	strbuf_release(&r->line);
	strbuf_release(&r->vals);
	free(r);
}

int
record_reader_ncols(const struct record_reader *r)
{
	return r->ncols;
}

const char *
record_reader_colname(const struct record_reader *r, int i)
{
	return i >= 0 && i < r->ncols ? r->cols[i] : NULL;
}

int
record_reader_col(const struct record_reader *r, const char *name)
{
	int i;

	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i], name) == 0)
			return i;
	return -1;
}

long
record_reader_lineno(const struct record_reader *r)
{
	return r->lineno;
}

const char *
record_reader_name(const struct record_reader *r)
{
	return r->name;
}

int
record_read(struct record_reader *r, struct err *e)
{
	int rc, n, overflow, i;

	do {
		rc = read_line(r->fp, &r->line);
		r->lineno++;
	} while (rc == 1 && r->line.len == 0);
	if (rc == 0)
		return 0;
	if (rc == -2) {
		err_set(e, "%s: read error: %s", r->name, strerror(errno));
		return -2;
	}
	strbuf_reset(&r->vals);
	if (rc == -1) {
		for (i = 0; i < r->ncols; i++)
			r->isnull[i] = 1, r->off[i] = 0;
		return err_set(e, "%s:%ld: line longer than %zu bytes", r->name,
			       r->lineno, (size_t)RECORD_LINE_MAX);
	}
	n = split_fields(r, r->ncols, &overflow);
	if (n < 0)
		return err_set(e, "%s:%ld: out of memory", r->name,
			       r->lineno);
	for (i = n; i < r->ncols; i++)
		r->isnull[i] = 1, r->off[i] = 0;
	if (n != r->ncols)
		return err_set(e, "%s:%ld: %d fields where the header has %d",
			       r->name, r->lineno, n, r->ncols);
	for (i = 0; i < r->ncols; i++) {
		const char *v = r->vals.buf + r->off[i];

		if (!r->isnull[i] && !utf8_valid(v, strlen(v)))
			return err_set(e, "%s:%ld: column '%s' is not valid "
				       "UTF-8", r->name, r->lineno, r->cols[i]);
	}
	return 1;
}

const char *
record_get(const struct record_reader *r, int i)
{
	if (i < 0 || i >= r->ncols || r->isnull[i])
		return NULL;
	return r->vals.buf + r->off[i];
}

const char *
record_get_by_name(const struct record_reader *r, const char *name)
{
	return record_get(r, record_reader_col(r, name));
}

struct record_writer *
record_writer_new(FILE *fp, const struct record_reader *in,
		  const char *const *add, int nadd)
{
	struct record_writer *w = calloc(1, sizeof(*w));
	int nin = in ? in->ncols : 0, i, n;

	if (w == NULL)
		return NULL;
	w->fp = fp;
	w->ninput = nin;
	w->cols = calloc(nin + nadd, sizeof(*w->cols));
	w->val = calloc(nin + nadd, sizeof(*w->val));
	w->isnull = calloc(nin + nadd, 1);
	strbuf_init(&w->out);
	if (!w->cols || !w->val || !w->isnull)
		goto error;
	for (n = 0; n < nin; n++)
		if ((w->cols[n] = strdup(in->cols[n])) == NULL)
			goto error;
	for (i = 0; i < nadd; i++) {
		int j, dup = 0;

		for (j = 0; j < n; j++)
			dup |= strcmp(w->cols[j], add[i]) == 0;
		if (!dup && (w->cols[n++] = strdup(add[i])) == NULL)
			goto error;
	}
	w->ncols = n;
	for (i = 0; i < n; i++) {
		strbuf_init(&w->val[i]);
		w->isnull[i] = 1;
	}
	return w;
error:
	w->ncols = nin + nadd;
	record_writer_free(w);
	return NULL;
}

void
record_writer_free(struct record_writer *w)
{
	int i;

	if (w == NULL)
		return;
	for (i = 0; i < w->ncols; i++) {
		if (w->cols)
			free(w->cols[i]);
		if (w->val)
			strbuf_release(&w->val[i]);
	}
	free(w->cols);
	free(w->val);
	free(w->isnull);
	strbuf_release(&w->out);
	free(w);
}

int
record_writer_ncols(const struct record_writer *w)
{
	return w->ncols;
}

int
record_writer_col(const struct record_writer *w, const char *name)
{
	int i;

	for (i = 0; i < w->ncols; i++)
		if (strcmp(w->cols[i], name) == 0)
			return i;
	return -1;
}

void
record_writer_copy(struct record_writer *w, const struct record_reader *r)
{
	int i;

	for (i = 0; i < w->ninput && i < r->ncols; i++)
		record_set(w, i, record_get(r, i));
}

int
record_set(struct record_writer *w, int i, const char *v)
{
	if (i < 0 || i >= w->ncols)
		return -1;
	strbuf_reset(&w->val[i]);
	w->isnull[i] = v == NULL;
	if (v == NULL)
		return 0;
	return strbuf_adds(&w->val[i], v);
}

int
record_setf(struct record_writer *w, int i, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;
	char *big;

	if (i < 0 || i >= w->ncols)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return record_set(w, i, small);
	if ((big = malloc((size_t)n + 1)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	n = record_set(w, i, big);
	free(big);
	return n;
}

int
record_set_num(struct record_writer *w, int i, double v, int decimals)
{
	if (!isfinite(v))
		return record_set(w, i, NULL);
	if (v == 0)
		v = 0;
	return record_setf(w, i, "%.*f", decimals, v);
}

const char *
record_peek(const struct record_writer *w, int i)
{
	if (i < 0 || i >= w->ncols || w->isnull[i])
		return NULL;
	return w->val[i].buf;
}

int
record_escape(struct strbuf *out, const char *s)
{
	const char *p;
	int rc = 0;

	if (s == NULL)
		return strbuf_adds(out, "\\N");
	for (p = s; *p && rc == 0; p++) {
		switch (*p) {
		case '\\': rc = strbuf_adds(out, "\\\\"); break;
		case '\t': rc = strbuf_adds(out, "\\t"); break;
		case '\n': rc = strbuf_adds(out, "\\n"); break;
		case '\r': rc = strbuf_adds(out, "\\r"); break;
		default: rc = strbuf_addch(out, *p);
		}
	}
	return rc;
}

static int
write_out(struct record_writer *w, struct err *e)
{
	if (fwrite(w->out.buf, 1, w->out.len, w->fp) != w->out.len)
		return err_set(e, "write error: %s", strerror(errno));
	strbuf_reset(&w->out);
	return 0;
}

int
record_writer_flush_header(struct record_writer *w, struct err *e)
{
	int i;

	if (w->header_done)
		return 0;
	strbuf_reset(&w->out);
	for (i = 0; i < w->ncols; i++) {
		if (i)
			strbuf_addch(&w->out, '\t');
		strbuf_adds(&w->out, w->cols[i]);
	}
	strbuf_addch(&w->out, '\n');
	w->header_done = 1;
	return write_out(w, e);
}

int
record_write(struct record_writer *w, struct err *e)
{
	int i, rc = 0;

	if (record_writer_flush_header(w, e) < 0)
		return -1;
	strbuf_reset(&w->out);
	for (i = 0; i < w->ncols; i++) {
		if (i)
			rc |= strbuf_addch(&w->out, '\t');
		rc |= record_escape(&w->out, w->isnull[i] ? NULL
							  : w->val[i].buf);
		strbuf_reset(&w->val[i]);
		w->isnull[i] = 1;
	}
	rc |= strbuf_addch(&w->out, '\n');
	if (rc)
		return err_set(e, "record too long");
	return write_out(w, e);
}

int
record_status_ok(const char *status)
{
	return status == NULL || *status == '\0' || strcmp(status, "ok") == 0;
}

int
record_reject(struct record_writer *w, const char *stage, const char *fmt,
	      ...)
{
	struct strbuf sb = STRBUF_INIT;
	char reason[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	rc = strbuf_addf(&sb, "rejected:%s:%s", stage, reason);
	if (rc == 0)
		rc = record_set(w, record_writer_col(w, "status"), sb.buf);
	strbuf_release(&sb);
	return rc;
}
