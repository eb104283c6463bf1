/*
 * transcript.c: reading TSV, WebVTT and SRT transcripts into segments with
 * a speaker, original and normalised text, checking that times parse and
 * go forward (see transcript.h).
 */
#include "callqa/transcript.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/strbuf.h"
#include "callqa/textnorm.h"

enum fmt { FMT_TSV, FMT_VTT, FMT_SRT };

struct parse {
	struct transcript *t;
	const char *buf, *end, *p; /* the text and the read position */
	long lineno;
	int agent_channel;
	size_t cap;
	struct err *e;
};

void
transcript_free(struct transcript *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nseg; i++) {
		free(t->seg[i].text);
		free(t->seg[i].norm);
	}
	free(t->seg);
	free(t->path);
	free(t);
}

static int
lower_eq(const char *s, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != w[i])
			return 0;
	}
	return 1;
}

enum transcript_speaker
transcript_speaker(const char *name, size_t len, int agent_channel)
{
	static const char *const agent[] = { "agent", "坐席", "客服", "staff",
					     "operator" };
	static const char *const cust[] = { "customer", "客户", "用户",
					    "caller", "client" };
	static const char *const pre[] = { "speaker", "spk", "channel", "ch" };
	size_t i, k;

	while (len > 0 && (*name == ' ' || *name == '\t'))
		name++, len--;
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (i = 0; i < sizeof(agent) / sizeof(agent[0]); i++)
		if (lower_eq(name, len, agent[i]))
			return TRANSCRIPT_AGENT;
	for (i = 0; i < sizeof(cust) / sizeof(cust[0]); i++)
		if (lower_eq(name, len, cust[i]))
			return TRANSCRIPT_CUSTOMER;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t n = strlen(pre[i]);

		if (len > n && lower_eq(name, n, pre[i])) {
			name += n, len -= n;
			if (len > 1 && (*name == ' ' || *name == '_'))
				name++, len--;
			break;
		}
	}
	if (len == 0 || len > 2)
		return TRANSCRIPT_UNKNOWN;
	for (k = 0; k < len; k++)
		if (name[k] < '0' || name[k] > '9')
			return TRANSCRIPT_UNKNOWN;
	return atoi(name) == agent_channel ? TRANSCRIPT_AGENT
					   : TRANSCRIPT_CUSTOMER;
}

/* Parse unsigned digits (at least one); -1 if none. */
static int
digits(const char **s, const char *end, double *v, int *n)
{
	*v = 0;
	*n = 0;
	while (*s < end && **s >= '0' && **s <= '9') {
		*v = *v * 10 + (**s - '0');
		(*s)++;
		(*n)++;
	}
	return *n ? 0 : -1;
}

int
transcript_parse_time(const char *s, size_t len, double *t)
{
	const char *end = s + len, *p = s;
	double part[3], v, frac = 0, scale = 1;
	int np = 0, n;

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	for (;;) {
		if (np == 3 || digits(&p, end, &v, &n) < 0 || n > 6)
			return -1;
		part[np++] = v;
		if (p < end && *p == ':') {
			p++;
			continue;
		}
		break;
	}
	if (p < end && (*p == '.' || *p == ',')) {
		p++;
		if (p == end)
			return -1;
		while (p < end && *p >= '0' && *p <= '9' && scale < 1e9) {
			scale *= 10;
			frac += (*p - '0') / scale;
			p++;
		}
	}
	if (p != end)
		return -1;
	if (np == 1)
		v = part[0];
	else if (np == 2) {
		if (part[1] >= 60)
			return -1;
		v = part[0] * 60 + part[1];
	} else {
		if (part[1] >= 60 || part[2] >= 60)
			return -1;
		v = part[0] * 3600 + part[1] * 60 + part[2];
	}
	*t = v + frac;
	return isfinite(*t) ? 0 : -1;
}

/* Next line (without its LF or CRLF) in *ln / *n; 0 at the end. */
static int
next_line(struct parse *ps, const char **ln, size_t *n)
{
	const char *nl;

	if (ps->p >= ps->end)
		return 0;
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	*ln = ps->p;
	*n = nl ? (size_t)(nl - ps->p) : (size_t)(ps->end - ps->p);
	ps->p = nl ? nl + 1 : ps->end;
	if (*n > 0 && (*ln)[*n - 1] == '\r')
		(*n)--;
	ps->lineno++;
	return 1;
}

static int
add_seg(struct parse *ps, double start, double end,
	enum transcript_speaker sp, const char *text, size_t len, long line)
{
	struct transcript *t = ps->t;
	struct transcript_seg *s;
	struct strbuf nb = STRBUF_INIT;
	size_t i;

	if (end < start)
		return err_set(ps->e, "%s:%ld: segment ends (%.3f) before it "
			       "starts (%.3f)", t->path, line, end, start);
	if (t->nseg > 0 && start < t->seg[t->nseg - 1].start)
		return err_set(ps->e, "%s:%ld: segment out of order: starts "
			       "at %.3f, before the previous one (line %ld, "
			       "%.3f)", t->path, line, start,
			       t->seg[t->nseg - 1].line,
			       t->seg[t->nseg - 1].start);
	for (i = t->nseg; sp != TRANSCRIPT_UNKNOWN && i-- > 0;)
		if (t->seg[i].speaker == sp) {
			if (start < t->seg[i].end - TRANSCRIPT_OVERLAP_TOL)
				return err_set(ps->e, "%s:%ld: segment "
					       "overlaps the same speaker's "
					       "previous one (line %ld, ends "
					       "%.3f)", t->path, line,
					       t->seg[i].line, t->seg[i].end);
			break;
		}
	if (t->nseg == ps->cap) {
		size_t ncap = ps->cap ? ps->cap * 2 : 32;
		void *ns = realloc(t->seg, ncap * sizeof(*t->seg));

		if (ns == NULL)
			return err_set(ps->e, "out of memory");
		t->seg = ns;
		ps->cap = ncap;
	}
	s = &t->seg[t->nseg];
	s->text = strndup(text, len);
	if (s->text == NULL || textnorm(s->text, &nb) < 0) {
		free(s->text);
		strbuf_release(&nb);
		return err_set(ps->e, "out of memory");
	}
	s->norm = strbuf_detach(&nb);
	s->start = start;
	s->end = end;
	s->speaker = sp;
	s->line = line;
	t->nseg++;
	return 0;
}

static int
parse_tsv(struct parse *ps)
{
	const char *ln, *f[4];
	size_t n, fl[4];

	while (next_line(ps, &ln, &n)) {
		const char *p = ln, *end = ln + n;
		double a, b;
		enum transcript_speaker sp;
		int k;

		if (n == 0 || ln[0] == '#')
			continue;
		for (k = 0; k < 3; k++) {
			const char *tab = memchr(p, '\t', (size_t)(end - p));

			if (tab == NULL)
				return err_set(ps->e, "%s:%ld: %d fields, want "
					       "start, end, speaker, text",
					       ps->t->path, ps->lineno, k + 1);
			f[k] = p;
			fl[k] = (size_t)(tab - p);
			p = tab + 1;
		}
		f[3] = p;
		fl[3] = (size_t)(end - p);
		if (ps->t->nseg == 0 && ps->lineno == 1 &&
		    lower_eq(f[0], fl[0], "start"))
			continue;
		for (k = 0; k < 2; k++)
			if (transcript_parse_time(f[k], fl[k], k ? &b : &a) < 0)
				return err_set(ps->e, "%s:%ld: bad time '%.*s' "
					       "(want seconds or HH:MM:SS.mmm)",
					       ps->t->path, ps->lineno,
					       (int)(fl[k] > 40 ? 40 : fl[k]),
					       f[k]);
		sp = transcript_speaker(f[2], fl[2], ps->agent_channel);
		if (sp == TRANSCRIPT_UNKNOWN)
			return err_set(ps->e, "%s:%ld: unknown speaker "
				       "'%.*s' (want agent, customer or a "
				       "channel number)", ps->t->path,
				       ps->lineno,
				       (int)(fl[2] > 40 ? 40 : fl[2]), f[2]);
		if (add_seg(ps, a, b, sp, f[3], fl[3], ps->lineno) < 0)
			return -1;
	}
	return 0;
}

/* Parse "START --> END [settings]"; -1 if ln is not a timing line. */
static int
timing(const char *ln, size_t n, double *a, double *b)
{
	const char *arrow = NULL, *p, *end = ln + n, *sp;
	size_t i;

	for (i = 0; i + 3 <= n; i++)
		if (memcmp(ln + i, "-->", 3) == 0) {
			arrow = ln + i;
			break;
		}
	if (arrow == NULL)
		return -1;
	if (transcript_parse_time(ln, (size_t)(arrow - ln), a) < 0)
		return -2;
	p = arrow + 3;
	while (p < end && *p == ' ')
		p++;
	for (sp = p; sp < end && *sp != ' ' && *sp != '\t'; sp++)
		;
	if (transcript_parse_time(p, (size_t)(sp - p), b) < 0)
		return -2;
	return 0;
}

/*
 * Cue text: strip tags, take the voice of a <v Name> tag, or else a
 * "Name:" prefix that maps to a speaker.
 */
static void
cue_text(struct parse *ps, const char *s, size_t n, struct strbuf *out,
	 enum transcript_speaker *sp)
{
	const char *end = s + n, *p = s;
	size_t k, start;

	while (p < end) {
		if (*p == '<') {
			const char *gt = memchr(p, '>', (size_t)(end - p));

			if (gt == NULL)
				break;
			if (p + 1 < gt && p[1] == 'v' &&
			    (p[2] == ' ' || p[2] == '.')) {
				const char *nm = p + 2;

				while (nm < gt && *nm != ' ')
					nm++;
				if (*sp == TRANSCRIPT_UNKNOWN)
					*sp = transcript_speaker(
						nm, (size_t)(gt - nm),
						ps->agent_channel);
			}
			p = gt + 1;
			continue;
		}
		if (*p == '&') {
			static const struct {
				const char *ent, *ch;
			} ents[] = { { "&amp;", "&" }, { "&lt;", "<" },
				     { "&gt;", ">" }, { "&nbsp;", " " } };
			size_t j;

			for (j = 0; j < 4; j++) {
				size_t l = strlen(ents[j].ent);

				if ((size_t)(end - p) >= l &&
				    memcmp(p, ents[j].ent, l) == 0)
					break;
			}
			if (j < 4) {
				strbuf_adds(out, ents[j].ch);
				p += strlen(ents[j].ent);
				continue;
			}
		}
		strbuf_addch(out, *p++);
	}
	if (*sp != TRANSCRIPT_UNKNOWN)
		return;
	/* A "Name:" or "Name：" prefix within the first 40 bytes. */
	start = 0;
	for (k = 0; k < out->len && k < 40; k++) {
		size_t cl = 0;

		if (out->buf[k] == ':')
			cl = 1;
		else if (k + 3 <= out->len &&
			 memcmp(out->buf + k, "\xef\xbc\x9a", 3) == 0)
			cl = 3;
		if (cl == 0)
			continue;
		*sp = transcript_speaker(out->buf, k, ps->agent_channel);
		if (*sp != TRANSCRIPT_UNKNOWN) {
			start = k + cl;
			while (start < out->len && out->buf[start] == ' ')
				start++;
			memmove(out->buf, out->buf + start, out->len - start);
			out->len -= start;
			out->buf[out->len] = '\0';
		}
		break;
	}
}

/* WebVTT and SRT: blocks separated by blank lines. */
static int
parse_cues(struct parse *ps, enum fmt fmt)
{
	const char *ln;
	size_t n;
	struct strbuf text = STRBUF_INIT;
	int rc = 0, skip = 0, first = 1;

	while (next_line(ps, &ln, &n)) {
		double a, b;
		long tline;
		int r;
		enum transcript_speaker sp = TRANSCRIPT_UNKNOWN;

		if (n == 0) {
			skip = 0;
			continue;
		}
		if (fmt == FMT_VTT && first) {
			first = 0;
			skip = 1; /* the WEBVTT header block */
			continue;
		}
		if (skip)
			continue;
		if (fmt == FMT_VTT && (strncmp(ln, "NOTE", 4) == 0 ||
				       strncmp(ln, "STYLE", 5) == 0 ||
				       strncmp(ln, "REGION", 6) == 0)) {
			skip = 1;
			continue;
		}
		r = timing(ln, n, &a, &b);
		if (r == -1) {
			/* a cue identifier: the timing line follows */
			if (!next_line(ps, &ln, &n) || n == 0) {
				rc = err_set(ps->e, "%s:%ld: cue without a "
					     "timing line", ps->t->path,
					     ps->lineno);
				goto out;
			}
			r = timing(ln, n, &a, &b);
		}
		if (r < 0) {
			rc = err_set(ps->e, "%s:%ld: bad timing line '%.*s'",
				     ps->t->path, ps->lineno,
				     (int)(n > 60 ? 60 : n), ln);
			goto out;
		}
		tline = ps->lineno;
		strbuf_reset(&text);
		while (next_line(ps, &ln, &n) && n > 0) {
			struct strbuf one = STRBUF_INIT;

			cue_text(ps, ln, n, &one, &sp);
			if (text.len && one.len)
				strbuf_addch(&text, ' ');
			strbuf_add(&text, one.buf, one.len);
			strbuf_release(&one);
		}
		if (add_seg(ps, a, b, sp, text.buf, text.len, tline) < 0) {
			rc = -1;
			goto out;
		}
	}
out:
	strbuf_release(&text);
	return rc;
}

static enum fmt
detect(const char *path, const char *buf, size_t len)
{
	const char *dot = strrchr(path, '.');
	const char *nl;

	if (dot && lower_eq(dot, strlen(dot), ".vtt"))
		return FMT_VTT;
	if (dot && lower_eq(dot, strlen(dot), ".srt"))
		return FMT_SRT;
	if (dot && lower_eq(dot, strlen(dot), ".tsv"))
		return FMT_TSV;
	if (len >= 6 && memcmp(buf, "WEBVTT", 6) == 0)
		return FMT_VTT;
	nl = memchr(buf, '\n', len);
	if (nl && (size_t)(nl - buf) + 1 < len &&
	    memchr(nl, '>', len - (size_t)(nl - buf)) &&
	    timing(nl + 1, strcspn(nl + 1, "\n"), &(double){ 0 },
		   &(double){ 0 }) == 0)
		return FMT_SRT;
	return FMT_TSV;
}

struct transcript *
transcript_parse(const char *path, const char *buf, size_t len,
		 int agent_channel, struct err *e)
{
	struct parse ps = { 0 };
	enum fmt fmt;
	char *copy;
	int rc;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		buf += 3, len -= 3;
	if (memchr(buf, '\0', len) != NULL) {
		err_set(e, "%s: NUL byte: not a text file", path);
		return NULL;
	}
	/* Parse a NUL-terminated copy, so string functions stop at its end. */
	if ((copy = malloc(len + 1)) == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	buf = copy;
	if (!utf8_valid(copy, len)) {
		err_set(e, "%s: not UTF-8 text", path);
		free(copy);
		return NULL;
	}
	ps.t = calloc(1, sizeof(*ps.t));
	if (ps.t == NULL || (ps.t->path = strdup(path)) == NULL) {
		free(ps.t);
		free(copy);
		err_set(e, "out of memory");
		return NULL;
	}
	ps.buf = ps.p = buf;
	ps.end = buf + len;
	ps.agent_channel = agent_channel;
	ps.e = e;
	fmt = detect(path, buf, len);
	if (fmt == FMT_VTT && (len < 6 || memcmp(buf, "WEBVTT", 6) != 0)) {
		err_set(e, "%s:1: WebVTT file does not start with WEBVTT",
			path);
		transcript_free(ps.t);
		free(copy);
		return NULL;
	}
	rc = fmt == FMT_TSV ? parse_tsv(&ps) : parse_cues(&ps, fmt);
	free(copy);
	if (rc < 0) {
		transcript_free(ps.t);
		return NULL;
	}
	return ps.t;
}

struct transcript *
transcript_load(const char *path, int agent_channel, struct err *e)
{
	struct transcript *t = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		err_set(e, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap >= TRANSCRIPT_MAX_BYTES) {
				err_set(e, "%s: larger than %zu MiB", path,
					TRANSCRIPT_MAX_BYTES >> 20);
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				err_set(e, "out of memory");
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		err_set(e, "%s: %s", path, strerror(errno));
		goto out;
	}
	t = transcript_parse(path, buf ? buf : "", len, agent_channel, e);
out:
	free(buf);
	fclose(fp);
	return t;
}
