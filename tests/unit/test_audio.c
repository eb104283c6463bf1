/*
 * test_audio.c: decoding and resampling: a 16 kHz tone read at 8 kHz keeps
 * its length, frequency and level; NaN/Inf samples are counted and zeroed;
 * bad files fail with the file named.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "callqa/audio.h"
#include "../tap.h"

static char dir[] = "/tmp/test_audio.XXXXXX";

static void
write_tone(const char *path, int rate, int format, double seconds, int bad)
{
	SF_INFO si = { .samplerate = rate, .channels = 2, .format = format };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
	long n = (long)(seconds * rate), i;
	float *buf = malloc(sizeof(float) * 2 * n);

	for (i = 0; i < n; i++) {
		buf[2 * i] = (float)(0.5 * sin(2 * M_PI * 1000 * i / rate));
		buf[2 * i + 1] = 0;
		if (bad && i % 1000 == 0)
			buf[2 * i + 1] = i % 2000 ? NAN : INFINITY;
	}
	sf_writef_float(sf, buf, n);
	sf_close(sf);
	free(buf);
}

int
main(void)
{
	char path[256], path2[256];
	struct audio_info info;
	struct audio *a;
	struct err e;
	float buf[2 * 1000];
	long total = 0, got, crossings = 0, i;
	double sumsq = 0, prev = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/tone16k.wav", dir);
	write_tone(path, 16000, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2.0, 0);
	check_int(audio_probe(path, &info, &e), 0, "probe");
	check_int(info.rate, 16000, "rate as stored");
	check_int(info.channels, 2, "channels");
	check_dbl(info.duration_s, 2.0, 1e-9, "duration");
	check_str(info.format, "wav Signed 16 bit PCM", "format name");

	a = audio_open(path, 8000, &info, &e);
	check(a != NULL, "open with resampling");
	while ((got = audio_read(a, buf, 1000, &e)) > 0) {
		for (i = 0; i < got; i++) {
			if (total + i >= 400 && total + i < 15600) {
				sumsq += buf[2 * i] * buf[2 * i];
				crossings += prev < 0 && buf[2 * i] >= 0;
			}
			prev = buf[2 * i];
		}
		total += got;
	}
	check_int(got, 0, "read to the end");
	check(labs(total - 16000) <= 2, "2 s at 8 kHz is 16000 frames");
	check_dbl(sqrt(sumsq / 15200), 0.5 / sqrt(2), 0.01, "level kept");
	check_dbl(crossings / (15200 / 8000.0), 1000, 2, "frequency kept");
	audio_free(a);

	snprintf(path2, sizeof(path2), "%s/bad.wav", dir);
	write_tone(path2, 8000, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1.0, 1);
	a = audio_open(path2, 8000, &info, &e);
	total = 0;
	while ((got = audio_read(a, buf, 1000, &e)) > 0)
		for (i = 0; i < got; i++, total++)
			if (!isfinite(buf[2 * i + 1]))
				total = -1000000;
	check(total == 8000, "NaN/Inf replaced, length kept");
	check_int(audio_nonfinite(a), 8, "NaN and Inf samples counted");
	audio_free(a);

	check_int(audio_probe(dir, &info, &e), -1, "a directory fails");
	check(strstr(e.msg, "is a directory") != NULL, "reason: directory");
	FILE *fp = fopen(path2, "w");
	fputs("RIFF\x10\x00\x00\x00WAVEjunk", fp);
	fclose(fp);
	check_int(audio_probe(path2, &info, &e), -1, "a broken header fails");
	check(strncmp(e.msg, path2, strlen(path2)) == 0, "reason names file");
	unlink(path);
	unlink(path2);
	rmdir(dir);
	return test_done();
}
