/*
 * fuzz_rubric.c: libFuzzer target for the rubric loader (libyaml events,
 * our checks): any bytes give either a rubric or problems, never a crash,
 * a hang (aliases and deep nesting are refused) or a leak; a refusal
 * always says why.
 */
#include <stdint.h>
#include <stdlib.h>

#include "callqa/rubric.h"
#include "callqa/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf problems = STRBUF_INIT;
	struct rubric *rb;

	rb = rubric_parse("fuzz.yaml", (const char *)data, size, &problems);
	if (rb == NULL && problems.len == 0)
		abort(); /* refused without a reason */
	rubric_free(rb);
	strbuf_release(&problems);
	return 0;
}
