/*
 * audio.h: decoding recordings (libsndfile: WAV in any encoding including
 * u-law, A-law and GSM, FLAC, Ogg, MP3) and resampling them to the one
 * analysis rate (libsoxr), streamed in blocks so that memory does not grow
 * with the length of the call.
 */
#ifndef CALLQA_AUDIO_H
#define CALLQA_AUDIO_H

#include "callqa/callqa.h"

#define AUDIO_MAX_CHANNELS 8

struct audio; /* opaque */

struct audio_info {
	int rate;	    /* the file's sample rate, Hz */
	int channels;
	long long frames;   /* at the file's rate */
	double duration_s;
	char format[64];    /* e.g. "WAV u-law" */
};

/*
 * Open path just long enough to validate it and fill *info.  Fails with a
 * one-line reason ("not a recognised audio file", "no samples", ...), the
 * file name included.
 */
int audio_probe(const char *path, struct audio_info *info, struct err *e);

/*
 * Open path for decoding, resampled to rate (no resampling when the file
 * already has it).  *info describes the file as stored.
 */
struct audio *audio_open(const char *path, int rate, struct audio_info *info,
			 struct err *e);

/*
 * Read up to n frames, interleaved by channel, at the analysis rate, as
 * floats in [-1, 1] (NaN and Inf samples become 0 and are counted).
 * Returns the number of frames read, 0 at the end, -1 on a decode error.
 */
long audio_read(struct audio *a, float *buf, long n, struct err *e);

/* Samples so far that were NaN or infinite in the file. */
long long audio_nonfinite(const struct audio *a);

void audio_free(struct audio *a);

#endif
