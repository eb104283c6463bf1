/*
 * score.c: applying a rubric to one call (metrics, transcript phrases,
 * read-backs, outcome fields and manual marks), with evidence for every
 * point in the items JSON; the marks CSV; and the plain-words score sheet
 * read back from a scored record's items JSON; and the stage over record
 * streams (score_stream_*) and the score sheets of a scored stream.
 */
#include "callqa/score.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/csv.h"
#include "callqa/record.h"
#include "callqa/textnorm.h"
#include "callqa/transcript.h"

enum result { R_PASS, R_FAIL, R_PARTIAL, R_NA, R_CRITICAL };
static const char *const result_name[] = { "pass", "fail", "partial", "na",
					   "critical" };

/* ---- marks ---- */

struct mark {
	char *call_id;
	int item;
	enum result result; /* R_PASS, R_FAIL or R_PARTIAL (= points) */
	double points;
	char *inspector, *note, *where;
};

struct marks {
	struct mark *m;
	size_t n, cap;
};

size_t
marks_count(const struct marks *mk)
{
	return mk ? mk->n : 0;
}

void
marks_free(struct marks *mk)
{
	size_t i;

	if (mk == NULL)
		return;
	for (i = 0; i < mk->n; i++) {
		free(mk->m[i].call_id);
		free(mk->m[i].inspector);
		free(mk->m[i].note);
		free(mk->m[i].where);
	}
	free(mk->m);
	free(mk);
}

static const struct mark *
marks_find(const struct marks *mk, const char *call_id, int item)
{
	size_t i;

	for (i = 0; mk && call_id && i < mk->n; i++)
		if (mk->m[i].item == item &&
		    strcmp(mk->m[i].call_id, call_id) == 0)
			return &mk->m[i];
	return NULL;
}

struct marks *
marks_load(const char *path, const struct rubric *rb,
	   struct strbuf *warnings, struct err *e)
{
	static const char *const need[] = { "call_id", "item", "result",
					    "points", "inspector", "note" };
	struct marks *mk = NULL;
	struct csv *c = NULL;
	int col[6], i, rc;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		err_set(e, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((c = csv_new(fp, path, e)) == NULL)
		goto fail;
	for (i = 0; i < 6; i++)
		if ((col[i] = csv_col(c, need[i])) < 0) {
			err_set(e, "%s:1: missing column '%s' (need call_id,"
				"item,result,points,inspector,note)", path,
				need[i]);
			goto fail;
		}
	if ((mk = calloc(1, sizeof(*mk))) == NULL) {
		err_set(e, "out of memory");
		goto fail;
	}
	while ((rc = csv_read(c, e)) != 0) {
		const char *id, *item, *res, *pts;
		struct mark m = { 0 };
		const struct mark *old;
		char *end;
		int k;

		if (rc == -2)
			goto fail;
		if (rc == -1) {
			strbuf_addf(warnings, "%s\n", e->msg);
			continue;
		}
		id = csv_get(c, col[0]);
		item = csv_get(c, col[1]);
		res = csv_get(c, col[2]);
		pts = csv_get(c, col[3]);
		if (id == NULL || *id == '\0') {
			strbuf_addf(warnings, "%s:%ld: no call_id\n", path,
				    csv_lineno(c));
			continue;
		}
		if (item == NULL || (k = rubric_item_index(rb, item)) < 0) {
			strbuf_addf(warnings, "%s:%ld: unknown item '%.40s' "
				    "(not in rubric %s)\n", path, csv_lineno(c),
				    item ? item : "", rb->name);
			continue;
		}
		m.item = k;
		if (res && strcmp(res, "pass") == 0) {
			m.result = R_PASS;
			m.points = rb->items[k].points;
		} else if (res && strcmp(res, "fail") == 0) {
			m.result = R_FAIL;
		} else if (res && strcmp(res, "points") == 0) {
			errno = 0;
			m.points = pts ? strtod(pts, &end) : NAN;
			if (pts == NULL || end == pts || *end || errno ||
			    !(m.points >= 0 &&
			      m.points <= rb->items[k].points)) {
				strbuf_addf(warnings, "%s:%ld: points '%.20s' "
					    "not a number from 0 to %g\n", path,
					    csv_lineno(c), pts ? pts : "",
					    rb->items[k].points);
				continue;
			}
			if (m.points >= rb->items[k].points)
				m.result = R_PASS;
			else
				m.result = m.points == 0 ? R_FAIL : R_PARTIAL;
		} else {
			strbuf_addf(warnings, "%s:%ld: result '%.20s': want "
				    "pass, fail or points\n", path,
				    csv_lineno(c), res ? res : "");
			continue;
		}
		if ((old = marks_find(mk, id, k)) != NULL) {
			strbuf_addf(warnings, "%s:%ld: replaces the mark for "
				    "%s %s at %s\n", path, csv_lineno(c), id,
				    item, old->where);
			free(((struct mark *)old)->call_id);
			free(((struct mark *)old)->inspector);
			free(((struct mark *)old)->note);
			free(((struct mark *)old)->where);
			memmove((struct mark *)old, old + 1,
				(size_t)(mk->m + mk->n - old - 1) *
					sizeof(*old));
			mk->n--;
		}
		if (mk->n == mk->cap) {
			size_t ncap = mk->cap ? mk->cap * 2 : 16;
			void *nm = realloc(mk->m, ncap * sizeof(*mk->m));

			if (nm == NULL) {
				err_set(e, "out of memory");
				goto fail;
			}
			mk->m = nm;
			mk->cap = ncap;
		}
		m.call_id = strdup(id);
		m.inspector = strdup(csv_get(c, col[4]) ? csv_get(c, col[4])
							: "");
		m.note = strdup(csv_get(c, col[5]) ? csv_get(c, col[5]) : "");
		m.where = malloc(strlen(path) + 24);
		if (m.where)
			sprintf(m.where, "%s:%ld", path, csv_lineno(c));
		mk->m[mk->n++] = m;
	}
	csv_free(c);
	fclose(fp);
	return mk;
fail:
	marks_free(mk);
	csv_free(c);
	fclose(fp);
	return NULL;
}

/* ---- scoring ---- */

void
score_result_init(struct score_result *res, const struct rubric *rb)
{
	memset(res, 0, sizeof(*res));
	strbuf_init(&res->items);
	strbuf_init(&res->warnings);
	res->nsections = rb->nsections;
	res->section = calloc(rb->nsections ? rb->nsections : 1,
			      sizeof(double));
}

void
score_result_release(struct score_result *res)
{
	free(res->section);
	res->section = NULL;
	strbuf_release(&res->items);
	strbuf_release(&res->warnings);
}

/* A number with up to 3 decimals, trailing zeros removed. */
static void
add_num(struct strbuf *sb, double v)
{
	char b[64];
	size_t n;

	if (!isfinite(v)) {
		strbuf_adds(sb, "null");
		return;
	}
	if (v == 0)
		v = 0;
	snprintf(b, sizeof(b), "%.3f", v);
	n = strlen(b);
	while (n > 0 && b[n - 1] == '0')
		n--;
	if (n > 0 && b[n - 1] == '.')
		n--;
	b[n] = '\0';
	strbuf_adds(sb, strcmp(b, "-0") == 0 ? "0" : b);
}

struct call {
	const struct rubric *rb;
	score_get_fn get;
	void *arg;
	const char *call_id;
	int t_tried;
	struct transcript *t;
	char t_why[600];
	double end_s; /* the call's end, for "last N s" windows */
	struct score_result *res;
};

static double
get_num(struct call *c, const char *col, const char **why)
{
	const char *v = c->get(c->arg, col);
	char *end;
	double d;

	if (v == NULL) {
		const char *mono = c->get(c->arg, "mono");

		*why = strncmp(col, "customer_", 9) == 0 && mono &&
				       strcmp(mono, "t") == 0
			       ? "mono call: no customer channel"
			       : "no value";
		return NAN;
	}
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end || errno || !isfinite(d)) {
		*why = "not a number";
		return NAN;
	}
	return d;
}

/* Load the transcript once per call; NULL with c->t_why set. */
static struct transcript *
call_transcript(struct call *c)
{
	const char *path, *ch;
	struct err e;

	if (c->t_tried)
		return c->t;
	c->t_tried = 1;
	path = c->get(c->arg, "transcript");
	if (path == NULL || *path == '\0') {
		snprintf(c->t_why, sizeof(c->t_why), "no transcript");
		return NULL;
	}
	ch = c->get(c->arg, "agent_channel");
	c->t = transcript_load(path, ch && strcmp(ch, "2") == 0 ? 2 : 1, &e);
	if (c->t == NULL) {
		snprintf(c->t_why, sizeof(c->t_why), "transcript unusable: %s",
			 e.msg);
		strbuf_addf(&c->res->warnings, "%s: %s\n",
			    c->call_id ? c->call_id : "?", e.msg);
		return NULL;
	}
	{
		const char *why;
		double d = get_num(c, "duration_s", &why);

		c->end_s = d;
		if (!isfinite(d) && c->t->nseg > 0)
			c->end_s = c->t->seg[c->t->nseg - 1].end;
	}
	return c->t;
}

static void
add_window(struct strbuf *ev, const struct rubric_item *it)
{
	strbuf_adds(ev, ",\"speaker\":");
	strbuf_add_json_str(ev, it->speaker == RUBRIC_AGENT ? "agent"
				: it->speaker == RUBRIC_CUSTOMER ? "customer"
								 : "any");
	strbuf_adds(ev, ",\"window\":\"");
	if (it->window == RUBRIC_WHOLE)
		strbuf_adds(ev, "whole call");
	else {
		strbuf_adds(ev, it->window == RUBRIC_FIRST ? "first "
							   : "last ");
		add_num(ev, it->window_s);
		strbuf_adds(ev, " s");
	}
	strbuf_addch(ev, '"');
}

static int
seg_applies(const struct call *c, const struct rubric_item *it,
	    const struct transcript_seg *s)
{
	if (it->speaker != RUBRIC_ANY && (int)s->speaker != (int)it->speaker)
		return 0;
	if (it->window == RUBRIC_FIRST)
		return s->start < it->window_s;
	if (it->window == RUBRIC_LAST)
		return s->end > c->end_s - it->window_s;
	return 1;
}

static void
add_said(struct strbuf *ev, const char *phrase,
	 const struct transcript_seg *s)
{
	strbuf_adds(ev, "\"phrase\":");
	strbuf_add_json_str(ev, phrase);
	strbuf_adds(ev, ",\"at\":");
	add_num(ev, s->start);
	strbuf_adds(ev, ",\"said\":");
	strbuf_add_json_str(ev, s->text);
	strbuf_addf(ev, ",\"transcript_line\":%ld", s->line);
}

/*
 * A transcript whose cues carry no speaker (SRT without "Agent:"
 * prefixes, say) cannot tell what the agent said: the reason, or NULL.
 */
static const char *
unlabelled(const struct transcript *t, const struct rubric_item *it)
{
	size_t i, unknown = 0;

	if (it->speaker == RUBRIC_ANY)
		return NULL;
	for (i = 0; i < t->nseg; i++) {
		if ((int)t->seg[i].speaker == (int)it->speaker)
			return NULL;
		unknown += t->seg[i].speaker == TRANSCRIPT_UNKNOWN;
	}
	if (unknown == 0)
		return NULL;
	return it->speaker == RUBRIC_AGENT
		       ? "the transcript labels no segment as the agent's"
		       : "the transcript labels no segment as the customer's";
}

/* said / never_said: the first segment (in time) saying any phrase. */
static enum result
eval_phrases(struct call *c, const struct rubric_item *it, struct strbuf *ev)
{
	struct transcript *t = call_transcript(c);
	size_t i, j;

	if (t == NULL || unlabelled(t, it)) {
		strbuf_adds(ev, "\"na\":");
		strbuf_add_json_str(ev, t ? unlabelled(t, it) : c->t_why);
		return R_NA;
	}
	for (i = 0; i < t->nseg; i++) {
		if (!seg_applies(c, it, &t->seg[i]))
			continue;
		for (j = 0; j < it->nphrases; j++)
			if (textnorm_find(t->seg[i].norm, it->norm[j]) >= 0) {
				add_said(ev, it->phrases[j], &t->seg[i]);
				add_window(ev, it);
				return it->kind == RUBRIC_SAID ? R_PASS
							       : R_FAIL;
			}
	}
	strbuf_adds(ev, it->kind == RUBRIC_SAID ? "\"missing\":["
						: "\"absent\":[");
	for (j = 0; j < it->nphrases; j++) {
		if (j)
			strbuf_addch(ev, ',');
		strbuf_add_json_str(ev, it->phrases[j]);
	}
	strbuf_addch(ev, ']');
	add_window(ev, it);
	return it->kind == RUBRIC_SAID ? R_FAIL : R_PASS;
}

static enum result
eval_readback(struct call *c, const struct rubric_item *it,
	      struct strbuf *ev)
{
	const char *v = c->get(c->arg, it->column);
	struct strbuf key = STRBUF_INIT, norm = STRBUF_INIT, all = STRBUF_INIT;
	struct transcript *t;
	size_t *starts = NULL, i, n = 0;
	enum result r = R_NA;
	char *hit;

	strbuf_adds(ev, "\"field\":");
	strbuf_add_json_str(ev, it->column);
	strbuf_adds(ev, ",\"value\":");
	strbuf_add_json_str(ev, v);
	if (v == NULL || *v == '\0') {
		strbuf_adds(ev, ",\"na\":\"no value\"");
		goto out;
	}
	textnorm(v, &norm);
	textnorm_digits(norm.buf, &key);
	if (key.len == 0) {
		strbuf_adds(ev, ",\"na\":\"value has no letters or digits\"");
		goto out;
	}
	if ((t = call_transcript(c)) == NULL || unlabelled(t, it)) {
		strbuf_adds(ev, ",\"na\":");
		strbuf_add_json_str(ev, t ? unlabelled(t, it) : c->t_why);
		goto out;
	}
	/* all: the digit forms of the applicable segments, one after the
	 * other, so a number read across two segments is found too;
	 * seg[k] and off[k] say where each segment's part begins. */
	starts = calloc(2 * (t->nseg + 1), sizeof(*starts));
	if (starts == NULL)
		goto out;
	for (i = 0; i < t->nseg; i++) {
		if (!seg_applies(c, it, &t->seg[i]))
			continue;
		starts[2 * n] = i;
		starts[2 * n + 1] = all.len;
		n++;
		textnorm_digits(t->seg[i].norm, &all);
	}
	hit = strstr(all.buf, key.buf);
	if (hit) {
		size_t off = (size_t)(hit - all.buf), k = 0;

		while (k + 1 < n && starts[2 * (k + 1) + 1] <= off)
			k++;
		k = starts[2 * k];
		strbuf_adds(ev, ",\"at\":");
		add_num(ev, t->seg[k].start);
		strbuf_adds(ev, ",\"said\":");
		strbuf_add_json_str(ev, t->seg[k].text);
		strbuf_addf(ev, ",\"transcript_line\":%ld", t->seg[k].line);
		r = R_PASS;
	} else {
		strbuf_adds(ev, ",\"heard\":false");
		r = R_FAIL;
	}
	add_window(ev, it);
out:
	free(starts);
	strbuf_release(&key);
	strbuf_release(&norm);
	strbuf_release(&all);
	return r;
}

static int
ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* Evaluate one item into ev (the evidence object's members). */
static enum result
eval_item(struct call *c, const struct rubric_item *it, struct strbuf *ev,
	  double *earned)
{
	const char *why = NULL, *v;
	double x;
	size_t i;

	*earned = 0;
	switch (it->kind) {
	case RUBRIC_METRIC:
	case RUBRIC_BANDS:
		x = get_num(c, it->column, &why);
		strbuf_adds(ev, "\"metric\":");
		strbuf_add_json_str(ev, it->column);
		strbuf_adds(ev, ",\"value\":");
		add_num(ev, x);
		if (it->kind == RUBRIC_METRIC) {
			strbuf_adds(ev, ",\"pass\":");
			strbuf_add_json_str(ev, it->pass.text);
		}
		if (!isfinite(x)) {
			strbuf_adds(ev, ",\"na\":");
			strbuf_add_json_str(ev, why);
			return R_NA;
		}
		if (it->kind == RUBRIC_METRIC) {
			if (!rubric_cond_eval(&it->pass, x))
				return R_FAIL;
			*earned = it->points;
			return R_PASS;
		}
		for (i = 0; i < it->nbands; i++)
			if (rubric_cond_eval(&it->bands[i].when, x))
				break;
		strbuf_adds(ev, ",\"band\":");
		if (i == it->nbands) {
			strbuf_adds(ev, "null");
			return R_FAIL;
		}
		strbuf_add_json_str(ev, it->bands[i].when.text);
		*earned = it->bands[i].points;
		return *earned >= it->points ? R_PASS
		       : *earned == 0	     ? R_FAIL
					     : R_PARTIAL;
	case RUBRIC_SAID:
	case RUBRIC_NEVER_SAID: {
		enum result r = eval_phrases(c, it, ev);

		if (r == R_PASS)
			*earned = it->points;
		return r;
	}
	case RUBRIC_READBACK: {
		enum result r = eval_readback(c, it, ev);

		if (r == R_PASS)
			*earned = it->points;
		return r;
	}
	case RUBRIC_FIELD:
		v = c->get(c->arg, it->column);
		strbuf_adds(ev, "\"field\":");
		strbuf_add_json_str(ev, it->column);
		strbuf_adds(ev, ",\"value\":");
		strbuf_add_json_str(ev, v);
		strbuf_adds(ev, ",\"equals\":[");
		for (i = 0; i < it->nvalues; i++) {
			if (i)
				strbuf_addch(ev, ',');
			strbuf_add_json_str(ev, it->values[i]);
		}
		strbuf_addch(ev, ']');
		if (v == NULL || *v == '\0') {
			strbuf_adds(ev, ",\"na\":\"no value\"");
			return R_NA;
		}
		for (i = 0; i < it->nvalues; i++)
			if (ascii_caseeq(v, it->values[i])) {
				*earned = it->points;
				return R_PASS;
			}
		return R_FAIL;
	case RUBRIC_MANUAL:
		strbuf_adds(ev, "\"na\":\"no mark from an inspector\"");
		return R_NA;
	}
	return R_NA;
}

static void
ineligible(struct score_result *res, const char *fmt, double a, double b)
{
	if (!res->eligible)
		return;
	res->eligible = 0;
	snprintf(res->ineligible_reason, sizeof(res->ineligible_reason), fmt,
		 a, b);
}

int
score_call(const struct rubric *rb, score_get_fn get, void *arg,
	   const struct marks *mk, struct score_result *res, struct err *e)
{
	struct call c = { 0 };
	struct strbuf ev = STRBUF_INIT;
	double *earned_s = NULL, *possible_s = NULL, total_possible = 0;
	double wsum = 0, acc = 0;
	size_t i;
	int rc = -1;

	c.rb = rb;
	c.get = get;
	c.arg = arg;
	c.res = res;
	c.call_id = get(arg, "call_id");
	c.end_s = NAN;
	strbuf_reset(&res->items);
	strbuf_reset(&res->warnings);
	res->eligible = 1;
	res->ineligible_reason[0] = '\0';
	res->critical_fail = 0;
	res->score = NAN;
	earned_s = calloc(rb->nsections + 1, sizeof(double));
	possible_s = calloc(rb->nsections + 1, sizeof(double));
	if (earned_s == NULL || possible_s == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	strbuf_addch(&res->items, '[');
	for (i = 0; i < rb->nitems; i++) {
		const struct rubric_item *it = &rb->items[i];
		const struct mark *m = marks_find(mk, c.call_id, (int)i);
		enum result r;
		double earned, possible;

		strbuf_reset(&ev);
		r = eval_item(&c, it, &ev, &earned);
		if (r == R_NA && it->missing_fails)
			r = R_FAIL;
		if (m) {
			struct strbuf auto_ev = STRBUF_INIT;

			strbuf_addf(&auto_ev, "\"mark\":\"%s\",\"points\":",
				    m->result == R_PARTIAL
					    ? "points"
					    : result_name[m->result]);
			add_num(&auto_ev, m->points);
			strbuf_adds(&auto_ev, ",\"inspector\":");
			strbuf_add_json_str(&auto_ev, m->inspector);
			strbuf_adds(&auto_ev, ",\"note\":");
			strbuf_add_json_str(&auto_ev, m->note);
			strbuf_adds(&auto_ev, ",\"source\":");
			strbuf_add_json_str(&auto_ev, m->where);
			if (it->kind != RUBRIC_MANUAL) {
				strbuf_addf(&auto_ev, ",\"auto\":\"%s\","
					    "\"auto_evidence\":{%s}",
					    result_name[r], ev.buf);
			}
			strbuf_reset(&ev);
			strbuf_add(&ev, auto_ev.buf, auto_ev.len);
			strbuf_release(&auto_ev);
			r = m->result;
			earned = m->points;
		}
		if (r == R_FAIL && it->critical) {
			r = R_CRITICAL;
			res->critical_fail = 1;
		}
		possible = r == R_NA ? 0 : it->points;
		if (r == R_NA)
			earned = 0;
		earned_s[it->section] += earned;
		possible_s[it->section] += possible;
		total_possible += possible;
		if (i)
			strbuf_addch(&res->items, ',');
		strbuf_adds(&res->items, "{\"id\":");
		strbuf_add_json_str(&res->items, it->id);
		strbuf_adds(&res->items, ",\"label\":");
		strbuf_add_json_str(&res->items, it->label);
		strbuf_adds(&res->items, ",\"section\":");
		strbuf_add_json_str(&res->items, rb->sections[it->section].id);
		strbuf_addf(&res->items, ",\"kind\":\"%s\",\"result\":\"%s\","
			    "\"earned\":", rubric_kind_name(it->kind),
			    result_name[r]);
		add_num(&res->items, earned);
		strbuf_adds(&res->items, ",\"possible\":");
		add_num(&res->items, possible);
		if (it->critical)
			strbuf_adds(&res->items, ",\"critical\":true");
		strbuf_addf(&res->items, ",\"evidence\":{%s},\"line\":%d}",
			    ev.buf, it->line);
	}
	if (strbuf_addch(&res->items, ']') < 0) {
		err_set(e, "items JSON too large");
		goto out;
	}
	for (i = 0; i < rb->nsections; i++) {
		res->section[i] = possible_s[i] > 0
					  ? 100 * earned_s[i] / possible_s[i]
					  : NAN;
		if (isfinite(res->section[i]) && rb->sections[i].weight > 0) {
			acc += rb->sections[i].weight * res->section[i];
			wsum += rb->sections[i].weight;
		}
		res->section[i] = floor(res->section[i] * 10 + 0.5 + 1e-9) / 10;
	}
	/* Eligibility: the first reason that applies is recorded. */
	if (isfinite(rb->min_duration_s)) {
		const char *why;
		double d = get_num(&c, "duration_s", &why);

		if (!isfinite(d))
			ineligible(res, "no duration_s", 0, 0);
		else if (d < rb->min_duration_s)
			ineligible(res, "call lasts %.1f s, under the minimum "
				   "%g s", d, rb->min_duration_s);
	}
	if (rb->need_stereo) {
		const char *mono = get(arg, "mono"), *ch = get(arg, "channels");

		if ((mono && strcmp(mono, "t") == 0) ||
		    (mono == NULL && ch && strcmp(ch, "1") == 0))
			ineligible(res, "mono recording: the rubric needs "
				   "stereo", 0, 0);
		else if (mono == NULL && ch == NULL)
			ineligible(res, "no mono or channels column: cannot "
				   "tell stereo", 0, 0);
	}
	if (rb->need_transcript && call_transcript(&c) == NULL)
		ineligible(res, c.t_why[0] == 'n' ? "no transcript"
						  : "transcript unusable",
			   0, 0);
	if (rb->min_points > 0 && total_possible < rb->min_points)
		ineligible(res, "only %g points applicable, the rubric needs "
			   "%g", total_possible, rb->min_points);
	if (wsum == 0)
		ineligible(res, "nothing to score: no item applies", 0, 0);
	if (!res->eligible) {
		for (i = 0; i < rb->nsections; i++)
			res->section[i] = NAN;
	} else if (res->critical_fail)
		res->score = 0;
	else
		res->score = floor(acc / wsum * 10 + 0.5 + 1e-9) / 10;
	rc = 0;
out:
	strbuf_release(&ev);
	free(earned_s);
	free(possible_s);
	transcript_free(c.t);
	return rc;
}

/* ---- the score sheet: a small JSON reader for the items column ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype type;
	double num;
	char *str;	 /* J_STR */
	char **keys;	 /* J_OBJ */
	struct jv **kid; /* J_ARR, J_OBJ */
	size_t n;
};

static void
jv_free(struct jv *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		jv_free(v->kid[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kid);
	free(v->keys);
	free(v->str);
	free(v);
}

static void
skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
		(*p)++;
}

static char *
json_str(const char **p)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = *p + 1;

	while (*s && *s != '"') {
		if (*s == '\\') {
			s++;
			switch (*s) {
			case 'n':
				strbuf_addch(&sb, '\n');
				break;
			case 't':
				strbuf_addch(&sb, '\t');
				break;
			case 'r':
				strbuf_addch(&sb, '\r');
				break;
			case 'u': {
				char hex[5] = { 0 }, *end;
				long u;

				memcpy(hex, s + 1, strnlen(s + 1, 4));
				u = strtol(hex, &end, 16);
				if (end != hex + 4) {
					strbuf_release(&sb);
					return NULL;
				}
				s += 4;
				textnorm_add_cp(&sb, u);
				break;
			}
			case '\0':
				strbuf_release(&sb);
				return NULL;
			default:
				strbuf_addch(&sb, *s);
			}
			s++;
			continue;
		}
		strbuf_addch(&sb, *s++);
	}
	if (*s != '"') {
		strbuf_release(&sb);
		return NULL;
	}
	*p = s + 1;
	return strbuf_detach(&sb);
}

static struct jv *
json_parse(const char **p, int depth)
{
	struct jv *v;

	skip_ws(p);
	if (depth > 32 || (v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	if (**p == '{' || **p == '[') {
		char close = **p == '{' ? '}' : ']';

		v->type = **p == '{' ? J_OBJ : J_ARR;
		(*p)++;
		skip_ws(p);
		while (**p != close) {
			char *key = NULL;
			struct jv *k;
			void *nk;

			if (v->n && **p == ',')
				(*p)++, skip_ws(p);
			else if (v->n)
				goto bad;
			if (v->type == J_OBJ) {
				if (**p != '"' || (key = json_str(p)) == NULL)
					goto bad;
				skip_ws(p);
				if (**p != ':') {
					free(key);
					goto bad;
				}
				(*p)++;
			}
			if ((k = json_parse(p, depth + 1)) == NULL) {
				free(key);
				goto bad;
			}
			nk = realloc(v->kid, (v->n + 1) * sizeof(*v->kid));
			if (nk)
				v->kid = nk;
			if (nk && v->type == J_OBJ) {
				nk = realloc(v->keys,
					     (v->n + 1) * sizeof(char *));
				if (nk)
					v->keys = nk;
			}
			if (nk == NULL) {
				free(key);
				jv_free(k);
				goto bad;
			}
			if (v->type == J_OBJ)
				v->keys[v->n] = key;
			v->kid[v->n++] = k;
			skip_ws(p);
		}
		(*p)++;
	} else if (**p == '"') {
		v->type = J_STR;
		if ((v->str = json_str(p)) == NULL)
			goto bad;
	} else if (strncmp(*p, "null", 4) == 0) {
		*p += 4;
	} else if (strncmp(*p, "true", 4) == 0) {
		v->type = J_BOOL, v->num = 1, *p += 4;
	} else if (strncmp(*p, "false", 5) == 0) {
		v->type = J_BOOL, *p += 5;
	} else {
		char *end;

		v->type = J_NUM;
		v->num = strtod(*p, &end);
		if (end == *p)
			goto bad;
		*p = end;
	}
	return v;
bad:
	jv_free(v);
	return NULL;
}

static const struct jv *
jget(const struct jv *o, const char *key)
{
	size_t i;

	for (i = 0; o && o->type == J_OBJ && i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return o->kid[i];
	return NULL;
}

static const char *
jstr(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->type == J_STR ? v->str : NULL;
}

static double
jnum(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->type == J_NUM ? v->num : NAN;
}

static void
add_clock(struct strbuf *sb, double t)
{
	long s = (long)floor(t);

	if (s >= 3600)
		strbuf_addf(sb, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
			    s % 60);
	else
		strbuf_addf(sb, "%ld:%02ld", s / 60, s % 60);
}

/* “a” or “b” or “c”, with "(and N more)" after three. */
static void
add_phrase_list(struct strbuf *sb, const struct jv *arr)
{
	size_t i;

	for (i = 0; arr && arr->type == J_ARR && i < arr->n && i < 3; i++) {
		if (i)
			strbuf_adds(sb, " or ");
		strbuf_addf(sb, "\xe2\x80\x9c%s\xe2\x80\x9d",
			    arr->kid[i]->str ? arr->kid[i]->str : "");
	}
	if (arr && arr->n > 3)
		strbuf_addf(sb, " (or %zu more)", arr->n - 3);
}

static void
add_where(struct strbuf *sb, const struct jv *ev)
{
	const char *w = jstr(ev, "window"), *sp = jstr(ev, "speaker");

	if (sp && strcmp(sp, "any") != 0)
		strbuf_addf(sb, " by the %s", sp);
	if (w && strcmp(w, "whole call") != 0)
		strbuf_addf(sb, " in the %s", w);
}

/* The evidence of one item in words. */
static void
explain_evidence(struct strbuf *sb, const char *kind, const char *result,
		 const struct jv *ev)
{
	const char *na = jstr(ev, "na"), *s;
	double v = jnum(ev, "value");

	if (jstr(ev, "mark")) {
		s = jstr(ev, "inspector");
		strbuf_addf(sb, "marked %s by %s", jstr(ev, "mark"),
			    s && *s ? s : "an inspector");
		if ((s = jstr(ev, "note")) && *s)
			strbuf_addf(sb, ": %s", s);
		if ((s = jstr(ev, "auto")))
			strbuf_addf(sb, " (automatic result was %s)", s);
		return;
	}
	if (na && strcmp(kind, "metric") != 0 && strcmp(kind, "bands") != 0) {
		strbuf_adds(sb, na);
		return;
	}
	if (strcmp(kind, "metric") == 0 || strcmp(kind, "bands") == 0) {
		strbuf_adds(sb, jstr(ev, "metric") ? jstr(ev, "metric") : "?");
		if (na) {
			strbuf_addf(sb, ": %s", na);
			return;
		}
		strbuf_addch(sb, ' ');
		add_num(sb, v);
		if (strcmp(kind, "metric") == 0)
			strbuf_addf(sb, ", %s %s",
				    strcmp(result, "pass") == 0
					    ? "meets"
					    : "does not meet",
				    jstr(ev, "pass") ? jstr(ev, "pass") : "?");
		else if ((s = jstr(ev, "band")))
			strbuf_addf(sb, ", in band %s", s);
		else
			strbuf_adds(sb, ", in no band");
		return;
	}
	if (strcmp(kind, "said") == 0 || strcmp(kind, "never_said") == 0) {
		if ((s = jstr(ev, "said"))) {
			strbuf_addf(sb, "said \xe2\x80\x9c%s\xe2\x80\x9d at ",
				    s);
			add_clock(sb, jnum(ev, "at"));
		} else if (strcmp(kind, "said") == 0) {
			strbuf_adds(sb, "did not say ");
			add_phrase_list(sb, jget(ev, "missing"));
			add_where(sb, ev);
		} else {
			strbuf_adds(sb, "never said ");
			add_phrase_list(sb, jget(ev, "absent"));
			add_where(sb, ev);
		}
		return;
	}
	if (strcmp(kind, "readback") == 0) {
		if ((s = jstr(ev, "said"))) {
			strbuf_addf(sb, "read back %s %s at ",
				    jstr(ev, "field"), jstr(ev, "value"));
			add_clock(sb, jnum(ev, "at"));
			strbuf_addf(sb, ": \xe2\x80\x9c%s\xe2\x80\x9d", s);
		} else {
			strbuf_addf(sb, "did not read back %s %s",
				    jstr(ev, "field"), jstr(ev, "value"));
			add_where(sb, ev);
		}
		return;
	}
	if (strcmp(kind, "field") == 0) {
		strbuf_addf(sb, "%s is %s", jstr(ev, "field"),
			    jstr(ev, "value") ? jstr(ev, "value") : "empty");
		if (strcmp(result, "pass") != 0) {
			strbuf_adds(sb, ", wanted ");
			add_phrase_list(sb, jget(ev, "equals"));
		}
		return;
	}
	strbuf_adds(sb, "no evidence");
}

static const char *
item_name(const struct jv *it)
{
	const char *l = jstr(it, "label");

	return l ? l : jstr(it, "id") ? jstr(it, "id") : "?";
}

/* Header lines: the call, the rubric, the score or why there is none. */
static void
explain_head(score_get_fn get, void *arg, const struct jv *arr,
	     struct strbuf *out)
{
	const char *v, *ver = get(arg, "rubric_version");
	const char *score = get(arg, "score");
	size_t i;
	int first = 1;

	strbuf_addf(out, "call %s", get(arg, "call_id") ? get(arg, "call_id")
							: "?");
	if ((v = get(arg, "agent_id")))
		strbuf_addf(out, ", agent %s", v);
	if ((v = get(arg, "started_at")))
		strbuf_addf(out, ", %s", v);
	strbuf_addf(out, "\nrubric %s, version %.12s\n",
		    get(arg, "rubric") ? get(arg, "rubric") : "?",
		    ver ? ver : "?");
	v = get(arg, "eligible");
	if (v && strcmp(v, "f") == 0) {
		v = get(arg, "ineligible_reason");
		strbuf_addf(out, "not scored: %s\n", v ? v : "ineligible");
		return;
	}
	strbuf_addf(out, "score %s of 100", score ? score : "none");
	v = get(arg, "critical_fail");
	if (v && strcmp(v, "t") == 0) {
		strbuf_adds(out, ": critical failure");
		for (i = 0; arr && i < arr->n; i++) {
			v = jstr(arr->kid[i], "result");
			if (v == NULL || strcmp(v, "critical") != 0)
				continue;
			strbuf_addf(out, "%s%s", first ? ": " : ", ",
				    item_name(arr->kid[i]));
			first = 0;
		}
	}
	strbuf_addch(out, '\n');
}

int
score_explain(score_get_fn get, void *arg, const struct rubric *rb,
	      const char *const *sections, size_t nsections,
	      struct strbuf *out, struct err *e)
{
	const char *items = get(arg, "items"), *p = items, *v;
	struct jv *arr = NULL;
	size_t i;

	if (items) {
		arr = json_parse(&p, 0);
		if (arr && arr->type != J_ARR) {
			jv_free(arr);
			arr = NULL;
		}
	}
	explain_head(get, arg, arr, out);
	v = get(arg, "rubric_version");
	if (rb && (v == NULL || strcmp(v, rb->version) != 0)) {
		strbuf_addf(out, "(%s is version %.12s, not the one that "
			    "scored this call: its labels are not used)\n",
			    rb->path, rb->version);
		rb = NULL;
	}
	for (i = 0; rb && i < rb->nsections; i++) {
		char col[128];

		snprintf(col, sizeof(col), "score_%s", rb->sections[i].id);
		v = get(arg, col);
		strbuf_addf(out, "  %s (weight %g): %s\n",
			    rb->sections[i].label, rb->sections[i].weight,
			    v ? v : "not applicable");
	}
	for (i = 0; rb == NULL && i < nsections; i++) {
		v = get(arg, sections[i]);
		strbuf_addf(out, "  section %s: %s\n", sections[i] + 6,
			    v ? v : "not applicable");
	}
	if (arr == NULL)
		return err_set(e, items ? "items is not a JSON array"
					: "no items column");
	for (i = 0; i < arr->n; i++) {
		const struct jv *it = arr->kid[i], *ev = jget(it, "evidence");
		const char *res = jstr(it, "result"), *kind = jstr(it, "kind");

		if (res == NULL || kind == NULL)
			continue;
		strbuf_addf(out, "%s: ", item_name(it));
		if (strcmp(res, "na") == 0)
			strbuf_adds(out, "not applicable, ");
		else if (strcmp(res, "critical") == 0)
			strbuf_adds(out, "CRITICAL, fails the call, ");
		else {
			double earned = jnum(it, "earned");

			strbuf_adds(out, earned > 0 ? "+" : "");
			add_num(out, earned);
			strbuf_adds(out, " of ");
			add_num(out, jnum(it, "possible"));
			strbuf_adds(out, ", ");
		}
		explain_evidence(out, kind, res, ev);
		if (isfinite(jnum(it, "line")))
			strbuf_addf(out, " [rubric line %.0f]",
				    jnum(it, "line"));
		strbuf_addch(out, '\n');
	}
	jv_free(arr);
	return 0;
}

/* ---- the stage over record streams ---- */

struct score_stream {
	FILE *out;
	const struct rubric *rb;
	const struct marks *mk;
	score_warn_fn *warn;
	void *arg;
	struct record_writer *w; /* made from the first input with a header */
	struct strbuf header;	 /* that input's column names, TAB-ended */
	long inputs;
};

static const char *
get_rec(void *arg, const char *col)
{
	return record_get_by_name(arg, col);
}

static void
warn_lines(struct score_stream *s, struct strbuf *w)
{
	char *p = w->buf, *nl;

	if (s->warn == NULL)
		return;
	while (*p && (nl = strchr(p, '\n')) != NULL) {
		*nl = '\0';
		s->warn(p, s->arg);
		*nl = '\n';
		p = nl + 1;
	}
}

struct score_stream *
score_stream_new(FILE *out, const struct rubric *rb, const struct marks *mk,
		 score_warn_fn *warn, void *arg)
{
	struct score_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->out = out;
	s->rb = rb;
	s->mk = mk;
	s->warn = warn;
	s->arg = arg;
	strbuf_init(&s->header);
	return s;
}

void
score_stream_free(struct score_stream *s)
{
	if (s == NULL)
		return;
	record_writer_free(s->w);
	strbuf_release(&s->header);
	free(s);
}

/* The writer: the input's columns, then the rubric's. */
static struct record_writer *
stream_writer(const struct score_stream *s, const struct record_reader *r)
{
	const struct rubric *rb = s->rb;
	struct record_writer *w = NULL;
	const char **add;
	int i, nadd = 0, nsec = 0;

	add = calloc(rb->nsections + 8, sizeof(*add));
	if (add == NULL)
		return NULL;
	add[nadd++] = "rubric";
	add[nadd++] = "rubric_version";
	add[nadd++] = "score";
	for (i = 0; i < (int)rb->nsections; i++, nsec++) {
		size_t n = strlen(rb->sections[i].id) + 7;
		char *c = malloc(n);

		if (c == NULL)
			goto out;
		snprintf(c, n, "score_%s", rb->sections[i].id);
		add[nadd++] = c;
	}
	add[nadd++] = "critical_fail";
	add[nadd++] = "eligible";
	add[nadd++] = "ineligible_reason";
	add[nadd++] = "items";
	w = record_writer_new(s->out, r, add, nadd);
out:
	for (i = 3; i < 3 + nsec; i++)
		free((char *)add[i]);
	free(add);
	return w;
}

/* Check the input's columns against the first input's. */
static int
same_columns(struct score_stream *s, const struct record_reader *r,
	     const char *name, struct err *e)
{
	struct strbuf h = STRBUF_INIT;
	int i, rc = 0;

	for (i = 0; i < record_reader_ncols(r); i++)
		strbuf_addf(&h, "%s\t", record_reader_colname(r, i));
	if (s->header.len == 0)
		strbuf_adds(&s->header, h.buf);
	else if (strcmp(s->header.buf, h.buf) != 0)
		rc = err_set(e, "%s: columns differ from the first input's",
			     name);
	strbuf_release(&h);
	return rc;
}

/* Write the score columns of a scored call. */
static void
set_result(struct score_stream *s, const struct score_result *res,
	   const int *c)
{
	struct record_writer *w = s->w;
	size_t i;

	record_set(w, c[0], s->rb->name);
	record_set(w, c[1], s->rb->version);
	record_set_num(w, c[2], res->score, 1);
	for (i = 0; i < s->rb->nsections; i++)
		record_set_num(w, c[7 + i], res->section[i], 1);
	record_set(w, c[3], res->critical_fail ? "t" : "f");
	record_set(w, c[4], res->eligible ? "t" : "f");
	record_set(w, c[5], res->eligible ? NULL : res->ineligible_reason);
	record_set(w, c[6], res->items.buf);
}

int
score_stream_input(struct score_stream *s, FILE *in, const char *name,
		   struct err *e)
{
	static const char *const fixed[] = { "rubric",	 "rubric_version",
					     "score",	 "critical_fail",
					     "eligible", "ineligible_reason",
					     "items" };
	const struct rubric *rb = s->rb;
	struct record_reader *r;
	struct score_result res;
	struct err why;
	char line[2048];
	int rc, c_status, *c = NULL, rval = 0;
	size_t i;

	if ((r = record_reader_new(in, name, &why)) == NULL) {
		if (strstr(why.msg, ": empty input: no header line"))
			return 0;
		*e = why;
		return -1;
	}
	if (same_columns(s, r, name, e) < 0) {
		record_reader_free(r);
		return -1;
	}
	if (s->w == NULL && (s->w = stream_writer(s, r)) == NULL) {
		record_reader_free(r);
		return err_set(e, "out of memory");
	}
	/* c[0..6]: the fixed columns, c[7..]: score_<section>. */
	c = calloc(7 + rb->nsections, sizeof(*c));
	if (c == NULL) {
		record_reader_free(r);
		return err_set(e, "out of memory");
	}
	for (i = 0; i < 7; i++)
		c[i] = record_writer_col(s->w, fixed[i]);
	for (i = 0; i < rb->nsections; i++) {
		char col[128];

		snprintf(col, sizeof(col), "score_%s", rb->sections[i].id);
		c[7 + i] = record_writer_col(s->w, col);
	}
	c_status = record_writer_col(s->w, "status");
	score_result_init(&res, rb);
	while ((rc = record_read(r, &why)) != 0) {
		const char *status;

		if (rc == -2) {
			*e = why;
			rval = -1;
			break;
		}
		record_writer_copy(s->w, r);
		s->inputs++;
		status = record_get_by_name(r, "status");
		if (rc == -1) {
			if (s->warn)
				s->warn(why.msg, s->arg);
			record_reject(s->w, "score", "%s", why.msg);
		} else if (record_status_ok(status)) {
			if (score_call(rb, get_rec, r, s->mk, &res, &why) < 0) {
				snprintf(line, sizeof(line), "%s:%ld: %s", name,
					 record_reader_lineno(r), why.msg);
				if (s->warn)
					s->warn(line, s->arg);
				record_reject(s->w, "score", "%s", why.msg);
			} else {
				warn_lines(s, &res.warnings);
				set_result(s, &res, c);
				if (c_status >= 0 && status == NULL)
					record_set(s->w, c_status, "ok");
			}
		}
		if (record_write(s->w, e) < 0) {
			rval = -1;
			break;
		}
	}
	score_result_release(&res);
	free(c);
	record_reader_free(r);
	return rval;
}

int
score_stream_end(struct score_stream *s, struct err *e)
{
	if (s->w == NULL)
		return 0;
	return record_writer_flush_header(s->w, e);
}

void
score_stream_stats(const struct score_stream *s, struct score_stats *st)
{
	st->inputs = s->inputs;
}

int
score_explain_stream(FILE *in, const char *name, FILE *out,
		     const char *call_id, const struct rubric *rb,
		     score_explain_fn *bad, void *arg, long *found,
		     struct err *e)
{
	struct record_reader *r;
	const char **secs;
	struct err why;
	char line[2048];
	int rc, i, rval = 0;
	size_t nsecs = 0;

	if ((r = record_reader_new(in, name, &why)) == NULL) {
		if (strstr(why.msg, ": empty input: no header line"))
			return 0;
		*e = why;
		return -1;
	}
	secs = calloc((size_t)record_reader_ncols(r) + 1, sizeof(*secs));
	for (i = 0; secs && i < record_reader_ncols(r); i++)
		if (strncmp(record_reader_colname(r, i), "score_", 6) == 0)
			secs[nsecs++] = record_reader_colname(r, i);
	while ((rc = record_read(r, &why)) != 0) {
		struct strbuf sheet = STRBUF_INIT;
		const char *id;

		if (rc == -2) {
			*e = why;
			rval = -1;
			break;
		}
		id = record_get_by_name(r, "call_id");
		if (id == NULL || strcmp(id, call_id) != 0)
			continue;
		++*found;
		if (score_explain(get_rec, r, rb, secs, nsecs, &sheet, &why) <
			    0 &&
		    bad) {
			snprintf(line, sizeof(line), "%s:%ld: %s", name,
				 record_reader_lineno(r), why.msg);
			bad(line, arg);
		}
		fputs(sheet.buf, out);
		strbuf_release(&sheet);
	}
	free(secs);
	record_reader_free(r);
	return rval;
}
