/*
 * strbuf.c: growable strings with a ceiling, and the JSON writers used for
 * the structured columns.
 */
#include "callqa/strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_empty[1];

void
strbuf_init(struct strbuf *sb)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
	sb->max = 0;
}

void
strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb);
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

int
strbuf_grow(struct strbuf *sb, size_t n)
{
	size_t max = sb->max ? sb->max : STRBUF_MAX;
	size_t want;
	char *p;

	if (n > max || sb->len > max - n)
		return -1;
	want = sb->len + n + 1;
	if (want <= sb->alloc)
		return 0;
	if (want < 64)
		want = 64;
	if (want < sb->alloc + sb->alloc / 2)
		want = sb->alloc + sb->alloc / 2;
	p = realloc(sb->alloc ? sb->buf : NULL, want);
	if (p == NULL)
		return -1;
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = want;
	return 0;
}

int
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_grow(sb, len) < 0)
		return -1;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int
strbuf_adds(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int
strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	return strbuf_add(sb, &ch, 1);
}

int
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (strbuf_grow(sb, 64) < 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sb->alloc - sb->len) {
		if (strbuf_grow(sb, (size_t)n) < 0) {
			sb->buf[sb->len] = '\0';
			return -1;
		}
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
	return 0;
}

char *
strbuf_detach(struct strbuf *sb)
{
	char *p = sb->alloc ? sb->buf : strdup("");

	strbuf_init(sb);
	return p;
}

static size_t seqlen_n(const unsigned char *p, size_t avail);

size_t
utf8_seqlen(const char *s)
{
	/* In a NUL-terminated string a NUL ends any sequence early. */
	return seqlen_n((const unsigned char *)s, 4);
}

/* The length of the sequence at p, reading at most avail bytes. */
static size_t
seqlen_n(const unsigned char *p, size_t avail)
{
	size_t n, i;
	unsigned long cp;

	if (p[0] < 0x80)
		return p[0] ? 1 : 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = seqlen_n((const unsigned char *)s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

int
strbuf_add_json_str(struct strbuf *sb, const char *s)
{
	const unsigned char *p;
	int rc = 0;

	if (s == NULL)
		return strbuf_adds(sb, "null");
	rc |= strbuf_addch(sb, '"');
	for (p = (const unsigned char *)s; *p && rc == 0; p++) {
		switch (*p) {
		case '"':
			rc |= strbuf_adds(sb, "\\\"");
			break;
		case '\\':
			rc |= strbuf_adds(sb, "\\\\");
			break;
		case '\n':
			rc |= strbuf_adds(sb, "\\n");
			break;
		case '\t':
			rc |= strbuf_adds(sb, "\\t");
			break;
		case '\r':
			rc |= strbuf_adds(sb, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				rc |= strbuf_addf(sb, "\\u%04x", *p);
			} else if (*p < 0x80) {
				rc |= strbuf_addch(sb, *p);
			} else {
				/* Bad UTF-8 would make jsonb refuse the text. */
				size_t n = utf8_seqlen((const char *)p);

				if (n == 0) {
					rc |= strbuf_adds(sb, "\\ufffd");
				} else {
					rc |= strbuf_add(sb, p, n);
					p += n - 1;
				}
			}
		}
	}
	rc |= strbuf_addch(sb, '"');
	return rc ? -1 : 0;
}

int
strbuf_add_json_num(struct strbuf *sb, double v, int decimals)
{
	if (!isfinite(v))
		return strbuf_adds(sb, "null");
	if (v == 0)
		v = 0; /* no "-0.000" */
	return strbuf_addf(sb, "%.*f", decimals, v);
}
