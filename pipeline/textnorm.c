/*
 * textnorm.c: normalising transcript text and rubric phrases for matching
 * (see textnorm.h for the rules), and the digit form for read-backs.
 */
#include "callqa/textnorm.h"

#include <string.h>

long
textnorm_utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t n = utf8_seqlen(*s);
	long cp;

	if (*p == 0)
		return 0;
	if (n == 0) {
		(*s)++;
		return -1;
	}
	if (n == 1)
		cp = p[0];
	else if (n == 2)
		cp = (long)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	else if (n == 3)
		cp = (long)(p[0] & 0x0f) << 12 | (long)(p[1] & 0x3f) << 6 |
		     (p[2] & 0x3f);
	else
		cp = (long)(p[0] & 0x07) << 18 | (long)(p[1] & 0x3f) << 12 |
		     (long)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	*s += n;
	return cp;
}

int
textnorm_add_cp(struct strbuf *sb, long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return strbuf_add(sb, b, n);
}

/* Classes of code points after width folding. */
enum { C_KEEP, C_SPACE, C_DROP };

static int
classify(long cp)
{
	if (cp == '\'' || cp == '`' || cp == 0x2018 || cp == 0x2019 ||
	    cp == 0xb4)
		return C_DROP;
	if (cp < 0x80) {
		if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z'))
			return C_KEEP;
		return C_SPACE; /* controls, spaces and ASCII punctuation */
	}
	if (cp >= 0x3005 && cp <= 0x3007)
		return C_KEEP; /* 々 〆 〇 are letters, not punctuation */
	if (cp == 0xa0 || cp == 0xb7 || (cp >= 0x2000 && cp <= 0x206f) ||
	    (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xfe50 && cp <= 0xfe6f) || (cp >= 0xff5f && cp <= 0xff65) ||
	    cp == 0xfeff || cp == 0x30fb)
		return C_SPACE; /* spaces and CJK / general punctuation */
	if (cp == 0xff5e)
		return C_SPACE;
	return C_KEEP;
}

int
textnorm(const char *in, struct strbuf *out)
{
	const char *s = in;
	int pending = 0, last_ascii = 0, any = 0;
	long cp;

	while ((cp = textnorm_utf8_next(&s)) != 0) {
		int cl;

		if (cp < 0)
			continue;
		if (cp >= 0xff01 && cp <= 0xff5e)
			cp -= 0xfee0;
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		cl = classify(cp);
		if (cl == C_DROP)
			continue;
		if (cl == C_SPACE) {
			pending = 1;
			continue;
		}
		if (pending && any && last_ascii && cp < 0x80 &&
		    strbuf_addch(out, ' ') < 0)
			return -1;
		pending = 0;
		if (textnorm_add_cp(out, cp) < 0)
			return -1;
		any = 1;
		last_ascii = cp < 0x80;
	}
	return 0;
}

static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

long
textnorm_find(const char *text, const char *phrase)
{
	size_t n = strlen(phrase);
	const char *p = text;

	if (n == 0)
		return -1;
	while ((p = strstr(p, phrase)) != NULL) {
		int ok = 1;

		if (is_alnum(phrase[0]) && p > text && is_alnum(p[-1]))
			ok = 0;
		if (is_alnum(phrase[n - 1]) && is_alnum(p[n]))
			ok = 0;
		if (ok)
			return (long)(p - text);
		p++;
	}
	return -1;
}

static int
zh_digit(long cp)
{
	switch (cp) {
	case 0x96f6: /* 零 */
	case 0x3007: /* 〇 */
		return 0;
	case 0x4e00: /* 一 */
	case 0x5e7a: /* 幺 */
		return 1;
	case 0x4e8c: /* 二 */
	case 0x4e24: /* 两 */
		return 2;
	case 0x4e09:
		return 3;
	case 0x56db:
		return 4;
	case 0x4e94:
		return 5;
	case 0x516d:
		return 6;
	case 0x4e03:
		return 7;
	case 0x516b:
		return 8;
	case 0x4e5d:
		return 9;
	}
	return -1;
}

static int
en_digit(const char *w, size_t n)
{
	static const char *const words[] = { "zero", "one", "two", "three",
					     "four", "five", "six", "seven",
					     "eight", "nine" };
	int i;

	if ((n == 2 && memcmp(w, "oh", 2) == 0) || (n == 1 && w[0] == 'o'))
		return 0;
	for (i = 0; i < 10; i++)
		if (strlen(words[i]) == n && memcmp(w, words[i], n) == 0)
			return i;
	return -1;
}

int
textnorm_digits(const char *norm, struct strbuf *out)
{
	const char *s = norm;

	while (*s) {
		const char *t = s;
		long cp;
		int d;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (*s >= 'a' && *s <= 'z') {
			while (*t >= 'a' && *t <= 'z')
				t++;
			if ((d = en_digit(s, (size_t)(t - s))) >= 0) {
				if (strbuf_addch(out, '0' + d) < 0)
					return -1;
			} else if (strbuf_add(out, s, (size_t)(t - s)) < 0)
				return -1;
			s = t;
			continue;
		}
		cp = textnorm_utf8_next(&s);
		if (cp < 0)
			continue;
		if ((d = zh_digit(cp)) >= 0) {
			if (strbuf_addch(out, '0' + d) < 0)
				return -1;
		} else if (textnorm_add_cp(out, cp) < 0)
			return -1;
	}
	return 0;
}
