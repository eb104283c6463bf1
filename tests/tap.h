/*
 * tap.h: a tiny TAP producer for the C unit tests, run by prove(1).
 *
 *	check_int(got, want, "desc");  check_dbl(got, want, tol, "desc");
 *	check_str(got, want, "desc");  check(cond, "desc");
 *	return test_done();
 *
 * Each check prints "ok N - desc" or "not ok N - desc # file:line" with the
 * values seen; test_done() prints the plan "1..N" and returns the exit
 * status (0 only when every check passed).
 */
#ifndef CALLQA_TAP_H
#define CALLQA_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int
tap_report(int ok, const char *file, int line, const char *desc)
{
	tap_n++;
	if (ok) {
		printf("ok %d - %s\n", tap_n, desc);
	} else {
		tap_failed++;
		printf("not ok %d - %s # %s:%d\n", tap_n, desc, file, line);
	}
	fflush(stdout);
	return ok;
}

#define check(cond, desc) tap_report(!!(cond), __FILE__, __LINE__, desc)

#define check_int(got, want, desc)                                          \
	do {                                                                \
		long long g_ = (got), w_ = (want);                          \
		if (!tap_report(g_ == w_, __FILE__, __LINE__, desc))        \
			printf("#   got %lld, want %lld\n", g_, w_);        \
	} while (0)

#define check_dbl(got, want, tol, desc)                                     \
	do {                                                                \
		double g_ = (got), w_ = (want), t_ = (tol);                 \
		if (!tap_report(fabs(g_ - w_) <= t_, __FILE__, __LINE__,    \
				desc))                                      \
			printf("#   got %.6g, want %.6g +- %.3g\n", g_, w_,   \
			       t_);                                         \
	} while (0)

#define check_str(got, want, desc)                                          \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		int ok_ = (g_ == NULL && w_ == NULL) ||                     \
			  (g_ && w_ && strcmp(g_, w_) == 0);                \
		if (!tap_report(ok_, __FILE__, __LINE__, desc))             \
			printf("#   got '%s', want '%s'\n",                  \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");     \
	} while (0)

static inline int
test_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
