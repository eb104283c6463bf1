/*
 * mkwav: write small fixture recordings for the tests with libsndfile.
 *
 *   mkwav [-r rate] [-c channels] [-s seconds] [-f format] [-g signal] OUT
 *
 * format: pcm16 (default), ulaw, alaw, gsm (mono 8 kHz only), float, flac,
 * ogg.  signal: sine (440 Hz, -12 dBFS; default), silence, noise (white,
 * -30 dBFS), clip (a square wave at full scale), nan (float only: NaN and
 * Inf samples among a sine).  Deterministic: the noise has a fixed seed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0 * 2 - 1;
}

static int
format_of(const char *f)
{
	if (strcmp(f, "pcm16") == 0) return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	if (strcmp(f, "ulaw") == 0) return SF_FORMAT_WAV | SF_FORMAT_ULAW;
	if (strcmp(f, "alaw") == 0) return SF_FORMAT_WAV | SF_FORMAT_ALAW;
	if (strcmp(f, "gsm") == 0) return SF_FORMAT_WAV | SF_FORMAT_GSM610;
	if (strcmp(f, "float") == 0) return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	if (strcmp(f, "flac") == 0) return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
	if (strcmp(f, "ogg") == 0) return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
	return 0;
}

int
main(int argc, char **argv)
{
	SF_INFO si = { 0 };
	SNDFILE *sf;
	const char *fmt = "pcm16", *sig = "sine";
	double seconds = 1;
	float *buf;
	long long frames, i;
	int c, ch, rate = 8000, channels = 1;

	while ((c = getopt(argc, argv, "r:c:s:f:g:")) != -1) {
		switch (c) {
		case 'r': rate = atoi(optarg); break;
		case 'c': channels = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'f': fmt = optarg; break;
		case 'g': sig = optarg; break;
		default:
			fprintf(stderr, "usage: mkwav [-r rate] [-c channels] "
				"[-s seconds] [-f format] [-g signal] OUT\n");
			return 2;
		}
	}
	if (optind + 1 != argc || channels < 1 || rate < 1 ||
	    (si.format = format_of(fmt)) == 0) {
		fprintf(stderr, "mkwav: bad arguments\n");
		return 2;
	}
	si.samplerate = rate;
	si.channels = channels;
	if ((sf = sf_open(argv[optind], SFM_WRITE, &si)) == NULL) {
		fprintf(stderr, "mkwav: %s: %s\n", argv[optind],
			sf_strerror(NULL));
		return 1;
	}
	frames = (long long)(seconds * rate + 0.5);
	buf = malloc(sizeof(float) * channels * 4096);
	if (buf == NULL)
		return 1;
	for (i = 0; i < frames;) {
		long long n = frames - i < 4096 ? frames - i : 4096, k;

		for (k = 0; k < n; k++, i++)
			for (ch = 0; ch < channels; ch++) {
				double t = (double)i / rate, v;

				if (strcmp(sig, "silence") == 0)
					v = 0;
				else if (strcmp(sig, "noise") == 0)
					v = 0.0316 * uniform();
				else if (strcmp(sig, "clip") == 0)
					v = sin(2 * M_PI * 300 * t) >= 0 ? 1 : -1;
				else if (strcmp(sig, "nan") == 0 && i % 50 == 7)
					v = i % 100 == 7 ? NAN : INFINITY;
				else
					v = 0.25 * sin(2 * M_PI * 440 * t);
				buf[k * channels + ch] = (float)v;
			}
		if (sf_writef_float(sf, buf, n) != n) {
			fprintf(stderr, "mkwav: %s: %s\n", argv[optind],
				sf_strerror(sf));
			return 1;
		}
	}
	free(buf);
	if (sf_close(sf) != 0)
		return 1;
	return 0;
}
