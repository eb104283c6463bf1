/*
 * pitch.c: NCCF pitch tracking for telephone speech (see pitch.h).
 *
 * Two passes per 10 ms hop, after RAPT (D. Talkin, "A robust algorithm for
 * pitch tracking", in Speech Coding and Synthesis, 1995): a coarse
 * normalised cross-correlation over every lag of 60-450 Hz on the signal
 * decimated to 2 kHz (cheap: 31 lags of a 60-sample window), then a fine
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/simd.h"

#define X8 512		/* 8 kHz history, samples */
#define X2 128		/* 2 kHz history */
#define NTAP 32		/* decimation filter taps */
#define H2 (PITCH_HOP / 4) /* a hop at 2 kHz */
#define WC (3 * H2)	/* coarse window (30 ms at 2 kHz), three hops */
#define W8 200
#define LAG2_MIN 4	/* 500 Hz at 2 kHz */
#define LAG2_MAX 34	/* 59 Hz */
#define LAG8_MIN 17	/* 470 Hz */
#define LAG8_MAX 135	/* 59 Hz */
#define NMED 31		/* running median length */
#define MAXCAND 8
#define SLACK 64	/* hops of room before the history is moved back */
#define NLAG 40		/* coarse lags computed, five vectors */
#define NEED2 5		/* hops of 2 kHz history the coarse search reads */

/*
 * The histories grow forward in their buffers and are moved back to the
 * front once every SLACK hops, not shifted by a hop each time; x8[n8 - X8,
 * n8) and x2[n2 - X2, n2) are the valid histories.  The 2 kHz history is
 * computed lazily: only the last NEED2 hops are read, and only in frames
 * that are analysed, so quiet stretches cost a copy and nothing else.
 */
struct pitch {
	float x8[X8 + SLACK * PITCH_HOP];
	float x2[X2 + SLACK * PITCH_HOP / 4];
	int n8, n2;
	int pend; /* hops not yet decimated into x2 (at most NEED2) */
	float h[NTAP];
	float med[NMED];    /* the last accepted f0s, oldest first overwritten */
	float sorted[NMED]; /* the same, in order */
	int nmed, medpos;
	float last_f0;
	int last_age;
	long hops;		  /* hops pushed, plus 2 */
	float bc[3][NLAG];	  /* hop_corr of the last hops analysed: */
	float be[3][NLAG];	  /* correlations and lagged energies... */
	long bc_hop[3];		  /* ...and their numbers (-1: none) */
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
	for (k = 0; k < NTAP / 2; k++) /* exactly symmetric */
		p->h[NTAP - 1 - k] = p->h[k];
	for (k = 0; k < NTAP; k++)
		p->h[k] = (float)(p->h[k] / sum);
	p->n8 = X8;
	p->n2 = X2;
	p->last_age = 1000;
	p->hops = 2; /* so that the window's oldest hop is never negative */
	p->bc_hop[0] = p->bc_hop[1] = p->bc_hop[2] = -1;
	return p;
}

void
pitch_free(struct pitch *p)
{
	free(p);
}

/* Dot product with 32 independent partial sums (four vectors), so that
 * the additions of a long product do not wait on each other. */
SIMD_INLINE float
dot(const float *a, const float *b, int n)
{
	v8sf s0 = { 0 }, s1 = s0, s2 = s0, s3 = s0, x, y;
	float t;
	int i;

#define MA(s, k) (memcpy(&x, a + i + (k), sizeof(x)), \
		  memcpy(&y, b + i + (k), sizeof(y)), s += x * y)
	for (i = 0; i + 32 <= n; i += 32) {
		MA(s0, 0);
		MA(s1, 8);
		MA(s2, 16);
		MA(s3, 24);
	}
	for (; i + 8 <= n; i += 8)
		MA(s0, 0);
#undef MA
	s0 = (s0 + s1) + (s2 + s3);
	t = ((s0[0] + s0[1]) + (s0[2] + s0[3])) +
	    ((s0[4] + s0[5]) + (s0[6] + s0[7]));
	for (; i < n; i++)
		t += a[i] * b[i];
	return t;
}

/*
 * How the energy of w[-lag..n-lag) changes when lag grows by one: the
 * window takes in w[-lag-1] and lets go of w[n-1-lag].
 */
SIMD_INLINE double
shift_back(const float *w, int n, int lag)
{
	return (double)w[-lag - 1] * w[-lag - 1] -
	       (double)w[n - 1 - lag] * w[n - 1 - lag];
}

/*
 * The correlations of one hop of the 2 kHz signal, w[0..H2), with
 * w[-lag..H2-lag) for the lags lo..lo+NLAG-1 (those over hi read zeros)
 * into out.  Eight lags at a time on vectors: with the hop reversed into
 * rv, the eight lagged samples that meet w[i] are contiguous, so each step
 * is one multiply-add of w[i] by eight of them and no sum across a vector
 * is needed (even and odd i in separate sums, so that twice as many
 * additions are in flight).
 */
_Static_assert(LAG2_MAX + 1 - (LAG2_MIN - 1) < NLAG, "coarse lags");
_Static_assert(H2 % 2 == 0, "samples in pairs");
SIMD_CLONES static void
hop_corr(const float *w, int lo, int hi, float *out, float *energy)
{
	float rv[H2 + NLAG + 8] = { 0 }; /* rv[t] = w[H2 - 1 - t] */
	v8sf a0 = { 0 }, a1 = a0, a2 = a0, a3 = a0, a4 = a0, b0 = a0, b1 = a0,
	     b2 = a0, b3 = a0, b4 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0,
	     e4 = a0, v;
	int t, i;

	for (t = 0; t < H2 + hi; t++)
		rv[t] = w[H2 - 1 - t];
	for (i = 0; i < H2; i += 2) {
		/* lag lo + j meets w[i - lag] = rv[H2 - 1 - i + lo + j] */
		const float *q = rv + H2 - 1 - i + lo, *u = q - 1;

#define MA(acc, x, p) (memcpy(&v, (p), sizeof(v)), acc += (x) * v)
#define MAE(acc, x, e, p) (MA(acc, x, p), e += v * v)
		MAE(a0, w[i], e0, q);
		MAE(a1, w[i], e1, q + 8);
		MAE(a2, w[i], e2, q + 16);
		MAE(a3, w[i], e3, q + 24);
		MAE(a4, w[i], e4, q + 32);
		MAE(b0, w[i + 1], e0, u);
		MAE(b1, w[i + 1], e1, u + 8);
		MAE(b2, w[i + 1], e2, u + 16);
		MAE(b3, w[i + 1], e3, u + 24);
		MAE(b4, w[i + 1], e4, u + 32);
#undef MAE
#undef MA
	}
	v = a0 + b0, memcpy(out, &v, sizeof(v));
	v = a1 + b1, memcpy(out + 8, &v, sizeof(v));
	v = a2 + b2, memcpy(out + 16, &v, sizeof(v));
	v = a3 + b3, memcpy(out + 24, &v, sizeof(v));
	v = a4 + b4, memcpy(out + 32, &v, sizeof(v));
	memcpy(energy, &e0, sizeof(e0));
	memcpy(energy + 8, &e1, sizeof(e1));
	memcpy(energy + 16, &e2, sizeof(e2));
	memcpy(energy + 24, &e3, sizeof(e3));
	memcpy(energy + 32, &e4, sizeof(e4));
}

/*
 * The coarse NCCF of the window w[0..WC) (the last three hops) against
 * w[-lag..WC-lag) for every lag of lo..hi into r[lag].  The correlations
 * and the energies of the lagged windows are the sums of the three hops'
 * own (hop_corr), which are kept: in a run of analysed frames each frame
 * correlates one new hop, not three.  The normalisation is one loop of
 * square roots and divisions on vectors.
 */
_Static_assert(WC == 3 * H2, "three hops");
_Static_assert(WC + LAG2_MAX + 1 <= NEED2 * H2, "lags within the decimated");
SIMD_CLONES static void
nccf_coarse(struct pitch *p, const float *w, int lo, int hi, float *r)
{
	const v8sf tiny = { 1e-20f, 1e-20f, 1e-20f, 1e-20f,
			    1e-20f, 1e-20f, 1e-20f, 1e-20f };
	const float *bc[3], *be[3];
	float c[NLAG], e0 = dot(w, w, WC);
	v8sf v, e, d, x, y;
	v8si m;
	int j, k;

	for (k = 0; k < 3; k++) { /* k = 0: the oldest hop */
		long h = p->hops - 2 + k;
		int slot = (int)(h % 3);

		if (p->bc_hop[slot] != h) {
			hop_corr(w + k * H2, lo, hi, p->bc[slot], p->be[slot]);
			p->bc_hop[slot] = h;
		}
		bc[k] = p->bc[slot];
		be[k] = p->be[slot];
	}
	for (j = 0; j < NLAG; j += 8) { /* c / sqrt(e0 el), 0 where ~0 */
#define SUM3(out, a) (memcpy(&x, a[0] + j, sizeof(x)), \
		      memcpy(&y, a[1] + j, sizeof(y)), out = x + y, \
		      memcpy(&x, a[2] + j, sizeof(x)), out += x)
		SUM3(e, be);
		SUM3(v, bc);
#undef SUM3
		d = e0 * e;
		m = d > tiny;
		v8sf_max(&d, &tiny);
		v8sf_sqrt(&d);
		v = (v8sf)((v8si)(v / d) & m);
		memcpy(c + j, &v, sizeof(v));
	}
	memcpy(r + lo, c, sizeof(float) * (size_t)(hi - lo + 1));
}

/* The offset of the peak of the parabola through three points, within
 * half a sample (at the edge of a search the middle may not be a peak). */
static float
parabola(float a, float b, float c)
{
	float den = a - 2 * b + c, d;

	if (den >= 0)
		return 0;
	d = 0.5f * (a - c) / den;
	return d < -0.5f ? -0.5f : d > 0.5f ? 0.5f : d;
}

static float
median_of(const struct pitch *p)
{
	const float *v = p->sorted;
	int n = p->nmed;

	return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/*
 * Decimate the hops not yet in x2 (one output per 4 inputs; the filter is
 * symmetric, so the convolution is a dot product with h as it stands).
 */
SIMD_CLONES static void
decimate(struct pitch *p)
{
	int j, m;

	for (j = p->pend - 1; j >= 0; j--) {
		const float *x8 = p->x8 + p->n8 - (j + 1) * PITCH_HOP;
		float *x2 = p->x2 + p->n2 - (j + 1) * (PITCH_HOP / 4);

		for (m = 0; m < PITCH_HOP / 4; m++)
			x2[m] = dot(p->h, x8 + 4 * m + 3 - (NTAP - 1), NTAP);
	}
	p->pend = 0;
}

/*
 * The NCCF at 8 kHz at one lag at a time, for the refinement: the energy
 * of the lagged window is carried from lag to neighbouring lag, and
 * computed afresh for a lag far from the last (another candidate).
 */
struct lagwin {
	const float *w; /* the window, W8 samples */
	double e0;	/* its energy */
	int lag;	/* the lag whose energy el holds, -1: none */
	double el;
};

SIMD_CLONES static float
lagwin_r(struct lagwin *lw, int lag)
{
	const float *w = lw->w;
	double d;

	if (lw->lag < 0 || abs(lag - lw->lag) > 8) { /* afresh */
		lw->lag = lag;
		lw->el = dot(w - lag, w - lag, W8);
	}
	for (; lw->lag < lag; lw->lag++) /* one sample further back */
		lw->el += shift_back(w, W8, lw->lag);
	for (; lw->lag > lag; lw->lag--) /* one sample nearer */
		lw->el -= shift_back(w, W8, lw->lag - 1);
	if (lw->el < 0)
		lw->el = 0;
	d = lw->e0 * lw->el;
	return d > 1e-20 ? (float)(dot(w, w - lag, W8) / sqrt(d)) : 0;
}

/*
 * Refine a coarse frequency at 8 kHz: from the lag nearest to it, climb
 * the NCCF to its peak within 3 lags (the correlation of band-limited
 * speech is smooth over a few samples, so the nearest peak is the one the
 * coarse search saw), then interpolate.  Returns the frequency (0 when out
 * of range) and its correlation in *r.
 */
SIMD_CLONES static float
fine(struct lagwin *lw, float f, float *r)
{
	int l0 = (int)lrintf(PITCH_RATE / f), lo, hi, l;
	float rm, rc, rp;

	lo = l0 - 3 < LAG8_MIN ? LAG8_MIN : l0 - 3;
	hi = l0 + 3 > LAG8_MAX ? LAG8_MAX : l0 + 3;
	if (lo > hi)
		return 0;
	l = l0 < lo ? lo : l0 > hi ? hi : l0;
	rm = lagwin_r(lw, l - 1);
	rc = lagwin_r(lw, l);
	rp = lagwin_r(lw, l + 1);
	while (rp > rc && l < hi) {
		l++;
		rm = rc;
		rc = rp;
		rp = lagwin_r(lw, l + 1);
	}
	while (rm > rc && l > lo) {
		l--;
		rp = rc;
		rc = rm;
		rm = lagwin_r(lw, l - 1);
	}
	*r = rc < 0 ? 0 : rc > 1 ? 1 : rc;
	return PITCH_RATE / (l + parabola(rm, rc, rp));
}

/* The period of the window that ends with the newest hop. */
SIMD_CLONES static void
analyse_window(struct pitch *p, struct pitch_frame *out)
{
	float r2[LAG2_MAX + 2];
	struct lagwin lw;
	float cf[MAXCAND], cr[MAXCAND], best = 0, ref = 0, bestcost = 0;
	int nc = 0, lag, i, pick = -1;
	uint64_t peaks = 0;

	_Static_assert(LAG2_MAX < 64, "one bit per lag");
	memset(out, 0, sizeof(*out));
	decimate(p);
	nccf_coarse(p, p->x2 + p->n2 - WC, LAG2_MIN - 1, LAG2_MAX + 1, r2);
	/* The local maxima of at least 0.3, found without a branch per lag
	 * (which lag peaks is a coin toss the branch predictor loses). */
	for (lag = LAG2_MIN; lag <= LAG2_MAX; lag++)
		peaks |= (uint64_t)((r2[lag] > r2[lag - 1]) &
				    (r2[lag] >= r2[lag + 1]) &
				    (r2[lag] >= 0.3f)) << lag;
	for (; peaks != 0 && nc < MAXCAND; peaks &= peaks - 1) {
		float d;

		lag = __builtin_ctzll(peaks);
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
	lw.w = p->x8 + p->n8 - W8;
	lw.e0 = dot(lw.w, lw.w, W8);
	lw.lag = -1;
	for (i = 0; i < nc; i++) {
		float r, f, cost;

		if (cr[i] < 0.6f * best)
			continue;
		f = fine(&lw, cf[i], &r);
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
pitch_hop(struct pitch *p, const float *hop, int analyse,
	  struct pitch_frame *out)
{
	if (p->n8 + PITCH_HOP > (int)(sizeof(p->x8) / sizeof(*p->x8))) {
		memmove(p->x8, p->x8 + p->n8 - X8, sizeof(float) * X8);
		memmove(p->x2, p->x2 + p->n2 - X2, sizeof(float) * X2);
		p->n8 = X8;
		p->n2 = X2;
	}
	memcpy(p->x8 + p->n8, hop, sizeof(float) * PITCH_HOP);
	p->n8 += PITCH_HOP;
	p->n2 += PITCH_HOP / 4;
	if (p->pend < NEED2)
		p->pend++;
	if (p->last_age < 1000)
		p->last_age++;
	p->hops++;
	if (analyse)
		analyse_window(p, out);
	else
		memset(out, 0, sizeof(*out));
}

void
pitch_accept(struct pitch *p, float f0)
{
	float *v = p->sorted;
	int i, n = p->nmed;

	if (!(f0 > 0))
		return;
	if (n == NMED) { /* the oldest value leaves the sorted window */
		float old = p->med[p->medpos];

		for (i = 0; i < n - 1 && v[i] != old; i++)
			;
		memmove(v + i, v + i + 1, sizeof(float) * (size_t)(--n - i));
	}
	for (i = n; i > 0 && v[i - 1] > f0; i--)
		v[i] = v[i - 1];
	v[i] = f0;
	p->med[p->medpos] = f0;
	p->medpos = (p->medpos + 1) % NMED;
	p->nmed = n + 1;
	p->last_f0 = f0;
	p->last_age = 0;
}
