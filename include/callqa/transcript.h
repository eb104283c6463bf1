/*
 * transcript.h: a call's transcript, read from the sidecar file named by
 * the record's transcript column, in one of the forms speech recognisers
 * write:
 *
 *   .tsv  start TAB end TAB speaker TAB text, one segment a line; times in
 *         seconds (12.5) or clock form (00:12.500); an optional header line
 *         whose first field is "start"; blank lines and #-lines ignored.
 *   .vtt  WebVTT; the speaker from a voice tag <v Agent>, or a "Name:"
 *         prefix of the cue text; NOTE, STYLE and REGION blocks skipped.
 *   .srt  SubRip; the speaker from a "Name:" prefix (also "Name：").
 *
 * Other names are recognised by content (WEBVTT first line, or an SRT
 * timing line).  Speaker names map to agent or customer: agent, 坐席, 客服,
 * staff, operator -> agent; customer, 客户, 用户, caller, client ->
 * customer (ASCII case ignored); a channel number N, "Speaker N",
 * "speaker_N", "spkN", "channel N" or "chN" is the agent when N is the
 * call's agent_channel, else the customer.  A TSV speaker that maps to
 * neither is an error; a VTT or SRT cue without a speaker is kept with
 * speaker unknown.
 *
 * A transcript is refused as a whole, with "FILE:LINE: why", for a time
 * that does not parse, an end before its start, a segment starting before
 * the previous one (out of order), a segment overlapping the previous one
 * of the same speaker by more than TRANSCRIPT_OVERLAP_TOL (recognisers'
 * time stamps jitter, and a speaker cut off and starting again may overlap
 * slightly), text that is not UTF-8, or a file over 16 MiB.  Agent and
 * customer may overlap freely (that is overtalk).
 */
#ifndef CALLQA_TRANSCRIPT_H
#define CALLQA_TRANSCRIPT_H

#include <stddef.h>

#include "callqa/callqa.h"

#define TRANSCRIPT_MAX_BYTES ((size_t)16 << 20)
#define TRANSCRIPT_OVERLAP_TOL 0.5 /* seconds */

enum transcript_speaker {
	TRANSCRIPT_UNKNOWN = 0,
	TRANSCRIPT_AGENT = 1,
	TRANSCRIPT_CUSTOMER = 2
};

struct transcript_seg {
	double start, end; /* seconds from the start of the call */
	enum transcript_speaker speaker;
	char *text; /* as written (tags and speaker prefix removed) */
	char *norm; /* textnorm() of text */
	long line;  /* line of the segment in the file */
};

struct transcript {
	char *path;
	struct transcript_seg *seg;
	size_t nseg;
};

/*
 * Read the transcript at path; agent_channel (1 or 2) maps channel
 * numbers.  Returns NULL with e = "PATH:LINE: why" (or "PATH: why").
 */
struct transcript *transcript_load(const char *path, int agent_channel,
				   struct err *e);
/* Parse a transcript from memory (buf need not be NUL-terminated). */
struct transcript *transcript_parse(const char *path, const char *buf,
				    size_t len, int agent_channel,
				    struct err *e);
void transcript_free(struct transcript *t);

/* Map a speaker label (see above); TRANSCRIPT_UNKNOWN when none fits. */
enum transcript_speaker transcript_speaker(const char *name, size_t len,
					   int agent_channel);
/*
 * Parse a time: seconds "12.5", or clock "MM:SS.mmm" / "HH:MM:SS,mmm".
 * Returns 0 and sets *t, or -1.  s[0..len) is the whole text of the time.
 */
int transcript_parse_time(const char *s, size_t len, double *t);

#endif
