/*
 * metrics.c: voice activity, hold music, silence, overtalk, turn taking,
 * pitch, loudness and speaking rate of a call, in one streaming pass.
 *
 * Each channel is cut into 10 ms frames (80 samples at 8 kHz) after a
 * 80 Hz high-pass.  On entry a frame gets its level (dB re full scale),
 * its periodicity and pitch (pitch.c), a noise floor (minimum statistics
 * over 8 s: R. Martin, "Noise power spectral density estimation based on
 * optimal smoothing and minimum statistics", IEEE Trans. SAP 9(5), 2001,
 * here in its simplest block-minimum form) and a hold-music vote over the
 * last 2 s.  Frames wait 2 s in a delay line so that the hold decision can
 * look both ways, and leave it in step across channels, where they are
 * classified (speech, hold or neither), checked for cross-channel leakage,
 * and folded into run-length segment lists and running statistics.
 * Nothing but the segment lists grows with the length of the call (and the
 * pitch bins of runs not yet decided, up to 2 MB, with the longest run).
 */
#include "callqa/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/audio.h"
#include "callqa/pitch.h"
#include "callqa/simd.h"
#include "callqa/strbuf.h"

#define FPS 100		   /* frames per second */
#define DELAY 200	   /* delay line, frames (hold window) */
#define FLOOR_BLOCK 50	   /* minimum-statistics block, frames */
#define FLOOR_NBLK 16	   /* blocks in the floor window (8 s) */
#define FLOOR_RANK 8	   /* a block's quiet level: its 8th quietest frame */
#define FLOOR_RANK_DB 1.3f /* less this, where steady noise has its quietest */
#define BRIDGE 30	   /* pauses under 0.30 s (padded) are bridged */
#define HOLD_BRIDGE 50	   /* gaps in hold music under 0.5 s bridged */
#define HOLD_LOUD 85	   /* hold: % of frames over the floor */
#define HOLD_TONAL 40	   /* hold: % of frames periodic */
#define HOLD_PERIODIC 0.45f /* periodicity of such a frame */
#define HOLD_MOD_DB 2.5	   /* hold: syllabic modulation under (dB) */
#define SEG_VOICED 15	   /* speech: % of a run's frames voiced */
#define HOLD_MIN 150	   /* hold shorter than 1.5 s is dropped */
#define SEG_MIN 8	   /* speech bursts under 80 ms are dropped */
#define PAD_START 6	   /* frames added before a gradual onset */
#define PAD_END_MIN 12	   /* at least this after a gradual decay */
#define PAD_BRIDGE 16	   /* and this much when bridging pauses */
#define PAD_END_MAX 30	   /* at most this */
#define TAIL_N 8	   /* frames of a decay that give its slope */
#define UNVOICED_MAX 30	   /* a run is cut this long after its last voicing */
#define UNVOICED_KEEP 8	   /* keeping this much of it */
#define SPEECH_RANGE 35.0f /* speech: within this of the speaker's peak */
#define NOISE_BIAS 1.5f	   /* noise mean over its minimum statistic, dB */
#define ACT_STRONG 10.0f   /* dB over the floor: speech whatever voicing */
#define ACT_VOICED 5.0f	   /* dB over the floor: speech when voiced */
#define ACT_CONTINUE 4.0f  /* dB over the floor: speech goes on */
#define ABRUPT_NEAR 6.0f   /* "at the floor" for abrupt edges, dB */
#define VOICED_MIN 0.60f   /* NCCF for a voiced frame */
#define PITCH_VOICED 0.50f /* NCCF for a frame in the pitch statistics */
#define ABS_MIN_DB -65.0f  /* quieter than this is never speech */
#define PEAK_RANGE 40.0f   /* speech is within this of the speaker's peak */
#define LEAK_DB 15.0f	   /* leakage: this much below the other channel */
#define LEAK_WIN 32	   /* echo delay window, frames */
#define LEAK_ALONE_DB 25.0f /* leakage before the speaker was heard alone */
#define ECHO_UNDER_PEAK 12.0f /* an echo run peaks this under the speaker */
#define ECHO_F0 0.015f	   /* echo: pitch within this of the other's */
#define ECHO_SHARE 85	   /* echo: % of a run's voiced frames that do so */
#define ECHO_VOICED 5	   /* echo: and at least this many */
#define ECHO_SHORT 3	   /* or this many at the delay of the last echo */
#define ECHO_LOSS_MIN 6.0f /* an echo is at least this under its source */
#define ECHO_SURE 2	   /* echo runs at one delay before it is sure */
#define ECHO_LONG 20	   /* or voiced frames that follow in one run */
#define ECHO_MARGIN 3.0f   /* a frame this near the echo's level is echo */
#define OWN_VOICED 4	   /* own voice: voiced frames under the other */
#define OWN_NEAR 0.06f	   /* own voice: not a copy of the other's within */
#define OWN_SHARE 20	   /* own voice: in at most this % of its frames */
#define DOUBT_MAX 32	   /* runs held back until the speaker is heard */
#define HEARD_MIN 50	   /* speech frames alone that set the peak */
#define DIP_DB 3.0f	   /* syllable nuclei: dip between peaks */
#define SYL_VOICED 0.40f   /* syllable nuclei: NCCF at the peak */
#define HIST_LO 50.0	   /* pitch histogram: 1-cent bins from 50 Hz */
#define HIST_N 4000
#define OCTAVE_GUARD 11.0  /* st from the median: an octave error */
#define TONE_VOICING 0.90f /* tone: NCCF of every frame of the run */
#define TONE_DRIFT 0.003f  /* tone: f0 within this of the run's mean */
#define TONE_MIN 20	   /* tone: frames of steady pitch (0.2 s) */
_Static_assert(TONE_MIN < DELAY, "a tone's first frames are still in the ring");
#define DTMF_SHARE 0.75f   /* key tone: its two sines carry this of the energy */
#define DTMF_EACH 0.10f	   /* and each at least this (twist under 9 dB) */
#define DTMF_MIN 3	   /* frames in a row (30 ms) */
#define PROG_SHARE 0.80f   /* dial, ringback, busy: two sines carry this */
#define PROG_EACH 0.20f	   /* and each this at least */
_Static_assert(DTMF_MIN < DELAY, "so are a key tone's");
#define SEG_MAX ((size_t)1 << 22) /* segments per list, a hard limit */
#define RUN_BINS ((size_t)1 << 20) /* pitch bins of runs not yet decided */

struct ivls {
	int32_t *v; /* start, end pairs in frames (end exclusive) */
	size_t n, cap;
};

struct feat {
	float db, e, f0, voicing, periodicity;
	int tone; /* part of a steady pure tone, a key tone or a call-progress
		   * tone of two sines (see tone_step, bank_step) */
};

struct spec { /* a hop at a bank's eight frequencies (bank_step) */
	float re[8], im[8]; /* (not v8sf: calloc aligns to 16) */
};

struct biquad {
	float b0, b1, b2, a1, a2, z1, z2;
};

/*
 * The 80 Hz high-pass of both channels, eight samples at a time: a
 * sample-by-sample biquad waits on its own recursion for every sample,
 * while the eight outputs of a block are a fixed mix of the block's eight
 * inputs and the two before them (gx: the feed-forward part passed
 * through the feedback's impulse response, each input broadcast from
 * memory and multiplied by a column of coefficients) plus the response to
 * the two outputs before the block (h1, h2): only that last step waits on
 * the previous block.
 */
#define HPB 8
_Static_assert(METRICS_HOP % HPB == 0, "hops of whole blocks");
struct highpass {
	float gx[HPB + 2][HPB];	  /* gx[t][j]: output j from input t - 2 */
	float h1[HPB], h2[HPB];	  /* outputs from y[-1], y[-2] */
	float y1[2], y2[2];	  /* outputs one and two samples back */
	float in[2][2 + METRICS_HOP]; /* the last 2 inputs, then the hop */
};

struct prun { /* a run of speech frames */
	int32_t s, e;
	int pad_s, pad_e;
	long act;
	double esum;
	float max;
	int dom; /* heard mostly under the other party */
	int echo; /* its pitch follows the other party's (see echo_run) */
	int own;  /* its pitch is none the other party had (see own_voice) */
	size_t bins_end; /* held back: its pitch bins end here in run_bins */
	long syl;	 /* held back: its syllables */
};

struct chan {
	struct biquad modbp;
	struct pitch *pitch;
	/* noise floor: minimum statistics of the blocks' quiet levels */
	float quiet[FLOOR_RANK], mins[FLOOR_NBLK], floor_db;
	int nquiet, blkn, nmins, minpos;
	/* hold vote over the last DELAY frames */
	uint8_t loud[DELAY], voiced[DELAY];
	float mod2[DELAY];
	int nloud, nvoiced;
	double summod;
	long last_cand; /* last entry frame whose window looked like hold */
	/* delay line */
	struct feat ring[DELAY];
	/* exit side */
	float peak_db;
	float recent[LEAK_WIN]; /* levels of the last frames out */
	float recent_f0[LEAK_WIN]; /* and their pitch, 0 where unvoiced or
				    * under the other party (an echo) */
	uint32_t follow; /* this frame's pitch is the other's k frames back */
	int run_follow[LEAK_WIN]; /* the run's voiced frames under the other
				   * party that do so (k +- 1) */
	int run_under; /* the run's voiced frames under the other party */
	int seen;      /* this frame: the other party had a pitch lately... */
	int near;      /* ...and one near this frame's (OWN_NEAR) */
	int run_seen, run_near; /* the run's voiced frames under them that did */
	float run_at;	/* the sum of their levels under the other's at the
			 * echo's delay (echo_k), dB */
	float under[LEAK_WIN];	   /* this frame's level under the other's k
				    * frames back, dB */
	float run_loss[LEAK_WIN]; /* the sum of that over run_follow's frames */
	int echo_k;	 /* the echo's delay (frames), -1: no echo found yet */
	int echo_n;	 /* echo runs found at that delay, less those not */
	float echo_loss; /* and how far under the other party they are, dB */
	int dominant;		/* this frame is not the other's echo */
	long heard;		/* speech frames heard alone */
	float run_peak;		/* the run's loudest frame heard alone */
	long run_heard;		/* the run's frames heard alone */
	int prev_act;
	float prev_db;	    /* level of the previous frame */
	float tail[TAIL_N]; /* levels of the last frames of the run */
	int ntail;
	int pad_s, pad_e;   /* padding of the pending segment */
	int32_t run_s, run_e; /* the current run of speech frames */
	struct prun doubt[DOUBT_MAX]; /* runs held back (see end_run) */
	int ndoubt;
	int run_pad;
	long run_act, run_voiced, run_dom;
	int32_t run_lastv; /* the run's last voiced frame */
	int unv_lock;	   /* a run was cut: unvoiced frames cannot start one */
	float run_max;
	double run_esum;
	struct ivls speech, hold;
	int32_t sp_s, sp_e, ho_s, ho_e; /* pending runs, -1 when none */
	double esum;
	long eframes;
	uint32_t *hist;
	long nvoiced_acc;
	/* the pitch bins and syllables of the runs held back (the first
	 * held bins) and of the current run (from there on), counted when a
	 * run is taken for speech (end_run, flush_doubtful) */
	uint16_t *run_bins;
	size_t run_nbins, run_cap, held;
	long run_syl;
	float smooth_e; /* syllable nuclei state */
	int syl_have, syl_ok;
	float syl_pk, syl_mn, peak_all;
	long syllables;
	float tone_f0;	 /* the mean pitch of a run of tone frames */
	float tone_last; /* the pitch of the last frame, 0 if not voiced */
	int tone_run;  /* frames in that run */
	int dtmf_run;  /* frames in a row that hold a key tone */
	int prog_run;  /* and a call-progress tone of two sines */
	struct spec dtmf_spec, prog_spec; /* the last spectra (bank_step)... */
	long spec_hop; /* ...of this frame */
	float spec_e;  /* and its energy */
};

struct metrics_analyzer {
	int nch, ach, cch; /* channels in the input; agent, customer index */
	int npos;	   /* samples in the current hop */
	long entered;	   /* frames entered */
	long exited;	   /* frames out of the delay line */
	long long samples;
	struct metrics_opts o;
	struct chan *ch[2]; /* agent, customer (NULL when mono) */
	struct highpass hp;
	int nan;
};

static void
biquad_hp(struct biquad *q, double fs, double f0)
{
	double w = 2 * M_PI * f0 / fs, al = sin(w) / (2 * M_SQRT1_2 * 1);
	double c = cos(w), a0 = 1 + al;

	/* RBJ audio EQ cookbook high-pass, Q = 1/sqrt(2). */
	memset(q, 0, sizeof(*q));
	q->b0 = (float)((1 + c) / 2 / a0);
	q->b1 = (float)(-(1 + c) / a0);
	q->b2 = q->b0;
	q->a1 = (float)(-2 * c / a0);
	q->a2 = (float)((1 - al) / a0);
}

static void
biquad_bp(struct biquad *q, double fs, double f0, double qf)
{
	double w = 2 * M_PI * f0 / fs, al = sin(w) / (2 * qf);
	double c = cos(w), a0 = 1 + al;

	/* RBJ band-pass, 0 dB peak gain. */
	memset(q, 0, sizeof(*q));
	q->b0 = (float)(al / a0);
	q->b1 = 0;
	q->b2 = (float)(-al / a0);
	q->a1 = (float)(-2 * c / a0);
	q->a2 = (float)((1 - al) / a0);
}

static inline float
biquad_run(struct biquad *q, float x)
{
	float y = q->b0 * x + q->z1;

	q->z1 = q->b1 * x - q->a1 * y + q->z2;
	q->z2 = q->b2 * x - q->a2 * y;
	return y;
}

static void
highpass_init(struct highpass *hp, double fs, double f0)
{
	struct biquad q;
	double g[HPB], y1, y2, y;
	int t, j;

	memset(hp, 0, sizeof(*hp));
	biquad_hp(&q, fs, f0);
	for (j = 0; j < HPB; j++) /* impulse response of the feedback */
		g[j] = j == 0 ? 1 : -q.a1 * g[j - 1] - (j > 1 ? q.a2 * g[j - 2] : 0);
	/* Output j takes b0 x[m] + b1 x[m-1] + b2 x[m-2] through g[j - m]
	 * for every m <= j of the block. */
	for (t = -2; t < HPB; t++)
		for (j = 0; j < HPB; j++) {
			double c = 0;

			if (t >= 0 && j >= t)
				c += q.b0 * g[j - t];
			if (t + 1 >= 0 && j >= t + 1)
				c += q.b1 * g[j - t - 1];
			if (j >= t + 2)
				c += q.b2 * g[j - t - 2];
			hp->gx[t + 2][j] = (float)c;
		}
	for (y1 = 1, y2 = 0, j = 0; j < HPB; j++, y2 = y1, y1 = y)
		hp->h1[j] = (float)(y = -q.a1 * y1 - q.a2 * y2);
	for (y1 = 0, y2 = 1, j = 0; j < HPB; j++, y2 = y1, y1 = y)
		hp->h2[j] = (float)(y = -q.a1 * y1 - q.a2 * y2);
}

/* One block: x[-2..HPB) in, out[0..HPB) out, *y1 and *y2 carried; c and
 * h are gx, h1 and h2 as vectors. */
SIMD_INLINE void
highpass_block(const v8sf *c, const v8sf *h, const float *x, float *y1,
	       float *y2, float *out)
{
	v8sf y;

	y = (((x[-2] * c[0] + x[-1] * c[1]) + (x[0] * c[2] + x[1] * c[3])) +
	     ((x[2] * c[4] + x[3] * c[5]) + (x[4] * c[6] + x[5] * c[7]))) +
	    (x[6] * c[8] + x[7] * c[9]);
	y += *y1 * h[0] + *y2 * h[1];
	memcpy(out, &y, sizeof(y));
	*y1 = out[HPB - 1];
	*y2 = out[HPB - 2];
}

/* Filter the hop in hp->in of the first nch channels into out. */
SIMD_CLONES static void
highpass_run(struct highpass *hp, int nch, float out[2][METRICS_HOP])
{
	float a1 = hp->y1[0], a2 = hp->y2[0], b1 = hp->y1[1], b2 = hp->y2[1];
	v8sf c[HPB + 2], h[2];
	int k, b;

	for (k = 0; k < HPB + 2; k++)
		memcpy(&c[k], hp->gx[k], sizeof(c[k]));
	memcpy(&h[0], hp->h1, sizeof(h[0]));
	memcpy(&h[1], hp->h2, sizeof(h[1]));
	/* Channels inside, so that their recursions overlap. */
	for (b = 0; b < METRICS_HOP; b += HPB) {
		highpass_block(c, h, hp->in[0] + 2 + b, &a1, &a2, out[0] + b);
		if (nch > 1)
			highpass_block(c, h, hp->in[1] + 2 + b, &b1, &b2,
				       out[1] + b);
	}
	hp->y1[0] = a1, hp->y2[0] = a2, hp->y1[1] = b1, hp->y2[1] = b2;
	for (k = 0; k < nch; k++) {
		hp->in[k][0] = hp->in[k][METRICS_HOP];
		hp->in[k][1] = hp->in[k][METRICS_HOP + 1];
	}
}

static int
ivls_add(struct ivls *l, int32_t s, int32_t e)
{
	if (l->n + 2 > l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		int32_t *nv;

		if (ncap > SEG_MAX * 2)
			return -1;
		nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = s;
	l->v[l->n++] = e;
	return 0;
}

static void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	pitch_free(c->pitch);
	free(c->speech.v);
	free(c->hold.v);
	free(c->hist);
	free(c->run_bins);
	free(c);
}

static struct chan *
chan_new(void)
{
	struct chan *c = calloc(1, sizeof(*c));
	int i;

	if (c == NULL)
		return NULL;
	c->pitch = pitch_new();
	c->hist = calloc(HIST_N, sizeof(*c->hist));
	if (c->pitch == NULL || c->hist == NULL) {
		chan_free(c);
		return NULL;
	}
	/* syllabic modulation: 2.5-8 Hz band of the level contour */
	biquad_bp(&c->modbp, FPS, 4.5, 0.8);
	c->floor_db = -120;
	c->last_cand = -1000000;
	c->peak_db = -120;
	c->peak_all = -120;
	for (i = 0; i < LEAK_WIN; i++)
		c->recent[i] = -200;
	c->sp_s = c->ho_s = c->run_s = -1;
	c->spec_hop = -2;
	c->echo_k = -1;
	return c;
}

/* Sum of squares of a hop, on vectors. */
SIMD_CLONES static float
energy(const float *x)
{
	v8sf v, s = { 0 };
	int i;

	for (i = 0; i < METRICS_HOP; i += 8) {
		memcpy(&v, x + i, sizeof(v));
		s += v * v;
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* The n frames before f, still in the delay line, were tone. */
static void
tone_back(struct chan *c, long f, long n)
{
	long j;

	for (j = 1; j <= n && j <= f; j++)
		c->ring[(f - j) % DELAY].tone = 1;
}

/*
 * Call-progress tones: ringback and busy tones are one steady sine (450
 * Hz on Chinese networks, 425 Hz in much of the world), which the pitch
 * tracker reads as perfectly periodic at a pitch that does not move.  A
 * sine also repeats at the period its zero crossings give (two a period),
 * where a voice, even a flat synthetic one, crosses zero at its formants,
 * at no period of its own.  A run of 0.2 s of frames that do both, pitch
 * within 0.3 % of the run's mean, is marked as tone, frames already
 * entered included (they are still in the delay line), and tone is never
 * speech.  x is the frame's signal.
 */
static void
tone_step(struct chan *c, long f, struct feat *ft, const float *x)
{
	double xy = 0, xx = 0, yy = 0, t0 = -1, t1 = -1;
	float ref = c->tone_run > 0 ? c->tone_f0 : c->tone_last;
	int i, zc = 0, lag = 0;

	ft->tone = 0;
	c->tone_last = ft->voicing >= TONE_VOICING ? ft->f0 : 0;
	/* the steady pitch first: it is cheap, and few voiced frames pass */
	if (ft->voicing >= TONE_VOICING && ft->f0 > 0 &&
	    fabsf(ft->f0 - ref) <= TONE_DRIFT * ref) {
		/* the period the crossings give, in samples, from the first and
		 * the last crossing (interpolated between samples): a count of
		 * crossings per frame is off by one at some phases */
		for (i = 1; i < METRICS_HOP; i++)
			if ((x[i - 1] < 0) != (x[i] < 0)) {
				double t = i - 1 + x[i - 1] / (x[i - 1] - x[i]);

				if (zc++ == 0)
					t0 = t;
				t1 = t;
			}
		lag = zc > 2 ? (int)lrint(2 * (t1 - t0) / (zc - 1)) : 0;
		for (i = lag; lag >= 2 && lag < METRICS_HOP / 2 &&
			      i < METRICS_HOP; i++) {
			xy += (double)x[i] * x[i - lag];
			xx += (double)x[i] * x[i];
			yy += (double)x[i - lag] * x[i - lag];
		}
	}
	if (!(xx > 0 && yy > 0 && xy >= TONE_VOICING * sqrt(xx * yy))) {
		c->tone_run = 0;
		return;
	}
	if (c->tone_run > 0) {
		c->tone_run++;
		c->tone_f0 += (ft->f0 - c->tone_f0) / c->tone_run;
	} else {
		c->tone_run = 1;
		c->tone_f0 = ft->f0;
	}
	if (c->tone_run == TONE_MIN)
		tone_back(c, f, TONE_MIN - 1);
	ft->tone = c->tone_run >= TONE_MIN;
}

/*
 * The noise floor is the lowest quiet level of the blocks of the last 8 s
 * (minimum statistics).  A block's quiet level is the level the channel
 * stays under for 80 ms of its 0.5 s (its 8th quietest frame), less the
 * 1.3 dB by which steady line noise has its quietest frame under that:
 * on a clean line the floor is the block minimum it always was.  The
 * minimum itself was an outlier as often as not on coded speech: a
 * codec's first frames, a lost packet played quiet, a fade-in, a GSM,
 * G.723.1 or Opus frame that dips under the noise around it.  One such
 * frame set the floor for 8 s, and the line noise then counted as speech
 * (G.723.1: talk time 6 % over the truth on average, 15 % at worst; now
 * 2.6 and 7 %).  Digital silence (a muted line, a recording's zero start,
 * a codec's silence suppression) says nothing of the line noise and is
 * left out: under ABS_MIN_DB a frame is never speech anyway.  A block
 * with fewer quiet frames than that gives no level.
 */
static float
quiet_level(const struct chan *c)
{
	return c->quiet[FLOOR_RANK - 1] - FLOOR_RANK_DB;
}

static void
quiet_add(struct chan *c, float db)
{
	float *v = c->quiet;
	int i = c->nquiet;

	if (i == FLOOR_RANK && db >= v[FLOOR_RANK - 1])
		return;
	if (i == FLOOR_RANK)
		i--;
	else
		c->nquiet++;
	for (; i > 0 && v[i - 1] > db; i--)
		v[i] = v[i - 1];
	v[i] = db;
}

/*
 * Key tones (DTMF): a key pressed while the customer enters a card number
 * or answers a survey is two sines, one of 697, 770, 852 or 941 Hz and
 * one of 1209, 1336, 1477 or 1633 Hz.  The pitch tracker finds them
 * periodic enough to pass for voice, and eight keys made 1.9 s of
 * customer talk that filled 5 s of dead air.  A frame whose last 20 ms
 * have three quarters of their energy at one frequency of each group
 * (each a tenth at least), three frames in a row, is a key tone, and like
 * a call-progress tone never speech.
 *
 * Call-progress tones of two sines, which the steady-pitch test of
 * tone_step does not see (they beat): British ringback (400 + 450 Hz, 0.4
 * s on, 0.2 off, 0.4 on, 2 off) made 4 s of customer talk and a dead air
 * before the answer, North American busy (480 + 620 Hz) 2 s.  A frame
 * whose last 20 ms have 80 % of their energy at two of the frequencies of
 * dial, ringback and busy tones (350, 400, 425, 440, 450, 480, 620 Hz;
 * 950 Hz, the first of the special information tones), each a fifth at
 * least and 50 Hz apart, 0.2 s in a row, is tone: a voice spreads its
 * energy over its harmonics and formants, and no pitch keeps two of them
 * on these for 0.2 s.  (One line alone is not enough: a woman's second
 * harmonic on the first formant of a drawn-out back vowel carried 0.83 to
 * 0.95 of the energy for 0.26 s, sliding from 450 to 425 Hz; single sines
 * are tone_step's.)
 *
 * The spectrum is taken at each bank's eight frequencies a hop at a time,
 * the previous hop's kept and turned by a hop's phase, from every other
 * sample: all lie under 2 kHz (what is over 3 kHz folds back under 1 kHz,
 * but the band stops at 3.4 kHz), and the share is of the energy of the
 * same samples.  At 20 ms, frequencies 50 Hz apart are orthogonal; nearer
 * ones see the same line, so they do not make a pair.
 */
struct bank {
	v8sf c[METRICS_HOP / 2], s[METRICS_HOP / 2]; /* cos, -sin at 2n */
	v8sf rc, rs;			     /* the same a hop on */
};
static const double dtmf_hz[8] = { 697, 770, 852, 941, 1209, 1336, 1477, 1633 };
static const double prog_hz[8] = { 350, 400, 425, 440, 450, 480, 620, 950 };
static struct bank dtmf_bank, prog_bank;
static pthread_once_t bank_once = PTHREAD_ONCE_INIT;

static void
bank_fill(struct bank *b, const double *hz)
{
	int n, k;

	for (k = 0; k < 8; k++) {
		double w = 2 * M_PI * hz[k] / METRICS_RATE;

		for (n = 0; n < METRICS_HOP / 2; n++) {
			b->c[n][k] = (float)cos(w * 2 * n);
			b->s[n][k] = (float)-sin(w * 2 * n);
		}
		b->rc[k] = (float)cos(w * METRICS_HOP);
		b->rs[k] = (float)-sin(w * METRICS_HOP);
	}
}

static void
banks_init(void)
{
	bank_fill(&dtmf_bank, dtmf_hz);
	bank_fill(&prog_bank, prog_hz);
}

/* The hop x (every other sample) at both banks' frequencies, in one pass
 * over x, on vectors: re[0], im[0] DTMF, re[1], im[1] call progress. */
SIMD_CLONES static void
banks_dft(const float *x, v8sf *re, v8sf *im)
{
	v8sf r[4] = { { 0 } }, m[4] = { { 0 } }, p[4] = { { 0 } },
	     q[4] = { { 0 } };
	int n;

	for (n = 0; n < METRICS_HOP / 2; n++) { /* four sums: no waiting */
		r[n & 3] += x[2 * n] * dtmf_bank.c[n];
		m[n & 3] += x[2 * n] * dtmf_bank.s[n];
		p[n & 3] += x[2 * n] * prog_bank.c[n];
		q[n & 3] += x[2 * n] * prog_bank.s[n];
	}
	re[0] = (r[0] + r[1]) + (r[2] + r[3]);
	im[0] = (m[0] + m[1]) + (m[2] + m[3]);
	re[1] = (p[0] + p[1]) + (p[2] + p[3]);
	im[1] = (q[0] + q[1]) + (q[2] + q[3]);
}

/*
 * The shares of the energy e of the last n samples (every other one) at a
 * bank's frequencies: the hop's spectrum re, im (banks_dft), kept in sp,
 * plus the previous hop's turned by a hop (when both is set).
 */
static void
bank_shares(const struct bank *b, struct spec *sp, const v8sf *hre,
	    const v8sf *him, int both, float e, float n, float *share)
{
	v8sf re = *hre, im = *him, pr, pi;
	int k;

	memcpy(&pr, sp->re, sizeof(pr));
	memcpy(&pi, sp->im, sizeof(pi));
	memcpy(sp->re, &re, sizeof(re));
	memcpy(sp->im, &im, sizeof(im));
	if (both) {
		v8sf tr = b->rc * re - b->rs * im;

		im = pi + b->rc * im + b->rs * re;
		re = pr + tr;
	}
	for (k = 0; k < 8; k++)
		share[k] = e > 0 ? 2 * (re[k] * re[k] + im[k] * im[k]) / (n * e)
				 : 0;
}

/*
 * One more frame of a tone (hit) or not in *run, the frames in a row that
 * held it: from the min-th on, a frame is tone, and so are the one the
 * tone began in (marked back with the run) and the one it ended in.
 */
static void
tone_count(struct chan *c, long f, struct feat *ft, int *run, int hit,
	   int min)
{
	if (!hit) {
		ft->tone |= *run >= min;
		*run = 0;
		return;
	}
	if (++*run == min)
		tone_back(c, f, min);
	if (*run >= min)
		ft->tone = 1;
}

static void
bank_step(struct chan *c, long f, struct feat *ft, const float *x)
{
	float e, e1, share[8], n = METRICS_HOP / 2, best = 0;
	int j, k, row = 0, col = 4, both = c->spec_hop == f - 1;
	v8sf re[2], im[2];

	if (ft->db < ABS_MIN_DB || ft->db < c->floor_db + ACT_STRONG) {
		c->dtmf_run = c->prog_run = 0;
		return;
	}
	for (k = 0, e1 = 0; k < METRICS_HOP; k += 2) /* of every other sample */
		e1 += x[k] * x[k];
	e = e1;
	if (both) { /* the 20 ms of both hops */
		e += c->spec_e;
		n *= 2;
	}
	c->spec_hop = f;
	c->spec_e = e1;
	banks_dft(x, re, im);
	bank_shares(&dtmf_bank, &c->dtmf_spec, &re[0], &im[0], both, e, n, share);
	for (k = 1; k < 4; k++) {
		row = share[k] > share[row] ? k : row;
		col = share[k + 4] > share[col] ? k + 4 : col;
	}
	tone_count(c, f, ft, &c->dtmf_run,
		   share[row] >= DTMF_EACH && share[col] >= DTMF_EACH &&
			   share[row] + share[col] >= DTMF_SHARE,
		   DTMF_MIN);
	bank_shares(&prog_bank, &c->prog_spec, &re[1], &im[1], both, e, n, share);
	for (k = 0; k < 8; k++) /* two lines, 50 Hz apart */
		for (j = k + 1; j < 8; j++)
			if (prog_hz[j] - prog_hz[k] >= 50 &&
			    share[k] >= PROG_EACH && share[j] >= PROG_EACH &&
			    share[k] + share[j] > best)
				best = share[k] + share[j];
	tone_count(c, f, ft, &c->prog_run, best >= PROG_SHARE, TONE_MIN);
}

/* Frame entry of the high-passed hop x: features, floor, pitch, hold vote. */
static void
chan_enter(struct chan *c, long f, const float *x)
{
	struct feat *ft = &c->ring[f % DELAY];
	struct pitch_frame pf;
	float e = 0, db, env, m;
	int i, k = (int)(f % DELAY), cand, analyse;

	e = energy(x) / METRICS_HOP;
	db = 10 * log10f(e + 1e-12f);
	analyse = db > ABS_MIN_DB && db > c->floor_db + 3;
	pitch_hop(c->pitch, x, analyse, &pf);
	ft->db = db;
	ft->e = e;
	ft->f0 = pf.f0;
	ft->voicing = pf.voicing;
	ft->periodicity = pf.periodicity;
	tone_step(c, f, ft, x);
	bank_step(c, f, ft, x);
	/* a tone's pitch would draw the speaker's running median to it */
	if (pf.voicing >= PITCH_VOICED && db > c->floor_db + ACT_VOICED &&
	    c->tone_run == 0 && c->dtmf_run == 0 && c->prog_run < TONE_MIN)
		pitch_accept(c->pitch, pf.f0);

	/* Hold vote: continuous, tonal, without syllabic modulation. */
	c->nloud -= c->loud[k];
	c->nvoiced -= c->voiced[k];
	c->summod -= c->mod2[k];
	c->loud[k] = db > c->floor_db + ACT_VOICED && db > ABS_MIN_DB;
	c->voiced[k] = pf.periodicity > HOLD_PERIODIC;
	env = db > c->floor_db ? db : c->floor_db;
	m = biquad_run(&c->modbp, env);
	c->mod2[k] = m * m;
	c->nloud += c->loud[k];
	c->nvoiced += c->voiced[k];
	c->summod += c->mod2[k];
	if (c->summod < 0)
		c->summod = 0;
	cand = f >= DELAY - 1 && c->nloud >= DELAY * HOLD_LOUD / 100 &&
	       c->nvoiced >= DELAY * HOLD_TONAL / 100 &&
	       c->summod / DELAY < HOLD_MOD_DB * HOLD_MOD_DB;
	if (cand)
		c->last_cand = f;

	/* Noise floor (see quiet_add), frozen during hold. */
	if (!cand && db >= ABS_MIN_DB)
		quiet_add(c, db);
	if (++c->blkn == FLOOR_BLOCK) {
		if (c->nquiet == FLOOR_RANK) {
			c->mins[c->minpos] = quiet_level(c);
			c->minpos = (c->minpos + 1) % FLOOR_NBLK;
			if (c->nmins < FLOOR_NBLK)
				c->nmins++;
			c->floor_db = c->mins[0];
			for (i = 1; i < c->nmins; i++)
				if (c->mins[i] < c->floor_db)
					c->floor_db = c->mins[i];
		}
		c->blkn = 0;
		c->nquiet = 0;
	}
	if (c->nmins == 0 && c->nquiet == FLOOR_RANK) /* the first block */
		c->floor_db = quiet_level(c);
}

/* Speech decision of a frame leaving the delay line, before leakage. */
static int
chan_active(const struct chan *c, const struct feat *ft)
{
	float over = ft->db - c->floor_db;

	if (ft->db < ABS_MIN_DB || ft->db < c->peak_db - PEAK_RANGE || ft->tone)
		return 0;
	/* Hysteresis: a decaying syllable stays speech down to a lower
	 * level than it takes to start one. */
	if (c->prev_act && over > ACT_CONTINUE)
		return 1;
	return over > ACT_STRONG ||
	       (over > ACT_VOICED && ft->voicing >= VOICED_MIN);
}

static int
chan_hold(const struct chan *c, const struct feat *ft, long f)
{
	return c->last_cand >= f && ft->db > c->floor_db + ACT_VOICED;
}

/*
 * Frames to add after a run of speech that fades out into the line noise:
 * speech goes on under the noise until it is SPEECH_RANGE under the
 * speaker's peak.  The decay is followed over the run's last TAIL_N frames
 * (levels with the noise power taken out) and extrapolated at its slope
 * down to that level.  Used only for gradual decays; an abrupt end is
 * padded by one frame.
 */
static int
tail_pad(const struct chan *c)
{
	double nz = pow(10, (c->floor_db + NOISE_BIAS) / 10), s[TAIL_N];
	double target = (c->run_peak > c->peak_db ? c->run_peak : c->peak_db) -
			SPEECH_RANGE,
	       slope, pad;
	int i, n = 0;

	for (i = 0; i < c->ntail && i < TAIL_N; i++) {
		/* newest first */
		float l = c->tail[(c->ntail - 1 - i) % TAIL_N];
		double p = pow(10, l / 10) - nz;

		if (p <= 0)
			break;
		s[n++] = 10 * log10(p);
	}
	if (!c->dominant)
		return PAD_END_MIN; /* masked by the other party */
	if (n < 2 || s[0] <= target)
		return PAD_END_MIN;
	slope = (s[n - 1] - s[0]) / (n - 1); /* dB per frame, > 0: decays */
	if (slope < 0.5)
		slope = 0.5;
	pad = (s[0] - target) / slope;
	if (pad > PAD_END_MAX)
		pad = PAD_END_MAX;
	return pad < PAD_END_MIN ? PAD_END_MIN : (int)lrint(pad);
}

static int
close_speech(struct chan *c)
{
	int32_t s = c->sp_s - c->pad_s, e = c->sp_e + c->pad_e;
	int32_t len = c->sp_e - c->sp_s;
	size_t n = c->speech.n;

	if (c->sp_s < 0)
		return 0;
	c->sp_s = -1;
	if (len < SEG_MIN)
		return 0;
	if (s < 0)
		s = 0;
	/* Padding may not reach into the previous segment. */
	if (n && s < c->speech.v[n - 1])
		s = c->speech.v[n - 1];
	return ivls_add(&c->speech, s, e);
}

/* Pitch bins [from, to) and syl syllables join the speaker's statistics. */
static void
count_stats(struct chan *c, size_t from, size_t to, long syl)
{
	size_t i;

	for (i = from; i < to; i++)
		c->hist[c->run_bins[i]]++;
	c->nvoiced_acc += (long)(to - from);
	c->syllables += syl;
}

/*
 * Keep a voiced frame's pitch bin with its run.  The bins kept are at most
 * RUN_BINS (2.9 hours of voiced frames, 2 MB); past that the current run's
 * bins are counted at once, as if it were speech.
 */
static int
run_bin(struct chan *c, int b)
{
	if (c->run_nbins == c->run_cap) {
		size_t ncap = c->run_cap ? c->run_cap * 2 : 1024;
		uint16_t *nv;

		if (ncap > RUN_BINS)
			ncap = RUN_BINS;
		if (ncap > c->run_cap) {
			nv = realloc(c->run_bins, ncap * sizeof(*nv));
			if (nv == NULL)
				return -1;
			c->run_bins = nv;
			c->run_cap = ncap;
		}
	}
	if (c->run_nbins == c->run_cap) {
		count_stats(c, c->held, c->run_nbins, 0);
		c->run_nbins = c->held;
	}
	if (c->run_nbins == c->run_cap) { /* all held back: no room at all */
		c->hist[b]++;
		c->nvoiced_acc++;
		return 0;
	}
	c->run_bins[c->run_nbins++] = (uint16_t)b;
	return 0;
}

/* The current run's pitch and syllables join the speaker's statistics
 * (keep) or are forgotten (the run was noise or the other party's echo). */
static void
run_stats(struct chan *c, int keep)
{
	if (keep)
		count_stats(c, c->held, c->run_nbins, c->run_syl);
	c->run_nbins = c->held;
	c->run_syl = 0;
}

/* Add an accepted run of speech frames to the speaker's segments: it
 * joins the pending segment when the pause between their padded extents is
 * under 0.30 s (the truth convention), or starts a new one. */
static int
add_run(struct chan *c, const struct prun *r)
{
	c->esum += r->esum;
	c->eframes += r->act;
	if (c->sp_s >= 0 &&
	    (r->s - r->pad_s) -
			    (c->sp_e + (c->pad_e > 1 && c->pad_e < PAD_BRIDGE
						? PAD_BRIDGE
						: c->pad_e)) <
		    BRIDGE) {
		c->sp_e = r->e;
	} else {
		if (close_speech(c) < 0)
			return -1;
		c->sp_s = r->s;
		c->sp_e = r->e;
		c->pad_s = r->pad_s;
	}
	c->pad_e = r->pad_e;
	return 0;
}

/*
 * Echo follows the other party's pitch: a run heard under the other
 * party, most of whose voiced frames (ECHO_SHARE %, ECHO_VOICED at least)
 * have the pitch the other party had a fixed time before (the echo's
 * delay, to a frame), and on average ECHO_LOSS_MIN under them at that
 * delay, is an echo at that delay; a run of ECHO_SHORT voiced frames or
 * more, too short to find a delay of its own, is tested at the last
 * echo's.  Each echo at the delay of the one before adds to echo_n; a
 * long one at another delay starts again there (so a delay found by
 * chance lasts until the next echo).  A run is dropped as echo however
 * loud (an echo 10 dB down is as loud as a quiet speaker's own voice) once
 * its delay has been found ECHO_SURE times, or when ECHO_LONG of its
 * voiced frames follow: two voices seldom keep the same pitch at a fixed
 * lag for long, but two flat ones can for a short run.  Called for runs
 * heard under the other party (dom) only.
 */
static int
echo_run(struct chan *c)
{
	int k, best = c->echo_k, long_run = c->run_under >= ECHO_VOICED;
	float loss;

	if (long_run) /* long enough for a delay of its own */
		for (k = best = 0; k < LEAK_WIN; k++)
			best = c->run_follow[k] > c->run_follow[best] ? k : best;
	else if (c->run_under < ECHO_SHORT || best < 0)
		return 0;
	loss = c->run_follow[best] ? c->run_loss[best] / c->run_follow[best] : 0;
	if (c->run_follow[best] * 100 < c->run_under * ECHO_SHARE ||
	    loss < ECHO_LOSS_MIN)
		return 0;
	if (c->echo_k >= 0 && abs(best - c->echo_k) <= 1) {
		if (long_run) {
			c->echo_n++;
			c->echo_loss = 0.5f * (c->echo_loss + loss);
		}
	} else {
		c->echo_n = 1;
		c->echo_loss = loss;
		c->echo_k = best;
	}
	return c->echo_n >= ECHO_SURE || c->run_follow[best] >= ECHO_LONG;
}

/*
 * The other way round: a run heard under the other party whose voiced
 * frames (OWN_VOICED at least) all came while the other party had a
 * pitch, and at most OWN_SHARE % of them had a pitch near one of theirs
 * in the last 0.32 s (echo_frame), nor, where an echo has been found on
 * this channel, followed them at its delay or came at less than
 * ECHO_MARGIN over its level, is this speaker's own voice, however quiet:
 * leakage or echo of the other party has their pitch.  (A customer
 * talking 10 dB under their own level over the agent was dropped as echo:
 * 5.5 s of their 7.4.)
 */
static int
own_voice(const struct chan *c)
{
	return c->run_under >= OWN_VOICED && c->run_seen == c->run_under &&
	       c->run_near * 100 <= c->run_under * OWN_SHARE &&
	       (c->echo_n == 0 ||
		(c->run_follow[c->echo_k] * 100 <= c->run_under * OWN_SHARE &&
		 c->run_at < c->run_under * (c->echo_loss - ECHO_MARGIN)));
}

/* Decide the runs held back until the speaker's level was known: those
 * well under it, or found to follow the other's pitch, are their echo. */
static int
flush_doubtful(struct chan *c)
{
	size_t from = 0;
	int i, rc = 0;

	for (i = 0; i < c->ndoubt; i++) {
		const struct prun *r = &c->doubt[i];

		if (!r->dom || r->own ||
		    (!r->echo && c->peak_db >= -100 &&
		     r->max >= c->peak_db - ECHO_UNDER_PEAK)) {
			count_stats(c, from, r->bins_end, r->syl);
			if (add_run(c, r) < 0)
				rc = -1;
		}
		from = r->bins_end;
	}
	c->ndoubt = 0;
	if (c->held > 0) { /* the current run's bins move to the front */
		memmove(c->run_bins, c->run_bins + c->held,
			sizeof(*c->run_bins) * (c->run_nbins - c->held));
		c->run_nbins -= c->held;
		c->held = 0;
	}
	return rc;
}

/*
 * A run of speech frames has ended (its end padding in pad_e).  Speech is
 * voiced: a run longer than 0.3 s with fewer than SEG_VOICED % voiced
 * frames is a burst of noise and is dropped.  A run heard mostly under the
 * other party and well under this speaker's own level, or following the
 * other party's pitch at a sure delay (echo_run), is the other party's
 * echo; before this speaker was ever heard alone, such a run is held back
 * (up to DOUBT_MAX of them) and decided when they are.
 */
static int
end_run(struct chan *c, int pad_e)
{
	struct prun r;

	if (c->run_s < 0)
		return 0;
	r.s = c->run_s;
	c->run_s = -1;
	if ((c->run_act >= 30 || c->unv_lock) &&
	    c->run_voiced * 100 < c->run_act * SEG_VOICED) {
		run_stats(c, 0);
		return 0;
	}
	r.e = c->run_e;
	r.pad_s = c->run_pad;
	r.pad_e = pad_e;
	r.act = c->run_act;
	r.esum = c->run_esum;
	r.max = c->run_max;
	r.dom = c->run_dom * 10 >= c->run_act * 8;
	r.echo = r.dom && echo_run(c);
	r.own = r.dom && !r.echo && own_voice(c);
	/* The speaker's level: from runs of speech heard alone, not from a
	 * click or a burst of noise. */
	if (!r.dom && r.e - r.s >= SEG_MIN) {
		if (c->run_peak > c->peak_db)
			c->peak_db = c->run_peak;
		c->heard += c->run_heard;
	}
	if (c->heard < HEARD_MIN && c->ndoubt < DOUBT_MAX) {
		r.bins_end = c->held = c->run_nbins;
		r.syl = c->run_syl;
		c->run_syl = 0;
		c->doubt[c->ndoubt++] = r;
		return 0;
	}
	if (flush_doubtful(c) < 0)
		return -1;
	if (r.dom && !r.own &&
	    (r.echo || c->peak_db < -100 ||
	     r.max < c->peak_db - ECHO_UNDER_PEAK)) {
		run_stats(c, 0);
		return 0;
	}
	run_stats(c, 1);
	return add_run(c, &r);
}

static int
close_hold(struct chan *c)
{
	int r = 0;

	if (c->ho_s >= 0 && c->ho_e - c->ho_s >= HOLD_MIN)
		r = ivls_add(&c->hold, c->ho_s, c->ho_e);
	c->ho_s = -1;
	return r;
}

/*
 * Syllable nuclei after N. H. de Jong and T. Wempe, "Praat script to
 * detect syllable nuclei and measure speech rate automatically", Behavior
 * Research Methods 41(2), 2009: peaks of the (smoothed) intensity that
 * stand DIP_DB over the dip before the next peak, voiced, and within 25 dB
 * of the speaker's loudest frame.
 */
static void
syllable_end(struct chan *c)
{
	if (c->syl_have && c->syl_ok)
		c->run_syl++;
	c->syl_have = 0;
}

static void
syllable_step(struct chan *c, const struct feat *ft)
{
	float v, floor_ok;
	int ok;

	c->smooth_e = 0.5f * c->smooth_e + 0.5f * ft->e;
	v = 10 * log10f(c->smooth_e + 1e-12f);
	floor_ok = c->floor_db + ACT_STRONG;
	ok = ft->voicing >= SYL_VOICED && v > floor_ok &&
	     v > c->peak_all - 25;
	if (!c->syl_have) {
		c->syl_have = 1;
		c->syl_pk = c->syl_mn = v;
		c->syl_ok = ok;
	} else if (v > c->syl_pk && c->syl_pk - c->syl_mn < DIP_DB) {
		c->syl_pk = c->syl_mn = v;
		c->syl_ok = ok;
	} else if (v < c->syl_mn) {
		c->syl_mn = v;
	} else if (c->syl_pk - c->syl_mn >= DIP_DB &&
		   v - c->syl_mn >= DIP_DB) {
		if (c->syl_ok)
			c->run_syl++;
		c->syl_pk = c->syl_mn = v;
		c->syl_ok = ok;
	}
}

/* Frame exit, after the cross-channel decision. */
static int
chan_exit(struct chan *c, const struct feat *ft, long f, int act, int hold)
{
	int32_t fr = (int32_t)f;
	int cut = 0;

	/*
	 * Noise that swells (traffic, wind, a fan, a codec's noise) carried
	 * a run on for as long as it stayed 4 dB over the floor: a run is cut
	 * 0.3 s after its last voiced frame, keeping 80 ms of it (a final
	 * fricative), and until the level is back near the floor or a frame
	 * of speech is voiced, unvoiced frames start no run.  A cut run with
	 * too few voiced frames is dropped (end_run), however short.  (The
	 * frames cut off still count in the run's level and syllables: they
	 * are unvoiced, so no pitch and hardly a syllable.)
	 */
	if (act && ft->voicing < VOICED_MIN) {
		if (c->unv_lock) {
			act = 0;
		} else if (c->prev_act && fr - c->run_lastv > UNVOICED_MAX) {
			act = 0;
			cut = c->unv_lock = 1;
			/* the frames cut off were active and unvoiced */
			c->run_e = c->run_lastv + 1 + UNVOICED_KEEP;
			c->run_act -= fr - c->run_e;
		}
	} else if (act || ft->db - c->floor_db <= ACT_CONTINUE) {
		c->unv_lock = 0; /* voiced, or the noise is gone */
	}

	/*
	 * Speech that starts or stops abruptly (a step of 8 dB within one
	 * frame from or to near the noise floor) is padded by one frame; a
	 * gradual onset or decay goes on under the noise, so it is padded by
	 * the time such tails take (PAD_START, PAD_END).
	 */
	if (act && !c->prev_act) {
		c->run_s = fr;
		c->run_lastv = fr;
		c->run_act = c->run_voiced = c->run_dom = 0;
		c->run_esum = 0;
		c->run_max = c->run_peak = -200;
		c->run_heard = 0;
		c->run_under = c->run_seen = c->run_near = 0;
		c->run_at = 0;
		memset(c->run_follow, 0, sizeof(c->run_follow));
		memset(c->run_loss, 0, sizeof(c->run_loss));
		c->run_pad = ft->db - c->prev_db >= 8 &&
				     c->prev_db - c->floor_db < ABRUPT_NEAR
			     ? 1
			     : PAD_START;
	}
	if (!act && c->prev_act) {
		syllable_end(c); /* the run's last syllable is the run's */
		if (end_run(c, cut ? 1 : c->prev_db - ft->db >= 8 &&
					       ft->db - c->floor_db < ABRUPT_NEAR
				       ? 1
				       : tail_pad(c)) < 0)
			return -1;
	}
	if (act && !c->prev_act)
		c->ntail = 0;
	if (act)
		c->tail[c->ntail++ % TAIL_N] = ft->db;
	c->prev_act = act;
	c->prev_db = ft->db;
	if (act) {
		if (ft->db > c->run_peak && c->dominant)
			c->run_peak = ft->db;
		c->run_heard += c->dominant;
		if (ft->db > c->peak_all)
			c->peak_all = ft->db;
		if (ft->f0 >= PITCH_MIN_HZ && ft->f0 <= PITCH_MAX_HZ &&
		    ft->voicing >= PITCH_VOICED) {
			int b = (int)lrint(1200 * log2(ft->f0 / HIST_LO));

			if (b >= 0 && b < HIST_N && run_bin(c, b) < 0)
				return -1;
		}
		syllable_step(c, ft);
		c->run_e = fr + 1;
		c->run_act++;
		if (ft->voicing >= VOICED_MIN) {
			c->run_voiced++;
			c->run_lastv = fr;
		}
		if (ft->voicing >= VOICED_MIN && !c->dominant) {
			uint32_t m = c->follow | c->follow << 1 | c->follow >> 1;

			c->run_under++;
			c->run_seen += c->seen;
			c->run_near += c->near;
			c->run_at += c->echo_k >= 0 ? c->under[c->echo_k] : 0;
			for (; m != 0; m &= m - 1) {
				int k = __builtin_ctz(m);

				c->run_follow[k]++;
				c->run_loss[k] += c->under[k];
			}
		}
		c->run_esum += ft->e;
		c->run_dom += !c->dominant;
		if (ft->db > c->run_max)
			c->run_max = ft->db;
	} else {
		syllable_end(c);
	}
	if (hold) {
		if (c->ho_s >= 0 && fr - c->ho_e < HOLD_BRIDGE) {
			c->ho_e = fr + 1;
		} else {
			if (close_hold(c) < 0)
				return -1;
			c->ho_s = fr;
			c->ho_e = fr + 1;
		}
	}
	return 0;
}

/* The loudest of a channel's last LEAK_WIN frames, on vectors (a maximum
 * is exact in any order). */
_Static_assert(LEAK_WIN == 32, "four vectors");
SIMD_CLONES static float
max_recent(const float *r)
{
	v8sf v[4];
	float mx;
	int k;

	for (k = 0; k < 4; k++) /* one vector at a time: whole moves */
		memcpy(&v[k], r + 8 * k, sizeof(v[k]));
	v8sf_max(&v[0], &v[2]);
	v8sf_max(&v[1], &v[3]);
	v8sf_max(&v[0], &v[1]);
	mx = v[0][0];
	for (k = 1; k < 8; k++)
		mx = v[0][k] > mx ? v[0][k] : mx;
	return mx;
}

/*
 * Could pitch f be read on a copy (echo, leakage) of a voice of pitch g?
 * Within tol of g times the first n of: 1, 3/2 or 2/3 (a pitch tracker
 * drawn to this channel's speaker reads a copy of a voice half again or
 * two thirds its pitch where even harmonics are strong: a leak of a 124 Hz
 * customer read at 83 Hz on a low agent's channel, an echo of 115 Hz at
 * 77), 2 or 1/2 (the usual octave slips).  Octaves are left out where a
 * voice is told from the other's (own_voice): a woman over a man is an
 * octave apart.
 */
static const float copy_ratio[] = { 1, 1.5f, 2.0f / 3, 2, 0.5f };

static int
copy_of(float f, float g, float tol, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fabsf(f - copy_ratio[i] * g) <= tol * copy_ratio[i] * g)
			return 1;
	return 0;
}


/*
 * Is frame f of channel c, active and under the other channel o, the
 * other party's echo?  First its pitch: follow gets a bit k for each delay
 * k at which o had this frame's pitch (its frame f - k voiced, a pitch
 * this one could be a copy of within ECHO_F0 (copy_of), and not itself
 * under c: an echo of an echo is no source), for the run's verdict
 * (echo_run); and near is set if any of o's pitches of the last 0.32 s is
 * near it (OWN_NEAR, no octaves), for own_voice.  Then, once the echo's
 * delay is sure on this channel, that delay and the echo's loss: a frame
 * no louder than the other party's level at that delay less the loss
 * (ECHO_MARGIN over it) is echo, unless it is voiced at a pitch of its own
 * (the speaker talking over them: neither following at that delay nor
 * near).
 */
_Static_assert(LEAK_WIN <= 32, "a bit per delay");
static int
echo_frame(struct chan *c, const struct chan *o, const struct feat *ft,
	   long f)
{
	int voiced = ft->voicing >= VOICED_MIN, k, seen = 0, near = 0;
	uint32_t m = 0;
	float at = -200;

	for (k = 0; voiced && k < LEAK_WIN; k++) {
		/* (k > f: before the call) */
		float g = k > f ? 0 : o->recent_f0[(f - k) % LEAK_WIN];

		c->under[k] = k > f ? 0 : o->recent[(f - k) % LEAK_WIN] - ft->db;
		seen |= g > 0;
		near |= g > 0 && copy_of(ft->f0, g, OWN_NEAR, 3);
		if (g > 0 && copy_of(ft->f0, g, ECHO_F0, 5))
			m |= (uint32_t)1 << k;
	}
	c->follow = m;
	c->seen = seen;
	c->near = near;
	if (c->echo_n < ECHO_SURE ||
	    (voiced && !near && !((m | m << 1 | m >> 1) >> c->echo_k & 1)))
		return 0;
	for (k = c->echo_k - 1; k <= c->echo_k + 1; k++)
		if (k >= 0 && k < LEAK_WIN && k <= f)
			at = fmaxf(at, o->recent[(f - k) % LEAK_WIN]);
	return ft->db < at - c->echo_loss + ECHO_MARGIN;
}

/* Move frame f (all channels) out of the delay line. */
static int
exit_frame(struct metrics_analyzer *a, long f)
{
	struct feat *ft[2] = { NULL, NULL };
	int act[2] = { 0, 0 }, hold[2] = { 0, 0 }, i, n = a->ch[1] ? 2 : 1;
	float maxo[2] = { -200, -200 };

	for (i = 0; i < n; i++) {
		ft[i] = &a->ch[i]->ring[f % DELAY];
		hold[i] = chan_hold(a->ch[i], ft[i], f);
		act[i] = !hold[i] && chan_active(a->ch[i], ft[i]);
	}
	/*
	 * Leakage and echo: a frame 15 dB or more under the loudest frame of
	 * the other channel in the last 0.32 s (echo comes late), and 15 dB
	 * under its own speaker's peak (or before that speaker was heard on
	 * their own), is the other party heard through the line.  Only
	 * frames not dominated by the other channel set a speaker's peak.
	 */
	for (i = 0; i < n && n == 2; i++) {
		float mx = max_recent(a->ch[1 - i]->recent);

		maxo[i] = ft[1 - i]->db > mx ? ft[1 - i]->db : mx;
	}
	for (i = 0; i < n && n == 2; i++) {
		const struct chan *c = a->ch[i];

		if (act[i] && ft[i]->db < maxo[i] - LEAK_DB &&
		    (c->heard < HEARD_MIN ? ft[i]->db < maxo[i] - LEAK_ALONE_DB
				       : ft[i]->db < c->peak_db - LEAK_DB))
			act[i] = 0;
	}
	for (i = 0; i < n; i++) { /* frame f joins the rings (maxo is taken) */
		struct chan *c = a->ch[i];

		c->dominant = n == 1 || ft[i]->db >= maxo[i] - 6;
		c->follow = 0;
		c->seen = c->near = 0;
		c->recent[f % LEAK_WIN] = ft[i]->db;
		c->recent_f0[f % LEAK_WIN] =
			ft[i]->voicing >= VOICED_MIN && c->dominant ? ft[i]->f0 : 0;
	}
	for (i = 0; i < n && n == 2; i++)
		if (act[i] && !a->ch[i]->dominant &&
		    echo_frame(a->ch[i], a->ch[1 - i], ft[i], f))
			act[i] = 0;
	for (i = 0; i < n; i++)
		if (chan_exit(a->ch[i], ft[i], f, act[i], hold[i]) < 0)
			return -1;
	return 0;
}

struct metrics_analyzer *
metrics_analyzer_new(int nch, int agent_channel, const struct metrics_opts *o,
		     struct err *e)
{
	struct metrics_analyzer *a;

	if (nch < 1 || nch > AUDIO_MAX_CHANNELS)
		return err_set(e, "%d channels: need 1 to %d", nch,
			       AUDIO_MAX_CHANNELS), NULL;
	if (agent_channel < 1 || agent_channel > nch)
		agent_channel = 1;
	pthread_once(&bank_once, banks_init);
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		goto oom;
	a->nch = nch;
	a->o = *o;
	a->ach = agent_channel - 1;
	a->cch = nch == 1 ? -1 : agent_channel == 1 ? 1 : 0;
	if ((a->ch[0] = chan_new()) == NULL)
		goto oom;
	if (a->cch >= 0 && (a->ch[1] = chan_new()) == NULL)
		goto oom;
	highpass_init(&a->hp, METRICS_RATE, 80);
	return a;
oom:
	metrics_analyzer_free(a);
	err_set(e, "out of memory");
	return NULL;
}

void
metrics_analyzer_free(struct metrics_analyzer *a)
{
	if (a == NULL)
		return;
	chan_free(a->ch[0]);
	chan_free(a->ch[1]);
	free(a);
}

int
metrics_analyzer_feed(struct metrics_analyzer *a, const float *buf, long n,
		      struct err *e)
{
	float x[2][METRICS_HOP];
	long i, j, k;

	for (i = 0; i < n; i += k) {
		const float *fr = buf + i * a->nch;
		float *in0 = a->hp.in[0] + 2 + a->npos;
		float *in1 = a->hp.in[1] + 2 + a->npos;

		k = n - i < METRICS_HOP - a->npos ? n - i : METRICS_HOP - a->npos;
		if (a->nch == 2) { /* the usual case, with a constant stride */
			const float *f0 = fr + a->ach, *f1 = fr + a->cch;

			for (j = 0; j < k; j++) {
				in0[j] = f0[2 * j];
				in1[j] = f1[2 * j];
			}
		} else {
			for (j = 0; j < k; j++)
				in0[j] = fr[j * a->nch + a->ach];
			for (j = 0; a->ch[1] && j < k; j++)
				in1[j] = fr[j * a->nch + a->cch];
		}
		if ((a->npos += (int)k) < METRICS_HOP)
			break;
		a->npos = 0;
		highpass_run(&a->hp, a->ch[1] ? 2 : 1, x);
		chan_enter(a->ch[0], a->entered, x[0]);
		if (a->ch[1])
			chan_enter(a->ch[1], a->entered, x[1]);
		a->entered++;
		if (a->entered - a->exited >= DELAY) {
			if (exit_frame(a, a->exited) < 0)
				return err_set(e, "too many segments");
			a->exited++;
		}
	}
	a->samples += n;
	return 0;
}

/* ---- call-level metrics from the segment lists ---- */

static double
ivls_sum(const struct ivls *l)
{
	double s = 0;
	size_t i;

	for (i = 0; i < l->n; i += 2)
		s += l->v[i + 1] - l->v[i];
	return s / FPS;
}

/* out = a intersected with b. */
static int
ivls_and(const struct ivls *a, const struct ivls *b, struct ivls *out)
{
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		int32_t s = a->v[i] > b->v[j] ? a->v[i] : b->v[j];
		int32_t e = a->v[i + 1] < b->v[j + 1] ? a->v[i + 1]
						      : b->v[j + 1];

		if (s < e && ivls_add(out, s, e) < 0)
			return -1;
		if (a->v[i + 1] < b->v[j + 1])
			i += 2;
		else
			j += 2;
	}
	return 0;
}

/* out = a united with b (both sorted, disjoint within themselves). */
static int
ivls_or(const struct ivls *a, const struct ivls *b, struct ivls *out)
{
	size_t i = 0, j = 0;

	while (i < a->n || j < b->n) {
		const int32_t *p;

		if (j >= b->n || (i < a->n && a->v[i] <= b->v[j]))
			p = a->v + i, i += 2;
		else
			p = b->v + j, j += 2;
		if (out->n && p[0] <= out->v[out->n - 1]) {
			if (p[1] > out->v[out->n - 1])
				out->v[out->n - 1] = p[1];
		} else if (ivls_add(out, p[0], p[1]) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Starts of x that fall inside y with an overlap of at least min frames. */
static long
interruptions(const struct ivls *x, const struct ivls *y, int32_t min)
{
	size_t i, j = 0;
	long n = 0;

	for (i = 0; i < x->n; i += 2) {
		int32_t s = x->v[i], e;

		while (j < y->n && y->v[j + 1] <= s)
			j += 2;
		if (j >= y->n || y->v[j] >= s)
			continue;
		e = x->v[i + 1] < y->v[j + 1] ? x->v[i + 1] : y->v[j + 1];
		if (e - s >= min)
			n++;
	}
	return n;
}

/* Mean gap from the end of each customer segment to the next agent start,
 * when the agent speaks next and was not speaking as the customer ended. */
static double
latency(const struct ivls *ag, const struct ivls *cu)
{
	size_t i, j = 0;
	double sum = 0;
	long n = 0;

	for (i = 0; i < cu->n; i += 2) {
		int32_t end = cu->v[i + 1];

		while (j < ag->n && ag->v[j] < end)
			j += 2;
		if (j >= ag->n)
			break;
		if (j >= 2 && ag->v[j - 1] >= end)
			continue; /* the agent was speaking when it ended */
		if (i + 2 < cu->n && cu->v[i + 2] < ag->v[j])
			continue; /* the customer spoke again first */
		sum += ag->v[j] - end;
		n++;
	}
	return n ? sum / n / FPS : NAN;
}

static int
json_list(struct strbuf *sb, const char *name, const struct ivls *l,
	  int first)
{
	size_t i;

	strbuf_addf(sb, "%s\"%s\":[", first ? "" : ",", name);
	for (i = 0; i < l->n; i += 2) {
		strbuf_addf(sb, "%s[", i ? "," : "");
		strbuf_add_json_num(sb, l->v[i] / (double)FPS, 2);
		strbuf_addch(sb, ',');
		strbuf_add_json_num(sb, l->v[i + 1] / (double)FPS, 2);
		strbuf_addch(sb, ']');
	}
	return strbuf_addch(sb, ']');
}

static void
speaker_stats(struct chan *c, struct metrics_speaker *s)
{
	long n = 0, half, cum = 0;
	double mean = 0, var = 0, sum = 0, sum2 = 0;
	int b, med = -1, lo, hi;

	s->talk_s = ivls_sum(&c->speech);
	s->loudness_dbfs = c->eframes ? 10 * log10(c->esum / c->eframes)
				      : NAN;
	s->syllables = c->syllables;
	s->speech_rate_sps = s->talk_s > 0 ? c->syllables / s->talk_s : NAN;
	s->voiced_frames = c->nvoiced_acc;
	s->pitch_median_hz = s->pitch_sd_st = NAN;
	if (c->nvoiced_acc < 10)
		return;
	half = (c->nvoiced_acc + 1) / 2;
	for (b = 0; b < HIST_N; b++) {
		cum += c->hist[b];
		if (cum >= half) {
			med = b;
			break;
		}
	}
	s->pitch_median_hz = HIST_LO * pow(2, med / 1200.0);
	/* Values an octave away from the median are tracking errors. */
	lo = med - (int)(OCTAVE_GUARD * 100);
	hi = med + (int)(OCTAVE_GUARD * 100);
	if (lo < 0)
		lo = 0;
	if (hi >= HIST_N)
		hi = HIST_N - 1;
	for (b = lo; b <= hi; b++) {
		double st = (b - med) / 100.0;

		n += c->hist[b];
		sum += c->hist[b] * st;
		sum2 += c->hist[b] * st * st;
	}
	mean = sum / n;
	var = sum2 / n - mean * mean;
	s->pitch_sd_st = var > 0 ? sqrt(var) : 0;
}

int
metrics_analyzer_finish(struct metrics_analyzer *a, struct metrics *out,
			struct err *e)
{
	struct ivls hold = { 0 }, both = { 0 }, speech = { 0 }, act = { 0 };
	struct ivls sil = { 0 }, none = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct chan *ag = a->ch[0], *cu = a->ch[1];
	int32_t first, last, dead = (int32_t)lrint(a->o.dead_air_s * FPS);
	size_t i;
	int rc = -1;

	while (a->exited < a->entered)
		if (exit_frame(a, a->exited++) < 0)
			goto oom;
	for (i = 0; i < 2; i++) {
		if (a->ch[i] == NULL)
			continue;
		syllable_end(a->ch[i]);
		if (a->ch[i]->prev_act &&
		    end_run(a->ch[i], tail_pad(a->ch[i])) < 0)
			goto oom;
		if (flush_doubtful(a->ch[i]) < 0 ||
		    close_speech(a->ch[i]) < 0 || close_hold(a->ch[i]) < 0)
			goto oom;
		/* Padding may run past the end of the audio. */
		if (a->ch[i]->speech.n &&
		    a->ch[i]->speech.v[a->ch[i]->speech.n - 1] > a->entered)
			a->ch[i]->speech.v[a->ch[i]->speech.n - 1] =
				(int32_t)a->entered;
	}
	memset(out, 0, sizeof(*out));
	out->duration_s = (double)a->samples / METRICS_RATE;
	out->mono = cu == NULL;
	speaker_stats(ag, &out->agent);
	if (cu) {
		speaker_stats(cu, &out->customer);
		if (ivls_or(&ag->hold, &cu->hold, &hold) < 0 ||
		    ivls_and(&ag->speech, &cu->speech, &both) < 0 ||
		    ivls_or(&ag->speech, &cu->speech, &speech) < 0)
			goto oom;
		out->overtalk_s = ivls_sum(&both);
		out->agent_interruptions = interruptions(
			&ag->speech, &cu->speech,
			(int32_t)lrint(a->o.interrupt_min_s * FPS));
		out->customer_interruptions = interruptions(
			&cu->speech, &ag->speech,
			(int32_t)lrint(a->o.interrupt_min_s * FPS));
		out->response_latency_s = latency(&ag->speech, &cu->speech);
	} else {
		struct metrics_speaker nan = { NAN, NAN, NAN, NAN, NAN, 0, 0 };

		out->customer = nan;
		if (ivls_or(&ag->hold, &hold, &hold) < 0 ||
		    ivls_or(&ag->speech, &speech, &speech) < 0)
			goto oom;
		out->overtalk_s = NAN;
		out->agent_interruptions = out->customer_interruptions = -1;
		out->response_latency_s = NAN;
	}
	out->hold_s = ivls_sum(&hold);
	if (ivls_or(&speech, &hold, &act) < 0)
		goto oom;
	if (speech.n) {
		first = speech.v[0];
		last = speech.v[speech.n - 1];
		for (i = 0; i + 2 < act.n; i += 2) {
			int32_t s = act.v[i + 1], en = act.v[i + 2];

			if (s < first)
				s = first;
			if (en > last)
				en = last;
			if (en <= s)
				continue;
			out->silence_s += (double)(en - s) / FPS;
			if ((double)(en - s) / FPS > out->longest_silence_s)
				out->longest_silence_s = (double)(en - s) / FPS;
			if (en - s >= dead) {
				out->silence_events++;
				if (ivls_add(&sil, s, en) < 0)
					goto oom;
			}
		}
	}
	strbuf_addch(&sb, '{');
	json_list(&sb, "agent", &ag->speech, 1);
	json_list(&sb, "customer", cu ? &cu->speech : &none, 0);
	json_list(&sb, "overtalk", &both, 0);
	json_list(&sb, "silence", &sil, 0);
	json_list(&sb, "hold", &hold, 0);
	if (strbuf_addch(&sb, '}') < 0)
		goto oom;
	out->segments = strbuf_detach(&sb);
	rc = 0;
	goto out;
oom:
	err_set(e, "out of memory");
out:
	strbuf_release(&sb);
	free(hold.v);
	free(both.v);
	free(speech.v);
	free(act.v);
	free(sil.v);
	return rc;
}

void
metrics_release(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->segments);
	m->segments = NULL;
}

int
metrics_measure_file(const char *path, int agent_channel,
		     const struct metrics_opts *o, struct metrics *out,
		     struct err *e)
{
	struct metrics_analyzer *an = NULL;
	struct audio_info info;
	struct audio *au;
	float *buf = NULL;
	long n;
	int rc = -1;
	struct err e2;

	if ((au = audio_open(path, METRICS_RATE, &info, e)) == NULL)
		return -1;
	if ((an = metrics_analyzer_new(info.channels, agent_channel, o,
				       &e2)) == NULL) {
		err_set(e, "%s: %s", path, e2.msg);
		goto out;
	}
	buf = malloc(sizeof(float) * 4096 * info.channels);
	if (buf == NULL) {
		err_set(e, "%s: out of memory", path);
		goto out;
	}
	while ((n = audio_read(au, buf, 4096, e)) > 0)
		if (metrics_analyzer_feed(an, buf, n, &e2) < 0) {
			err_set(e, "%s: %s", path, e2.msg);
			goto out;
		}
	if (n < 0)
		goto out;
	if (an->samples < METRICS_HOP) {
		err_set(e, "%s: no audio decoded", path);
		goto out;
	}
	if (metrics_analyzer_finish(an, out, &e2) < 0) {
		err_set(e, "%s: %s", path, e2.msg);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	metrics_analyzer_free(an);
	audio_free(au);
	return rc;
}
