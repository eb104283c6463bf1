/*
 * ladder.c: the post ladder's policy (rules/ladder.yaml, read with
 * libyaml's document loader) and its pure computation: per post, the
 * normalised components, the comprehensive score, the ranks, and who is
 * proposed for promotion or for a move down.  The database side is in
 * ladder_db.c.
 */
#include "callqa/ladder.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "callqa/callqa.h"
#include "callqa/sha256.h"

const char *const ladder_comp_names[LADDER_NCOMP] = {
	"quality", "calls", "callbacks", "records", "ledger"
};

void
ladder_policy_default(struct ladder_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->period = LADDER_QUARTER;
	strcpy(p->timezone, "UTC");
	p->min_calls = 60;
	p->weight[LADDER_QUALITY] = 0.6;
	p->weight[LADDER_CALLS] = 0.2;
	p->weight[LADDER_CALLBACKS] = 0.05;
	p->weight[LADDER_RECORDS] = 0.05;
	p->weight[LADDER_LEDGER] = 0.1;
	p->norm = LADDER_PERCENT_OF_MAX;
	p->promote = 1;
	p->demote = 1;
	p->tie = LADDER_TIE_SHARE;
}

int
ladder_post_index(const struct ladder_policy *p, const char *id)
{
	int i;

	for (i = 0; id && i < p->nposts; i++)
		if (strcmp(p->posts[i].id, id) == 0)
			return i;
	return -1;
}

/* The policy file being read: for "FILE:LINE: why" messages. */
struct pload {
	const char *path;
	yaml_document_t *doc;
	struct err *e;
};

static int
perr(struct pload *pl, yaml_node_t *n, const char *fmt, const char *a)
{
	char what[256];

	snprintf(what, sizeof(what), fmt, a ? a : "");
	return err_set(pl->e, "%s:%zu: %s", pl->path,
		       n ? n->start_mark.line + 1 : 1, what);
}

static const char *
scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
						: NULL;
}

static int
get_int(struct pload *pl, yaml_node_t *n, const char *key, long lo, long hi,
	int *out)
{
	const char *v = scalar(n);
	char *end;
	long l;

	if (v == NULL)
		return perr(pl, n, "%s: want a whole number", key);
	errno = 0;
	l = strtol(v, &end, 10);
	if (errno || end == v || *end || l < lo || l > hi)
		return perr(pl, n, "%s: want a whole number in range", key);
	*out = (int)l;
	return 0;
}

/* "3" (a count) or "10%" (a percent of the post's considered agents). */
static int
get_count(struct pload *pl, yaml_node_t *n, const char *key, int *count,
	  int *pct)
{
	const char *v = scalar(n);
	char *end;
	long l;

	if (v == NULL)
		return perr(pl, n, "%s: want a count (2) or a percent (10%%)",
			    key);
	errno = 0;
	l = strtol(v, &end, 10);
	if (errno || end == v || l < 0 || (*end && strcmp(end, "%") != 0) ||
	    (*end ? l > 100 : l > 100000))
		return perr(pl, n, "%s: want a count (2) or a percent (10%%)",
			    key);
	*count = (int)l;
	*pct = *end == '%';
	return 0;
}

static int
copy_str(struct pload *pl, yaml_node_t *n, const char *key, char *dst,
	 size_t size)
{
	const char *v = scalar(n);

	if (v == NULL || *v == '\0' || strlen(v) >= size)
		return perr(pl, n, "%s: want a non-empty text", key);
	snprintf(dst, size, "%s", v);
	return 0;
}

static int
load_posts(struct pload *pl, struct ladder_policy *p, yaml_node_t *seq)
{
	yaml_node_item_t *it;
	int i;

	if (seq->type != YAML_SEQUENCE_NODE)
		return perr(pl, seq, "posts: want a list, bottom to top%s",
			    NULL);
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *m = yaml_document_get_node(pl->doc, *it);
		struct ladder_post *post = &p->posts[p->nposts];
		yaml_node_pair_t *pr;

		if (p->nposts >= LADDER_MAX_POSTS)
			return perr(pl, m, "posts: more than 32%s", NULL);
		if (m->type != YAML_MAPPING_NODE)
			return perr(pl, m, "posts: each post is a mapping "
					   "with id and name%s",
				    NULL);
		memset(post, 0, sizeof(*post));
		for (pr = m->data.mapping.pairs.start;
		     pr < m->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(pl->doc,
								pr->key);
			yaml_node_t *v = yaml_document_get_node(pl->doc,
								pr->value);
			const char *ks = scalar(k);

			if (ks && strcmp(ks, "id") == 0) {
				if (copy_str(pl, v, "id", post->id,
					     sizeof(post->id)) < 0)
					return -1;
			} else if (ks && strcmp(ks, "name") == 0) {
				if (copy_str(pl, v, "name", post->name,
					     sizeof(post->name)) < 0)
					return -1;
			} else {
				return perr(pl, k, "posts: unknown key '%.40s' "
						   "(known: id, name)",
					    ks);
			}
		}
		if (post->id[0] == '\0')
			return perr(pl, m, "posts: a post without an id%s",
				    NULL);
		if (post->name[0] == '\0')
			memcpy(post->name, post->id, sizeof(post->id));
		for (i = 0; i < p->nposts; i++)
			if (strcmp(p->posts[i].id, post->id) == 0)
				return perr(pl, m, "posts: '%.60s' twice",
					    post->id);
		p->nposts++;
	}
	return 0;
}

static int
comp_index(const char *s)
{
	int c;

	for (c = 0; s && c < LADDER_NCOMP; c++)
		if (strcmp(ladder_comp_names[c], s) == 0)
			return c;
	return -1;
}

static int
load_weights(struct pload *pl, struct ladder_policy *p, yaml_node_t *m)
{
	yaml_node_pair_t *pr;
	double sum = 0;
	int c;

	if (m->type != YAML_MAPPING_NODE)
		return perr(pl, m, "weights: want a mapping%s", NULL);
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(pl->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(pl->doc, pr->value);
		const char *vs = scalar(v);
		char *end;
		double w;

		if ((c = comp_index(scalar(k))) < 0)
			return perr(pl, k, "weights: unknown component "
					   "'%.40s' (known: quality, calls, "
					   "callbacks, records, ledger)",
				    scalar(k));
		w = vs ? strtod(vs, &end) : NAN;
		if (vs == NULL || end == vs || *end || !(w >= 0) || w > 1000)
			return perr(pl, v, "weights: %s wants a number >= 0",
				    ladder_comp_names[c]);
		p->weight[c] = w;
	}
	for (c = 0; c < LADDER_NCOMP; c++)
		sum += p->weight[c];
	if (!(p->weight[LADDER_QUALITY] > 0) || !(sum > 0))
		return perr(pl, m, "weights: quality must weigh more than 0%s",
			    NULL);
	return 0;
}

static int
load_columns(struct pload *pl, struct ladder_policy *p, yaml_node_t *m)
{
	yaml_node_pair_t *pr;

	if (m->type != YAML_MAPPING_NODE)
		return perr(pl, m, "columns: want a mapping%s", NULL);
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(pl->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(pl->doc, pr->value);
		const char *vs = scalar(v);
		int c = comp_index(scalar(k));

		if (c != LADDER_CALLBACKS && c != LADDER_RECORDS)
			return perr(pl, k, "columns: unknown quantity "
					   "'%.40s' (known: callbacks, "
					   "records)",
				    scalar(k));
		if (vs == NULL || *vs == '\0' ||
		    strlen(vs) >= sizeof(p->column[c]) ||
		    strspn(vs, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
			    strlen(vs))
			return perr(pl, v, "columns: %s wants a manifest "
					   "column name",
				    ladder_comp_names[c]);
		snprintf(p->column[c], sizeof(p->column[c]), "%s", vs);
	}
	return 0;
}

static int
load_key(struct pload *pl, struct ladder_policy *p, const char *k,
	 yaml_node_t *kn, yaml_node_t *v)
{
	const char *vs = scalar(v);

	if (strcmp(k, "posts") == 0)
		return load_posts(pl, p, v);
	if (strcmp(k, "weights") == 0)
		return load_weights(pl, p, v);
	if (strcmp(k, "columns") == 0)
		return load_columns(pl, p, v);
	if (strcmp(k, "min_calls") == 0)
		return get_int(pl, v, k, 1, 1000000, &p->min_calls);
	if (strcmp(k, "promote") == 0)
		return get_count(pl, v, k, &p->promote, &p->promote_pct);
	if (strcmp(k, "demote") == 0)
		return get_count(pl, v, k, &p->demote, &p->demote_pct);
	if (strcmp(k, "timezone") == 0)
		return copy_str(pl, v, k, p->timezone, sizeof(p->timezone));
	if (strcmp(k, "period") == 0) {
		static const char *const kinds[] = { "month", "quarter",
						     "half", "year" };
		int i;

		for (i = 0; i < 4; i++)
			if (vs && strcmp(vs, kinds[i]) == 0) {
				p->period = (enum ladder_period_kind)i;
				return 0;
			}
		return perr(pl, v, "period '%.40s': want month, quarter, "
				   "half or year",
			    vs);
	}
	if (strcmp(k, "normalise") == 0) {
		if (vs && strcmp(vs, "percent_of_max") == 0)
			p->norm = LADDER_PERCENT_OF_MAX;
		else if (vs && strcmp(vs, "zscore") == 0)
			p->norm = LADDER_ZSCORE;
		else
			return perr(pl, v, "normalise '%.40s': want "
					   "percent_of_max or zscore",
				    vs);
		return 0;
	}
	if (strcmp(k, "tie") == 0) {
		if (vs && strcmp(vs, "share") == 0)
			p->tie = LADDER_TIE_SHARE;
		else if (vs && strcmp(vs, "none") == 0)
			p->tie = LADDER_TIE_NONE;
		else
			return perr(pl, v, "tie '%.40s': want share or none",
				    vs);
		return 0;
	}
	return perr(pl, kn, "unknown key '%.40s' (known: period, timezone, "
			    "posts, min_calls, weights, columns, normalise, "
			    "promote, demote, tie)",
		    k);
}

static int
read_file(const char *path, char **buf, size_t *len, struct err *e)
{
	FILE *fp = fopen(path, "rb");
	size_t n = 0, cap = 4096;
	char *b = NULL, *nb;

	if (fp == NULL)
		return err_set(e, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		if ((nb = realloc(b, cap)) == NULL)
			break;
		b = nb;
		n += fread(b + n, 1, cap - n, fp);
		if (n < cap || cap >= (1u << 20))
			break;
		cap *= 2;
	}
	if (b == NULL || ferror(fp) || n >= (1u << 20)) {
		fclose(fp);
		free(b);
		return err_set(e, "%s: cannot read (or over 1 MiB)", path);
	}
	fclose(fp);
	*buf = b;
	*len = n;
	return 0;
}

int
ladder_policy_load(struct ladder_policy *out, const char *path,
		   struct err *e)
{
	struct ladder_policy p;
	struct pload pl = { path, NULL, e };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *pr;
	char *buf = NULL;
	size_t len = 0;
	int r = -1;

	if (read_file(path, &buf, &len, e) < 0)
		return -1;
	ladder_policy_default(&p);
	sha256_hex(buf, len, p.sha);
	if (!yaml_parser_initialize(&parser)) {
		free(buf);
		return err_set(e, "%s: out of memory", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err_set(e, "%s:%zu: %s", path, parser.problem_mark.line + 1,
			parser.problem ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		free(buf);
		return -1;
	}
	pl.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		perr(&pl, root, "want a mapping of keys%s", NULL);
		goto out;
	}
	for (pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pr->value);

		if (scalar(k) == NULL) {
			perr(&pl, k, "want a mapping of keys%s", NULL);
			goto out;
		}
		if (load_key(&pl, &p, scalar(k), k, v) < 0)
			goto out;
	}
	if (p.nposts < 2) {
		perr(&pl, root, "posts: the ladder needs at least 2 posts, "
				"bottom to top%s",
		     NULL);
		goto out;
	}
	*out = p;
	r = 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(buf);
	return r;
}

int
ladder_parse_period(enum ladder_period_kind kind, const char *s,
		    char start[16], int *months, struct err *e)
{
	static const char *const want[] = { "YYYY-MM", "YYYYQn", "YYYYHn",
					    "YYYY" };
	int y = 0, k = 0, ok = 0, m = 1;
	char tail;

	switch (kind) {
	case LADDER_MONTH:
		ok = strlen(s) == 7 && s[4] == '-' &&
		     sscanf(s, "%4d-%2d%c", &y, &k, &tail) == 2 && k >= 1 &&
		     k <= 12;
		m = k;
		*months = 1;
		break;
	case LADDER_QUARTER:
		ok = strlen(s) == 6 && s[4] == 'Q' &&
		     sscanf(s, "%4dQ%1d%c", &y, &k, &tail) == 2 && k >= 1 &&
		     k <= 4;
		m = 3 * (k - 1) + 1;
		*months = 3;
		break;
	case LADDER_HALF:
		ok = strlen(s) == 6 && s[4] == 'H' &&
		     sscanf(s, "%4dH%1d%c", &y, &k, &tail) == 2 && k >= 1 &&
		     k <= 2;
		m = 6 * (k - 1) + 1;
		*months = 6;
		break;
	case LADDER_YEAR:
		ok = strlen(s) == 4 && sscanf(s, "%4d%c", &y, &tail) == 1;
		*months = 12;
		break;
	}
	if (!ok || y < 1970 || y > 9999 ||
	    strspn(s, "0123456789") < 4)
		return err_set(e, "bad period '%.40s': the policy's periods "
				  "are %s",
			       s, want[kind]);
	snprintf(start, 16, "%04d-%02d-01", y, m);
	return 0;
}

/* Scores and values are compared as shown and stored: to 2 decimals. */
static long
key2(double v)
{
	return isfinite(v) ? lround(v * 100) : LONG_MIN;
}

static int
cmp_order(const struct ladder_agent *a, const struct ladder_agent *b)
{
	if (key2(a->score) != key2(b->score))
		return key2(a->score) > key2(b->score) ? -1 : 1;
	if (key2(a->value[LADDER_QUALITY]) != key2(b->value[LADDER_QUALITY]))
		return key2(a->value[LADDER_QUALITY]) >
				       key2(b->value[LADDER_QUALITY])
			       ? -1
			       : 1;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return 0;
}

static int
cmp_agent(const void *pa, const void *pb)
{
	const struct ladder_agent *a = pa, *b = pb;
	int c;

	if (a->post != b->post) /* top of the ladder first, -1 last */
		return a->post > b->post ? -1 : 1;
	if (a->considered != b->considered)
		return b->considered - a->considered;
	if (a->considered && (c = cmp_order(a, b)) != 0)
		return c;
	return strcmp(a->agent_id, b->agent_id);
}

static int
cutoff(int m, int k, int pct)
{
	return pct ? (int)floor((double)m * k / 100 + 1e-9) : k;
}

static void
post_stats(const struct ladder_policy *p, struct ladder_agent *a, int n,
	   int post, struct ladder_post_stats *s)
{
	int i, c;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++)
		if (a[i].post == post && a[i].considered)
			s->m++;
	for (c = 0; c < LADDER_NCOMP; c++) {
		double sum = 0, ss = 0;
		int have = 0;

		for (i = 0; i < n; i++) {
			double x = a[i].value[c];

			if (a[i].post != post || !a[i].considered)
				continue;
			if (isfinite(x))
				have = 1;
			x = isfinite(x) ? x : 0;
			sum += x;
			if (fabs(x) > s->max[c])
				s->max[c] = fabs(x);
		}
		if (c == LADDER_CALLBACKS || c == LADDER_RECORDS)
			have = have && p->column[c][0] != '\0';
		else
			have = 1;
		s->available[c] = have && s->m > 0;
		s->mean[c] = s->m ? sum / s->m : NAN;
		for (i = 0; i < n; i++) {
			double x = a[i].value[c];

			if (a[i].post != post || !a[i].considered)
				continue;
			x = isfinite(x) ? x : 0;
			ss += (x - s->mean[c]) * (x - s->mean[c]);
		}
		s->sd[c] = s->m ? sqrt(ss / s->m) : NAN;
		if (s->available[c])
			s->wsum += p->weight[c];
	}
	s->k_promote = cutoff(s->m, p->promote, p->promote_pct);
	s->k_demote = cutoff(s->m, p->demote, p->demote_pct);
}

static double
normalise(const struct ladder_policy *p, const struct ladder_post_stats *s,
	  int c, double x)
{
	x = isfinite(x) ? x : 0;
	if (p->norm == LADDER_ZSCORE)
		return s->sd[c] > 0 ? (x - s->mean[c]) / s->sd[c] : 0;
	return s->max[c] > 0 ? 100 * x / s->max[c] : 0;
}

static void
addflag(struct ladder_agent *a, const char *f)
{
	size_t l = strlen(a->flag);

	snprintf(a->flag + l, sizeof(a->flag) - l, "%s%s", l ? ", " : "", f);
}

/*
 * Decide the moves of one post's considered agents a[0..m), sorted best
 * first with ranks set.
 */
static void
moves(const struct ladder_policy *p, struct ladder_agent *a, int m,
      const struct ladder_post_stats *s, int post)
{
	int i, j, top = post == p->nposts - 1, bottom = post == 0;

	if (m < 2 || cmp_order(&a[0], &a[m - 1]) == 0) {
		if (m >= 2)
			for (i = 0; i < m; i++)
				addflag(&a[i], "all tied: nobody moves");
		return;
	}
	for (i = 0; i < m; i = j) {
		int hi, lo, up, down, across;

		for (j = i; j < m && cmp_order(&a[i], &a[j]) == 0; j++)
			;
		/* The tied run a[i..j) holds places i+1..j from the top, and
		 * m-j+1..m-i from the bottom. */
		hi = i + 1;
		lo = m - j + 1;
		up = p->tie == LADDER_TIE_SHARE ? hi <= s->k_promote
						: j <= s->k_promote;
		down = p->tie == LADDER_TIE_SHARE ? lo <= s->k_demote
						  : m - i <= s->k_demote;
		/* Flag a tie across a cutoff where the cutoff moves anyone. */
		across = j - i > 1 &&
			 ((!top && hi <= s->k_promote && j > s->k_promote) ||
			  (!bottom && lo <= s->k_demote && m - i > s->k_demote));
		for (; i < j; i++) {
			struct ladder_agent *x = &a[i];

			if (across)
				addflag(x, p->tie == LADDER_TIE_SHARE
						   ? "tie at the cutoff: all tied "
						     "move"
						   : "tie at the cutoff: none of "
						     "the tied move");
			if (up && top) {
				addflag(x, "top post: not promoted");
			} else if (up) {
				x->action = LADDER_PROMOTE;
				x->to_post = post + 1;
			} else if (down && bottom) {
				addflag(x, "bottom post: not moved down");
			} else if (down) {
				x->action = LADDER_DEMOTE;
				x->to_post = post - 1;
			}
		}
	}
}

void
ladder_compute(const struct ladder_policy *p, struct ladder_agent *a, int n,
	       struct ladder_post_stats *ps)
{
	struct ladder_post_stats s;
	int i, c, post, from;

	for (i = 0; i < n; i++) {
		struct ladder_agent *x = &a[i];

		if (x->post < 0 || x->post >= p->nposts)
			x->post = -1;
		x->considered = x->post >= 0 && x->n >= p->min_calls &&
				x->n > 0;
		x->score = NAN;
		x->rank = x->tie = 0;
		x->action = LADDER_STAY;
		x->to_post = x->post;
		x->flag[0] = '\0';
		for (c = 0; c < LADDER_NCOMP; c++)
			x->norm[c] = NAN;
		if (x->post < 0)
			addflag(x, "post not on the ladder");
		else if (!x->considered) {
			char f[48];

			snprintf(f, sizeof(f), "n < %d", p->min_calls);
			addflag(x, f);
		}
	}
	for (post = 0; post < p->nposts; post++) {
		post_stats(p, a, n, post, &s);
		if (ps)
			ps[post] = s;
		for (i = 0; i < n; i++) {
			struct ladder_agent *x = &a[i];
			double sum = 0;

			if (x->post != post || !x->considered)
				continue;
			for (c = 0; c < LADDER_NCOMP; c++) {
				if (!s.available[c])
					continue;
				x->norm[c] = normalise(p, &s, c, x->value[c]);
				sum += p->weight[c] * x->norm[c];
			}
			x->score = s.wsum > 0 ? sum / s.wsum : 0;
		}
	}
	qsort(a, (size_t)n, sizeof(*a), cmp_agent);
	for (from = 0; from < n; from = i) {
		int m;

		for (i = from; i < n && a[i].post == a[from].post; i++)
			;
		if (a[from].post < 0)
			continue;
		for (m = 0; from + m < i && a[from + m].considered; m++) {
			struct ladder_agent *x = &a[from + m];

			x->rank = m > 0 && cmp_order(x, x - 1) == 0
					  ? x[-1].rank
					  : m + 1;
			if ((m > 0 && cmp_order(x, x - 1) == 0) ||
			    (from + m + 1 < i && x[1].considered &&
			     cmp_order(x, x + 1) == 0)) {
				x->tie = 1;
				addflag(x, "tie");
			}
		}
		post_stats(p, a, n, a[from].post, &s);
		moves(p, a + from, m, &s, a[from].post);
	}
}
