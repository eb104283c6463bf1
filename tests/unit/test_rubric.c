/*
 * test_rubric: loading rubrics: the shipped ones, every field of every item
 * kind, conditions, and the problems --check reports with their exact
 * line:column, including anchors and aliases, deep nesting, oversized files
 * and huge numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/rubric.h"
#include "callqa/sha256.h"
#include "callqa/strbuf.h"
#include "../tap.h"

static struct strbuf problems = STRBUF_INIT;

static struct rubric *
parse(const char *text)
{
	strbuf_reset(&problems);
	return rubric_parse("r.yaml", text, strlen(text), &problems);
}

/* The problems of a rubric that must fail to load. */
static const char *
errors(const char *text)
{
	struct rubric *rb = parse(text);

	if (rb) {
		rubric_free(rb);
		return "(loaded)";
	}
	return problems.buf;
}

static const char *
errors_n(const char *text, size_t len)
{
	struct rubric *rb;

	strbuf_reset(&problems);
	rb = rubric_parse("r.yaml", text, len, &problems);
	rubric_free(rb);
	return rb ? "(loaded)" : problems.buf;
}

#define HEAD "rubric: t\nsections:\n  - id: s\n    weight: 100\n    items:\n"

static const char good[] =
	"rubric: mini-1\n"
	"title: 测试 test\n"
	"fields: [tracking_no, ok]\n"
	"eligibility:\n"
	"  min_duration_s: 15\n"
	"  stereo: true\n"
	"  transcript: false\n"
	"  min_points: 12.5\n"
	"sections:\n"
	"  - id: tone\n"
	"    label: 语气 tone\n"
	"    weight: 60\n"
	"    items:\n"
	"      - id: lively\n"
	"        kind: bands\n"
	"        metric: agent_pitch_sd_st\n"
	"        points: 10\n"
	"        bands:\n"
	"          - {when: \">= 3\", points: 10}\n"
	"          - {when: \"1..3\", points: 5}\n"
	"      - {id: quiet, kind: metric, metric: longest_silence_s, "
	"pass: \"<15\", points: 5}\n"
	"  - id: words\n"
	"    weight: 40\n"
	"    items:\n"
	"      - id: greeting\n"
	"        label: 问候语 greeting\n"
	"        kind: said\n"
	"        within: first 10 s\n"
	"        phrases: [\"您好，\", Hello THERE]\n"
	"        points: 10\n"
	"      - id: bad\n"
	"        kind: never_said\n"
	"        speaker: any\n"
	"        within: last 30.5 s\n"
	"        critical: yes\n"
	"        points: 0\n"
	"        phrases: 不知道\n"
	"      - {id: rb, kind: readback, field: tracking_no, speaker: "
	"customer, points: 3}\n"
	"      - {id: okf, kind: field, field: ok, equals: [t, \"yes\"], "
	"points: 2, if_missing: fail}\n"
	"      - {id: man, kind: manual, points: 4}\n";

int
main(void)
{
	struct rubric *rb;
	struct rubric_cond c;
	const char *why, *top = getenv("CALLQA_TOP");
	char path[4096], hex[65];
	struct strbuf big = STRBUF_INIT;
	int i;

	rb = parse(good);
	check(rb != NULL, "a rubric using every kind loads");
	if (rb == NULL) {
		printf("# %s", problems.buf);
		return test_done();
	}
	check_str(rb->name, "mini-1", "name");
	check_str(rb->title, "测试 test", "title");
	check_int(rb->nfields, 2, "two fields");
	check_dbl(rb->min_duration_s, 15, 0, "min duration");
	check_int(rb->need_stereo, 1, "stereo required");
	check_int(rb->need_transcript, 0, "transcript: false");
	check_dbl(rb->min_points, 12.5, 0, "min points");
	check_int(rb->nsections, 2, "two sections");
	check_str(rb->sections[0].label, "语气 tone", "section label");
	check_str(rb->sections[1].label, "words", "label defaults to the id");
	check_dbl(rb->sections[0].weight, 60, 0, "weight");
	check_int(rb->sections[0].nitems, 2, "two items in tone");
	check_int(rb->sections[1].first, 2, "words starts at item 2");
	check_int(rb->nitems, 7, "seven items");
	check_int(rb->items[0].kind, RUBRIC_BANDS, "bands kind");
	check_int(rb->items[0].line, 14, "item line");
	check_int(rb->items[0].col, 9, "item column");
	check_int(rb->items[0].nbands, 2, "two bands");
	check_str(rb->items[0].bands[1].when.text, "1..3", "range text");
	check_dbl(rb->items[0].bands[1].points, 5, 0, "band points");
	check_int(rb->items[1].pass.op, RUBRIC_LT, "< parsed");
	check_str(rb->items[1].pass.text, "< 15", "canonical condition text");
	check_int(rb->items[1].line, 21, "flow-mapping item line");
	check_int(rb->items[2].window, RUBRIC_FIRST, "first window");
	check_dbl(rb->items[2].window_s, 10, 0, "10 s");
	check_int(rb->items[2].speaker, RUBRIC_AGENT, "speaker defaults to agent");
	check_str(rb->items[2].norm[0], "您好", "phrase normalised");
	check_str(rb->items[2].norm[1], "hello there", "English phrase normalised");
	check_str(rb->items[2].phrases[0], "您好，", "phrase as written kept");
	check_int(rb->items[3].critical, 1, "critical: yes");
	check_dbl(rb->items[3].points, 0, 0, "critical item with 0 points");
	check_int(rb->items[3].window, RUBRIC_LAST, "last window");
	check_dbl(rb->items[3].window_s, 30.5, 0, "30.5 s");
	check_int(rb->items[3].speaker, RUBRIC_ANY, "speaker any");
	check_int(rb->items[3].nphrases, 1, "a single phrase as a string");
	check_int(rb->items[4].kind, RUBRIC_READBACK, "readback");
	check_int(rb->items[4].speaker, RUBRIC_CUSTOMER, "customer");
	check_int(rb->items[5].nvalues, 2, "equals list");
	check_int(rb->items[5].missing_fails, 1, "if_missing: fail");
	check_int(rb->items[6].kind, RUBRIC_MANUAL, "manual");
	check_int(rubric_item_index(rb, "rb"), 4, "item by id");
	check_int(rubric_item_index(rb, "nope"), -1, "unknown id");
	sha256_hex(good, strlen(good), hex);
	check_str(rb->version, hex, "version is the SHA-256 of the bytes");
	rubric_free(rb);

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/rules/%s", top ? top : ".",
			 i ? "sales-en.yaml" : "default.yaml");
		strbuf_reset(&problems);
		rb = rubric_load(path, &problems);
		check(rb != NULL, i ? "rules/sales-en.yaml loads"
				    : "rules/default.yaml loads");
		if (rb == NULL)
			printf("# %s", problems.buf);
		else if (i == 0) {
			check_int(rb->nsections, 3, "default: three sections");
			check_int(rb->nitems, 14, "default: fourteen items");
			check_int(rb->items[rubric_item_index(rb, "forbidden")]
					  .critical,
				  1, "default: forbidden words are critical");
		}
		rubric_free(rb);
	}

	check_int(rubric_cond_parse(">= 2", &c, &why), 0, ">= 2");
	check(rubric_cond_eval(&c, 2) && !rubric_cond_eval(&c, 1.99),
	      ">= 2 holds at 2, not at 1.99");
	check_int(rubric_cond_parse(" 3 .. 6.5 ", &c, &why), 0, "range");
	check(rubric_cond_eval(&c, 3) && rubric_cond_eval(&c, 6.5) &&
		      !rubric_cond_eval(&c, 6.51),
	      "range inclusive at both ends");
	check_int(rubric_cond_parse("!= 0", &c, &why), 0, "!=");
	check(!rubric_cond_eval(&c, 0) && rubric_cond_eval(&c, 1), "!= 0");
	check_int(rubric_cond_parse("=> 2", &c, &why), -1, "=> refused");
	check_int(rubric_cond_parse("5..1", &c, &why), -1, "reversed range");
	check_str(why, "range upper end below its lower end", "why");
	check_int(rubric_cond_parse("< nan", &c, &why), -1, "nan refused");
	check_int(rubric_cond_parse("< 1e10", &c, &why), -1, "1e10 refused");

	check_str(errors(HEAD "      - {id: a, kind: metric, metric: "
			 "agent_pitch_sd, pass: \">= 2\", points: 5}\n"),
		  "r.yaml:6:39: unknown metric 'agent_pitch_sd' (not a "
		  "measured column and not in fields:)\n",
		  "unknown metric at its line:column");
	check_str(errors(HEAD "      - {id: a, kind: metric, metric: "
			 "hold_s, pass: \"about 2\", points: 5}\n"),
		  "r.yaml:6:53: bad condition 'about 2': want OP NUMBER (<, "
		  "<=, >, >=, ==, !=) or a range A..B\n",
		  "bad threshold syntax");
	check_str(errors(HEAD "      - {id: a, kind: manual, points: 5}\n"
			 "      - {id: a, kind: manual, points: 5}\n"),
		  "r.yaml:7:14: duplicate item id 'a' (first at line 6)\n",
		  "duplicate item id");
	check_str(errors("rubric: t\nsections:\n  - id: s\n    weight: 60\n"
			 "    items: [{id: a, kind: manual, points: 5}]\n"
			 "  - id: u\n    weight: 30\n"
			 "    items: [{id: b, kind: manual, points: 5}]\n"),
		  "r.yaml:3:3: section weights add up to 90, not 100\n",
		  "weights not adding up to 100");
	check_str(errors("rubric: t\nsections:\n  - id: s\n    weight: 100\n"
			 "    items: []\n"),
		  "r.yaml:5:12: section 's' has no items\n", "empty section");
	check_str(errors(HEAD "      - {id: a, kind: manual, points: 5, "
			 "colour: red}\n"),
		  "r.yaml:6:42: unknown key 'colour' in an item (known: id, "
		  "label, kind, points, critical, if_missing, metric, pass, "
		  "bands, speaker, within, phrases, field, equals)\n",
		  "unknown key");
	check_str(errors(HEAD "      - {id: a, kind: said, points: 5, "
			 "phrases: [hi], pass: \"< 2\"}\n"),
		  "r.yaml:6:55: 'pass' does not apply to kind said\n",
		  "key of another kind");
	check_str(errors(HEAD "      - {id: a, kind: metric, points: 5}\n"),
		  "r.yaml:6:9: item 'a' (kind metric) needs 'metric'\n"
		  "r.yaml:6:9: item 'a' (kind metric) needs 'pass'\n",
		  "missing keys of a kind");
	check_str(errors(HEAD "      - {id: a, kind: said, points: 5, "
			 "phrases: [\"，。！\"]}\n"),
		  "r.yaml:6:50: phrase '，。！' is only punctuation and "
		  "spaces\n", "phrase that normalises to nothing");
	check_str(errors(HEAD "      - {id: a, kind: field, field: x, "
			 "equals: t, points: 5}\n"),
		  "r.yaml:6:37: field 'x' is not declared in fields:\n",
		  "undeclared field");
	check_str(errors(HEAD "      - {id: a, kind: manual, points: 1e12}\n"),
		  "r.yaml:6:39: points '1e12': number too large (limit 1e9)\n",
		  "huge number refused");
	check_str(errors(HEAD "      - {id: a, kind: manual, points: .inf}\n"),
		  "r.yaml:6:39: points '.inf': not a number\n",
		  "YAML infinity refused");
	check_str(errors(HEAD "      - {id: a, kind: manual, points: \"5\"}\n"),
		  "r.yaml:6:39: points must be a number\n",
		  "quoted number refused");
	check_str(errors(HEAD "      - {id: a, kind: manual, points: 2000}\n"),
		  "r.yaml:6:39: points 2000 is out of range (0 to 1000)\n",
		  "points over 1000");
	check_str(errors(HEAD "      - {id: a, kind: said, points: 5, "
			 "phrases: [hi], within: first 10 min}\n"),
		  "r.yaml:6:63: within: want \"first N s\", \"last N s\" or "
		  "\"whole call\", not 'first 10 min'\n", "bad window");
	check_str(errors(HEAD "      - &x {id: a, kind: manual, points: 5}\n"),
		  "r.yaml:6:9: anchor '&x' not allowed: rubrics may not use "
		  "anchors and aliases\n", "anchor refused");
	check_str(errors(HEAD "      - *x\n"),
		  "r.yaml:6:9: alias '*x' not allowed: rubrics may not use "
		  "anchors and aliases\n", "alias refused");
	check_str(errors("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"),
		  "r.yaml:1:4: anchor '&a' not allowed: rubrics may not use "
		  "anchors and aliases\n", "alias bomb refused at once");
	check_str(errors("rubric: t\nsections: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]"
			 "]]]]]]]]]]\n"),
		  "r.yaml:2:26: nested deeper than 16 levels\n",
		  "deep nesting refused");
	check_str(errors("rubric: t\nsections:\n  - id: [\n"),
		  "r.yaml:4:1: did not find expected node content while "
		  "parsing a flow node\n", "libyaml syntax error at its mark");
	check_str(errors("rubric: t\n\tsections: []\n"),
		  "r.yaml:2:1: found a tab character that violates indentation "
		  "while scanning a plain scalar\n", "tab indentation");
	check_str(errors("rubric: t\n---\nrubric: u\n"),
		  "r.yaml:2:1: more than one YAML document; a rubric is one "
		  "document\n", "two documents");
	check_str(errors(""), "r.yaml: empty rubric\n", "empty file");
	check_str(errors(HEAD "      - {id: \"a\\nb\", kind: manual, points: 5}\n"),
		  "r.yaml:6:14: id 'a?b': use lower case letters, digits and "
		  "_\n", "a line break in a value stays on one problem line "
		  "(found by fuzz_rubric)");
	{
		/* not NUL-terminated: the loader must not read past len */
		static const char nt[9] = { 'r', 'u', 'b', 'r', 'i', 'c', ':',
					    ' ', '\xe4' };

		check_str(errors_n(nt, sizeof(nt)), "r.yaml: not UTF-8 text\n",
			  "a truncated UTF-8 sequence at the very end");
	}
	check_str(errors("- a\n"), "r.yaml:1:1: a rubric is a mapping with "
		  "rubric:, sections: ...\n", "a list is not a rubric");
	check_str(errors("rubric: t\nrubric: u\nsections: []\n"),
		  "r.yaml:2:1: duplicate key 'rubric' (first at line 1)\n"
		  "r.yaml:3:11: sections must be a non-empty list\n",
		  "duplicate key");
	strbuf_adds(&big, "rubric: t\n");
	while (big.len <= RUBRIC_MAX_BYTES)
		strbuf_adds(&big, "# padding padding padding padding\n");
	strbuf_reset(&problems);
	rb = rubric_parse("r.yaml", big.buf, big.len, &problems);
	check(rb == NULL, "file over 1 MiB refused");
	check_str(problems.buf, "r.yaml: larger than 1024 KiB; not a rubric\n",
		  "size message");
	strbuf_release(&big);
	strbuf_reset(&problems);
	rb = rubric_load("/nonexistent.yaml", &problems);
	check_str(problems.buf, "/nonexistent.yaml: No such file or directory\n",
		  "missing file");
	strbuf_release(&problems);
	return test_done();
}
