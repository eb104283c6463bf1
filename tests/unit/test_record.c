/*
 * test_record.c: the record stream: COPY text escaping both ways, header
 * checks, ragged and damaged lines, NULLs, column pass-through and
 * overwriting, the status helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/record.h"
#include "callqa/strbuf.h"
#include "../tap.h"

static FILE *
from(const char *text)
{
	return fmemopen((void *)text, strlen(text), "r");
}

static void
test_escapes(void)
{
	FILE *fp = from("a\tb\tc\n"
			"x\\ty\tline1\\nline2\t\\N\n"
			"back\\\\slash\t\\x41\\101\\q\t\n");
	struct record_reader *r;
	struct err e;

	r = record_reader_new(fp, "in", &e);
	check(r != NULL, "header read");
	check_int(record_reader_ncols(r), 3, "three columns");
	check_int(record_reader_col(r, "c"), 2, "column c is third");
	check_int(record_reader_col(r, "zz"), -1, "unknown column is -1");
	check_int(record_read(r, &e), 1, "first record");
	check_str(record_get(r, 0), "x\ty", "\\t unescapes to TAB");
	check_str(record_get(r, 1), "line1\nline2", "\\n unescapes to LF");
	check(record_get(r, 2) == NULL, "\\N is NULL");
	check_int(record_read(r, &e), 1, "second record");
	check_str(record_get(r, 0), "back\\slash", "\\\\ is one backslash");
	check_str(record_get(r, 1), "AAq", "hex, octal and unknown escapes");
	check_str(record_get(r, 2), "", "empty field is empty, not NULL");
	check_int(record_read(r, &e), 0, "end of input");
	check_int(record_reader_lineno(r), 4, "line count");
	record_reader_free(r);
	fclose(fp);
}

static void
test_damaged(void)
{
	FILE *fp = from("call_id\tx\n"
			"c1\t1\textra\n"
			"c2\n"
			"c3\t\xff\xfe\n"
			"c4\t4\n");
	struct record_reader *r;
	struct err e;

	r = record_reader_new(fp, "rec.tsv", &e);
	check_int(record_read(r, &e), -1, "ragged row (too many) is damaged");
	check_str(e.msg, "rec.tsv:2: 3 fields where the header has 2",
		  "reason names file and line");
	check_str(record_get(r, 0), "c1", "call id still readable");
	check_int(record_read(r, &e), -1, "ragged row (too few) is damaged");
	check(record_get(r, 1) == NULL, "missing field is NULL");
	check_int(record_read(r, &e), -1, "non-UTF-8 field is damaged");
	check_str(e.msg, "rec.tsv:4: column 'x' is not valid UTF-8",
		  "UTF-8 reason names the column");
	check_int(record_read(r, &e), 1, "the stream goes on after damage");
	check_str(record_get(r, 1), "4", "next record intact");
	record_reader_free(r);
	fclose(fp);
}

static void
test_headers(void)
{
	const char *bad[] = { "", "a\ta\n", "12\t3.5\n", "a\t\tb\n" };
	const char *why[] = { "in: empty input: no header line",
			      "in:1: duplicate column 'a'",
			      "in:1: missing or bad header line: '12' is not a "
			      "column name",
			      "in:1: missing or bad header line: '' is not a "
			      "column name" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *fp = bad[i][0] ? from(bad[i]) : fopen("/dev/null", "r");
		struct err e;
		struct record_reader *r = record_reader_new(fp, "in", &e);

		check(r == NULL, "bad header refused");
		check_str(r ? "" : e.msg, why[i], "bad header reason");
		record_reader_free(r);
		fclose(fp);
	}
}

static void
test_writer(void)
{
	FILE *in = from("call_id\tscore\tnote\n"
			"c1\t10\ta\\tb\n");
	char *outbuf = NULL;
	size_t outlen = 0;
	FILE *out = open_memstream(&outbuf, &outlen);
	const char *add[] = { "score", "status", "segments" };
	struct record_reader *r;
	struct record_writer *w;
	struct err e;

	r = record_reader_new(in, "in", &e);
	w = record_writer_new(out, r, add, 3);
	check_int(record_writer_ncols(w), 5, "existing column not added twice");
	check_int(record_writer_col(w, "score"), 1, "score keeps its place");
	check_int(record_read(r, &e), 1, "read");
	record_writer_copy(w, r);
	record_set_num(w, 1, 87.5, 1);
	record_reject(w, "measure", "x.wav: no samples");
	record_set(w, 4, "{\"a\":\"t\\tn\"}\n");
	check_int(record_write(w, &e), 0, "write");
	record_set_num(w, 1, 0.0 / 0.0, 1);
	check_int(record_write(w, &e), 0, "write NULLs");
	fclose(out);
	check_str(outbuf,
		  "call_id\tscore\tnote\tstatus\tsegments\n"
		  "c1\t87.5\ta\\tb\trejected:measure:x.wav: no samples\t"
		  "{\"a\":\"t\\\\tn\"}\\n\n"
		  "\\N\t\\N\t\\N\t\\N\t\\N\n",
		  "written stream is COPY text");
	free(outbuf);
	record_writer_free(w);
	record_reader_free(r);
	fclose(in);
	check(record_status_ok(NULL) && record_status_ok("ok") &&
		      !record_status_ok("rejected:x:y"),
	      "status helper");
}

static void
test_json(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_json_str(&sb, "a\"b\\c\n\x01\xe5\x8f\xb7\xff");
	check_str(sb.buf, "\"a\\\"b\\\\c\\n\\u0001号\\ufffd\"",
		  "JSON string escaping, UTF-8 kept, bad byte replaced");
	strbuf_reset(&sb);
	strbuf_add_json_num(&sb, -0.0, 2);
	strbuf_addch(&sb, ',');
	strbuf_add_json_num(&sb, 1.0 / 0.0, 2);
	check_str(sb.buf, "0.00,null", "JSON numbers: no -0, Inf is null");
	sb.max = 8;
	strbuf_reset(&sb);
	check_int(strbuf_adds(&sb, "12345678"), 0, "up to the maximum");
	check_int(strbuf_adds(&sb, "9"), -1, "past the maximum fails");
	check_str(sb.buf, "12345678", "buffer unchanged by the failure");
	strbuf_release(&sb);
}

int
main(void)
{
	test_escapes();
	test_damaged();
	test_headers();
	test_writer();
	test_json();
	return test_done();
}
