/*
 * fuzz_transcript.c: libFuzzer target for the transcript reader (the
 * first byte picks TSV, WebVTT or SRT): any bytes load or are refused with
 * a message naming the file; loaded segments go forward in time, end after
 * they start, and their texts are valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/strbuf.h"
#include "callqa/transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "t.tsv", "t.vtt", "t.srt", "t" };
	struct transcript *t;
	struct err e;
	size_t i;

	if (size == 0)
		return 0;
	t = transcript_parse(names[data[0] % 4], (const char *)data + 1,
			     size - 1, 1 + data[0] / 128, &e);
	if (t == NULL) {
		if (strncmp(e.msg, names[data[0] % 4],
			    strlen(names[data[0] % 4])) != 0)
			abort();
		return 0;
	}
	for (i = 0; i < t->nseg; i++) {
		const struct transcript_seg *s = &t->seg[i];

		if (s->end < s->start || (i && s->start < t->seg[i - 1].start) ||
		    !utf8_valid(s->text, strlen(s->text)) ||
		    !utf8_valid(s->norm, strlen(s->norm)))
			abort();
	}
	transcript_free(t);
	return 0;
}
