/*
 * test_metrics: the pitch tracker and the call metrics on synthetic
 * telephone signals with exact truth: harmonic voices with known F0 (one
 * at 90 Hz whose fundamental is filtered out), 4 Hz syllables, placed on
 * two channels at known times, band-passed to 300-3400 Hz, in white line
 * noise; hold music made of chords; line noise alone.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/metrics.h"
#include "callqa/pitch.h"
#include "../band.h"
#include "../tap.h"

#define FS 8000

static uint64_t rng = 0x853c49e6748fea9bULL;

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

/*
 * Add a voice from t0 to t1 s: harmonics of an F0 gliding from fa to fb
 * Hz, 4 Hz syllables (raised cosine, 25 dB deep) when syl, else steady.
 */
static void
voice(float *x, double t0, double t1, double fa, double fb, int syl)
{
	long i, s = (long)(t0 * FS), e = (long)(t1 * FS);
	double ph = 0;
	int k;

	for (i = s; i < e; i++) {
		double t = (double)(i - s) / FS, d = t1 - t0;
		double f0 = fa * pow(fb / fa, t / d), v = 0;
		double env = syl ? 0.056 + 0.944 * pow(sin(M_PI * 4 * t), 2) : 1;

		ph += 2 * M_PI * f0 / FS;
		for (k = 1; k * f0 < 3900; k++)
			v += sin(k * ph) / k *
			     (1 + 2 * exp(-pow((k * f0 - 700) / 300, 2)));
		x[i] += (float)(0.1 * env * v);
	}
}

/* Hold music: triads, a new chord every half second. */
static void
music(float *x, double t0, double t1)
{
	static const double roots[] = { 261.6, 220.0, 174.6, 196.0 };
	long i;
	int k, v;

	for (i = (long)(t0 * FS); i < (long)(t1 * FS); i++) {
		double t = (double)i / FS - t0, s = 0;
		double r = roots[(int)(t * 2) % 4];

		for (v = 0; v < 3; v++)
			for (k = 1; k <= 4; k++)
				s += sin(2 * M_PI * r * k * t *
					 pow(2, (v == 0 ? 0 : v == 1 ? 4 : 7) /
							12.0)) / (k * k);
		x[i] += (float)(0.05 * (0.7 + 0.3 * exp(-fmod(t, 0.5) * 6)) * s);
	}
}

static void
noise(float *x, long n, double dbfs)
{
	double g = pow(10, dbfs / 20);
	long i;

	for (i = 0; i < n; i++)
		x[i] += (float)(g * gauss());
}

/* Measure channels a (and b unless NULL) of n samples, fed in blocks. */
static int
measure(const float *a, const float *b, long n, long block,
	const struct metrics_opts *o, struct metrics *m)
{
	int nch = b ? 2 : 1;
	struct metrics_analyzer *an;
	float *buf = malloc(sizeof(float) * block * nch);
	struct err e;
	long i, j;
	int rc;

	an = metrics_analyzer_new(nch, 1, o, &e);
	for (i = 0; i < n; i += block) {
		long k = n - i < block ? n - i : block;

		for (j = 0; j < k; j++) {
			buf[j * nch] = a[i + j];
			if (b)
				buf[j * nch + 1] = b[i + j];
		}
		metrics_analyzer_feed(an, buf, k, &e);
	}
	rc = metrics_analyzer_finish(an, m, &e);
	metrics_analyzer_free(an);
	free(buf);
	return rc;
}

/* i-th interval of list name in a segments JSON text, or -1. */
static int
segment(const char *json, const char *name, int idx, double *s, double *e)
{
	char key[32];
	const char *p;
	int i;

	snprintf(key, sizeof(key), "\"%s\":[", name);
	if ((p = strstr(json, key)) == NULL)
		return -1;
	p += strlen(key);
	for (i = 0; i <= idx; i++) {
		if (*p != '[' || sscanf(p, "[%lf,%lf]", s, e) != 2)
			return -1;
		p = strchr(p, ']') + 1;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void
test_pitch_missing_fundamental(void)
{
	long n = FS * 2, i, good = 0, octave = 0, frames = 0;
	float *x = calloc(n, sizeof(float));
	struct pitch *p = pitch_new();
	struct pitch_frame pf;

	/* A steady 90 Hz voice: its fundamental and 2nd and 3rd harmonics
	 * are gone after the telephone band-pass. */
	voice(x, 0, 2, 90, 90, 0);
	band(x, n, FS);
	for (i = 0; i + PITCH_HOP <= n; i += PITCH_HOP) {
		pitch_hop(p, x + i, 1, &pf);
		if (i < FS / 10 || pf.voicing < 0.5f)
			continue;
		pitch_accept(p, pf.f0);
		frames++;
		good += fabsf(pf.f0 - 90) < 0.01f * 90;
		octave += fabsf(pf.f0 - 180) < 20 || fabsf(pf.f0 - 45) < 10;
	}
	check(frames > 180, "90 Hz band-limited voice is voiced");
	check_int(good, frames, "90 Hz found from the harmonics within 1 %");
	check_int(octave, 0, "no octave errors");
	pitch_free(p);
	free(x);
}

static void
test_pitch_female(void)
{
	long n = FS * 2, i, good = 0, frames = 0;
	float *x = calloc(n, sizeof(float));
	struct pitch *p = pitch_new();
	struct pitch_frame pf;

	voice(x, 0, 2, 236, 236, 0);
	band(x, n, FS);
	noise(x, n, -50);
	for (i = 0; i + PITCH_HOP <= n; i += PITCH_HOP) {
		pitch_hop(p, x + i, 1, &pf);
		if (i < FS / 10 || pf.voicing < 0.5f)
			continue;
		pitch_accept(p, pf.f0);
		frames++;
		good += fabsf(pf.f0 - 236) < 0.01f * 236;
	}
	check(frames > 180, "236 Hz voice is voiced");
	check_int(good, frames, "236 Hz within 1 %, no subharmonic");
	pitch_free(p);
	free(x);
}

/*
 * A dialogue on channels a and b of n samples (14 s): agent 0.5-3.5,
 * customer 3.8-6.8, 4.0 s of dead air, agent 10.8-13.0, on a telephone
 * line with white noise at noise_dbfs.
 */
static void
dialogue(float *a, float *b, long n, double noise_dbfs)
{
	voice(a, 0.5, 3.5, 95, 105, 1);
	voice(b, 3.8, 6.8, 210, 190, 1);
	voice(a, 10.8, 13.0, 105, 95, 1);
	band(a, n, FS);
	band(b, n, FS);
	noise(a, n, noise_dbfs);
	noise(b, n, noise_dbfs);
}

/* The dialogue's one dead air, 6.8-10.8 s, in m; what names the case. */
static void
dialogue_dead_air(const struct metrics *m, const char *what)
{
	double s = -1, e = -1;
	char d[4][80];

	snprintf(d[0], sizeof(d[0]), "%s: one dead-air event", what);
	snprintf(d[1], sizeof(d[1]), "%s: silence listed in segments", what);
	snprintf(d[2], sizeof(d[2]), "%s: dead air starts at 6.8 s", what);
	snprintf(d[3], sizeof(d[3]), "%s: dead air ends at 10.8 s", what);
	check_int(m->silence_events, 1, d[0]);
	check(segment(m->segments, "silence", 0, &s, &e) == 0, d[1]);
	check_dbl(s, 6.8, 0.15, d[2]);
	check_dbl(e, 10.8, 0.15, d[3]);
}

static void
test_dialogue(void)
{
	long n = FS * 14;
	float *a = calloc(n, sizeof(float)), *b = calloc(n, sizeof(float));
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m, m2;

	dialogue(a, b, n, -55); /* line noise 30 dB under the voices */
	check_int(measure(a, b, n, 4096, &o, &m), 0, "dialogue measured");
	check_dbl(m.duration_s, 14.0, 1e-9, "duration");
	check_int(m.mono, 0, "stereo");
	check_dbl(m.agent.talk_s, 5.2, 0.26, "agent talk 5.2 s +-5 %");
	check_dbl(m.customer.talk_s, 3.0, 0.15, "customer talk 3.0 s +-5 %");
	dialogue_dead_air(&m, "dialogue");
	check_dbl(m.longest_silence_s, 4.0, 0.3, "longest silence 4.0 s");
	check_dbl(m.overtalk_s, 0, 0.1, "no overtalk");
	check_int(m.agent_interruptions, 0, "no agent interruption");
	check_int(m.customer_interruptions, 0, "no customer interruption");
	check_dbl(m.response_latency_s, 4.0, 0.2, "latency 4.0 s");
	check_dbl(m.agent.pitch_median_hz, 100, 3, "agent pitch ~100 Hz");
	check_dbl(m.customer.pitch_median_hz, 200, 6, "customer ~200 Hz");
	check_dbl(m.agent.speech_rate_sps, 4.0, 0.6, "4 syllables/s");
	check(m.agent.loudness_dbfs < -10 && m.agent.loudness_dbfs > -40,
	      "loudness in dBFS");
	check(strncmp(m.segments, "{\"agent\":[[", 11) == 0 &&
		      strstr(m.segments, "],\"hold\":[]}") != NULL,
	      "segments JSON shape");
	/* Streaming: any block size gives the same result. */
	check_int(measure(a, b, n, 37, &o, &m2), 0, "measured in 37-frame blocks");
	check_str(m2.segments, m.segments, "same segments in small blocks");
	check_dbl(m2.agent.pitch_sd_st, m.agent.pitch_sd_st, 0,
		  "same pitch in small blocks");
	metrics_release(&m);
	metrics_release(&m2);
	o.dead_air_s = 5;
	check_int(measure(a, b, n, 4096, &o, &m), 0, "measured again");
	check_int(m.silence_events, 0, "--dead-air 5: no event");
	check_dbl(m.silence_s, 4.0, 0.3, "but the silence is still 4 s");
	metrics_release(&m);
	free(a);
	free(b);
}

/*
 * Digital silence and frames under the line noise (a recording's zero
 * start, a mute, a lost packet, a codec frame that dips) are not the noise
 * floor: one such frame used to set the floor for 8 s, and the line noise
 * after it counted as speech (agent talk 9.7 s here, no dead air).  The
 * call with them reads as the call without them.
 */
static void
test_dropouts(void)
{
	long n = FS * 14, i;
	float *a = calloc(n, sizeof(float)), *b = calloc(n, sizeof(float));
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m, m0;

	dialogue(a, b, n, -50);
	check_int(measure(a, b, n, 4096, &o, &m0), 0, "measured undisturbed");
	for (i = 0; i < FS / 4; i++) /* the recording starts at zero */
		a[i] = b[i] = 0;
	for (i = 8 * FS; i < 8 * FS + FS / 100; i++) /* 10 ms muted */
		a[i] = 0;
	for (i = 2 * FS; i < 2 * FS + FS / 25; i++) /* 40 ms 12 dB down */
		b[i] *= 0.25f;
	for (i = 9 * FS; i < 9 * FS + FS / 25; i++)
		b[i] *= 0.25f;
	check_int(measure(a, b, n, 4096, &o, &m), 0, "dropouts measured");
	check_dbl(m0.agent.talk_s, 5.2, 0.4, "undisturbed: agent talk 5.2 s");
	check_dbl(m.agent.talk_s, m0.agent.talk_s, 0.05,
		  "dropouts: agent talk as undisturbed");
	check_dbl(m.customer.talk_s, m0.customer.talk_s, 0.05,
		  "dropouts: customer talk as undisturbed");
	dialogue_dead_air(&m, "dropouts");
	metrics_release(&m);
	metrics_release(&m0);
	free(a);
	free(b);
}

/*
 * Noise that swells after a speaker stops (traffic passing, wind): the
 * run ends where the speech does, not when the noise falls back (it went
 * on 4 dB over the floor: the customer's 3 s read 4.9 s here and the dead
 * air that followed was 2 s short).
 */
static void
test_noise_swell(void)
{
	long n = FS * 14, i;
	float *a = calloc(n, sizeof(float)), *b = calloc(n, sizeof(float));
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m, m0;

	dialogue(a, b, n, -55);
	check_int(measure(a, b, n, 4096, &o, &m0), 0, "measured undisturbed");
	/* white noise rising to 25 dB over the line noise and falling
	 * back, 6.6-9.0 s on the customer's channel */
	for (i = (long)(6.6 * FS); i < 9 * FS; i++) {
		double t = (i - 6.6 * FS) / (2.4 * FS);

		b[i] += (float)(0.03 * sin(M_PI * t) * gauss());
	}
	check_int(measure(a, b, n, 4096, &o, &m), 0, "swell measured");
	check_dbl(m.customer.talk_s, m0.customer.talk_s, 0.1,
		  "swell: customer talk as without it");
	dialogue_dead_air(&m, "swell");
	metrics_release(&m);
	metrics_release(&m0);
	free(a);
	free(b);
}

static void
test_overtalk(void)
{
	long n = FS * 6;
	float *a = calloc(n, sizeof(float)), *b = calloc(n, sizeof(float));
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m;

	/* the customer starts at 2.5 s while the agent speaks until 4.0 */
	voice(a, 0.5, 4.0, 110, 100, 1);
	voice(b, 2.5, 5.0, 200, 220, 1);
	band(a, n, FS);
	band(b, n, FS);
	noise(a, n, -60);
	noise(b, n, -60);
	measure(a, b, n, 4096, &o, &m);
	check_dbl(m.overtalk_s, 1.5, 0.3, "overtalk 1.5 s");
	check_int(m.customer_interruptions, 1, "the customer interrupted");
	check_int(m.agent_interruptions, 0, "the agent did not");
	metrics_release(&m);
	o.interrupt_min_s = 2;
	measure(a, b, n, 4096, &o, &m);
	check_int(m.customer_interruptions, 0,
		  "--interrupt-min 2: not an interruption");
	metrics_release(&m);
	free(a);
	free(b);
}

static void
test_hold_and_noise(void)
{
	long n = FS * 24;
	float *a = calloc(n, sizeof(float)), *b = calloc(n, sizeof(float));
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m;
	double s, e;

	/* agent 0.5-2.5; hold music 3-13 s; customer 13.5-15.5; then
	 * louder line noise alone 16-21 s; agent 21.5-23.5 */
	voice(a, 0.5, 2.5, 100, 110, 1);
	music(a, 3, 13);
	voice(b, 13.5, 15.5, 200, 190, 1);
	voice(a, 21.5, 23.5, 110, 100, 1);
	band(a, n, FS);
	band(b, n, FS);
	noise(a, n, -60);
	noise(b, n, -60);
	noise(a + 16 * FS, 5 * FS, -35);
	noise(b + 16 * FS, 5 * FS, -35);
	measure(a, b, n, 4096, &o, &m);
	check_dbl(m.hold_s, 10, 0.5, "hold music counted as hold");
	check(segment(m.segments, "hold", 0, &s, &e) == 0 && fabs(s - 3) < 0.3 &&
		      fabs(e - 13) < 0.3,
	      "hold segment 3-13 s");
	check_dbl(m.agent.talk_s, 4.0, 0.3, "music and noise are not talk");
	check_dbl(m.customer.talk_s, 2.0, 0.3, "noise is not customer talk");
	check_int(m.silence_events, 1, "line noise alone is dead air");
	check(segment(m.segments, "silence", 0, &s, &e) == 0 && s <= 16 &&
		      e >= 21,
	      "the silence spans the noise");
	check(m.silence_s < 7, "hold is not silence");
	metrics_release(&m);
	free(a);
	free(b);
}

static void
test_noise_only_and_mono(void)
{
	long n = FS * 8;
	float *a = calloc(n, sizeof(float));
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m;

	noise(a, n, -40);
	band(a, n, FS);
	measure(a, NULL, n, 4096, &o, &m);
	check_int(m.mono, 1, "one channel is mono");
	check_dbl(m.agent.talk_s, 0, 0, "line noise alone: no talk");
	check(isnan(m.agent.pitch_median_hz), "line noise: no pitch");
	check_int(m.silence_events, 0, "no speech: no dead air");
	check(isnan(m.customer.talk_s) && isnan(m.overtalk_s) &&
		      m.agent_interruptions == -1 &&
		      isnan(m.response_latency_s),
	      "mono: customer and two-party metrics are NaN");
	metrics_release(&m);
	memset(a, 0, sizeof(float) * n);
	voice(a, 1, 4, 120, 120, 1);
	band(a, n, FS);
	measure(a, NULL, n, 4096, &o, &m);
	check_dbl(m.agent.talk_s, 3.0, 0.15, "mono speech is the agent's");
	check_dbl(m.agent.pitch_median_hz, 120, 2, "mono pitch");
	check_dbl(m.agent.pitch_sd_st, 0, 0.3, "a monotone voice: SD ~0");
	metrics_release(&m);
	free(a);
}

/* x += g * y: the other party heard through the line. */
static void
leak(float *x, const float *y, long n, double db)
{
	double g = pow(10, db / 20);
	long i;

	for (i = 0; i < n; i++)
		x[i] += (float)(g * y[i]);
}

static void
test_leak_and_latency(void)
{
	long n = FS * 42;
	float *a = calloc(n, sizeof(float)), *b = calloc(n, sizeof(float));
	float *a0 = calloc(n, sizeof(float)), *b0 = calloc(n, sizeof(float));
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m;
	long i;

	/*
	 * A quiet customer (10 dB under the agent) first speaks only under
	 * the agent (1.0-2.5 s), then alone (4.0-6.0) and answers the agent
	 * 0.5 s after it ends; the agent then speaks 25 s on end while the
	 * customer is silent, both parties leaking into the other's channel
	 * 30 dB down; at the end the agent talks over the customer's last
	 * turn (37.0) and speaks again at 40.0, which is no answer to it.
	 */
	voice(a0, 0.5, 3.0, 110, 100, 1);
	voice(b0, 1.0, 2.5, 200, 210, 1);
	voice(b0, 4.0, 6.0, 210, 200, 1);
	voice(a0, 6.5, 9.0, 100, 110, 1);
	voice(a0, 9.5, 34.5, 110, 100, 1);
	voice(b0, 35.5, 37.5, 200, 210, 1);
	voice(a0, 37.0, 39.0, 100, 110, 1);
	voice(a0, 40.0, 41.0, 110, 100, 1);
	for (i = 0; i < n; i++)
		b0[i] *= 0.316f; /* the customer 10 dB under the agent */
	memcpy(a, a0, sizeof(float) * n);
	memcpy(b, b0, sizeof(float) * n);
	leak(a, b0, n, -30);
	leak(b, a0, n, -30);
	band(a, n, FS);
	band(b, n, FS);
	noise(a, n, -60);
	noise(b, n, -70);
	measure(a, b, n, 4096, &o, &m);
	check_dbl(m.customer.talk_s, 5.5, 0.4,
		  "a quiet customer starting under the agent is heard");
	check_dbl(m.agent.talk_s, 33.0, 0.8, "agent talk");
	check_dbl(m.overtalk_s, 2.0, 0.4,
		  "the agent's leakage during a long silence of the customer "
		  "is not overtalk");
	check_dbl(m.response_latency_s, 0.5, 0.3,
		  "latency: a turn the agent talks over is no answer");
	metrics_release(&m);
	/* The same with a loud click (the handset knocked) on the
	 * customer's line at 0.2 s: it does not set the customer's level. */
	for (i = (long)(0.2 * FS); i < (long)(0.22 * FS); i++)
		b[i] += (float)(i % 2 ? 0.7 : -0.7);
	measure(a, b, n, 4096, &o, &m);
	check_dbl(m.customer.talk_s, 5.5, 0.4,
		  "after a click: the quiet customer is heard");
	check_dbl(m.overtalk_s, 2.0, 0.4, "after a click: overtalk");
	metrics_release(&m);
	free(a);
	free(b);
	free(a0);
	free(b0);
}

static void
test_errors(void)
{
	struct metrics_opts o = METRICS_OPTS_INIT;
	struct metrics m;
	struct err e;

	check(metrics_analyzer_new(0, 1, &o, &e) == NULL, "0 channels fails");
	check(metrics_measure_file("/nonexistent/x.wav", 1, &o, &m, &e) < 0 &&
		      strstr(e.msg, "/nonexistent/x.wav") != NULL,
	      "a missing file fails naming it");
}

int
main(void)
{
	test_pitch_missing_fundamental();
	test_pitch_female();
	test_dialogue();
	test_dropouts();
	test_noise_swell();
	test_overtalk();
	test_hold_and_noise();
	test_noise_only_and_mono();
	test_leak_and_latency();
	test_errors();
	return test_done();
}
