/*
 * audio.c: libsndfile decodes, libsoxr resamples.  This is the only file
 * that includes sndfile.h and soxr.h.
 */
#include "callqa/audio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>
#include <soxr.h>

#define AUDIO_BLOCK 4096 /* input frames per decode call */

struct audio {
	SNDFILE *sf;
	soxr_t soxr;
	char *path;
	int channels;
	int eof;
	float *in;	/* AUDIO_BLOCK * channels */
	size_t in_len;	/* frames pending in in[] */
	size_t in_pos;
	long long nonfinite;
	int in_range; /* an integer coding: samples always in [-1, 1) */
};

/*
 * Whether libsndfile decodes this coding from integers, so that its
 * normalised floats are in [-1, 1) and finite by construction; float
 * files and lossy codecs (which overshoot) are checked sample by sample.
 */
static int
integer_coding(int format)
{
	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8: case SF_FORMAT_PCM_U8: case SF_FORMAT_PCM_16:
	case SF_FORMAT_PCM_24: case SF_FORMAT_PCM_32: case SF_FORMAT_ULAW:
	case SF_FORMAT_ALAW: case SF_FORMAT_GSM610: case SF_FORMAT_IMA_ADPCM:
	case SF_FORMAT_MS_ADPCM: case SF_FORMAT_VOX_ADPCM:
	case SF_FORMAT_G721_32: case SF_FORMAT_G723_24: case SF_FORMAT_G723_40:
		return 1;
	}
	return 0;
}

static void
format_name(SNDFILE *sf, const SF_INFO *si, char *out, size_t outlen)
{
	SF_FORMAT_INFO major = { .format = si->format & SF_FORMAT_TYPEMASK };
	SF_FORMAT_INFO sub = { .format = si->format & SF_FORMAT_SUBMASK };

	(void)sf;
	if (sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof(major)) != 0)
		major.name = "unknown";
	if (sf_command(NULL, SFC_GET_FORMAT_INFO, &sub, sizeof(sub)) != 0)
		sub.name = "unknown";
	snprintf(out, outlen, "%s %s", major.extension ? major.extension : major.name,
		 sub.name);
}

static SNDFILE *
open_sf(const char *path, SF_INFO *si, struct err *e)
{
	struct stat st;
	SNDFILE *sf;

	if (stat(path, &st) < 0)
		return err_set(e, "%s: %s", path, strerror(errno)), NULL;
	if (S_ISDIR(st.st_mode))
		return err_set(e, "%s: is a directory", path), NULL;
	if (!S_ISREG(st.st_mode))
		return err_set(e, "%s: not a regular file", path), NULL;
	if (st.st_size == 0)
		return err_set(e, "%s: empty file", path), NULL;
	memset(si, 0, sizeof(*si));
	sf = sf_open(path, SFM_READ, si);
	if (sf == NULL) {
		const char *why = sf_strerror(NULL);

		if (strstr(why, "ermission") != NULL || access(path, R_OK) != 0)
			err_set(e, "%s: %s", path, strerror(EACCES));
		else
			err_set(e, "%s: not a readable audio file: %s", path,
				why);
		return NULL;
	}
	if (si->frames <= 0) {
		sf_close(sf);
		return err_set(e, "%s: no audio samples", path), NULL;
	}
	if (si->channels < 1 || si->channels > AUDIO_MAX_CHANNELS) {
		sf_close(sf);
		return err_set(e, "%s: %d channels (at most %d supported)",
			       path, si->channels, AUDIO_MAX_CHANNELS), NULL;
	}
	if (si->samplerate < 4000 || si->samplerate > 384000) {
		sf_close(sf);
		return err_set(e, "%s: sample rate %d Hz out of range", path,
			       si->samplerate), NULL;
	}
	return sf;
}

static void
fill_info(SNDFILE *sf, const SF_INFO *si, struct audio_info *info)
{
	info->rate = si->samplerate;
	info->channels = si->channels;
	info->frames = si->frames;
	info->duration_s = (double)si->frames / si->samplerate;
	format_name(sf, si, info->format, sizeof(info->format));
}

/*
 * A recording cut off by a dropped call or a full disk has a header that
 * declares more audio than the file holds.  libsndfile plays what is there
 * and notes the mismatch in its log as "data : DECLARED (should be HELD)";
 * scoring such a call would blame the agent for the missing end, so it is
 * refused.  Sizes of 0 or near 4 GiB are the streaming writers' "length
 * unknown" convention and are accepted.
 */
static int
truncated(SNDFILE *sf, const struct audio_info *info, const char *path,
	  struct err *e)
{
	char log[4096];
	const char *p;
	unsigned long long declared, held;
	double per_byte;

	log[0] = '\0';
	sf_command(sf, SFC_GET_LOG_INFO, log, sizeof(log));
	if ((p = strstr(log, "\ndata : ")) == NULL ||
	    sscanf(p, "\ndata : %llu (should be %llu)", &declared, &held) != 2)
		return 0;
	if (declared <= held || declared >= 0xFFFFFF00ULL || held == 0)
		return 0;
	per_byte = info->duration_s / (double)held;
	return err_set(e, "%s: truncated: the header declares %.3f s of audio, "
		       "the file holds %.3f s", path, per_byte * (double)declared,
		       info->duration_s);
}

int
audio_probe(const char *path, struct audio_info *info, struct err *e)
{
	SF_INFO si;
	SNDFILE *sf = open_sf(path, &si, e);
	float probe[256 * AUDIO_MAX_CHANNELS];

	if (sf == NULL)
		return -1;
	/* Decode a little: a header alone does not make a recording. */
	if (sf_readf_float(sf, probe, 256) <= 0) {
		err_set(e, "%s: cannot decode audio: %s", path,
			sf_strerror(sf));
		sf_close(sf);
		return -1;
	}
	fill_info(sf, &si, info);
	if (truncated(sf, info, path, e) < 0) {
		sf_close(sf);
		return -1;
	}
	sf_close(sf);
	return 0;
}

struct audio *
audio_open(const char *path, int rate, struct audio_info *info, struct err *e)
{
	struct audio *a;
	SF_INFO si;
	SNDFILE *sf = open_sf(path, &si, e);

	if (sf == NULL)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL || (a->path = strdup(path)) == NULL ||
	    (a->in = malloc(sizeof(float) * AUDIO_BLOCK * si.channels)) ==
		    NULL) {
		err_set(e, "%s: out of memory", path);
		goto error;
	}
	a->sf = sf;
	a->channels = si.channels;
	a->in_range = integer_coding(si.format);
	if (si.samplerate != rate) {
		soxr_error_t se;
		soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
		soxr_quality_spec_t q = soxr_quality_spec(SOXR_LQ, 0);

		a->soxr = soxr_create(si.samplerate, rate, si.channels, &se,
				      &io, &q, NULL);
		if (se) {
			err_set(e, "%s: resampler: %s", path, soxr_strerror(se));
			goto error;
		}
	}
	fill_info(sf, &si, info);
	return a;
error:
	if (a) {
		a->sf = NULL;
		audio_free(a);
	}
	sf_close(sf);
	return NULL;
}

/*
 * Decode up to n frames into buf, samples outside [-1, 1] clipped and
 * non-finite ones (a damaged float file) zeroed and counted (integer
 * codings need no check); returns
 * frames, 0 at the end, -1 on error.
 */
static long
decode(struct audio *a, float *buf, long n, struct err *e)
{
	sf_count_t got = sf_readf_float(a->sf, buf, n);
	long i;

	if (got < 0 || (got == 0 && sf_error(a->sf)))
		return err_set(e, "%s: decode error: %s", a->path,
			       sf_strerror(a->sf));
	for (i = 0; !a->in_range && i < got * a->channels; i++) {
		if (buf[i] >= -1 && buf[i] <= 1)
			continue;
		if (!isfinite(buf[i])) {
			buf[i] = 0;
			a->nonfinite++;
		} else {
			buf[i] = buf[i] > 1 ? 1 : -1;
		}
	}
	return (long)got;
}

long
audio_read(struct audio *a, float *buf, long n, struct err *e)
{
	if (a->soxr == NULL) {
		long got;

		if (a->eof)
			return 0;
		/* No resampling: decode straight into the caller's buffer. */
		if ((got = decode(a, buf, n, e)) == 0)
			a->eof = 1;
		return got;
	}
	for (;;) {
		size_t idone = 0, odone = 0;
		soxr_error_t se;

		if (a->in_pos == a->in_len && !a->eof) {
			long got = decode(a, a->in, AUDIO_BLOCK, e);

			if (got < 0)
				return -1;
			a->in_len = (size_t)got;
			a->in_pos = 0;
			if (got == 0)
				a->eof = 1;
		}
		if (a->eof && a->in_pos == a->in_len)
			se = soxr_process(a->soxr, NULL, 0, NULL, buf,
					  (size_t)n, &odone);
		else
			se = soxr_process(a->soxr,
					  a->in + a->in_pos * a->channels,
					  a->in_len - a->in_pos, &idone, buf,
					  (size_t)n, &odone);
		if (se)
			return err_set(e, "%s: resampler: %s", a->path,
				       soxr_strerror(se));
		a->in_pos += idone;
		if (odone > 0 || a->eof)
			return (long)odone;
	}
}

long long
audio_nonfinite(const struct audio *a)
{
	return a->nonfinite;
}

void
audio_free(struct audio *a)
{
	if (a == NULL)
		return;
	if (a->sf)
		sf_close(a->sf);
	if (a->soxr)
		soxr_delete(a->soxr);
	free(a->in);
	free(a->path);
	free(a);
}
