/*
 * fuzz_rubric.c: libFuzzer target for the rubric loader: any bytes either
 * load or are refused with problems, each "r.yaml:..." and ending in a
 * newline, without a crash or a leak; a loaded rubric's weights add up to
 * 100 and every item belongs to a section.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/rubric.h"
#include "callqa/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf problems = STRBUF_INIT;
	struct rubric *rb;
	double total = 0;
	size_t i;

	rb = rubric_parse("r.yaml", (const char *)data, size, &problems);
	if (rb == NULL) {
		if (problems.len == 0 || strncmp(problems.buf, "r.yaml", 6) ||
		    problems.buf[problems.len - 1] != '\n')
			abort();
	} else {
		if (problems.len)
			abort();
		for (i = 0; i < rb->nsections; i++)
			total += rb->sections[i].weight;
		if (fabs(total - 100) > 1e-9)
			abort();
		for (i = 0; i < rb->nitems; i++)
			if (rb->items[i].section < 0 ||
			    (size_t)rb->items[i].section >= rb->nsections)
				abort();
	}
	rubric_free(rb);
	strbuf_release(&problems);
	return 0;
}
