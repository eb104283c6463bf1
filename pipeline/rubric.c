/*
 * rubric.c: loading a YAML rubric.  libyaml's event parser builds a small
 * tree of scalars, sequences and mappings that keeps each node's line and
 * column (anchors, aliases, deep nesting and oversized files are refused
 * while parsing); the tree is then checked against the rubric language and
 * turned into struct rubric, collecting every problem with its position.
 */
#include "callqa/rubric.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "callqa/sha256.h"
#include "callqa/textnorm.h"

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;
	char *val;	/* scalar text */
	int quoted;	/* scalar was quoted (never a number or bool) */
	struct ynode **kid; /* sequence items; mapping keys and values */
	size_t n, cap;
};

struct load {
	const char *path;
	struct strbuf *problems;
	int nproblems;
	struct rubric *rb;
};

static void
problem(struct load *ld, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct load *ld, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;
	char msg[400];
	char *c;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One problem, one line: a quoted value may hold line breaks. */
	for (c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (at)
		strbuf_addf(ld->problems, "%s:%d:%d: %s\n", ld->path, at->line,
			    at->col, msg);
	else
		strbuf_addf(ld->problems, "%s: %s\n", ld->path, msg);
	ld->nproblems++;
}

static void
ynode_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		ynode_free(n->kid[i]);
	free(n->kid);
	free(n->val);
	free(n);
}

static int
ynode_add(struct ynode *parent, struct ynode *kid)
{
	if (parent->n == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 8;
		void *nk = realloc(parent->kid, ncap * sizeof(*parent->kid));

		if (nk == NULL)
			return -1;
		parent->kid = nk;
		parent->cap = ncap;
	}
	parent->kid[parent->n++] = kid;
	return 0;
}

/*
 * Parse the YAML text into a tree; NULL after reporting the problem.  One
 * document only; an empty document is an empty mapping's absence (NULL
 * with a problem).
 */
static struct ynode *
yaml_tree(struct load *ld, const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ynode *stack[RUBRIC_MAX_DEPTH + 1], *root = NULL, *n;
	int depth = 0, done = 0, docs = 0;

	if (!yaml_parser_initialize(&p)) {
		problem(ld, NULL, "cannot start the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		struct ynode at = { 0 };
		const char *anchor = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			at.line = (int)p.problem_mark.line + 1;
			at.col = (int)p.problem_mark.column + 1;
			problem(ld, &at, "%s%s%s",
				p.problem ? p.problem : "YAML error",
				p.context ? " " : "",
				p.context ? p.context : "");
			goto fail;
		}
		at.line = (int)ev.start_mark.line + 1;
		at.col = (int)ev.start_mark.column + 1;
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				problem(ld, &at, "more than one YAML document; "
					"a rubric is one document");
				goto fail_ev;
			}
			break;
		case YAML_ALIAS_EVENT:
			problem(ld, &at, "alias '*%s' not allowed: rubrics "
				"may not use anchors and aliases",
				(const char *)ev.data.alias.anchor);
			goto fail_ev;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			anchor = (const char *)(ev.type == YAML_SCALAR_EVENT
					? ev.data.scalar.anchor
					: ev.type == YAML_SEQUENCE_START_EVENT
					? ev.data.sequence_start.anchor
					: ev.data.mapping_start.anchor);
			if (anchor) {
				problem(ld, &at, "anchor '&%s' not allowed: "
					"rubrics may not use anchors and "
					"aliases", anchor);
				goto fail_ev;
			}
			if ((n = calloc(1, sizeof(*n))) == NULL)
				goto oom;
			n->line = at.line;
			n->col = at.col;
			if (ev.type == YAML_SCALAR_EVENT) {
				n->type = Y_SCALAR;
				n->val = strndup((const char *)ev.data.scalar
							 .value,
						 ev.data.scalar.length);
				n->quoted = ev.data.scalar.style !=
					    YAML_PLAIN_SCALAR_STYLE;
				if (n->val == NULL) {
					free(n);
					goto oom;
				}
				if (strlen(n->val) != ev.data.scalar.length) {
					problem(ld, &at, "NUL byte in a "
						"string");
					ynode_free(n);
					goto fail_ev;
				}
			} else
				n->type = ev.type == YAML_SEQUENCE_START_EVENT
						  ? Y_SEQ
						  : Y_MAP;
			if (depth == 0) {
				root = n;
			} else if (ynode_add(stack[depth - 1], n) < 0) {
				ynode_free(n);
				goto oom;
			}
			if (n->type != Y_SCALAR) {
				if (depth == RUBRIC_MAX_DEPTH) {
					problem(ld, &at, "nested deeper than "
						"%d levels",
						RUBRIC_MAX_DEPTH);
					goto fail_ev;
				}
				stack[depth++] = n;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (root == NULL)
		problem(ld, NULL, "empty rubric");
	return root;
oom:
	problem(ld, NULL, "out of memory");
fail_ev:
	yaml_event_delete(&ev);
fail:
	yaml_parser_delete(&p);
	ynode_free(root);
	return NULL;
}

/* Value of key in a mapping, or NULL; *keyp gets the key node. */
static struct ynode *
map_get(const struct ynode *m, const char *key)
{
	size_t i;

	for (i = 0; m && m->type == Y_MAP && i + 1 < m->n; i += 2)
		if (m->kid[i]->type == Y_SCALAR &&
		    strcmp(m->kid[i]->val, key) == 0)
			return m->kid[i + 1];
	return NULL;
}

/* The key node of key in a mapping, or NULL. */
static struct ynode *
map_key(const struct ynode *m, const char *key)
{
	size_t i;

	for (i = 0; m && m->type == Y_MAP && i + 1 < m->n; i += 2)
		if (m->kid[i]->type == Y_SCALAR &&
		    strcmp(m->kid[i]->val, key) == 0)
			return m->kid[i];
	return NULL;
}

/* Report keys of m not in allowed (NULL-terminated), and duplicates. */
static void
check_keys(struct load *ld, const struct ynode *m, const char *what,
	   const char *const *allowed)
{
	size_t i, j;

	for (i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->kid[i];
		int ok = 0;

		if (k->type != Y_SCALAR) {
			problem(ld, k, "a key must be a plain word");
			continue;
		}
		for (j = 0; allowed[j]; j++)
			ok |= strcmp(k->val, allowed[j]) == 0;
		if (!ok) {
			struct strbuf list = STRBUF_INIT;

			for (j = 0; allowed[j]; j++)
				strbuf_addf(&list, "%s%s", j ? ", " : "",
					    allowed[j]);
			problem(ld, k, "unknown key '%.60s' in %s (known: %s)",
				k->val, what, list.buf);
			strbuf_release(&list);
		}
		for (j = 0; j < i; j += 2)
			if (m->kid[j]->type == Y_SCALAR &&
			    strcmp(m->kid[j]->val, k->val) == 0) {
				problem(ld, k, "duplicate key '%.60s' (first "
					"at line %d)", k->val,
					m->kid[j]->line);
				break;
			}
	}
}

static const char *
str_of(struct load *ld, const struct ynode *n, const char *what)
{
	if (n == NULL)
		return NULL;
	if (n->type != Y_SCALAR || n->val[0] == '\0') {
		problem(ld, n, "%s must be a non-empty string", what);
		return NULL;
	}
	return n->val;
}

static int
is_ident(const char *s)
{
	const char *p;

	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return 0;
	return p - s <= 60;
}

/*
 * Parse a number in s (whole string).  Refuses inf, nan, hex and anything
 * beyond RUBRIC_MAX_NUMBER.
 */
static int
parse_number(const char *s, double *v, const char **why)
{
	const char *p;
	char *end;

	for (p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == '+' || *p == 'e' || *p == 'E')) {
			*why = "not a number";
			return -1;
		}
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end != '\0') {
		*why = "not a number";
		return -1;
	}
	if (errno == ERANGE || !isfinite(*v) || fabs(*v) > RUBRIC_MAX_NUMBER) {
		*why = "number too large (limit 1e9)";
		return -1;
	}
	return 0;
}

static int
num_of(struct load *ld, const struct ynode *n, const char *what, double lo,
       double hi, double *v)
{
	const char *why = NULL;

	if (n->type != Y_SCALAR || n->quoted) {
		problem(ld, n, "%s must be a number", what);
		return -1;
	}
	if (parse_number(n->val, v, &why) < 0) {
		problem(ld, n, "%s '%.40s': %s", what, n->val, why);
		return -1;
	}
	if (*v < lo || *v > hi) {
		problem(ld, n, "%s %g is out of range (%g to %g)", what, *v, lo,
			hi);
		return -1;
	}
	return 0;
}

static int
bool_of(struct load *ld, const struct ynode *n, const char *what, int *v)
{
	static const char *const t[] = { "true", "yes", "on", "required" };
	static const char *const f[] = { "false", "no", "off" };
	size_t i;

	if (n->type == Y_SCALAR && !n->quoted) {
		for (i = 0; i < 4; i++)
			if (strcmp(n->val, t[i]) == 0)
				return *v = 1, 0;
		for (i = 0; i < 3; i++)
			if (strcmp(n->val, f[i]) == 0)
				return *v = 0, 0;
	}
	problem(ld, n, "%s must be true or false", what);
	return -1;
}

const char *
rubric_kind_name(enum rubric_kind k)
{
	static const char *const names[] = { "metric", "bands", "said",
					     "never_said", "readback",
					     "field", "manual" };

	return names[k];
}

static const char *const known_metrics[] = {
	"duration_s", "agent_talk_s", "customer_talk_s", "silence_s",
	"silence_events", "longest_silence_s", "overtalk_s",
	"agent_interruptions", "customer_interruptions", "response_latency_s",
	"agent_pitch_median_hz", "agent_pitch_sd_st",
	"customer_pitch_median_hz", "customer_pitch_sd_st",
	"agent_loudness_dbfs", "customer_loudness_dbfs",
	"agent_speech_rate_sps", "customer_speech_rate_sps", "hold_s",
	"sample_rate", "channels", NULL
};

int
rubric_known_metric(const char *name)
{
	size_t i;

	for (i = 0; known_metrics[i]; i++)
		if (strcmp(known_metrics[i], name) == 0)
			return 1;
	return 0;
}

int
rubric_cond_parse(const char *s, struct rubric_cond *c, const char **why)
{
	static const struct {
		const char *op;
		enum rubric_op v;
	} ops[] = { { "<=", RUBRIC_LE }, { ">=", RUBRIC_GE },
		    { "==", RUBRIC_EQ }, { "!=", RUBRIC_NE },
		    { "<", RUBRIC_LT },	 { ">", RUBRIC_GT },
		    { "=", RUBRIC_EQ } };
	char buf[40], *dots;
	const char *p = s;
	size_t i, n;

	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0 || n >= sizeof(buf)) {
		*why = n ? "too long" : "empty";
		return -1;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i].op);
		const char *q;

		if (strncmp(buf, ops[i].op, l) != 0)
			continue;
		for (q = buf + l; *q == ' '; q++)
			;
		if (parse_number(q, &c->a, why) < 0)
			return -1;
		c->op = ops[i].v;
		c->b = c->a;
		snprintf(c->text, sizeof(c->text), "%s %s",
			 ops[i].v == RUBRIC_EQ ? "==" : ops[i].op, q);
		return 0;
	}
	if ((dots = strstr(buf, "..")) != NULL) {
		char *q = dots + 2, *e = dots;

		while (e > buf && e[-1] == ' ')
			e--;
		*e = '\0';
		while (*q == ' ')
			q++;
		if (parse_number(buf, &c->a, why) < 0 ||
		    parse_number(q, &c->b, why) < 0)
			return -1;
		if (c->b < c->a) {
			*why = "range upper end below its lower end";
			return -1;
		}
		c->op = RUBRIC_RANGE;
		snprintf(c->text, sizeof(c->text), "%s..%s", buf, q);
		return 0;
	}
	*why = "want OP NUMBER (<, <=, >, >=, ==, !=) or a range A..B";
	return -1;
}

int
rubric_cond_eval(const struct rubric_cond *c, double v)
{
	switch (c->op) {
	case RUBRIC_LT:
		return v < c->a;
	case RUBRIC_LE:
		return v <= c->a;
	case RUBRIC_GT:
		return v > c->a;
	case RUBRIC_GE:
		return v >= c->a;
	case RUBRIC_EQ:
		return v == c->a;
	case RUBRIC_NE:
		return v != c->a;
	case RUBRIC_RANGE:
		return v >= c->a && v <= c->b;
	}
	return 0;
}

static int
cond_of(struct load *ld, const struct ynode *n, struct rubric_cond *c)
{
	const char *why = NULL;

	if (n->type != Y_SCALAR) {
		problem(ld, n, "a condition must be a string such as \">= 2\" "
			"or \"3..6.5\"");
		return -1;
	}
	if (rubric_cond_parse(n->val, c, &why) < 0) {
		problem(ld, n, "bad condition '%.40s': %s", n->val, why);
		return -1;
	}
	return 0;
}

static int
declared_field(const struct rubric *rb, const char *name)
{
	size_t i;

	for (i = 0; i < rb->nfields; i++)
		if (strcmp(rb->fields[i], name) == 0)
			return 1;
	return 0;
}

/* A list of strings (or one string) into *out; -1 after a problem. */
static int
strings_of(struct load *ld, const struct ynode *n, const char *what,
	   char ***out, size_t *nout)
{
	size_t i, cnt = n->type == Y_SEQ ? n->n : 1;

	if (n->type == Y_MAP || cnt == 0) {
		problem(ld, n, "%s must be a string or a non-empty list of "
			"strings", what);
		return -1;
	}
	*out = calloc(cnt, sizeof(**out));
	if (*out == NULL)
		return -1;
	for (i = 0; i < cnt; i++) {
		const struct ynode *s = n->type == Y_SEQ ? n->kid[i] : n;

		if (s->type != Y_SCALAR || s->val[0] == '\0') {
			problem(ld, s, "%s: each entry must be a non-empty "
				"string", what);
			continue;
		}
		(*out)[(*nout)++] = strdup(s->val);
	}
	return 0;
}

static int
window_of(struct load *ld, const struct ynode *n, struct rubric_item *it)
{
	char word[16], unit[8] = "";
	double v;
	int k = 0;
	const char *why = NULL;
	char num[32];

	if (n->type != Y_SCALAR)
		goto bad;
	if (strcmp(n->val, "whole call") == 0 || strcmp(n->val, "all") == 0) {
		it->window = RUBRIC_WHOLE;
		return 0;
	}
	if (sscanf(n->val, "%15s %31[0-9.eE+-]%n", word, num, &k) < 2)
		goto bad;
	sscanf(n->val + k, " %7s", unit);
	if (unit[0] && strcmp(unit, "s") != 0)
		goto bad;
	if (strcmp(word, "first") == 0)
		it->window = RUBRIC_FIRST;
	else if (strcmp(word, "last") == 0)
		it->window = RUBRIC_LAST;
	else
		goto bad;
	if (parse_number(num, &v, &why) < 0 || v <= 0) {
		problem(ld, n, "within: bad number of seconds '%.20s'", num);
		return -1;
	}
	{
		char rest[8] = "";
		int k2 = 0;

		sscanf(n->val + k, " %7s%n", rest, &k2);
		if (rest[0] && n->val[k + k2] != '\0')
			goto bad;
	}
	it->window_s = v;
	return 0;
bad:
	problem(ld, n, "within: want \"first N s\", \"last N s\" or \"whole "
		"call\", not '%.40s'", n->type == Y_SCALAR ? n->val : "");
	return -1;
}

static void
load_item(struct load *ld, const struct ynode *m, int sec)
{
	static const char *const keys[] = {
		"id", "label", "kind", "points", "critical", "if_missing",
		"metric", "pass", "bands", "speaker", "within", "phrases",
		"field", "equals", NULL
	};
	static const struct {
		const char *name;
		const char *const need[3];
	} kinds[] = {
		{ "metric", { "metric", "pass", NULL } },
		{ "bands", { "metric", "bands", NULL } },
		{ "said", { "phrases", NULL, NULL } },
		{ "never_said", { "phrases", NULL, NULL } },
		{ "readback", { "field", NULL, NULL } },
		{ "field", { "field", "equals", NULL } },
		{ "manual", { NULL, NULL, NULL } },
	};
	static const char *const kind_keys[] = { "metric", "pass", "bands",
						 "speaker", "within",
						 "phrases", "field", "equals",
						 NULL };
	static const char *const allowed[7][5] = {
		{ "metric", "pass", NULL },
		{ "metric", "bands", NULL },
		{ "phrases", "speaker", "within", NULL },
		{ "phrases", "speaker", "within", NULL },
		{ "field", "speaker", "within", NULL },
		{ "field", "equals", NULL },
		{ NULL },
	};
	struct rubric *rb = ld->rb;
	struct rubric_item *it = &rb->items[rb->nitems];
	const struct ynode *n;
	const char *s;
	size_t i, j;
	int k = -1, v;

	if (m->type != Y_MAP) {
		problem(ld, m, "an item must be a mapping (id:, kind:, "
			"points: ...)");
		return;
	}
	rb->nitems++;
	memset(it, 0, sizeof(*it));
	it->section = sec;
	it->line = m->line;
	it->col = m->col;
	it->window_s = NAN;
	check_keys(ld, m, "an item", keys);
	if ((s = str_of(ld, map_get(m, "id"), "id")) != NULL) {
		if (!is_ident(s))
			problem(ld, map_get(m, "id"), "id '%.40s': use lower "
				"case letters, digits and _", s);
		for (i = 0; i + 1 < rb->nitems; i++)
			if (strcmp(rb->items[i].id, s) == 0)
				problem(ld, map_get(m, "id"), "duplicate item "
					"id '%s' (first at line %d)", s,
					rb->items[i].line);
		it->id = strdup(s);
	} else {
		if (map_get(m, "id") == NULL)
			problem(ld, m, "item without an id");
		it->id = strdup("?");
	}
	s = str_of(ld, map_get(m, "label"), "label");
	it->label = strdup(s ? s : it->id);
	if ((n = map_get(m, "kind")) == NULL) {
		problem(ld, m, "item '%s' has no kind (metric, bands, said, "
			"never_said, readback, field or manual)", it->id);
		return;
	}
	for (i = 0; n->type == Y_SCALAR && i < 7; i++)
		if (strcmp(n->val, kinds[i].name) == 0)
			k = (int)i;
	if (k < 0) {
		problem(ld, n, "unknown kind '%.40s' (metric, bands, said, "
			"never_said, readback, field or manual)",
			n->type == Y_SCALAR ? n->val : "");
		return;
	}
	it->kind = (enum rubric_kind)k;
	for (i = 0; kinds[k].need[i]; i++)
		if (map_get(m, kinds[k].need[i]) == NULL)
			problem(ld, m, "item '%s' (kind %s) needs '%s'", it->id,
				kinds[k].name, kinds[k].need[i]);
	for (i = 0; kind_keys[i]; i++) {
		int ok = 0;

		if ((n = map_get(m, kind_keys[i])) == NULL)
			continue;
		for (j = 0; allowed[k][j]; j++)
			ok |= strcmp(allowed[k][j], kind_keys[i]) == 0;
		if (!ok)
			problem(ld, map_key(m, kind_keys[i]),
				"'%s' does not apply to kind %s",
				kind_keys[i], kinds[k].name);
	}
	if ((n = map_get(m, "critical")) != NULL)
		bool_of(ld, n, "critical", &it->critical);
	v = 0;
	if ((n = map_get(m, "points")) != NULL)
		v = num_of(ld, n, "points", 0, RUBRIC_MAX_POINTS, &it->points);
	else if (!it->critical)
		problem(ld, m, "item '%s' has no points", it->id);
	if (v == 0 && it->points == 0 && !it->critical && n)
		problem(ld, map_get(m, "points"), "points 0 only make sense "
			"on a critical item");
	if ((n = map_get(m, "if_missing")) != NULL) {
		if (n->type == Y_SCALAR && strcmp(n->val, "fail") == 0)
			it->missing_fails = 1;
		else if (!(n->type == Y_SCALAR && strcmp(n->val, "na") == 0))
			problem(ld, n, "if_missing: want na or fail");
	}
	n = map_get(m, "metric");
	if (n == NULL)
		n = map_get(m, "field");
	if (n && (s = str_of(ld, n, "metric/field")) != NULL) {
		it->column = strdup(s);
		if (map_get(m, "metric") && !rubric_known_metric(s) &&
		    !declared_field(rb, s))
			problem(ld, n, "unknown metric '%.60s' (not a measured "
				"column and not in fields:)", s);
		if (map_get(m, "field") && !declared_field(rb, s))
			problem(ld, n, "field '%.60s' is not declared in "
				"fields:", s);
	}
	if ((n = map_get(m, "pass")) != NULL && k == RUBRIC_METRIC)
		cond_of(ld, n, &it->pass);
	if ((n = map_get(m, "bands")) != NULL && k == RUBRIC_BANDS) {
		if (n->type != Y_SEQ || n->n == 0)
			problem(ld, n, "bands must be a non-empty list of "
				"{when: CONDITION, points: N}");
		else if ((it->bands = calloc(n->n, sizeof(*it->bands))))
			for (i = 0; i < n->n; i++) {
				static const char *const bk[] = { "when",
								  "points",
								  NULL };
				const struct ynode *b = n->kid[i], *w, *p;
				struct rubric_band *bd =
					&it->bands[it->nbands++];

				if (b->type != Y_MAP) {
					problem(ld, b, "a band must be {when: "
						"CONDITION, points: N}");
					continue;
				}
				check_keys(ld, b, "a band", bk);
				if ((w = map_get(b, "when")) == NULL ||
				    (p = map_get(b, "points")) == NULL) {
					problem(ld, b, "a band needs when: and "
						"points:");
					continue;
				}
				cond_of(ld, w, &bd->when);
				if (num_of(ld, p, "band points", 0,
					   RUBRIC_MAX_POINTS,
					   &bd->points) == 0 &&
				    bd->points > it->points)
					problem(ld, p, "band points %g exceed "
						"the item's %g points",
						bd->points, it->points);
			}
	}
	if ((n = map_get(m, "speaker")) != NULL) {
		if (n->type == Y_SCALAR && strcmp(n->val, "agent") == 0)
			it->speaker = RUBRIC_AGENT;
		else if (n->type == Y_SCALAR &&
			 strcmp(n->val, "customer") == 0)
			it->speaker = RUBRIC_CUSTOMER;
		else if (n->type == Y_SCALAR && strcmp(n->val, "any") == 0)
			it->speaker = RUBRIC_ANY;
		else
			problem(ld, n, "speaker: want agent, customer or any");
	} else
		it->speaker = RUBRIC_AGENT;
	if ((n = map_get(m, "within")) != NULL)
		window_of(ld, n, it);
	if ((n = map_get(m, "phrases")) != NULL &&
	    strings_of(ld, n, "phrases", &it->phrases, &it->nphrases) == 0) {
		it->norm = calloc(it->nphrases ? it->nphrases : 1,
				  sizeof(*it->norm));
		for (i = 0; it->norm && i < it->nphrases; i++) {
			struct strbuf nb = STRBUF_INIT;

			textnorm(it->phrases[i], &nb);
			if (nb.len == 0)
				problem(ld, n->type == Y_SEQ ? n->kid[i] : n,
					"phrase '%.40s' is only punctuation "
					"and spaces", it->phrases[i]);
			it->norm[i] = strbuf_detach(&nb);
		}
	}
	if ((n = map_get(m, "equals")) != NULL && k == RUBRIC_FIELD)
		strings_of(ld, n, "equals", &it->values, &it->nvalues);
}

static void
load_section(struct load *ld, const struct ynode *m)
{
	static const char *const keys[] = { "id", "label", "weight", "items",
					    NULL };
	struct rubric *rb = ld->rb;
	struct rubric_section *sec;
	const struct ynode *n;
	const char *s;
	size_t i;

	if (m->type != Y_MAP) {
		problem(ld, m, "a section must be a mapping (id:, weight:, "
			"items:)");
		return;
	}
	sec = &rb->sections[rb->nsections++];
	memset(sec, 0, sizeof(*sec));
	sec->line = m->line;
	sec->col = m->col;
	check_keys(ld, m, "a section", keys);
	if ((s = str_of(ld, map_get(m, "id"), "section id")) != NULL) {
		if (!is_ident(s))
			problem(ld, map_get(m, "id"), "section id '%.40s': use "
				"lower case letters, digits and _", s);
		for (i = 0; i + 1 < rb->nsections; i++)
			if (strcmp(rb->sections[i].id, s) == 0)
				problem(ld, map_get(m, "id"), "duplicate "
					"section id '%s' (first at line %d)",
					s, rb->sections[i].line);
		sec->id = strdup(s);
	} else {
		if (map_get(m, "id") == NULL)
			problem(ld, m, "section without an id");
		sec->id = strdup("?");
	}
	s = str_of(ld, map_get(m, "label"), "label");
	sec->label = strdup(s ? s : sec->id);
	if ((n = map_get(m, "weight")) != NULL)
		num_of(ld, n, "weight", 0, 100, &sec->weight);
	else
		problem(ld, m, "section '%s' has no weight", sec->id);
	sec->first = rb->nitems;
	n = map_get(m, "items");
	if (n == NULL || (n->type == Y_SEQ && n->n == 0)) {
		problem(ld, n ? n : m, "section '%s' has no items", sec->id);
		return;
	}
	if (n->type != Y_SEQ) {
		problem(ld, n, "items must be a list");
		return;
	}
	for (i = 0; i < n->n; i++)
		load_item(ld, n->kid[i], (int)(sec - rb->sections));
	sec->nitems = rb->nitems - sec->first;
}

/* Count the items under every section (to size the arrays). */
static size_t
count_items(const struct ynode *secs)
{
	size_t i, c = 0;

	for (i = 0; i < secs->n; i++) {
		const struct ynode *it = map_get(secs->kid[i], "items");

		if (it && it->type == Y_SEQ)
			c += it->n;
	}
	return c;
}

static void
load_eligibility(struct load *ld, const struct ynode *m)
{
	static const char *const keys[] = { "min_duration_s", "stereo",
					    "transcript", "min_points", NULL };
	struct rubric *rb = ld->rb;
	const struct ynode *n;

	if (m->type != Y_MAP) {
		problem(ld, m, "eligibility must be a mapping");
		return;
	}
	check_keys(ld, m, "eligibility", keys);
	if ((n = map_get(m, "min_duration_s")) != NULL)
		num_of(ld, n, "min_duration_s", 0, 86400, &rb->min_duration_s);
	if ((n = map_get(m, "stereo")) != NULL)
		bool_of(ld, n, "stereo", &rb->need_stereo);
	if ((n = map_get(m, "transcript")) != NULL)
		bool_of(ld, n, "transcript", &rb->need_transcript);
	if ((n = map_get(m, "min_points")) != NULL)
		num_of(ld, n, "min_points", 0, 1e6, &rb->min_points);
}

static void
load_root(struct load *ld, const struct ynode *root)
{
	static const char *const keys[] = { "rubric", "title", "fields",
					    "eligibility", "sections", NULL };
	struct rubric *rb = ld->rb;
	const struct ynode *n, *secs;
	const char *s;
	double total = 0;
	size_t i;

	if (root->type != Y_MAP) {
		problem(ld, root, "a rubric is a mapping with rubric:, "
			"sections: ...");
		return;
	}
	check_keys(ld, root, "the rubric", keys);
	if ((s = str_of(ld, map_get(root, "rubric"), "rubric")) != NULL) {
		const char *p;

		for (p = s; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '_' ||
			      *p == '-' || *p == '.'))
				break;
		if (*p || p - s > 60)
			problem(ld, map_get(root, "rubric"), "rubric name "
				"'%.40s': use letters, digits, _ - .", s);
		rb->name = strdup(s);
	} else if (map_get(root, "rubric") == NULL)
		problem(ld, root, "no rubric: name");
	if ((s = str_of(ld, map_get(root, "title"), "title")) != NULL)
		rb->title = strdup(s);
	if ((n = map_get(root, "fields")) != NULL) {
		if (strings_of(ld, n, "fields", &rb->fields, &rb->nfields) == 0)
			for (i = 0; i < rb->nfields; i++)
				if (!is_ident(rb->fields[i]))
					problem(ld, n->type == Y_SEQ
							    ? n->kid[i]
							    : n,
						"field '%.40s' is not a column "
						"name", rb->fields[i]);
	}
	if ((n = map_get(root, "eligibility")) != NULL)
		load_eligibility(ld, n);
	secs = map_get(root, "sections");
	if (secs == NULL) {
		problem(ld, root, "no sections:");
		return;
	}
	if (secs->type != Y_SEQ || secs->n == 0) {
		problem(ld, secs, "sections must be a non-empty list");
		return;
	}
	rb->sections = calloc(secs->n, sizeof(*rb->sections));
	rb->items = calloc(count_items(secs) + 1, sizeof(*rb->items));
	if (rb->sections == NULL || rb->items == NULL) {
		problem(ld, NULL, "out of memory");
		return;
	}
	for (i = 0; i < secs->n; i++)
		load_section(ld, secs->kid[i]);
	for (i = 0; i < rb->nsections; i++)
		total += rb->sections[i].weight;
	if (rb->nsections > 0 && fabs(total - 100) > 1e-9)
		problem(ld, secs, "section weights add up to %g, not 100",
			total);
}

void
rubric_free(struct rubric *rb)
{
	size_t i, j;

	if (rb == NULL)
		return;
	for (i = 0; i < rb->nitems; i++) {
		struct rubric_item *it = &rb->items[i];

		free(it->id);
		free(it->label);
		free(it->column);
		free(it->bands);
		for (j = 0; j < it->nphrases; j++) {
			free(it->phrases[j]);
			if (it->norm)
				free(it->norm[j]);
		}
		free(it->phrases);
		free(it->norm);
		for (j = 0; j < it->nvalues; j++)
			free(it->values[j]);
		free(it->values);
	}
	for (i = 0; i < rb->nsections; i++) {
		free(rb->sections[i].id);
		free(rb->sections[i].label);
	}
	for (i = 0; i < rb->nfields; i++)
		free(rb->fields[i]);
	free(rb->fields);
	free(rb->items);
	free(rb->sections);
	free(rb->path);
	free(rb->name);
	free(rb->title);
	free(rb);
}

struct pline {
	long line, col;
	size_t seq;
	const char *s;
	size_t len;
};

static int
pline_cmp(const void *a, const void *b)
{
	const struct pline *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Put the problems appended since offset `from` in file order (by line,
 * then column; problems without a position first), so an inspector reads
 * them top to bottom.
 */
static void
sort_problems(struct strbuf *pb, size_t from, const char *path)
{
	struct strbuf out = STRBUF_INIT;
	struct pline *v = NULL;
	size_t n = 0, cap = 0, i, plen = strlen(path);
	const char *p = pb->buf + from, *nl;

	while ((nl = strchr(p, '\n')) != NULL) {
		struct pline pl = { 0, 0, n, p, (size_t)(nl - p) + 1 };

		if (strncmp(p, path, plen) == 0 && p[plen] == ':')
			sscanf(p + plen + 1, "%ld:%ld", &pl.line, &pl.col);
		if (n == cap) {
			void *nv = realloc(v, (cap = cap ? 2 * cap : 16) *
						      sizeof(*v));

			if (nv == NULL) {
				free(v);
				return;
			}
			v = nv;
		}
		v[n++] = pl;
		p = nl + 1;
	}
	qsort(v, n, sizeof(*v), pline_cmp);
	for (i = 0; i < n; i++)
		strbuf_add(&out, v[i].s, v[i].len);
	if (out.len == pb->len - from) {
		memcpy(pb->buf + from, out.buf, out.len);
	}
	strbuf_release(&out);
	free(v);
}

struct rubric *
rubric_parse(const char *path, const char *buf, size_t len,
	     struct strbuf *problems)
{
	size_t from = problems->len;

	struct load ld = { path, problems, 0, NULL };
	struct ynode *root;
	char *copy;

	if (len > RUBRIC_MAX_BYTES) {
		problem(&ld, NULL, "larger than %zu KiB; not a rubric",
			RUBRIC_MAX_BYTES >> 10);
		return NULL;
	}
	/* utf8_valid() and the messages want the text NUL-terminated. */
	if ((copy = malloc(len + 1)) == NULL) {
		problem(&ld, NULL, "out of memory");
		return NULL;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (!utf8_valid(copy, len)) {
		problem(&ld, NULL, "not UTF-8 text");
		free(copy);
		return NULL;
	}
	root = yaml_tree(&ld, copy, len);
	free(copy);
	if (root == NULL)
		return NULL;
	if ((ld.rb = calloc(1, sizeof(*ld.rb))) == NULL) {
		ynode_free(root);
		problem(&ld, NULL, "out of memory");
		return NULL;
	}
	ld.rb->path = strdup(path);
	ld.rb->min_duration_s = NAN;
	sha256_hex(buf, len, ld.rb->version);
	load_root(&ld, root);
	ynode_free(root);
	if (ld.nproblems) {
		sort_problems(problems, from, path);
		rubric_free(ld.rb);
		return NULL;
	}
	return ld.rb;
}

struct rubric *
rubric_load(const char *path, struct strbuf *problems)
{
	struct rubric *rb = NULL;
	struct strbuf buf = STRBUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		strbuf_addf(problems, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf.max = RUBRIC_MAX_BYTES + sizeof(chunk);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (strbuf_add(&buf, chunk, n) < 0 ||
		    buf.len > RUBRIC_MAX_BYTES) {
			strbuf_addf(problems, "%s: larger than %zu KiB; not a "
				    "rubric\n", path, RUBRIC_MAX_BYTES >> 10);
			goto out;
		}
	if (ferror(fp)) {
		strbuf_addf(problems, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	rb = rubric_parse(path, buf.buf, buf.len, problems);
out:
	fclose(fp);
	strbuf_release(&buf);
	return rb;
}

int
rubric_item_index(const struct rubric *rb, const char *id)
{
	size_t i;

	for (i = 0; i < rb->nitems; i++)
		if (strcmp(rb->items[i].id, id) == 0)
			return (int)i;
	return -1;
}
