/*
 * mkcall: build a test call recording with exact ground truth.
 *
 *   mkcall [-c channels] [-d seconds] [-n snr_db] [-e echo_db] [-f format]
 *          [-w clean_prefix] SCRIPT OUT.wav
 *
 * SCRIPT has one placement per line, "CH START SOURCE ARGS... [gain dB]":
 *   1 0.5 file PATH GAIN      a recording (any libsndfile format; .raw
 *                             is read as 16 kHz 16-bit mono)
 *   2 3.0 voice F0A F0B DUR GAIN  a synthetic voice: harmonics of an F0
 *                             gliding from F0A to F0B with a 3 Hz, +-2 st
 *                             inflection, in 4 Hz syllables
 *   1 9.0 music DUR GAIN      hold music: chords changing twice a second
 *   2 0.5 tone HZ DUR GAIN    a call-progress tone: one sine, 5 ms ramps
 *                             (neither speech nor hold in the truth)
 *   0 2.0 noise DUR GAIN      extra line noise on every channel
 * Everything is mixed at 16 kHz full band; the telephone channel is then a
 * 300-3400 Hz band-pass, 8 kHz, line noise (white, snr_db below each
 * channel's speech level), an echo of the other channel (echo_db below,
 * 40 ms late) and the format (ulaw by default; pcm16, alaw, gsm).
 *
 * Truth on stdout, one fact a line:
 *   speech CH START END   clean-signal 10 ms frames within 35 dB of the
 *                         clip's peak, both in the telephone band,
 *                         pauses under 0.30 s bridged
 *   talk CH SECONDS
 *   pitch CH MEDIAN_HZ SD_ST   exact, over the voiced frames of voices
 *   syllables CH N        syllables of the synthetic voices
 *   hold START END
 * With -w P, the clean full-band channels go to P1.wav and P2.wav (for a
 * reference pitch track).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>
#include <soxr.h>

#include "../band.h"

#define FS 16000
#define OUT_FS 8000
#define FR 160 /* 10 ms at FS */
#define MAXF 200000

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static double
gauss(void)
{
	double u1, u2;

	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	u1 = ((rng >> 11) + 1.0) / 9007199254740993.0;
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	u2 = (rng >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static float *clean[2];
static long nsamp;
static unsigned char spf[2][MAXF]; /* truth speech frames */
static double f0s[2][MAXF / 2];
static long nf0[2], nsyl[2];
static int have_voice[2];

/*
 * Speech frames of a clip placed at off: its level within 35 dB of its
 * peak, both taken in the telephone band, which is all a listener on the
 * line hears (a clip's breath pops under 300 Hz and its hiss over 3400 Hz
 * were speech to a full-band truth: 0.8 s of goforward.raw's 2.6).
 */
static void
mark_truth(int ch, const float *x, long n, long off)
{
	long nfr = n / FR, i, k, last = -1000;
	double pk = 0, *e = calloc(nfr + 1, sizeof(double));
	float *y = malloc(sizeof(float) * (n + 1));

	memcpy(y, x, sizeof(float) * n);
	band(y, n, FS);
	for (i = 0; i < nfr; i++) {
		for (k = 0; k < FR; k++)
			e[i] += (double)y[i * FR + k] * y[i * FR + k];
		if (e[i] > pk)
			pk = e[i];
	}
	for (i = 0; i < nfr; i++) {
		long f = off / FR + i;

		if (pk <= 0 || e[i] < pk * pow(10, -3.5) || f >= MAXF)
			continue;
		spf[ch][f] = 1;
		/* bridge pauses under 0.30 s within the clip */
		if (last >= 0 && i - last > 1 && i - last <= 30)
			for (k = off / FR + last + 1; k < f; k++)
				spf[ch][k] = 1;
		last = i;
	}
	free(e);
	free(y);
}

static void
place(int ch, long off, const float *x, long n, double gain_db)
{
	double g = pow(10, gain_db / 20);
	long i;

	for (i = 0; i < n && off + i < nsamp; i++)
		clean[ch][off + i] += (float)(g * x[i]);
}

static float *
read_file(const char *path, long *n)
{
	SF_INFO si = { 0 };
	SNDFILE *sf;
	float *in, *out;
	size_t len = strlen(path);

	/* .raw: headerless 16 kHz 16-bit mono (as in pocketsphinx-testdata) */
	if (len > 4 && strcmp(path + len - 4, ".raw") == 0) {
		si.samplerate = 16000;
		si.channels = 1;
		si.format = SF_FORMAT_RAW | SF_FORMAT_PCM_16;
	}
	sf = sf_open(path, SFM_READ, &si);
	size_t odone;
	long i;

	if (sf == NULL) {
		fprintf(stderr, "mkcall: %s: %s\n", path, sf_strerror(NULL));
		exit(1);
	}
	in = malloc(sizeof(float) * si.frames * si.channels);
	sf_readf_float(sf, in, si.frames);
	sf_close(sf);
	for (i = 0; i < si.frames; i++)
		in[i] = in[i * si.channels];
	*n = (long)((double)si.frames * FS / si.samplerate);
	out = calloc(*n + 16, sizeof(float));
	if (si.samplerate == FS) {
		memcpy(out, in, sizeof(float) * si.frames);
		*n = si.frames;
	} else {
		soxr_oneshot(si.samplerate, FS, 1, in, si.frames, NULL, out,
			     *n, &odone, NULL, NULL, NULL);
		*n = (long)odone;
	}
	free(in);
	return out;
}

static int
cmp_flt(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/*
 * Recordings carry their own room tone (an audiobook's is 30-35 dB under
 * its peak), which the 35 dB truth convention would count as speech: gate
 * 10 ms frames under the clip's floor (5th percentile) + 6 dB by 40 dB,
 * with gains interpolated between frames.  Speech itself is untouched.
 */
static void
gate(float *x, long n)
{
	long nfr = n / FR, i, k;
	float *e = calloc(nfr + 1, sizeof(float)), *srt, thr;
	float *g = calloc(nfr + 2, sizeof(float));

	for (i = 0; i < nfr; i++) {
		double s = 0;

		for (k = 0; k < FR; k++)
			s += (double)x[i * FR + k] * x[i * FR + k];
		e[i] = (float)(10 * log10(s / FR + 1e-12));
	}
	srt = malloc(sizeof(float) * (nfr + 1));
	memcpy(srt, e, sizeof(float) * nfr);
	qsort(srt, nfr, sizeof(float), cmp_flt);
	thr = nfr ? srt[nfr / 20] + 15 : 0;
	for (i = 0; i < nfr; i++)
		g[i] = e[i] < thr ? 0.01f : 1;
	g[nfr] = g[nfr ? nfr - 1 : 0];
	for (i = 0; i < nfr; i++)
		for (k = 0; k < FR; k++)
			x[i * FR + k] *= g[i] + (g[i + 1] - g[i]) * k / FR;
	for (i = nfr * FR; i < n; i++)
		x[i] *= 0.01f;
	free(e);
	free(g);
	free(srt);
}

/* A synthetic voice with a known F0 contour. */
static float *
voice(int ch, long off, double f0a, double f0b, double dur, long *n)
{
	float *x;
	double ph = 0;
	long i;
	int k;

	*n = (long)(dur * FS);
	x = calloc(*n, sizeof(float));
	for (i = 0; i < *n; i++) {
		double t = (double)i / FS;
		double f0 = f0a * pow(f0b / f0a, t / dur) *
			    pow(2, 2.0 / 12 * sin(2 * M_PI * 3 * t));
		/* 4 Hz syllables: raised-cosine envelope, 25 dB deep */
		double env = 0.056 + 0.944 * pow(sin(M_PI * 4 * t), 2);
		double s = 0;

		ph += 2 * M_PI * f0 / FS;
		for (k = 1; k * f0 < 3900; k++) {
			/* -6 dB/octave with a formant bump near 700 Hz */
			double a = 1.0 / k * (1 + 2 * exp(-pow((k * f0 - 700) /
							       300, 2)));

			s += a * sin(k * ph);
		}
		x[i] = (float)(0.1 * env * s);
		if (i % FR == FR / 2 && env > 0.3 && nf0[ch] < MAXF / 2)
			f0s[ch][nf0[ch]++] = f0;
	}
	nsyl[ch] += (long)floor(dur * 4 + 0.5);
	have_voice[ch] = 1;
	(void)off;
	return x;
}

/* Hold music: triads of harmonic tones, a new chord every 0.5 s. */
static float *
music(double dur, long *n)
{
	static const double roots[] = { 261.6, 220.0, 174.6, 196.0 };
	float *x;
	long i;
	int k, v;

	*n = (long)(dur * FS);
	x = calloc(*n, sizeof(float));
	for (i = 0; i < *n; i++) {
		double t = (double)i / FS, s = 0;
		double r = roots[(int)(t * 2) % 4];
		double tt = fmod(t, 0.5);
		double env = 0.7 + 0.3 * exp(-tt * 6);

		for (v = 0; v < 3; v++) {
			double f = r * pow(2, (v == 0 ? 0 : v == 1 ? 4 : 7) / 12.0);

			for (k = 1; k <= 4; k++)
				s += sin(2 * M_PI * f * k * t) / (k * k);
		}
		x[i] = (float)(0.08 * env * s);
	}
	return x;
}

/* A call-progress tone (ringback, busy): one steady sine. */
static float *
tone(double hz, double dur, long *n)
{
	long i, ramp = FS / 200;
	float *x;

	*n = (long)(dur * FS);
	x = calloc(*n, sizeof(float));
	for (i = 0; i < *n; i++) {
		double g = i < ramp ? (double)i / ramp
			   : *n - i < ramp ? (double)(*n - i) / ramp : 1;

		x[i] = (float)(0.2 * g * sin(2 * M_PI * hz * i / FS));
	}
	return x;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


static int
format_of(const char *f)
{
	if (strcmp(f, "pcm16") == 0) return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	if (strcmp(f, "ulaw") == 0) return SF_FORMAT_WAV | SF_FORMAT_ULAW;
	if (strcmp(f, "alaw") == 0) return SF_FORMAT_WAV | SF_FORMAT_ALAW;
	if (strcmp(f, "gsm") == 0) return SF_FORMAT_WAV | SF_FORMAT_GSM610;
	return 0;
}

static void
write_wav(const char *path, float **ch, int nch, long n, int rate, int fmt)
{
	SF_INFO si = { 0 };
	SNDFILE *sf;
	float *buf = malloc(sizeof(float) * n * nch);
	long i;
	int c;

	si.samplerate = rate;
	si.channels = nch;
	si.format = fmt;
	for (i = 0; i < n; i++)
		for (c = 0; c < nch; c++) {
			float v = ch[c][i];

			buf[i * nch + c] = v > 1 ? 1 : v < -1 ? -1 : v;
		}
	if ((sf = sf_open(path, SFM_WRITE, &si)) == NULL) {
		fprintf(stderr, "mkcall: %s: %s\n", path, sf_strerror(NULL));
		exit(1);
	}
	sf_writef_float(sf, buf, n);
	sf_close(sf);
	free(buf);
}

int
main(int argc, char **argv)
{
	const char *fmt = "ulaw", *cleanp = NULL;
	double dur = 30, snr = 20, echo = -1;
	int nch = 2, c, i, hold_n = 0;
	double hold_s[64], hold_e[64];
	float *tel[2] = { NULL, NULL }, *noise_extra;
	char line[1024];
	FILE *fp;
	long n8, f;

	while ((c = getopt(argc, argv, "c:d:n:e:f:w:")) != -1) {
		switch (c) {
		case 'c': nch = atoi(optarg); break;
		case 'd': dur = atof(optarg); break;
		case 'n': snr = atof(optarg); break;
		case 'e': echo = atof(optarg); break;
		case 'f': fmt = optarg; break;
		case 'w': cleanp = optarg; break;
		default:
			fprintf(stderr, "usage: mkcall [-c ch] [-d s] [-n snr] "
				"[-e echo_db] [-f fmt] [-w prefix] SCRIPT OUT\n");
			return 2;
		}
	}
	if (optind + 2 != argc || nch < 1 || nch > 2 || !format_of(fmt) ||
	    dur <= 0 || dur * 100 >= MAXF) {
		fprintf(stderr, "mkcall: bad arguments\n");
		return 2;
	}
	nsamp = (long)(dur * FS);
	clean[0] = calloc(nsamp, sizeof(float));
	clean[1] = calloc(nsamp, sizeof(float));
	noise_extra = calloc(nsamp, sizeof(float));
	if ((fp = fopen(argv[optind], "r")) == NULL) {
		perror(argv[optind]);
		return 1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char src[32], a1[512] = "", a2[64] = "", a3[64] = "",
					 a4[64] = "";
		double start;
		int ch, k;
		long n, off;
		float *x;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		k = sscanf(line, "%d %lf %31s %511s %63s %63s %63s", &ch, &start,
			   src, a1, a2, a3, a4);
		if (k < 4 || ch < 0 || ch > 2) {
			fprintf(stderr, "mkcall: bad line: %s", line);
			return 2;
		}
		off = (long)(start * FS);
		if (strcmp(src, "file") == 0) {
			x = read_file(a1, &n);
			gate(x, n);
			place(ch - 1, off, x, n, atof(a2));
			mark_truth(ch - 1, x, n, off);
		} else if (strcmp(src, "voice") == 0) {
			x = voice(ch - 1, off, atof(a1), atof(a2), atof(a3), &n);
			place(ch - 1, off, x, n, atof(a4));
			mark_truth(ch - 1, x, n, off);
		} else if (strcmp(src, "music") == 0) {
			x = music(atof(a1), &n);
			place(ch - 1, off, x, n, atof(a2));
			if (hold_n < 64) {
				hold_s[hold_n] = start;
				hold_e[hold_n++] = start + (double)n / FS;
			}
		} else if (strcmp(src, "tone") == 0) {
			x = tone(atof(a1), atof(a2), &n);
			place(ch - 1, off, x, n, atof(a3));
		} else if (strcmp(src, "noise") == 0) {
			double g = pow(10, atof(a2) / 20);

			n = (long)(atof(a1) * FS);
			x = NULL;
			for (i = 0; i < n && off + i < nsamp; i++)
				noise_extra[off + i] += (float)(g * gauss());
		} else {
			fprintf(stderr, "mkcall: unknown source %s\n", src);
			return 2;
		}
		free(x);
	}
	fclose(fp);

	/* Telephone channel. */
	n8 = nsamp / 2;
	for (c = 0; c < nch; c++) {
		size_t od;
		double sp = 0;
		long ns = 0, k;
		float *mix = malloc(sizeof(float) * nsamp);

		for (k = 0; k < nsamp; k++)
			mix[k] = clean[c][k] + noise_extra[k];
		tel[c] = calloc(n8 + 16, sizeof(float));
		soxr_oneshot(FS, OUT_FS, 1, mix, nsamp, NULL, tel[c], n8, &od,
			     NULL, NULL, NULL);
		free(mix);
		band(tel[c], n8, OUT_FS);
		for (k = 0; k < n8; k++)
			if (spf[c][k / 80]) {
				sp += (double)tel[c][k] * tel[c][k];
				ns++;
			}
		if (ns > 0 && snr < 200) {
			double nl = sqrt(sp / ns) * pow(10, -snr / 20);

			for (k = 0; k < n8; k++)
				tel[c][k] += (float)(nl * gauss());
		}
	}
	if (nch == 2 && echo > 0) {
		long d = OUT_FS * 40 / 1000, k;
		double g = pow(10, -echo / 20);
		float *t0 = malloc(sizeof(float) * n8);

		memcpy(t0, tel[0], sizeof(float) * n8);
		for (k = n8 - 1; k >= d; k--) {
			tel[0][k] += (float)(g * tel[1][k - d]);
			tel[1][k] += (float)(g * t0[k - d]);
		}
		free(t0);
	}
	write_wav(argv[optind + 1], tel, nch, n8, OUT_FS, format_of(fmt));
	if (cleanp) {
		char p[1024];

		for (c = 0; c < nch; c++) {
			snprintf(p, sizeof(p), "%s%d.wav", cleanp, c + 1);
			write_wav(p, &clean[c], 1, nsamp, FS,
				  SF_FORMAT_WAV | SF_FORMAT_FLOAT);
		}
	}

	/* Truth. */
	for (c = 0; c < nch; c++) {
		long talk = 0, s = -1, last = -1, k;

		/* bridge pauses under 0.30 s across clips too */
		for (f = 0; f < nsamp / FR; f++) {
			if (!spf[c][f])
				continue;
			if (last >= 0 && f - last > 1 && f - last <= 30)
				for (k = last + 1; k < f; k++)
					spf[c][k] = 1;
			last = f;
		}

		for (f = 0; f <= nsamp / FR; f++) {
			int on = f < nsamp / FR && spf[c][f];

			if (on && s < 0)
				s = f;
			if (!on && s >= 0) {
				printf("speech %d %.2f %.2f\n", c + 1, s / 100.0,
				       f / 100.0);
				talk += f - s;
				s = -1;
			}
		}
		printf("talk %d %.2f\n", c + 1, talk / 100.0);
		if (have_voice[c] && nf0[c] > 0) {
			double *v = malloc(sizeof(double) * nf0[c]), med, m = 0,
			       q = 0;
			long k;

			memcpy(v, f0s[c], sizeof(double) * nf0[c]);
			qsort(v, nf0[c], sizeof(double), cmp_dbl);
			med = v[nf0[c] / 2];
			for (k = 0; k < nf0[c]; k++) {
				double st = 12 * log2(v[k] / med);

				m += st;
				q += st * st;
			}
			m /= nf0[c];
			printf("pitch %d %.2f %.3f\n", c + 1, med,
			       sqrt(q / nf0[c] - m * m));
			printf("syllables %d %ld\n", c + 1, nsyl[c]);
			free(v);
		}
	}
	for (i = 0; i < hold_n; i++)
		printf("hold %.2f %.2f\n", hold_s[i], hold_e[i]);
	free(clean[0]);
	free(clean[1]);
	free(noise_extra);
	free(tel[0]);
	free(tel[1]);
	return 0;
}
