/*
 * test_transcript: TSV, WebVTT and SRT transcripts read into segments with
 * times, speakers and text; speaker mapping by name and channel; refusal of
 * malformed, out-of-order and overlapping transcripts with file:line.
 */
#include <string.h>

#include "callqa/transcript.h"
#include "../tap.h"

static struct transcript *
parse(const char *name, const char *text, int ch, struct err *e)
{
	return transcript_parse(name, text, strlen(text), ch, e);
}

int
main(void)
{
	struct transcript *t;
	struct err e;
	double v = -1;

	check_int(transcript_parse_time("12.5", 4, &v), 0, "seconds parse");
	check_dbl(v, 12.5, 1e-9, "12.5 s");
	transcript_parse_time("01:02:03,250", 12, &v);
	check_dbl(v, 3723.25, 1e-9, "SRT clock time with comma");
	transcript_parse_time("02:03.5", 7, &v);
	check_dbl(v, 123.5, 1e-9, "MM:SS.s");
	check_int(transcript_parse_time("1:75", 4, &v), -1,
		  "75 seconds in a clock time refused");
	check_int(transcript_parse_time("abc", 3, &v), -1, "letters refused");
	check_int(transcript_parse_time("-1", 2, &v), -1, "negative refused");

	check_int(transcript_speaker("Agent", 5, 1), TRANSCRIPT_AGENT, "Agent");
	check_int(transcript_speaker("坐席", strlen("坐席"), 1),
		  TRANSCRIPT_AGENT, "坐席");
	check_int(transcript_speaker("客服", strlen("客服"), 1),
		  TRANSCRIPT_AGENT, "客服");
	check_int(transcript_speaker("客户", strlen("客户"), 1),
		  TRANSCRIPT_CUSTOMER, "客户");
	check_int(transcript_speaker("CUSTOMER", 8, 1), TRANSCRIPT_CUSTOMER,
		  "CUSTOMER, case ignored");
	check_int(transcript_speaker("Speaker 2", 9, 2), TRANSCRIPT_AGENT,
		  "Speaker 2 is the agent when agent_channel is 2");
	check_int(transcript_speaker("Speaker 1", 9, 2), TRANSCRIPT_CUSTOMER,
		  "Speaker 1 is then the customer");
	check_int(transcript_speaker("1", 1, 1), TRANSCRIPT_AGENT,
		  "channel number 1");
	check_int(transcript_speaker("Bob", 3, 1), TRANSCRIPT_UNKNOWN,
		  "an unknown name");

	t = parse("a.tsv", "start\tend\tspeaker\ttext\n"
		  "0.50\t3.00\tagent\t您好，很高兴为您服务\n"
		  "3.20\t5.00\tcustomer\t你好\n"
		  "\n"
		  "# a comment\n"
		  "5.10\t7.00\t1\tOK\ttab in text\n", 1, &e);
	check(t != NULL, "TSV with header, blank and comment lines");
	if (t) {
		check_int(t->nseg, 3, "three segments");
		check_dbl(t->seg[0].start, 0.5, 1e-9, "first start");
		check_dbl(t->seg[0].end, 3.0, 1e-9, "first end");
		check_int(t->seg[0].speaker, TRANSCRIPT_AGENT, "agent");
		check_str(t->seg[0].text, "您好，很高兴为您服务", "original text");
		check_str(t->seg[0].norm, "您好很高兴为您服务", "normalised text");
		check_int(t->seg[0].line, 2, "line of the segment");
		check_int(t->seg[1].speaker, TRANSCRIPT_CUSTOMER, "customer");
		check_int(t->seg[2].speaker, TRANSCRIPT_AGENT,
			  "channel 1 = agent_channel");
		check_str(t->seg[2].text, "OK\ttab in text",
			  "text after the third tab kept whole");
		check_int(t->seg[2].line, 6, "line counts blank and comment");
	}
	transcript_free(t);

	t = parse("b.tsv", "0\t2\tagent\thi\n1\t3\tagent\tho\n", 1, &e);
	check(t == NULL, "same speaker overlapping refused");
	check_str(e.msg, "b.tsv:2: segment overlaps the same speaker's "
		  "previous one (line 1, ends 2.000)", "overlap message");
	t = parse("b.tsv", "0\t2\tagent\thi\n1.6\t3\tagent\tho\n", 1, &e);
	check(t != NULL, "same speaker overlapping by 0.4 s is jitter, kept");
	transcript_free(t);
	t = parse("b.tsv", "0\t2\tagent\thi\n1\t3\tcustomer\tho\n", 1, &e);
	check(t != NULL, "agent and customer overlapping is overtalk, kept");
	transcript_free(t);
	t = parse("c.tsv", "5\t6\tagent\thi\n1\t3\tcustomer\tho\n", 1, &e);
	check(t == NULL, "out of order refused");
	check_str(e.msg, "c.tsv:2: segment out of order: starts at 1.000, "
		  "before the previous one (line 1, 5.000)", "order message");
	t = parse("d.tsv", "0\tx2\tagent\thi\n", 1, &e);
	check_str(t ? "" : e.msg, "d.tsv:1: bad time 'x2' (want seconds or "
		  "HH:MM:SS.mmm)", "bad time with file:line");
	t = parse("e.tsv", "0\t1\tagent\thi\n4\t3\tagent\tho\n", 1, &e);
	check_str(t ? "" : e.msg, "e.tsv:2: segment ends (3.000) before it "
		  "starts (4.000)", "end before start");
	t = parse("f.tsv", "0\t1\tbob\thi\n", 1, &e);
	check_str(t ? "" : e.msg, "f.tsv:1: unknown speaker 'bob' (want "
		  "agent, customer or a channel number)", "unknown TSV speaker");
	t = parse("g.tsv", "0\t1\n", 1, &e);
	check_str(t ? "" : e.msg, "g.tsv:1: 2 fields, want start, end, "
		  "speaker, text", "too few fields");
	t = parse("h.tsv", "0\t1\tagent\t\xff\n", 1, &e);
	check_str(t ? "" : e.msg, "h.tsv: not UTF-8 text", "not UTF-8");

	t = parse("a.vtt", "WEBVTT - call K1\n\n"
		  "NOTE produced by asr\nsecond note line\n\n"
		  "1\n00:00.500 --> 00:03.000 align:start\n"
		  "<v Agent>您好，<b>很高兴</b>为您服务</v>\n\n"
		  "00:00:03.200 --> 00:00:05.000\n"
		  "<v.loud Customer>I have a question\nabout my order</v>\n\n"
		  "00:05.500 --> 00:07.000\nAgent: Your tracking number is\n",
		  1, &e);
	check(t != NULL, "WebVTT with header, NOTE, ids, settings, tags");
	if (t) {
		check_int(t->nseg, 3, "three cues");
		check_int(t->seg[0].speaker, TRANSCRIPT_AGENT, "<v Agent>");
		check_str(t->seg[0].text, "您好，很高兴为您服务",
			  "tags stripped");
		check_int(t->seg[0].line, 7, "line of the timing");
		check_int(t->seg[1].speaker, TRANSCRIPT_CUSTOMER,
			  "<v.loud Customer> with a class");
		check_str(t->seg[1].text, "I have a question about my order",
			  "multi-line cue joined");
		check_dbl(t->seg[1].start, 3.2, 1e-9, "hours in the time");
		check_int(t->seg[2].speaker, TRANSCRIPT_AGENT,
			  "Agent: prefix without a voice tag");
		check_str(t->seg[2].text, "Your tracking number is",
			  "prefix removed");
	}
	transcript_free(t);
	t = parse("x.vtt", "1\n00:01.000 --> 00:02.000\nhi\n", 1, &e);
	check_str(t ? "" : e.msg, "x.vtt:1: WebVTT file does not start with "
		  "WEBVTT", "WebVTT without the header");
	t = parse("y.vtt", "WEBVTT\n\n00:01.000 --> 00:0x.000\nhi\n", 1, &e);
	check_str(t ? "" : e.msg, "y.vtt:3: bad timing line '00:01.000 --> "
		  "00:0x.000'", "bad VTT timing");

	t = parse("a.srt", "1\r\n00:00:01,000 --> 00:00:04,000\r\n"
		  "坐席：您好，工号1023\r\n\r\n"
		  "2\r\n00:00:04,500 --> 00:00:06,000\r\nSpeaker 2: hello\r\n\r\n"
		  "3\r\n00:00:06,000 --> 00:00:07,000\r\nno speaker here\r\n",
		  2, &e);
	check(t != NULL, "SRT with CRLF");
	if (t) {
		check_int(t->nseg, 3, "three SRT cues");
		check_int(t->seg[0].speaker, TRANSCRIPT_AGENT,
			  "坐席： prefix with a full-width colon");
		check_str(t->seg[0].text, "您好，工号1023", "prefix removed");
		check_int(t->seg[1].speaker, TRANSCRIPT_AGENT,
			  "Speaker 2 with agent_channel 2");
		check_int(t->seg[2].speaker, TRANSCRIPT_UNKNOWN,
			  "cue without a speaker is unknown");
		check_dbl(t->seg[1].start, 4.5, 1e-9, "SRT start");
	}
	transcript_free(t);
	t = parse("b.srt", "1\n00:00:01,000 -> 00:00:04,000\nhi\n", 1, &e);
	check_str(t ? "" : e.msg, "b.srt:2: bad timing line '00:00:01,000 "
		  "-> 00:00:04,000'", "SRT cue with a broken arrow");
	t = parse("noext", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v agent>hi\n",
		  1, &e);
	check(t && t->nseg == 1 && t->seg[0].speaker == TRANSCRIPT_AGENT,
	      "format recognised by content");
	transcript_free(t);
	{
		/* found by fuzz_transcript: a buffer without a final NUL */
		static const char nt[25] = "WEBVTT\n000 --> 00:00I05.B";

		t = transcript_parse("t", nt, sizeof(nt), 1, &e);
		check(t && t->nseg == 0, "unterminated buffer read within "
		      "bounds (the line belongs to the WEBVTT header block)");
		transcript_free(t);
	}
	t = transcript_load("/nonexistent/t.tsv", 1, &e);
	check_str(t ? "" : e.msg, "/nonexistent/t.tsv: No such file or "
		  "directory", "missing file");
	return test_done();
}
