/*
 * policy.c: rules/ranking.yaml, a flat mapping of scalars read with
 * libyaml's event parser.  Anything else (sequences, nested mappings,
 * aliases, unknown keys) is an error naming the file and line.
 */
#include "callqa/rank.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "callqa/callqa.h"

void
rank_policy_default(struct rank_policy *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->group_by, "team");
	p->min_calls = 20;
	p->points_best = 5;
	p->points_worst = -5;
	p->tie = RANK_TIE_SHARE;
	p->confidence = 0.95;
	strcpy(p->timezone, "UTC");
}

static int
to_int(const char *v, long lo, long hi, int *out)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(v, &end, 10);
	if (errno || end == v || *end || l < lo || l > hi)
		return -1;
	*out = (int)l;
	return 0;
}

static int
set_key(struct rank_policy *p, const char *k, const char *v, const char *path,
	size_t line, struct err *e)
{
	char *end;

	if (strcmp(k, "group") == 0) {
		if (strcmp(v, "team") && strcmp(v, "post") &&
		    strcmp(v, "centre"))
			return err_set(e, "%s:%zu: group '%.40s': want team, "
					  "post or centre",
				       path, line, v);
		snprintf(p->group_by, sizeof(p->group_by), "%s", v);
	} else if (strcmp(k, "min_calls") == 0) {
		if (to_int(v, 1, 100000, &p->min_calls) < 0)
			return err_set(e, "%s:%zu: min_calls '%.40s': want a "
					  "whole number from 1",
				       path, line, v);
	} else if (strcmp(k, "points_best") == 0) {
		if (to_int(v, -1000, 1000, &p->points_best) < 0)
			return err_set(e, "%s:%zu: points_best '%.40s' is "
					  "not a whole number",
				       path, line, v);
	} else if (strcmp(k, "points_worst") == 0) {
		if (to_int(v, -1000, 1000, &p->points_worst) < 0)
			return err_set(e, "%s:%zu: points_worst '%.40s' is "
					  "not a whole number",
				       path, line, v);
	} else if (strcmp(k, "tie") == 0) {
		if (strcmp(v, "share") == 0)
			p->tie = RANK_TIE_SHARE;
		else if (strcmp(v, "none") == 0)
			p->tie = RANK_TIE_NONE;
		else if (strcmp(v, "more_calls") == 0)
			p->tie = RANK_TIE_MORE_CALLS;
		else
			return err_set(e, "%s:%zu: tie '%.40s': want share, "
					  "none or more_calls",
				       path, line, v);
	} else if (strcmp(k, "confidence") == 0) {
		p->confidence = strtod(v, &end);
		if (end == v || *end || !(p->confidence >= 0.5) ||
		    !(p->confidence < 1))
			return err_set(e, "%s:%zu: confidence '%.40s': want "
					  "a number from 0.5 to below 1",
				       path, line, v);
	} else if (strcmp(k, "timezone") == 0) {
		if (strlen(v) == 0 || strlen(v) >= sizeof(p->timezone))
			return err_set(e, "%s:%zu: bad timezone", path, line);
		snprintf(p->timezone, sizeof(p->timezone), "%s", v);
	} else {
		return err_set(e, "%s:%zu: unknown key '%.40s' (known: group, "
				  "min_calls, points_best, points_worst, tie, "
				  "confidence, timezone)",
			       path, line, k);
	}
	return 0;
}

int
rank_policy_load(struct rank_policy *p, const char *path, struct err *e)
{
	struct rank_policy np = *p;
	yaml_parser_t parser;
	yaml_event_t ev;
	char *key = NULL;
	int depth = 0, r = -1, done = 0;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return err_set(e, "%s: cannot open: %s", path, strerror(errno));
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return err_set(e, "%s: out of memory", path);
	}
	yaml_parser_set_input_file(&parser, fp);
	while (!done) {
		size_t line;

		if (!yaml_parser_parse(&parser, &ev)) {
			err_set(e, "%s:%zu: %s", path,
				parser.problem_mark.line + 1,
				parser.problem ? parser.problem : "YAML error");
			goto out;
		}
		line = ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
			if (++depth > 1) {
				err_set(e, "%s:%zu: nested mapping: the "
					   "policy is flat key: value pairs",
					path, line);
				goto bad;
			}
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SEQUENCE_START_EVENT:
			err_set(e, "%s:%zu: a list is not allowed here", path,
				line);
			goto bad;
		case YAML_ALIAS_EVENT:
			err_set(e, "%s:%zu: aliases are not allowed", path,
				line);
			goto bad;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;

			if (depth != 1) {
				err_set(e, "%s:%zu: want a mapping of keys",
					path, line);
				goto bad;
			}
			if (key == NULL) {
				if ((key = strdup(v)) == NULL) {
					err_set(e, "out of memory");
					goto bad;
				}
			} else {
				if (set_key(&np, key, v, path, line, e) < 0)
					goto bad;
				free(key);
				key = NULL;
			}
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
		continue;
bad:
		yaml_event_delete(&ev);
		goto out;
	}
	*p = np;
	r = 0;
out:
	free(key);
	yaml_parser_delete(&parser);
	fclose(fp);
	return r;
}
