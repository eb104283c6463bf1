/*
 * strbuf.h: a growable NUL-terminated byte buffer with a hard maximum, and
 * writers for the JSON text that travels in record columns (segment
 * timelines, item results).
 *
 * A strbuf is embedded: STRBUF_INIT or strbuf_init(), then strbuf_release().
 * Appending past the maximum (STRBUF_MAX unless set) fails with -1 and
 * leaves the buffer as it was; sb->buf is always a valid string.
 */
#ifndef CALLQA_STRBUF_H
#define CALLQA_STRBUF_H

#include <stddef.h>

#define STRBUF_MAX ((size_t)64 << 20) /* 64 MiB */

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max; /* 0 means STRBUF_MAX */
};

extern char strbuf_empty[];
#define STRBUF_INIT { strbuf_empty, 0, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Ensure room for n more bytes; -1 when over the maximum or out of memory. */
int strbuf_grow(struct strbuf *sb, size_t n);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_adds(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, int c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Take the buffer (caller frees with free()); sb is left empty. */
char *strbuf_detach(struct strbuf *sb);

/*
 * Length of the well-formed UTF-8 sequence at s (1..4), or 0 when s starts
 * with a byte that does not begin one (or at the terminating NUL).
 */
size_t utf8_seqlen(const char *s);
/* True when s[0..len) is well-formed UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t len);

/*
 * Append s as a JSON string literal, quotes included (NULL: null).  Bytes
 * that are not UTF-8 become U+FFFD, so the result is always valid JSON.
 */
int strbuf_add_json_str(struct strbuf *sb, const char *s);
/* Append a JSON number with the given decimals; NaN/Inf become null. */
int strbuf_add_json_num(struct strbuf *sb, double v, int decimals);

#endif
