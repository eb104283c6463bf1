/*
 * report.h: the month's reports for managers and HR, read from PostgreSQL
 * through the reader views (manager_board, manager_calls, hr_agent_month;
 * see callqa-report(1)), rendered as aligned text, Markdown, CSV or a
 * self-contained HTML page with inline SVG charts, labelled in English or
 * Chinese.
 *
 * report_load() runs every query (all with parameters) and keeps their
 * results; report_render() only formats.  The loaded report owns its
 * results and is released with report_free().  When the session may, the
 * reading runs as callqa_manager (callqa_hr with hr set), so the report
 * sees only what those roles see.
 */
#ifndef CALLQA_REPORT_H
#define CALLQA_REPORT_H

#include <stddef.h>

#include "callqa/callqa.h"
#include "callqa/strbuf.h"

struct db;

enum report_format { REPORT_TEXT, REPORT_MD, REPORT_CSV, REPORT_HTML };
enum report_lang { REPORT_EN, REPORT_ZH };

struct report_opts {
	const char *month;    /* YYYY-MM (required) */
	const char *group_by; /* team, post, centre; NULL: the latest board */
	const char *timezone; /* months start at midnight here; NULL: UTC */
	enum report_format format;
	enum report_lang lang;
	int hr;	      /* the HR export instead of the manager board */
	int examples; /* example calls of each kind per group (default 2) */
};

struct report; /* opaque */

/*
 * Read everything the report needs.  Fails (NULL, e filled) when the
 * month is malformed, a query fails, or no board of the month (and
 * grouping) was computed by callqa-rank; then *no_board is set to 1 when
 * no_board is not NULL.
 */
struct report *report_load(struct db *db, const struct report_opts *o,
			   int *no_board, struct err *e);
void report_free(struct report *r);

/*
 * 1 when the session may apply migrations (its user is a member of
 * callqa_pipeline, or a superuser, or the schema is not there yet), 0 for
 * a reader (a login in callqa_manager or callqa_hr only), -1 on error.
 */
int report_may_migrate(struct db *db, struct err *e);

/* Append the report in o's format and language to out; 0, or -1. */
int report_render(const struct report *r, struct strbuf *out, struct err *e);

/* Counts shown to the caller (for notes): agents and groups of the board. */
int report_nagents(const struct report *r);
int report_ngroups(const struct report *r);

/*
 * Terminal columns of UTF-8 text: East Asian wide and fullwidth characters
 * count 2, combining marks and zero-width characters 0, others 1 (a byte
 * that is not UTF-8 counts 1).
 */
size_t report_display_width(const char *s);

/* Append s with & < > " ' escaped for HTML text and attributes. */
int report_html_escape(struct strbuf *sb, const char *s);

/*
 * Append s as one RFC 4180 field (quoted when it must be).  A text that a
 * spreadsheet would run as a formula (starting with = + - @, a tab or a
 * carriage return, and not a number) gets a leading ' (OWASP's advice
 * against CSV injection), so it opens as the text it is.
 */
int report_csv_field(struct strbuf *sb, const char *s);

/*
 * The part of a bilingual label ("问候语 greeting") for lang: the leading
 * words holding non-ASCII text for zh, the trailing ASCII words for en;
 * the whole label when it is not of that shape.  Writes into buf.
 */
void report_label_lang(const char *label, enum report_lang lang, char *buf,
		       size_t size);

/* The month before "YYYY-MM" into buf (size >= 8); -1 when malformed. */
int report_prev_month(const char *month, char *buf, size_t size);

#endif
