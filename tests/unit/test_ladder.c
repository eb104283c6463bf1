/*
 * test_ladder: the post ladder's pure parts: periods, the policy loader
 * (rules/ladder.yaml and its errors), and the computation: normalisation
 * (percent of the post's maximum, z-scores), N/A quantities, the order
 * (score, then quality, then calls), cutoffs by count and percent, ties,
 * the top and bottom posts, and posts too small to move anyone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callqa/ladder.h"
#include "../tap.h"

static void
test_periods(void)
{
	char start[16];
	int months = 0;
	struct err e;

	check_int(ladder_parse_period(LADDER_QUARTER, "2026Q4", start, &months,
				      &e),
		  0, "2026Q4 is a quarter");
	check_str(start, "2026-10-01", "2026Q4 starts on 1 October");
	check_int(months, 3, "a quarter is 3 months");
	check_int(ladder_parse_period(LADDER_QUARTER, "2027Q1", start, &months,
				      &e),
		  0, "2027Q1");
	check_str(start, "2027-01-01", "2027Q1 starts on 1 January");
	check_int(ladder_parse_period(LADDER_HALF, "2026H2", start, &months,
				      &e),
		  0, "2026H2 is a half");
	check(strcmp(start, "2026-07-01") == 0 && months == 6,
	      "2026H2: from July, 6 months");
	check_int(ladder_parse_period(LADDER_MONTH, "2026-10", start, &months,
				      &e),
		  0, "2026-10 is a month");
	check(strcmp(start, "2026-10-01") == 0 && months == 1, "one month");
	check_int(ladder_parse_period(LADDER_YEAR, "2026", start, &months, &e),
		  0, "2026 is a year");
	check(strcmp(start, "2026-01-01") == 0 && months == 12, "12 months");
	check_int(ladder_parse_period(LADDER_QUARTER, "2026Q0", start, &months,
				      &e),
		  -1, "2026Q0 is refused");
	check_str(e.msg, "bad period '2026Q0': the policy's periods are YYYYQn",
		  "the message says what a period looks like");
	check_int(ladder_parse_period(LADDER_QUARTER, "2026q4", start, &months,
				      &e),
		  -1, "2026q4 is refused");
	check_int(ladder_parse_period(LADDER_QUARTER, "2026Q4x", start,
				      &months, &e),
		  -1, "2026Q4x is refused");
	check_int(ladder_parse_period(LADDER_QUARTER, "2026-10", start,
				      &months, &e),
		  -1, "a month is not a quarter");
	check_int(ladder_parse_period(LADDER_YEAR, "+026", start, &months, &e),
		  -1, "+026 is not a year");
}

static int
load_text(struct ladder_policy *p, const char *text, struct err *e)
{
	char path[] = "/tmp/test_ladder.XXXXXX";
	int fd = mkstemp(path), r;
	FILE *fp = fdopen(fd, "w");

	fputs(text, fp);
	fclose(fp);
	r = ladder_policy_load(p, path, e);
	unlink(path);
	return r;
}

static const char posts2[] = "posts:\n  - id: a\n  - id: b\n";

static void
test_policy(void)
{
	struct ladder_policy p;
	struct err e;
	char path[4096], text[512];

	snprintf(path, sizeof(path), "%s/rules/ladder.yaml",
		 getenv("CALLQA_TOP") ? getenv("CALLQA_TOP") : ".");
	check_int(ladder_policy_load(&p, path, &e), 0, "rules/ladder.yaml loads");
	check_int(p.nposts, 4, "four posts");
	check(strcmp(p.posts[0].id, "96126") == 0 &&
		      strcmp(p.posts[3].id, "1000") == 0 &&
		      strcmp(p.posts[3].name, "1000 综合岗") == 0,
	      "bottom 96126, top 1000 综合岗");
	check_int(ladder_post_index(&p, "160"), 2, "160 is the third post");
	check_int(ladder_post_index(&p, "999"), -1, "999 is not on the ladder");
	check(p.period == LADDER_QUARTER && p.min_calls == 60 &&
		      p.norm == LADDER_PERCENT_OF_MAX && p.promote == 1 &&
		      !p.promote_pct && p.demote == 1 &&
		      p.tie == LADDER_TIE_SHARE,
	      "quarter, 60 calls, percent of max, 1 up, 1 down, share");
	check(p.weight[LADDER_QUALITY] == 0.6 && p.weight[LADDER_CALLS] == 0.2 &&
		      p.weight[LADDER_CALLBACKS] == 0.05 &&
		      p.weight[LADDER_RECORDS] == 0.05 &&
		      p.weight[LADDER_LEDGER] == 0.1,
	      "weights .6 .2 .05 .05 .1");
	check(strcmp(p.column[LADDER_CALLBACKS], "callbacks") == 0 &&
		      strcmp(p.column[LADDER_RECORDS], "records_entered") == 0,
	      "columns callbacks and records_entered");
	check_int((int)strlen(p.sha), 64, "the policy's SHA-256");

	snprintf(text, sizeof(text), "%spromote: 10%%\ndemote: 3\n", posts2);
	check_int(load_text(&p, text, &e), 0, "percent and count");
	check(p.promote == 10 && p.promote_pct && p.demote == 3 &&
		      !p.demote_pct && strcmp(p.posts[0].name, "a") == 0,
	      "promote 10 %, demote 3, name defaults to the id");
	snprintf(text, sizeof(text), "%s\nfoo: 1\n", posts2);
	check_int(load_text(&p, text, &e), -1, "unknown key");
	if (!check(strstr(e.msg, ":5: unknown key 'foo'") != NULL,
		   "unknown key: its line"))
		printf("#   %s\n", e.msg);
	snprintf(text, sizeof(text), "%sweights:\n  quality: -1\n", posts2);
	check_int(load_text(&p, text, &e), -1, "negative weight");
	if (!check(strstr(e.msg, ":5: weights: quality wants a number >= 0") !=
			   NULL,
		   "negative weight: its line"))
		printf("#   %s\n", e.msg);
	snprintf(text, sizeof(text), "%sweights: { speed: 1 }\n", posts2);
	check_int(load_text(&p, text, &e), -1, "unknown component");
	snprintf(text, sizeof(text), "%sweights: { quality: 0 }\n", posts2);
	check_int(load_text(&p, text, &e), -1, "quality weighs nothing");
	snprintf(text, sizeof(text), "%spromote: 101%%\n", posts2);
	check_int(load_text(&p, text, &e), -1, "101 %");
	snprintf(text, sizeof(text), "%scolumns: { callbacks: \"a b\" }\n",
		 posts2);
	check_int(load_text(&p, text, &e), -1, "a column name with a space");
	check_int(load_text(&p, "posts:\n  - id: a\n", &e), -1, "one post");
	check(strstr(e.msg, "at least 2 posts") != NULL, "one post: why");
	check_int(load_text(&p, "posts:\n  - id: a\n  - id: a\n", &e), -1,
		  "a post twice");
	check_int(load_text(&p, "posts: [a, b]\n", &e), -1,
		  "posts must be mappings");
	check_int(load_text(&p, "posts:\n  - id: a\n   - x\n", &e), -1,
		  "YAML syntax error");
	check(strncmp(e.msg, "/tmp/test_ladder.", 17) == 0 &&
		      strstr(e.msg, ":3: ") != NULL,
	      "YAML error: file and line");
}

/* A policy of three posts with quality and calls only. */
static void
policy3(struct ladder_policy *p)
{
	ladder_policy_default(p);
	p->nposts = 3;
	strcpy(p->posts[0].id, "low");
	strcpy(p->posts[1].id, "mid");
	strcpy(p->posts[2].id, "top");
	p->min_calls = 2;
	memset(p->weight, 0, sizeof(p->weight));
	p->weight[LADDER_QUALITY] = 0.5;
	p->weight[LADDER_CALLS] = 0.5;
}

static void
agent(struct ladder_agent *a, const char *id, int post, int n, double q)
{
	memset(a, 0, sizeof(*a));
	a->agent_id = id;
	a->post = post;
	a->n = n;
	a->value[LADDER_QUALITY] = n ? q : NAN;
	a->value[LADDER_CALLS] = n;
	a->value[LADDER_CALLBACKS] = NAN;
	a->value[LADDER_RECORDS] = NAN;
	a->value[LADDER_LEDGER] = 0;
}

static const struct ladder_agent *
find(const struct ladder_agent *a, int n, const char *id)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i].agent_id, id) == 0)
			return &a[i];
	return NULL;
}

static void
test_order(void)
{
	struct ladder_policy p;
	struct ladder_post_stats ps[3];
	struct ladder_agent a[8];
	const struct ladder_agent *x, *y, *z;

	/*
	 * Post mid, max quality 100, max calls 10: X (100, 5 calls) scores
	 * .5*100 + .5*50 = 75, Y (50, 10 calls) .5*50 + .5*100 = 75, Z (60,
	 * 6 calls) 30 + 30 = 60.  X and Y have the same score: quality
	 * decides, so X is first and promoted, no tie; Z is moved down.
	 */
	policy3(&p);
	agent(&a[0], "Y", 1, 10, 50);
	agent(&a[1], "Z", 1, 6, 60);
	agent(&a[2], "X", 1, 5, 100);
	agent(&a[3], "W", 1, 1, 100); /* 1 call < 2 */
	agent(&a[4], "V", 7, 9, 90);  /* off the ladder */
	agent(&a[5], "T", 2, 4, 80);  /* alone in the top post */
	ladder_compute(&p, a, 6, ps);
	check_str(a[0].agent_id, "T", "the top post comes first");
	check(strcmp(a[1].agent_id, "X") == 0 && strcmp(a[2].agent_id, "Y") ==
		      0 && strcmp(a[3].agent_id, "Z") == 0 &&
		      strcmp(a[4].agent_id, "W") == 0 &&
		      strcmp(a[5].agent_id, "V") == 0,
	      "then mid by rank, the unconsidered, and the post off the ladder");
	x = find(a, 6, "X");
	y = find(a, 6, "Y");
	z = find(a, 6, "Z");
	check_dbl(x->score, 75, 1e-9, "X: 75");
	check_dbl(y->score, 75, 1e-9, "Y: 75");
	check_dbl(z->score, 60, 1e-9, "Z: 60");
	check(x->rank == 1 && y->rank == 2 && !x->tie && !y->tie,
	      "equal scores: higher quality first, no tie");
	check(x->action == LADDER_PROMOTE && x->to_post == 2,
	      "X promoted to top");
	check(y->action == LADDER_STAY && z->action == LADDER_DEMOTE &&
		      z->to_post == 0,
	      "Y stays, Z moved down");
	check_int(ps[1].m, 3, "mid: 3 considered");
	check_dbl(ps[1].max[LADDER_CALLS], 10, 0, "W's call is not counted");
	check(!ps[1].available[LADDER_CALLBACKS] &&
		      !ps[1].available[LADDER_RECORDS] &&
		      ps[1].available[LADDER_LEDGER],
	      "no columns: callbacks and records N/A, ledger counts");
	x = find(a, 6, "W");
	check(!x->considered && x->rank == 0 && isnan(x->score) &&
		      strcmp(x->flag, "n < 2") == 0,
	      "W: 1 call, not considered");
	x = find(a, 6, "V");
	check(x->action == LADDER_STAY &&
		      strcmp(x->flag, "post not on the ladder") == 0,
	      "V: off the ladder");
	x = find(a, 6, "T");
	check(x->considered && x->rank == 1 && x->action == LADDER_STAY &&
		      x->flag[0] == '\0',
	      "T: alone in its post, nobody moves");

	/* Quality only: equal scores and quality, more calls first. */
	p.weight[LADDER_CALLS] = 0;
	agent(&a[0], "P", 1, 8, 90);
	agent(&a[1], "Q", 1, 10, 90);
	agent(&a[2], "R", 1, 10, 70);
	ladder_compute(&p, a, 3, ps);
	check(strcmp(a[0].agent_id, "Q") == 0 && a[0].rank == 1 &&
		      a[1].rank == 2 && !a[0].tie,
	      "equal score and quality: more calls first");
	check_dbl(a[2].score, 70 / 0.9, 1e-9,
		  "quality only: R at 70/90 of the maximum");
}

static void
test_zscore(void)
{
	struct ladder_policy p;
	struct ladder_post_stats ps[3];
	struct ladder_agent a[3];
	double sd = sqrt(200.0 / 3);

	/* Qualities 70, 80, 90: mean 80, population sd sqrt(200/3) = 8.165;
	 * calls all 5: sd 0, so 0 for everyone. */
	policy3(&p);
	p.norm = LADDER_ZSCORE;
	agent(&a[0], "A", 0, 5, 70);
	agent(&a[1], "B", 0, 5, 80);
	agent(&a[2], "C", 0, 5, 90);
	ladder_compute(&p, a, 3, ps);
	check_dbl(ps[0].sd[LADDER_QUALITY], sd, 1e-9, "sd of quality");
	check_dbl(a[0].norm[LADDER_QUALITY], 10 / sd, 1e-9, "C: z 1.2247");
	check_dbl(a[0].norm[LADDER_CALLS], 0, 0, "equal calls: z 0");
	check_dbl(a[0].score, 0.5 * 10 / sd, 1e-9, "C: score .5 * 1.2247");
	check_dbl(a[2].score, -0.5 * 10 / sd, 1e-9, "A: -.6124");
	check(a[0].action == LADDER_PROMOTE && a[2].action == LADDER_STAY &&
		      strcmp(a[2].flag, "bottom post: not moved down") == 0,
	      "bottom post: C up, A not down");
}

static void
test_quantities(void)
{
	struct ladder_policy p;
	struct ladder_post_stats ps[3];
	struct ladder_agent a[3];

	/*
	 * Callbacks weigh 0.5 too, column set: A has 4, B none of its calls
	 * carries the column (0), C 2.  Max 4.  Quality 80 each (100 %),
	 * calls 5 each (100 %): A = (50 + 50 + 50) / 1.5 = 100, C = (50 +
	 * 50 + 25) / 1.5 = 83.33, B = 100 / 1.5 = 66.67.  Ledger: -5 for A,
	 * weight 0, so it changes nothing.
	 */
	policy3(&p);
	p.weight[LADDER_CALLBACKS] = 0.5;
	strcpy(p.column[LADDER_CALLBACKS], "cb");
	agent(&a[0], "A", 1, 5, 80);
	agent(&a[1], "B", 1, 5, 80);
	agent(&a[2], "C", 1, 5, 80);
	a[0].value[LADDER_CALLBACKS] = 4;
	a[2].value[LADDER_CALLBACKS] = 2;
	a[0].value[LADDER_LEDGER] = -5;
	ladder_compute(&p, a, 3, ps);
	check_dbl(ps[1].wsum, 1.5, 1e-12, "weights used: 1.5");
	check_dbl(a[0].score, 100, 1e-9, "A: 100");
	check_dbl(a[1].score, 250.0 / 3, 1e-9, "C: 83.33");
	check_dbl(a[2].score, 200.0 / 3, 1e-9, "B: 66.67");
	check_dbl(a[0].norm[LADDER_LEDGER], -100, 1e-9,
		  "ledger -5 of max 5: -100 %");
	check(strcmp(a[2].agent_id, "B") == 0 && a[2].action == LADDER_DEMOTE,
	      "B last, moved down");
	/* No call of the post carries the column: N/A, weight dropped. */
	a[0].value[LADDER_CALLBACKS] = NAN;
	a[1].value[LADDER_CALLBACKS] = NAN;
	a[2].value[LADDER_CALLBACKS] = NAN;
	ladder_compute(&p, a, 3, ps);
	check(!ps[1].available[LADDER_CALLBACKS] && ps[1].wsum == 1.0 &&
		      isnan(a[0].norm[LADDER_CALLBACKS]),
	      "column absent in the post: N/A");
	check(a[0].rank == 1 && a[1].rank == 1 && a[2].rank == 1 &&
		      a[0].action == LADDER_STAY &&
		      strcmp(a[0].flag, "tie, all tied: nobody moves") == 0,
	      "all tied: nobody moves");
}

static void
test_cutoffs(void)
{
	struct ladder_policy p;
	struct ladder_post_stats ps[3];
	struct ladder_agent a[10];
	static const char *const ids[10] = { "a0", "a1", "a2", "a3", "a4",
					     "a5", "a6", "a7", "a8", "a9" };
	int i, up = 0, down = 0;

	/* 10 agents, 20 % up (2), 15 % down (1.5: 1). */
	policy3(&p);
	p.promote = 20;
	p.promote_pct = 1;
	p.demote = 15;
	p.demote_pct = 1;
	for (i = 0; i < 10; i++)
		agent(&a[i], ids[i], 1, 5, 50 + i);
	ladder_compute(&p, a, 10, ps);
	for (i = 0; i < 10; i++) {
		up += a[i].action == LADDER_PROMOTE;
		down += a[i].action == LADDER_DEMOTE;
	}
	check(ps[1].k_promote == 2 && ps[1].k_demote == 1 && up == 2 &&
		      down == 1,
	      "20 % of 10 up (2), 15 % down (1)");
	check(a[0].action == LADDER_PROMOTE && a[1].action == LADDER_PROMOTE &&
		      strcmp(a[9].agent_id, "a0") == 0 &&
		      a[9].action == LADDER_DEMOTE,
	      "a9, a8 up; a0 down");
	/* 10 % of 5 is 0.5: nobody. */
	p.promote = 10;
	p.demote = 10;
	ladder_compute(&p, a, 5, ps);
	check(ps[1].k_promote == 0 && a[0].action == LADDER_STAY &&
		      a[4].action == LADDER_STAY,
	      "10 % of 5 rounds down to nobody");

	/* Two agents, promote 2, demote 2: both up, neither down. */
	p.promote = 2;
	p.promote_pct = 0;
	p.demote = 2;
	p.demote_pct = 0;
	agent(&a[0], "a", 1, 5, 60);
	agent(&a[1], "b", 1, 5, 70);
	ladder_compute(&p, a, 2, ps);
	check(a[0].action == LADDER_PROMOTE && a[1].action == LADDER_PROMOTE,
	      "nobody is proposed both ways");

	/* A tie at the bottom cutoff: c, d tied last of 4, demote 1. */
	p.promote = 1;
	p.demote = 1;
	agent(&a[0], "a", 1, 5, 90);
	agent(&a[1], "b", 1, 5, 80);
	agent(&a[2], "c", 1, 5, 70);
	agent(&a[3], "d", 1, 5, 70);
	ladder_compute(&p, a, 4, ps);
	check(a[2].action == LADDER_DEMOTE && a[3].action == LADDER_DEMOTE &&
		      a[2].rank == 3 && a[3].rank == 3,
	      "share: both tied last are moved down, rank 3");
	p.tie = LADDER_TIE_NONE;
	ladder_compute(&p, a, 4, ps);
	check(a[2].action == LADDER_STAY && a[3].action == LADDER_STAY &&
		      strstr(a[2].flag, "none of the tied move") != NULL,
	      "none: neither is moved down");
	check(a[0].action == LADDER_PROMOTE, "the untied top is still up");

	/* The top post: two tied first are not promoted, no cutoff flag. */
	p.tie = LADDER_TIE_SHARE;
	agent(&a[0], "a", 2, 5, 90);
	agent(&a[1], "b", 2, 5, 90);
	agent(&a[2], "c", 2, 5, 70);
	ladder_compute(&p, a, 3, ps);
	check(a[0].action == LADDER_STAY && a[1].action == LADDER_STAY &&
		      a[2].action == LADDER_DEMOTE && a[2].to_post == 1,
	      "top post: tied first stay, last moves down");
	check_str(a[0].flag, "tie, top post: not promoted",
		  "top post: no cutoff to flag");
}

int
main(void)
{
	test_periods();
	test_policy();
	test_order();
	test_zscore();
	test_quantities();
	test_cutoffs();
	return test_done();
}
