/*
 * pitch.c: NCCF pitch tracking for telephone speech (see pitch.h).
 *
 * Two passes per 10 ms hop, after RAPT (D. Talkin, "A robust algorithm for
 * pitch tracking", in Speech Coding and Synthesis, 1995): a coarse
 * normalised cross-correlation over every lag of 60-450 Hz on the signal
 * decimated to 2 kHz (cheap: 31 lags of a 64-sample window), then a fine
 * one at 8 kHz over a few lags around the chosen candidate, with
 * parabolic interpolation.  NCCF peaks at the true period even when the
 * fundamental itself is filtered out, because every harmonic that remains
 * repeats with that period; at half the period odd and even harmonics
 * cancel, so the missing fundamental does not invite octave-up errors.
 *
 * Octave choice: RAPT resolves it by dynamic programming over candidates;
 * here a causal equivalent with no look-ahead: among the strong peaks (at
 * least 0.75 of the best), the one nearest the speaker's previous pitch
 * (if recent) or running median wins, so a subharmonic or a second
 * harmonic is not taken for a jump of an octave.  Without a history the
 * shortest strong lag wins (octave-down errors are the usual failure of
 * autocorrelation on speech).
 */
#include "callqa/pitch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define X8 512		/* 8 kHz history, samples */
#define X2 128		/* 2 kHz history */
#define NTAP 32		/* decimation filter taps */
#define WC 64		/* coarse window (32 ms at 2 kHz) */
#define W8 200
#define LAG2_MIN 4	/* 500 Hz at 2 kHz */
#define LAG2_MAX 34	/* 59 Hz */
#define LAG8_MIN 17	/* 470 Hz */
#define LAG8_MAX 135	/* 59 Hz */
#define NMED 31		/* running median length */
#define MAXCAND 8

struct pitch {
	float x8[X8];
	float x2[X2];
	float h[NTAP];
	float med[NMED];
	int nmed, medpos;
	float last_f0;
	int last_age;
};

struct pitch *
pitch_new(void)
{
	struct pitch *p = calloc(1, sizeof(*p));
	double sum = 0;
	int k;

	if (p == NULL)
		return NULL;
	/* Windowed-sinc low-pass at 850 Hz (Hamming), unity gain at DC. */
	for (k = 0; k < NTAP; k++) {
		double t = k - (NTAP - 1) / 2.0, fc = 850.0 / PITCH_RATE;
		double s = t == 0 ? 2 * fc
				   : sin(2 * M_PI * fc * t) / (M_PI * t);

		s *= 0.54 - 0.46 * cos(2 * M_PI * k / (NTAP - 1));
		p->h[k] = (float)s;
		sum += s;
	}
	for (k = 0; k < NTAP; k++)
		p->h[k] = (float)(p->h[k] / sum);
	p->last_age = 1000;
	return p;
}

void
pitch_free(struct pitch *p)
{
	free(p);
}

/* Dot product with independent partial sums, so the compiler can keep
 * several multiply-adds in flight (and vectorise). */
static float
dot(const float *a, const float *b, int n)
{
	float s[8] = { 0 };
	int i, k;

	for (i = 0; i + 8 <= n; i += 8)
		for (k = 0; k < 8; k++)
			s[k] += a[i + k] * b[i + k];
	for (; i < n; i++)
		s[0] += a[i] * b[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) +
	       ((s[4] + s[5]) + (s[6] + s[7]));
}

/*
 * NCCF of the window w[0..n) against w[-lag..n-lag) for lags lo..hi into
 * r[lag]; energies of the lagged windows are updated incrementally.
 */
static void
nccf(const float *w, int n, int lo, int hi, float *r)
{
	double e0 = dot(w, w, n), el = dot(w - lo, w - lo, n);
	int lag;

	for (lag = lo; lag <= hi; lag++) {
		double d = e0 * el;

		r[lag] = d > 1e-20 ? (float)(dot(w, w - lag, n) / sqrt(d)) : 0;
		/* window shifts one sample into the past */
		el += (double)w[-lag - 1] * w[-lag - 1] -
		      (double)w[n - 1 - lag] * w[n - 1 - lag];
		if (el < 0)
			el = 0;
	}
}

static float
parabola(float a, float b, float c)
{
	float den = a - 2 * b + c;

	if (den >= 0)
		return 0;
	return 0.5f * (a - c) / den;
}

static float
median_of(const struct pitch *p)
{
	float v[NMED], t;
	int i, j, n = p->nmed;

	memcpy(v, p->med, sizeof(float) * n);
	for (i = 1; i < n; i++) {
		t = v[i];
		for (j = i; j > 0 && v[j - 1] > t; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
	return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* Decimate the newest hop into x2 (one output per 4 inputs). */
static void
decimate(struct pitch *p)
{
	float *x2 = p->x2 + X2 - PITCH_HOP / 4;
	int m, k;

	for (m = 0; m < PITCH_HOP / 4; m++) {
		const float *x = p->x8 + X8 - PITCH_HOP + 4 * m + 3;
		float s = 0;

		for (k = 0; k < NTAP; k++)
			s += p->h[k] * x[-k];
		x2[m] = s;
	}
}

/*
 * Refine a coarse frequency at 8 kHz: NCCF over the lags around it, the
 * best one interpolated.  Returns the frequency (0 when out of range) and
 * its correlation in *r; r8 is scratch space.
 */
static float
fine(struct pitch *p, float f, float *r8, float *r)
{
	int l0 = (int)lrintf(PITCH_RATE / f), lo, hi, bl, lag;

	lo = l0 - 3 < LAG8_MIN ? LAG8_MIN : l0 - 3;
	hi = l0 + 3 > LAG8_MAX ? LAG8_MAX : l0 + 3;
	if (lo > hi)
		return 0;
	nccf(p->x8 + X8 - W8, W8, lo - 1, hi + 1, r8);
	bl = lo;
	for (lag = lo; lag <= hi; lag++)
		if (r8[lag] > r8[bl])
			bl = lag;
	*r = r8[bl] < 0 ? 0 : r8[bl] > 1 ? 1 : r8[bl];
	return PITCH_RATE / (bl + parabola(r8[bl - 1], r8[bl], r8[bl + 1]));
}

void
pitch_hop(struct pitch *p, const float *hop, int analyse,
	  struct pitch_frame *out)
{
	float r2[LAG2_MAX + 2], r8[LAG8_MAX + 6];
	float cf[MAXCAND], cr[MAXCAND], best = 0, ref = 0, bestcost = 0;
	int nc = 0, lag, i, pick = -1;

	memmove(p->x8, p->x8 + PITCH_HOP, sizeof(float) * (X8 - PITCH_HOP));
	memcpy(p->x8 + X8 - PITCH_HOP, hop, sizeof(float) * PITCH_HOP);
	memmove(p->x2, p->x2 + PITCH_HOP / 4,
		sizeof(float) * (X2 - PITCH_HOP / 4));
	decimate(p);
	if (p->last_age < 1000)
		p->last_age++;
	memset(out, 0, sizeof(*out));
	if (!analyse)
		return;

	nccf(p->x2 + X2 - WC, WC, LAG2_MIN - 1, LAG2_MAX + 1, r2);
	for (lag = LAG2_MIN; lag <= LAG2_MAX && nc < MAXCAND; lag++) {
		float d;

		if (!(r2[lag] > r2[lag - 1] && r2[lag] >= r2[lag + 1]) ||
		    r2[lag] < 0.3f)
			continue;
		d = parabola(r2[lag - 1], r2[lag], r2[lag + 1]);
		cf[nc] = 2000.0f / (lag + d);
		cr[nc] = r2[lag];
		if (cr[nc] > best)
			best = cr[nc];
		nc++;
	}
	out->periodicity = best;
	if (nc == 0)
		return;
	if (p->nmed >= 5)
		ref = median_of(p);
	else if (p->last_age <= 5 && p->last_f0 > 0)
		ref = p->last_f0;

	/*
	 * Verify each strong candidate at 8 kHz, where the whole telephone
	 * band takes part (at 2 kHz only two or three harmonics of a high
	 * voice remain, and the period and its double look alike), and pick
	 * the lowest cost: weak correlation, long lag (RAPT's lag weight,
	 * against subharmonics) and distance from the running median.
	 */
	for (i = 0; i < nc; i++) {
		float r, f, cost;

		if (cr[i] < 0.6f * best)
			continue;
		f = fine(p, cf[i], r8, &r);
		if (f <= 0)
			continue;
		cost = (1 - r) + 0.1f * (PITCH_RATE / f) / LAG8_MAX;
		if (ref > 0)
			cost += 0.35f * fabsf(log2f(f / ref));
		if (pick < 0 || cost < bestcost) {
			pick = i;
			bestcost = cost;
			out->f0 = f;
			out->voicing = r;
		}
	}
}

void
pitch_accept(struct pitch *p, float f0)
{
	if (!(f0 > 0))
		return;
	p->med[p->medpos] = f0;
	p->medpos = (p->medpos + 1) % NMED;
	if (p->nmed < NMED)
		p->nmed++;
	p->last_f0 = f0;
	p->last_age = 0;
}
