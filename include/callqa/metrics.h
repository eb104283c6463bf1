/*
 * metrics.h: tone and silence metrics of one call recording, computed in
 * one streaming pass over the audio at 8 kHz (callqa-measure(1) defines
 * each metric).  Memory is bounded: a few kilobytes of state per channel
 * plus the list of speech, hold and silence segments that is part of the
 * result.
 *
 *	struct metrics_opts o = METRICS_OPTS_INIT;
 *	struct metrics m;
 *	if (metrics_measure_file(path, 1, &o, &m, &e) < 0)
 *		reject(e.msg);
 *	... m.agent.talk_s, m.segments ...
 *	metrics_release(&m);
 *
 * Or, with samples from elsewhere (tests): metrics_analyzer_new(),
 * metrics_analyzer_feed() any number of times, metrics_analyzer_finish().
 */
#ifndef CALLQA_METRICS_H
#define CALLQA_METRICS_H

#include "callqa/callqa.h"

#define METRICS_RATE 8000 /* analysis rate, Hz */
#define METRICS_HOP 80	  /* 10 ms frames */

struct metrics_opts {
	double dead_air_s;	/* silence event threshold (3.0) */
	double interrupt_min_s; /* overlap that makes an interruption (1.0) */
};
#define METRICS_OPTS_INIT { 3.0, 1.0 }

/* Per speaker.  NaN where there is nothing to measure (no voiced speech). */
struct metrics_speaker {
	double talk_s;
	double pitch_median_hz;
	double pitch_sd_st;
	double loudness_dbfs;
	double speech_rate_sps;
	long voiced_frames; /* frames that entered the pitch statistics */
	long syllables;
};

struct metrics {
	double duration_s;
	int mono;			/* one channel: customer fields NaN */
	struct metrics_speaker agent, customer;
	double silence_s;
	long silence_events;
	double longest_silence_s;
	double overtalk_s;		/* NaN when mono */
	long agent_interruptions;	/* -1 when mono */
	long customer_interruptions;	/* -1 when mono */
	double response_latency_s;	/* NaN: no customer turn answered */
	double hold_s;
	char *segments;			/* compact JSON, owned */
};

struct metrics_analyzer; /* opaque */

/*
 * An analyzer for interleaved audio of nch channels (1..8) at
 * METRICS_RATE.  agent_channel (1-based) is the agent's; with two or more
 * channels the customer is channel 2 if the agent is on 1, else channel 1.
 * With one channel the call is mono.  NULL when out of memory.
 */
struct metrics_analyzer *metrics_analyzer_new(int nch, int agent_channel,
					      const struct metrics_opts *o,
					      struct err *e);
/* Feed frames (n frames of nch floats each, in [-1, 1]).  -1 when out of
 * memory (segment list over its limit). */
int metrics_analyzer_feed(struct metrics_analyzer *a, const float *buf,
			  long n, struct err *e);
/* Flush and compute the metrics into *out (release with metrics_release). */
int metrics_analyzer_finish(struct metrics_analyzer *a, struct metrics *out,
			    struct err *e);
void metrics_analyzer_free(struct metrics_analyzer *a);

/*
 * Decode path (any format libsndfile reads, resampled to METRICS_RATE) and
 * measure it.  Fails with a reason naming the file.
 */
int metrics_measure_file(const char *path, int agent_channel,
			 const struct metrics_opts *o, struct metrics *out,
			 struct err *e);

/* Free what *m owns (segments); m itself is the caller's. */
void metrics_release(struct metrics *m);

#endif
