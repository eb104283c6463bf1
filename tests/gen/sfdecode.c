/*
 * sfdecode FILE...: decode every file with libsndfile to floats and throw
 * the samples away: the floor a decoder-bound tool cannot go below, used
 * by `make bench` as the baseline for callqa-measure.  Prints the audio
 * seconds decoded.
 */
#include <stdio.h>

#include <sndfile.h>

int
main(int argc, char **argv)
{
	static float buf[4096 * 8];
	double seconds = 0, sink = 0;
	int i, rval = 0;

	for (i = 1; i < argc; i++) {
		SF_INFO info = { 0 };
		SNDFILE *sf = sf_open(argv[i], SFM_READ, &info);
		sf_count_t n;

		if (sf == NULL || info.channels > 8) {
			fprintf(stderr, "sfdecode: %s: %s\n", argv[i],
				sf_strerror(NULL));
			rval = 1;
			if (sf)
				sf_close(sf);
			continue;
		}
		while ((n = sf_readf_float(sf, buf, 4096)) > 0)
			sink += buf[0] + buf[n * info.channels - 1];
		seconds += (double)info.frames / info.samplerate;
		sf_close(sf);
	}
	printf("%.3f\n", seconds + sink * 0);
	return rval;
}
