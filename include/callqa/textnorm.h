/*
 * textnorm.h: the text normalisation behind phrase matching, so that a
 * rubric phrase matches what a transcript says however it was typed.
 *
 * textnorm() maps, code point by code point:
 *   - full-width ASCII forms (U+FF01..U+FF5E) to ASCII, the ideographic
 *     space U+3000 and other spaces to a space;
 *   - ASCII letters to lower case;
 *   - apostrophes (' ‘ ’ `) to nothing, so "don't" and "dont" are one word;
 *   - punctuation, ASCII and CJK (。，、？！：；“”（）《》…— 「」【】 ...),
 *     to a space;
 * then collapses runs of spaces to one, and drops a space unless it lies
 * between two ASCII characters: "Thank  you!" is "thank you", while
 * "您好， 工号 1234" is "您好工号1234".  Bytes that are not UTF-8 are dropped.
 *
 * textnorm_find() looks for a normalised phrase in a normalised text; an
 * ASCII word must match whole words ("no" is not found in "know"), CJK
 * matches anywhere.
 *
 * textnorm_digits() turns normalised text into the form used for read-back
 * of numbers: number words become digits (Chinese 零〇一幺二两三四五六七八九,
 * English zero oh o one ... nine) and spaces go, so "one two three" and
 * "一二三" and "1 2 3" all read "123".
 */
#ifndef CALLQA_TEXTNORM_H
#define CALLQA_TEXTNORM_H

#include "callqa/strbuf.h"

/* Append the normalised form of in to out; -1 when out is full. */
int textnorm(const char *in, struct strbuf *out);
/* Byte offset of phrase in text (both normalised), or -1; "" never matches. */
long textnorm_find(const char *text, const char *phrase);
/* Append the read-back digit form of norm (normalised text) to out. */
int textnorm_digits(const char *norm, struct strbuf *out);

/*
 * Decode the code point at *s (advancing *s past it); returns -1 for a
 * byte that does not begin well-formed UTF-8 (skipping that byte) and 0 at
 * the terminating NUL (not advancing).
 */
long textnorm_utf8_next(const char **s);
/* Append code point cp (0..0x10FFFF) to sb as UTF-8; -1 when sb is full. */
int textnorm_add_cp(struct strbuf *sb, long cp);

#endif
