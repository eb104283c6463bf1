/*
 * fuzz_transcript.c: libFuzzer target for the transcript parsers (TSV,
 * WebVTT, SRT, chosen by the name as callqa-score does): any bytes give a
 * transcript or a reason; segments have finite times and valid UTF-8 text.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/strbuf.h"
#include "callqa/transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const char *name, const uint8_t *data, size_t size)
{
	struct transcript *t;
	struct err e;
	size_t i;

	e.msg[0] = '\0';
	t = transcript_parse(name, (const char *)data, size, 1, &e);
	if (t == NULL) {
		if (e.msg[0] == '\0')
			abort(); /* refused without a reason */
		return;
	}
	for (i = 0; i < t->nseg; i++) {
		const struct transcript_seg *s = &t->seg[i];

		if (!isfinite(s->start) || !isfinite(s->end) ||
		    (s->text && !utf8_valid(s->text, strlen(s->text))))
			abort();
	}
	transcript_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one("fuzz.tsv", data, size);
	one("fuzz.vtt", data, size);
	one("fuzz.srt", data, size);
	return 0;
}
