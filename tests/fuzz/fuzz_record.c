/*
 * fuzz_record.c: libFuzzer target for the record stream reader and writer:
 * any bytes must be read without a crash, and whatever is read must be
 * written back and read again to the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/record.h"
#include "callqa/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r"), *out, *back;
	char *buf = NULL;
	size_t len = 0;
	struct record_reader *r, *r2;
	struct record_writer *w;
	struct err e;
	int rc, i;

	if (in == NULL)
		return 0;
	r = record_reader_new(in, "fuzz", &e);
	if (r == NULL) {
		fclose(in);
		return 0;
	}
	out = open_memstream(&buf, &len);
	w = record_writer_new(out, r, NULL, 0);
	while ((rc = record_read(r, &e)) != 0 && rc != -2) {
		if (rc < 0)
			continue;
		record_writer_copy(w, r);
		record_write(w, &e);
	}
	record_writer_flush_header(w, &e);
	fclose(out);
	/* Round trip: what was written reads back. */
	back = fmemopen(buf, len, "r");
	r2 = back ? record_reader_new(back, "back", &e) : NULL;
	if (r2 == NULL || record_reader_ncols(r2) != record_reader_ncols(r))
		abort();
	while ((rc = record_read(r2, &e)) == 1)
		for (i = 0; i < record_reader_ncols(r2); i++)
			(void)record_get(r2, i);
	if (rc != 0)
		abort();
	record_reader_free(r2);
	fclose(back);
	free(buf);
	record_writer_free(w);
	record_reader_free(r);
	fclose(in);
	return 0;
}
