/*
 * test_report: the report's text helpers: display width of CJK and
 * combining text, HTML escaping, RFC 4180 fields, bilingual labels and
 * the month before.
 */
#include <stdlib.h>
#include <string.h>

#include "callqa/report.h"
#include "callqa/strbuf.h"
#include "../tap.h"

static void
csv_is(const char *in, const char *want, const char *desc)
{
	struct strbuf sb = STRBUF_INIT;

	report_csv_field(&sb, in);
	check_str(sb.buf, want, desc);
	strbuf_release(&sb);
}

static void
label_is(const char *in, enum report_lang l, const char *want)
{
	char buf[64];

	report_label_lang(in, l, buf, sizeof(buf));
	check_str(buf, want, in);
}

int
main(void)
{
	struct strbuf sb = STRBUF_INIT;
	char m[8];

	check_int((int)report_display_width(""), 0, "empty: 0 columns");
	check_int((int)report_display_width("A1"), 2, "ASCII: 1 column each");
	check_int((int)report_display_width("张伟"), 4,
		  "two Han characters: 4 columns");
	check_int((int)report_display_width("问候语 greeting"), 15,
		  "mixed label: 3 x 2 + 1 + 8");
	check_int((int)report_display_width("ＡＢ"), 4,
		  "fullwidth Latin: 2 columns each");
	check_int((int)report_display_width("e\xcc\x81"), 1,
		  "e + combining acute: 1 column");
	check_int((int)report_display_width("\xff\xfe"), 2,
		  "bytes that are not UTF-8: 1 column each");
	check_int((int)report_display_width("한국"), 4, "Hangul: 2 columns");

	report_html_escape(&sb, "<b>\"Tom\" & 'Jerry'</b>");
	check_str(sb.buf,
		  "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;",
		  "HTML escaping of & < > \" '");
	strbuf_release(&sb);

	csv_is("plain", "plain", "CSV: a plain field as it is");
	csv_is("", "", "CSV: empty");
	csv_is("a,b", "\"a,b\"", "CSV: a comma is quoted");
	csv_is("say \"hi\"", "\"say \"\"hi\"\"\"", "CSV: quotes doubled");
	csv_is("two\nlines", "\"two\nlines\"", "CSV: a line break is quoted");
	csv_is("a\rb", "\"a\rb\"", "CSV: a carriage return is quoted");
	csv_is("张伟", "张伟", "CSV: UTF-8 as it is");
	csv_is("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"",
	       "CSV: a formula is made text with a leading '");
	csv_is("@SUM(A1)", "\"'@SUM(A1)\"", "CSV: @ formula made text");
	csv_is("+cmd", "\"'+cmd\"", "CSV: + formula made text");
	csv_is("-2+3", "\"'-2+3\"", "CSV: - formula made text");
	csv_is("\tx", "\"'\tx\"", "CSV: a leading tab made text");
	csv_is("-5", "-5", "CSV: a negative number stays a number");
	csv_is("+2.5", "+2.5", "CSV: a signed number stays a number");
	csv_is("-", "\"'-\"", "CSV: a lone - is text");
	csv_is("a=b", "a=b", "CSV: = inside a field is harmless");

	label_is("问候语 greeting", REPORT_ZH, "问候语");
	label_is("问候语 greeting", REPORT_EN, "greeting");
	label_is("语调生动 lively voice", REPORT_EN, "lively voice");
	label_is("禁用语 no rude words", REPORT_ZH, "禁用语");
	label_is("greeting", REPORT_ZH, "greeting");
	label_is("问候语", REPORT_EN, "问候语");
	label_is("客服 热线 hotline", REPORT_ZH, "客服 热线");
	label_is("hello 你好", REPORT_EN, "hello 你好");

	check(report_prev_month("2026-10", m, sizeof(m)) == 0 &&
		      strcmp(m, "2026-09") == 0,
	      "the month before 2026-10 is 2026-09");
	check(report_prev_month("2026-01", m, sizeof(m)) == 0 &&
		      strcmp(m, "2025-12") == 0,
	      "the month before 2026-01 is 2025-12");
	check(report_prev_month("2026-13", m, sizeof(m)) < 0,
	      "2026-13 is refused");
	check(report_prev_month("2026-1", m, sizeof(m)) < 0,
	      "2026-1 is refused");
	check(report_prev_month("2026-10x", m, sizeof(m)) < 0,
	      "trailing text is refused");
	return test_done();
}
