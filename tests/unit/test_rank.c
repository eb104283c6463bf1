/*
 * test_rank: the statistics behind the board (Student t quantiles, the
 * empirical-Bayes shrinkage, ranks, ties, points) and the policy loader.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callqa/rank.h"
#include "callqa/store.h"
#include "../tap.h"

/* Mean and sample variance of v[0..n). */
static void
stats(const double *v, int n, double *mean, double *var)
{
	double s = 0, ss = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	*mean = s / n;
	for (i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*var = n > 1 ? ss / (n - 1) : NAN;
}

/* An agent whose calls alternate lo, hi (n calls). */
static void
agent(struct rank_agent *a, const char *id, int n, double lo, double hi)
{
	double v[64];
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < n; i++)
		v[i] = i % 2 ? hi : lo;
	a->agent_id = id;
	a->n = n;
	stats(v, n, &a->mean, &a->var);
}

static const struct rank_agent *
find(const struct rank_agent *a, int n, const char *id)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i].agent_id, id) == 0)
			return &a[i];
	return NULL;
}

static void
test_distributions(void)
{
	check_dbl(rank_t_quantile(0.975, 1), 12.706205, 1e-5, "t(0.975, 1)");
	check_dbl(rank_t_quantile(0.975, 10), 2.228139, 1e-5, "t(0.975, 10)");
	check_dbl(rank_t_quantile(0.975, 39), 2.022691, 1e-5, "t(0.975, 39)");
	check_dbl(rank_t_quantile(0.95, 4), 2.131847, 1e-5, "t(0.95, 4)");
	check_dbl(rank_t_cdf(0, 7), 0.5, 1e-12, "t cdf at 0");
	check_dbl(rank_t_cdf(-2.228139, 10), 0.025, 1e-6, "t cdf lower tail");
	check_dbl(rank_z_quantile(0.975), 1.959964, 1e-6, "z(0.975)");
}

/*
 * A team where P has 3 perfect calls and G 40 very good ones: raw means
 * put P first, the shrunk estimates put G first.  Worked out by hand:
 * means P 100, G 92, O0..O5 85..80 (calls at mean -+ 15), mu = 85.875;
 * var of the means = 46.125; pooled within variance s2w = (2 * 0 + 39 *
 * 36.923 + 6 * 19 * 236.842) / 155 = 183.484; tau2 = 46.125 - mean(s2w /
 * n) = 31.026; f_P = 31.026 / (31.026 + 61.161) = 0.3366, shrunk P =
 * 85.875 + 0.3366 * 14.125 = 90.629; f_G = 31.026 / (31.026 + 4.587) =
 * 0.8712, shrunk G = 85.875 + 0.8712 * 6.125 = 91.211.
 */
static void
test_shrinkage(void)
{
	static const char *ids[] = { "O0", "O1", "O2", "O3", "O4", "O5" };
	struct rank_agent a[8];
	struct rank_group_stats gs;
	struct rank_policy p;
	const struct rank_agent *x;
	int i;

	rank_policy_default(&p);
	p.min_calls = 3;
	agent(&a[0], "P", 3, 100, 100);
	agent(&a[1], "G", 40, 86, 98);
	for (i = 0; i < 6; i++)
		agent(&a[2 + i], ids[i], 20, 85 - i - 15, 85 - i + 15);
	rank_group(a, 8, &p, &gs);
	check_dbl(gs.mu, 85.875, 1e-9, "group mean");
	check_dbl(gs.s2w, 183.484, 1e-3, "pooled within-agent variance");
	check_dbl(gs.tau2, 31.026, 1e-3, "between-agent variance");
	check_str(a[0].agent_id, "G", "G (40 very good calls) ranks first");
	check_dbl(a[0].shrunk, 91.211, 1e-3, "G shrunk");
	check_int(a[0].points, 5, "G +5");
	check_str(a[1].agent_id, "P", "P (3 perfect calls) second");
	check_dbl(a[1].shrunk, 90.629, 1e-3, "P shrunk");
	check_dbl(a[1].mean, 100, 1e-9, "P mean is still 100");
	check(a[0].close, "best and second are indistinguishable");
	check_str(a[7].agent_id, "O5", "O5 last");
	check_int(a[7].points, -5, "O5 -5");
	check_int(a[7].rank, 8, "rank 8 of 8");
	x = find(a, 8, "G");
	check_dbl(x->ci_low, 92 - 2.022691 * sqrt(36.923077 / 40), 1e-3,
		  "G's t interval, low end");
	check_dbl(x->ci_high, 92 + 2.022691 * sqrt(36.923077 / 40), 1e-3,
		  "G's t interval, high end");
	/* With the default minimum of 20 calls, P is not ranked. */
	p.min_calls = 20;
	rank_group(a, 8, &p, NULL);
	x = find(a, 8, "P");
	check_int(x->eligible, 0, "P below the minimum");
	check_int(x->rank, 0, "P not ranked");
	check_int(x->points, 0, "P no points");
	check_int(a[7].eligible, 0, "the ineligible come last");
}

static void
test_ties(void)
{
	struct rank_agent a[4];
	struct rank_policy p;

	rank_policy_default(&p);
	agent(&a[0], "T2", 20, 80, 90);
	agent(&a[1], "T1", 20, 80, 90);
	agent(&a[2], "T3", 20, 70, 80);
	agent(&a[3], "T4", 20, 60, 70);
	rank_group(a, 4, &p, NULL);
	check_str(a[0].agent_id, "T1", "ties ordered by agent id");
	check_int(a[0].rank * 10 + a[1].rank, 11, "both rank 1");
	check_int(a[2].rank, 3, "next is rank 3");
	check_int(a[0].points + a[1].points, 10, "share: both +5");
	check(a[0].tie && a[1].tie && !a[2].tie, "tie flags");
	check_int(a[3].points, -5, "T4 -5");
	p.tie = RANK_TIE_NONE;
	rank_group(a, 4, &p, NULL);
	check_int(a[0].points + a[1].points, 0, "none: nobody gets +5");
	check_int(a[3].points, -5, "T4 still -5");
	/* Everybody tied: no points at all. */
	agent(&a[2], "T3", 20, 80, 90);
	agent(&a[3], "T4", 20, 80, 90);
	p.tie = RANK_TIE_SHARE;
	rank_group(a, 4, &p, NULL);
	check_int(abs(a[0].points) + abs(a[1].points) + abs(a[2].points) +
			  abs(a[3].points),
		  0, "all tied: no points");
	/* One eligible agent: no best and worst. */
	rank_group(a, 1, &p, NULL);
	check_int(a[0].points, 0, "a lone agent gets no points");
}

static void
test_policy(void)
{
	struct rank_policy p;
	struct err e;
	FILE *fp;
	char path[64];

	rank_policy_default(&p);
	snprintf(path, sizeof(path), "/tmp/test_rank_%ld.yaml", (long)getpid());
	fp = fopen(path, "w");
	fputs("# a policy\ngroup: post\nmin_calls: 3\ntie: more_calls\n"
	      "confidence: 0.9\n",
	      fp);
	fclose(fp);
	check_int(rank_policy_load(&p, path, &e), 0, "policy loads");
	check_str(p.group_by, "post", "group");
	check_int(p.min_calls, 3, "min_calls");
	check_int(p.tie, RANK_TIE_MORE_CALLS, "tie");
	check_dbl(p.confidence, 0.9, 1e-12, "confidence");
	check_int(p.points_best, 5, "default points_best kept");
	fp = fopen(path, "w");
	fputs("group: team\nmin_calls: 3\nmin_cals: 4\n", fp);
	fclose(fp);
	check_int(rank_policy_load(&p, path, &e), -1, "unknown key fails");
	check(strstr(e.msg, ":3: unknown key 'min_cals'") != NULL,
	      "and names the line");
	fp = fopen(path, "w");
	fputs("min_calls: [1, 2]\n", fp);
	fclose(fp);
	check_int(rank_policy_load(&p, path, &e), -1, "a list fails");
	fp = fopen(path, "w");
	fputs("confidence: 1.5\n", fp);
	fclose(fp);
	check_int(rank_policy_load(&p, path, &e), -1, "confidence 1.5 fails");
	check_int(p.min_calls, 3, "a failed load changes nothing");
	remove(path);
}

static void
test_store_helpers(void)
{
	const char *stage, *reason;
	size_t len;

	check(store_number_ok("12.500", 0, 1e9), "12.500 is a number");
	check(store_number_ok("-3", 1, 1e9), "-3 is an integer");
	check(!store_number_ok("12,5", 0, 1e9), "12,5 is not");
	check(!store_number_ok("nan", 0, 1e9), "nan is not");
	check(!store_number_ok("0x10", 0, 1e9), "hex is not");
	check(!store_number_ok("1.5", 1, 1e9), "1.5 is not an integer");
	check(!store_number_ok("1e12", 0, 1e9), "over the limit");
	check(!store_number_ok("", 0, 1e9), "empty is not");
	check(!store_number_ok(".5", 0, 1e9), ".5 is not");
	check_int(store_parse_status("rejected:measure:x.wav: short", &stage,
				     &len, &reason),
		  0, "status parses");
	check(len == 7 && strncmp(stage, "measure", 7) == 0, "stage");
	check_str(reason, "x.wav: short", "reason keeps its colons");
	check_int(store_parse_status("rejected::x", &stage, &len, &reason), -1,
		  "empty stage");
	check_int(store_parse_status("ok", &stage, &len, &reason), -1, "ok");
}

int
main(void)
{
	test_distributions();
	test_shrinkage();
	test_ties();
	test_policy();
	test_store_helpers();
	return test_done();
}
