/*
 * pitch.h: fundamental frequency of telephone speech, one 10 ms hop at a
 * time, at 8 kHz.  The telephone band (300-3400 Hz) removes the
 * fundamental of low voices, so the period is found from the harmonics by
 * normalised cross-correlation (NCCF, as in RAPT: Talkin 1995, "A robust
 * algorithm for pitch tracking"), first on a 2 kHz decimated signal over
 * the whole lag range, then refined at 8 kHz around the chosen candidate.
 * Among the candidates the tracker prefers the one nearest the running
 * median of the speaker's recent pitch, so that octave jumps (period
 * doubling or halving) are not taken for intonation.
 *
 * Memory is fixed (about 30 kB) whatever the length of the call.
 */
#ifndef CALLQA_PITCH_H
#define CALLQA_PITCH_H

#define PITCH_RATE 8000	 /* input sample rate, Hz */
#define PITCH_HOP 80	 /* samples per hop (10 ms) */
#define PITCH_MIN_HZ 60.0
#define PITCH_MAX_HZ 450.0

struct pitch; /* opaque */

struct pitch_frame {
	float periodicity; /* best coarse NCCF peak, 0..1 (0: not analysed) */
	float voicing;	   /* NCCF at the chosen period, 8 kHz, 0..1 */
	float f0;	   /* Hz, or 0 when unvoiced */
};

/* A new tracker, or NULL when out of memory. */
struct pitch *pitch_new(void);
void pitch_free(struct pitch *p);

/*
 * Push the next PITCH_HOP samples (high-passed speech) and analyse the
 * window that ends with them.  analyse = 0 only updates the history (for
 * frames known to be too quiet, which saves time); then *out is zeroed.
 * The period search uses the last 50 ms.
 */
void pitch_hop(struct pitch *p, const float *hop, int analyse,
	       struct pitch_frame *out);

/*
 * Tell the tracker that the frame it last returned was accepted as speech
 * (its f0 then joins the running median that guides octave choice).
 */
void pitch_accept(struct pitch *p, float f0);

#endif
