/*
 * test_ingest.c: manifest CSV parsing (quotes, CRLF, BOM, ragged rows,
 * bad UTF-8), file-name metadata, timestamps and the shard hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/csv.h"
#include "callqa/ingest.h"
#include "../tap.h"

static FILE *
from(const char *text)
{
	return fmemopen((void *)text, strlen(text), "r");
}

static void
test_csv(void)
{
	FILE *fp = from("\xef\xbb\xbf" "call_id, agent_id ,note\r\n"
			"c1,A1,\"hello, \"\"world\"\"\"\r\n"
			"\r\n"
			"c2,A2,\"two\nlines\"\n"
			"c3,A3\n"
			"c4,A4,\xc3\x28\n"
			"c5,A5,last");
	struct csv *c;
	struct err e;

	c = csv_new(fp, "m.csv", &e);
	check(c != NULL, "header with BOM and CRLF");
	check_int(csv_ncols(c), 3, "three columns");
	check_int(csv_col(c, "agent_id"), 1, "names are trimmed");
	check_int(csv_read(c, &e), 1, "row 1");
	check_str(csv_get(c, 2), "hello, \"world\"", "quoted comma and quotes");
	check_int(csv_read(c, &e), 1, "blank line skipped, row 2");
	check_str(csv_get(c, 2), "two\nlines", "quoted line break");
	check_int(csv_lineno(c), 4, "row 2 starts on line 4");
	check_int(csv_read(c, &e), -1, "short row is damaged");
	check_str(e.msg, "m.csv:6: 2 fields where the header has 3",
		  "short row reason");
	check_str(csv_get(c, 0), "c3", "call id of a damaged row");
	check_int(csv_read(c, &e), -1, "bad UTF-8 is damaged");
	check_str(e.msg, "m.csv:7: column 'note' is not valid UTF-8",
		  "UTF-8 reason");
	check_int(csv_read(c, &e), 1, "last row without newline");
	check_str(csv_get(c, 2), "last", "last field");
	check_int(csv_read(c, &e), 0, "end");
	csv_free(c);
	fclose(fp);

	fp = from("a,b,a\n");
	c = csv_new(fp, "d.csv", &e);
	check(c == NULL, "duplicate column refused");
	check_str(e.msg, "d.csv:1: duplicate column 'a'", "duplicate reason");
	fclose(fp);
	fp = from("a,b\n1,\"open\n");
	c = csv_new(fp, "q.csv", &e);
	check_int(csv_read(c, &e), -1, "unterminated quote is damaged");
	check_str(e.msg, "q.csv:2: unterminated quoted field", "quote reason");
	csv_free(c);
	fclose(fp);
}

static void
test_names(void)
{
	struct ingest_name nm;
	struct err e;

	check_int(ingest_parse_name("/x/A_07_20261001T091300_C-9.wav", &nm, &e),
		  0, "agent id with underscore");
	check_str(nm.agent_id, "A_07", "agent");
	check_str(nm.call_id, "C-9", "call id");
	check_str(nm.started_at, "2026-10-01T09:13:00", "start time");
	check_int(ingest_parse_name("A1_20260231T091300_C1.wav", &nm, &e), -1,
		  "31 February refused");
	check_int(ingest_parse_name("/r/call 17.wav", &nm, &e), -1,
		  "unpatterned name refused");
	check_str(nm.call_id, "call 17", "but it keeps a call id");
	check(ingest_is_audio_name("./a/B.WAV") && ingest_is_audio_name("x.flac")
		      && !ingest_is_audio_name("x.txt") &&
		      !ingest_is_audio_name("d/.hidden.wav"),
	      "audio extensions");
}

static void
test_times(void)
{
	char out[64];
	struct err e;

	check_int(ingest_norm_time("2026-10-01 09:13", out, sizeof(out), &e),
		  0, "space and no seconds");
	check_str(out, "2026-10-01T09:13:00", "normalised");
	check_int(ingest_norm_time("2024-02-29T23:59:59+08:00", out,
				   sizeof(out), &e), 0, "leap day, offset");
	check_str(out, "2024-02-29T23:59:59+08:00", "offset kept");
	check_int(ingest_norm_time("2025-02-29T10:00:00", out, sizeof(out),
				   &e), -1, "no 29 February 2025");
	check_int(ingest_norm_time("01/10/2026 09:13", out, sizeof(out), &e),
		  -1, "other formats refused");
	check_int(ingest_norm_time("2026-10-01T09:13:00 junk", out,
				   sizeof(out), &e), -1, "trailing junk");
}

static void
test_shard(void)
{
	char id[32];
	int count[4] = { 0 }, i;

	/* FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c. */
	check_int(ingest_shard("a", 1000), 0xaf63dc4c8601ec8cULL % 1000,
		  "FNV-1a 64 reference value");
	for (i = 0; i < 4000; i++) {
		snprintf(id, sizeof(id), "C%06d", i);
		count[ingest_shard(id, 4)]++;
	}
	check(count[0] > 850 && count[1] > 850 && count[2] > 850 &&
		      count[3] > 850,
	      "shards are balanced");
	check_int(count[0] + count[1] + count[2] + count[3], 4000,
		  "every call in exactly one shard");
}

static void
test_paths(void)
{
	char *p = ingest_abspath("./a.wav", "/data/x");

	check_str(p, "/data/x/a.wav", "relative to the manifest");
	free(p);
	p = ingest_abspath("/abs/a.wav", "/data");
	check_str(p, "/abs/a.wav", "absolute stays");
	free(p);
}

int
main(void)
{
	test_csv();
	test_names();
	test_times();
	test_shard();
	test_paths();
	return test_done();
}
