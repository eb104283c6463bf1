/*
 * test_score_stream.c: the score stage as a library (score_stream_* and
 * score_explain_stream): scores and section scores written into the
 * records, upstream rejects passed through, damaged records turned into
 * rejects through the warn callback, inputs with other columns refused,
 * an empty input skipped, and the score sheet of one call found again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/record.h"
#include "callqa/rubric.h"
#include "callqa/score.h"
#include "callqa/strbuf.h"
#include "../tap.h"

static const char rubric_text[] =
	"rubric: mini\n"
	"sections:\n"
	"  - id: tone\n"
	"    weight: 100\n"
	"    items:\n"
	"      - id: lively\n"
	"        kind: bands\n"
	"        metric: agent_pitch_sd_st\n"
	"        points: 10\n"
	"        bands:\n"
	"          - {when: \">= 3\", points: 10}\n"
	"          - {when: \">= 1\", points: 5}\n"
	"      - id: quiet\n"
	"        kind: metric\n"
	"        metric: longest_silence_s\n"
	"        pass: \"< 15\"\n"
	"        points: 10\n";

static const char input[] =
	"call_id\tagent_pitch_sd_st\tlongest_silence_s\tstatus\n"
	"A\t1.80\t6.000\tok\n"
	"B\t3.5\t20.000\t\\N\n"
	"C\t\\N\t\\N\trejected:measure:no audio\n"
	"D\tonly two fields\n";

static struct strbuf warned = STRBUF_INIT;

static void
warn(const char *why, void *arg)
{
	(void)arg;
	strbuf_addf(&warned, "%s\n", why);
}

static FILE *
from(const char *text)
{
	return fmemopen((void *)text, strlen(text), "r");
}

/* Field col of record row (1-based) of a record stream. */
static const char *
field(const char *text, int row, const char *col)
{
	static char val[512];
	FILE *fp = from(text);
	struct err e;
	struct record_reader *r = record_reader_new(fp, "out", &e);
	const char *v = NULL;
	int i;

	for (i = 0; r && i < row && record_read(r, &e) == 1; i++)
		;
	if (r && i == row)
		v = record_get_by_name(r, col);
	snprintf(val, sizeof(val), "%s", v ? v : "\\N");
	record_reader_free(r);
	fclose(fp);
	return i == row ? val : "(no such row)";
}

int
main(void)
{
	struct strbuf problems = STRBUF_INIT;
	struct rubric *rb;
	struct score_stream *s;
	struct score_stats st;
	struct err e;
	char *text = NULL;
	size_t len;
	long found = 0;
	FILE *out, *in;

	rb = rubric_parse("r.yaml", rubric_text, strlen(rubric_text),
			  &problems);
	check(rb != NULL, "rubric loads");
	if (rb == NULL) {
		printf("# %s", problems.buf);
		return test_done();
	}

	out = open_memstream(&text, &len);
	s = score_stream_new(out, rb, NULL, warn, NULL);
	in = from("");
	check_int(score_stream_input(s, in, "empty.tsv", &e), 0,
		  "an empty input is skipped");
	fclose(in);
	in = from(input);
	check_int(score_stream_input(s, in, "t.tsv", &e), 0, "input scored");
	fclose(in);
	in = from("call_id\tscore\nX\t1\n");
	check_int(score_stream_input(s, in, "u.tsv", &e), -1,
		  "an input with other columns stops the stage");
	check_str(e.msg, "u.tsv: columns differ from the first input's",
		  "and says which");
	fclose(in);
	check_int(score_stream_end(s, &e), 0, "end");
	score_stream_stats(s, &st);
	check_int(st.inputs, 4, "four records read");
	score_stream_free(s);
	fclose(out);

	check_str(field(text, 1, "score"), "75.0", "A: 5/10 + 10/10 = 75.0");
	check_str(field(text, 1, "score_tone"), "75.0", "A: section score");
	check_str(field(text, 1, "rubric"), "mini", "rubric name");
	check_str(field(text, 1, "critical_fail"), "f", "no critical fail");
	check_str(field(text, 1, "eligible"), "t", "eligible");
	check_str(field(text, 2, "score"), "50.0", "B: 10/10 + 0/10 = 50.0");
	check_str(field(text, 2, "status"), "ok", "a NULL status becomes ok");
	check_str(field(text, 3, "status"), "rejected:measure:no audio",
		  "an upstream reject passes through");
	check_str(field(text, 3, "score"), "\\N", "and is not scored");
	check_str(field(text, 4, "status"),
		  "rejected:score:t.tsv:5: 2 fields where the header has 4",
		  "a damaged record becomes a reject");
	check_str(warned.buf, "t.tsv:5: 2 fields where the header has 4\n",
		  "one warning, for the damaged record");
	check_str(field(text, 5, "call_id"), "(no such row)",
		  "nothing of the refused input was written");

	{
		char *sheet = NULL;
		size_t slen;
		FILE *so = open_memstream(&sheet, &slen);

		in = from(text);
		check_int(score_explain_stream(in, "scored.tsv", so, "B", rb,
					       NULL, NULL, &found, &e),
			  0, "explain runs");
		fclose(in);
		fclose(so);
		check_int(found, 1, "call B found once");
		check(strstr(sheet, "call B") != NULL, "sheet names the call");
		check(strstr(sheet, "score 50.0 of 100") != NULL,
		      "sheet shows the score");
		check(strstr(sheet, "call A") == NULL, "and no other call");
		free(sheet);
	}

	{
		char *hdr = NULL;
		size_t hlen;

		out = open_memstream(&hdr, &hlen);
		s = score_stream_new(out, rb, NULL, NULL, NULL);
		in = from("call_id\tstatus\n");
		score_stream_input(s, in, "h.tsv", &e);
		fclose(in);
		check_int(score_stream_end(s, &e), 0,
			  "end of a header-only input");
		score_stream_free(s);
		fclose(out);
		check_str(hdr,
			  "call_id\tstatus\trubric\trubric_version\tscore\t"
			  "score_tone\tcritical_fail\teligible\t"
			  "ineligible_reason\titems\n",
			  "a header-only input still gives the header");
		free(hdr);
	}

	free(text);
	strbuf_release(&warned);
	strbuf_release(&problems);
	rubric_free(rb);
	return test_done();
}
