/*
 * fuzz_csv.c: libFuzzer target for the manifest CSV reader: any bytes are
 * read without a crash, and every field returned is valid UTF-8 of bounded
 * length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/csv.h"
#include "callqa/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	struct csv *c;
	struct err e;
	int rc, i;

	if (in == NULL)
		return 0;
	if ((c = csv_new(in, "fuzz", &e)) != NULL) {
		while ((rc = csv_read(c, &e)) != 0 && rc != -2) {
			if (rc < 0)
				continue;
			for (i = 0; i < csv_ncols(c); i++) {
				const char *v = csv_get(c, i);

				if (v == NULL || strlen(v) > CSV_FIELD_MAX ||
				    !utf8_valid(v, strlen(v)))
					abort();
			}
		}
		csv_free(c);
	}
	fclose(in);
	return 0;
}
