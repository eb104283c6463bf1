/*
 * band.h: the telephone band of the test programs (tests/gen/mkcall.c,
 * tests/unit/test_metrics.c), 300 Hz high-pass (4th order) and 3400 Hz
 * low-pass (2nd order), Butterworth biquads in place on n samples at fs.
 */
#ifndef CALLQA_TEST_BAND_H
#define CALLQA_TEST_BAND_H

#include <math.h>

static void
biquad(float *x, long n, double fs, double f0, int hp)
{
	double w = 2 * M_PI * f0 / fs, al = sin(w) / (2 * M_SQRT1_2);
	double c = cos(w), a0 = 1 + al, b0, b1, b2, a1, a2, z1 = 0, z2 = 0;
	long i;

	b0 = (hp ? (1 + c) / 2 : (1 - c) / 2) / a0;
	b1 = (hp ? -(1 + c) : 1 - c) / a0;
	b2 = b0;
	a1 = -2 * c / a0;
	a2 = (1 - al) / a0;
	for (i = 0; i < n; i++) {
		double y = b0 * x[i] + z1;

		z1 = b1 * x[i] - a1 * y + z2;
		z2 = b2 * x[i] - a2 * y;
		x[i] = (float)y;
	}
}

static void
band(float *x, long n, double fs)
{
	biquad(x, n, fs, 300, 1);
	biquad(x, n, fs, 300, 1);
	biquad(x, n, fs, 3400, 0);
}

#endif
