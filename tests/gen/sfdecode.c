/*
 * sfdecode: decode audio files with libsndfile and nothing else, as the
 * baseline of the benchmark (tests/bench.sh): prints the seconds of audio
 * decoded.
 *
 *   sfdecode FILE...
 */
#include <stdio.h>
#include <stdlib.h>

#include <sndfile.h>

int
main(int argc, char **argv)
{
	static float buf[4096 * 8];
	double seconds = 0, sum = 0;
	int i;

	for (i = 1; i < argc; i++) {
		SF_INFO si = { 0 };
		SNDFILE *sf = sf_open(argv[i], SFM_READ, &si);
		sf_count_t n, total = 0;

		if (sf == NULL || si.channels > 8) {
			fprintf(stderr, "sfdecode: %s: %s\n", argv[i],
				sf_strerror(NULL));
			return 1;
		}
		while ((n = sf_readf_float(sf, buf, 4096)) > 0) {
			total += n;
			sum += buf[0];
		}
		seconds += (double)total / si.samplerate;
		sf_close(sf);
	}
	printf("%.3f\n", seconds + 0 * sum);
	return 0;
}
