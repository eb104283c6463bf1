/*
 * report.c: the month's manager board and HR export.  report_load() reads
 * the reader views with parameterised queries and keeps the results;
 * report_render() lays them out as text, Markdown, CSV or HTML (with
 * inline SVG charts drawn here).  Every fixed string is in labels[].
 */
#include "callqa/report.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "pq_int.h"
#include "callqa/strbuf.h"

/* The fixed strings, English and Chinese. */
enum label {
	L_TITLE,
	L_HR_TITLE,
	L_BOARD_BY,
	L_COMPUTED,
	L_TEAM,
	L_POST,
	L_CENTRE,
	L_GROUP,
	L_RANK,
	L_AGENT,
	L_N,
	L_MEAN,
	L_CI,
	L_SHRUNK,
	L_POINTS,
	L_CHANGE,
	L_FLAG,
	L_BEST,
	L_WORST,
	L_STRONGEST,
	L_WEAKEST,
	L_NO_RANKED,
	L_COMPARE,
	L_AGENTS,
	L_CALLS,
	L_SD,
	L_ALL,
	L_EXAMPLES,
	L_KIND,
	L_CALL,
	L_SCORE,
	L_AT,
	L_WHY,
	L_AUDIO,
	L_STARTED,
	L_BEST_CALL,
	L_FAILURE,
	L_CRITICAL,
	L_NONE,
	L_HIST,
	L_MEANS_CHART,
	L_TREND,
	L_PERIOD,
	L_SCORED,
	L_LEDGER,
	L_LADDER_STATUS,
	L_LADDER_REC,
	L_NO_LADDER,
	L_INTERVAL_NOTE,
	L_PREV,
	L_ALL_TIE,
	L_NLABELS
};

static const char *const labels[L_NLABELS][2] = {
	[L_TITLE] = { "QA report", "质检报告" },
	[L_HR_TITLE] = { "HR export", "人事导出" },
	[L_BOARD_BY] = { "board by", "排名分组" },
	[L_COMPUTED] = { "computed", "计算于" },
	[L_TEAM] = { "team", "班组" },
	[L_POST] = { "post", "岗位" },
	[L_CENTRE] = { "centre", "中心" },
	[L_GROUP] = { "group", "分组" },
	[L_RANK] = { "rank", "名次" },
	[L_AGENT] = { "agent", "坐席" },
	[L_N] = { "calls", "通话数" },
	[L_MEAN] = { "mean", "平均分" },
	[L_CI] = { "interval", "置信区间" },
	[L_SHRUNK] = { "shrunk", "收缩估计" },
	[L_POINTS] = { "points", "绩效分" },
	[L_CHANGE] = { "change", "环比" },
	[L_FLAG] = { "flag", "标记" },
	[L_BEST] = { "best", "最佳" },
	[L_WORST] = { "worst", "最差" },
	[L_STRONGEST] = { "strongest", "最强项" },
	[L_WEAKEST] = { "weakest", "最弱项" },
	[L_NO_RANKED] = { "nobody ranked", "无人参与排名" },
	[L_COMPARE] = { "Groups compared", "分组对比" },
	[L_AGENTS] = { "agents", "坐席数" },
	[L_CALLS] = { "calls", "通话数" },
	[L_SD] = { "sd", "标准差" },
	[L_ALL] = { "all", "全部" },
	[L_EXAMPLES] = { "Calls worth playing to the team",
			 "值得组内回放的通话" },
	[L_KIND] = { "kind", "类型" },
	[L_CALL] = { "call", "通话" },
	[L_SCORE] = { "score", "得分" },
	[L_AT] = { "play at", "跳转" },
	[L_WHY] = { "why", "原因" },
	[L_AUDIO] = { "audio", "录音" },
	[L_STARTED] = { "started", "开始时间" },
	[L_BEST_CALL] = { "best call", "优秀通话" },
	[L_FAILURE] = { "failure", "失分通话" },
	[L_CRITICAL] = { "critical", "致命项" },
	[L_NONE] = { "none", "无" },
	[L_HIST] = { "Score distribution", "得分分布" },
	[L_MEANS_CHART] = { "Mean per agent with interval",
			    "坐席平均分及置信区间" },
	[L_TREND] = { "Monthly mean, last 6 months", "近6个月月均分" },
	[L_PERIOD] = { "period", "期间" },
	[L_SCORED] = { "scored calls", "评分通话数" },
	[L_LEDGER] = { "ledger points", "绩效加减分" },
	[L_LADDER_STATUS] = { "ladder status", "晋降状态" },
	[L_LADDER_REC] = { "ladder recommendation", "晋降建议" },
	[L_NO_LADDER] = { "no ladder decisions in this database",
			  "数据库中无晋降建议" },
	[L_INTERVAL_NOTE] = { "ranked on the shrunk estimate; change is the "
			      "mean's change since the month before",
			      "按收缩估计排名；"
			      "环比为平均分较上月的变化" },
	[L_PREV] = { "previous month", "上月" },
	[L_ALL_TIE] = { "every ranked agent ties: no best and no worst",
			"全部并列：无最佳与最差" },
};

struct report {
	struct report_opts o;
	char month[8], prev[8], start[11];
	char group_by[16];
	char computed[32]; /* when the board was computed, UTC */
	char months[6][8]; /* the trend's months, oldest first */
	PGresult *board, *prevb, *items, *groups, *hist, *trend, *examples;
	PGresult *hr, *ladder;
	int ladder_state; /* 0 no table, 1 read, -1 not readable */
	int ngroups;
};

static const char *
L(const struct report *r, enum label l)
{
	return labels[l][r->o.lang == REPORT_ZH];
}

/* ---- Text utilities ---- */

static unsigned long
utf8_decode(const char *s, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = utf8_seqlen(s);
	unsigned long c;
	size_t i;

	if (n <= 1) {
		*len = 1;
		return u[0];
	}
	c = u[0] & (0xff >> (n + 1));
	for (i = 1; i < n; i++)
		c = (c << 6) | (u[i] & 0x3f);
	*len = n;
	return c;
}

static int
cp_width(unsigned long c)
{
	if (c == 0)
		return 0;
	if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff ||
	    (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x20d0 && c <= 0x20ff))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	    (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

size_t
report_display_width(const char *s)
{
	size_t w = 0, n;

	while (*s) {
		w += (size_t)cp_width(utf8_decode(s, &n));
		s += n;
	}
	return w;
}

int
report_html_escape(struct strbuf *sb, const char *s)
{
	int r = 0;

	for (; *s && r == 0; s++) {
		switch (*s) {
		case '&': r = strbuf_adds(sb, "&amp;"); break;
		case '<': r = strbuf_adds(sb, "&lt;"); break;
		case '>': r = strbuf_adds(sb, "&gt;"); break;
		case '"': r = strbuf_adds(sb, "&quot;"); break;
		case '\'': r = strbuf_adds(sb, "&#39;"); break;
		default: r = strbuf_addch(sb, *s);
		}
	}
	return r;
}

/*
 * Whether a spreadsheet would take s for a formula (CSV injection: a team
 * or agent name "=HYPERLINK(...)" in HR's export).  A number such as -5
 * or +2.5 is data and stays as it is.
 */
static int
formula_like(const char *s)
{
	char *end;

	if (*s == '\0' || strchr("=+-@\t\r", *s) == NULL)
		return 0;
	(void)strtod(s, &end);
	return end == s || *end != '\0';
}

int
report_csv_field(struct strbuf *sb, const char *s)
{
	int r = 0, formula = formula_like(s);

	if (!formula && strpbrk(s, ",\"\r\n") == NULL)
		return strbuf_adds(sb, s);
	r = strbuf_addch(sb, '"');
	if (formula && r == 0) /* shown as text, with the quote mark */
		r = strbuf_addch(sb, '\'');
	for (; *s && r == 0; s++)
		r = *s == '"' ? strbuf_adds(sb, "\"\"") : strbuf_addch(sb, *s);
	return r ? r : strbuf_addch(sb, '"');
}

void
report_label_lang(const char *label, enum report_lang lang, char *buf,
		  size_t size)
{
	const char *sp = NULL, *p;
	int head_wide = 0;

	/* The last space after which everything is ASCII. */
	for (p = label; *p; p++)
		if (*p == ' ') {
			const char *q = p + 1;

			while (*q && !((unsigned char)*q & 0x80))
				q++;
			if (*q == '\0' && p[1]) {
				sp = p;
				break;
			}
		} else if ((unsigned char)*p & 0x80)
			head_wide = 1;
	if (sp == NULL || !head_wide) {
		snprintf(buf, size, "%s", label);
		return;
	}
	if (lang == REPORT_ZH)
		snprintf(buf, size, "%.*s", (int)(sp - label), label);
	else
		snprintf(buf, size, "%s", sp + 1);
}

int
report_prev_month(const char *month, char *buf, size_t size)
{
	int y, m;
	char tail;

	if (strlen(month) != 7 || month[4] != '-' ||
	    sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || y < 1971 ||
	    m < 1 || m > 12)
		return -1;
	if (--m == 0) {
		m = 12;
		y--;
	}
	snprintf(buf, size, "%04d-%02d", y, m);
	return 0;
}

/* ---- Tables ---- */

struct table {
	int ncols, nrows; /* rows after the header */
	char **cell;	  /* (nrows + 1) * ncols */
	size_t cap;
	char align[24]; /* 'l' or 'r' per column */
	int oom;
};

static void
table_init(struct table *t, int ncols, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	snprintf(t->align, sizeof(t->align), "%s", align);
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < (size_t)(t->nrows + 1) * (size_t)t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

/* Append a row (the first call: the header) of ncols strings. */
static void
table_row(struct table *t, ...)
{
	size_t need = (size_t)(t->nrows + 2) * (size_t)t->ncols, base, i;
	int first = t->cell == NULL;
	va_list ap;

	if (t->oom)
		return;
	if (first)
		need = (size_t)t->ncols;
	if (need > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : (size_t)t->ncols * 16;
		char **c;

		while (cap < need)
			cap *= 2;
		if ((c = realloc(t->cell, cap * sizeof(*c))) == NULL) {
			t->oom = 1;
			return;
		}
		t->cell = c;
		t->cap = cap;
	}
	base = first ? 0 : (size_t)(t->nrows + 1) * (size_t)t->ncols;
	va_start(ap, t);
	for (i = 0; i < (size_t)t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cell[base + i] = strdup(s ? s : "");
		if (t->cell[base + i] == NULL)
			t->oom = 1;
	}
	va_end(ap);
	if (!first)
		t->nrows++;
}

static const char *
cell(const struct table *t, int row, int col)
{
	return t->cell[(size_t)row * (size_t)t->ncols + (size_t)col];
}

static void
pad(struct strbuf *sb, size_t n)
{
	while (n-- > 0)
		strbuf_addch(sb, ' ');
}

/* Markdown text: no table breaks, no raw HTML from the database. */
static void
md_cell(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			strbuf_adds(sb, "\\|");
		else if (*s == '<')
			strbuf_adds(sb, "&lt;");
		else if (*s == '&')
			strbuf_adds(sb, "&amp;");
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			strbuf_addch(sb, ' ');
		else
			strbuf_addch(sb, *s);
	}
}

/* Text without control characters (a tab or newline from the database). */
static void
text_cell(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		strbuf_addch(sb, (unsigned char)*s < 0x20 ? ' ' : *s);
}

static void
table_render(const struct table *t, enum report_format f, struct strbuf *sb)
{
	size_t w[24] = { 0 }, x;
	int i, j;

	if (f == REPORT_TEXT) {
		for (i = 0; i <= t->nrows; i++)
			for (j = 0; j < t->ncols; j++)
				if ((x = report_display_width(cell(t, i, j))) >
				    w[j])
					w[j] = x;
		for (i = 0; i <= t->nrows; i++) {
			for (j = 0; j < t->ncols; j++) {
				const char *c = cell(t, i, j);
				size_t gap = w[j] - report_display_width(c);

				if (j)
					strbuf_adds(sb, "  ");
				if (t->align[j] == 'r')
					pad(sb, gap);
				text_cell(sb, c);
				if (t->align[j] != 'r' && j + 1 < t->ncols)
					pad(sb, gap);
			}
			while (sb->len && sb->buf[sb->len - 1] == ' ')
				sb->buf[--sb->len] = '\0';
			strbuf_addch(sb, '\n');
			if (i == 0) {
				for (j = 0; j < t->ncols; j++) {
					if (j)
						strbuf_adds(sb, "  ");
					for (x = 0; x < w[j]; x++)
						strbuf_addch(sb, '-');
				}
				strbuf_addch(sb, '\n');
			}
		}
	} else if (f == REPORT_MD) {
		for (i = 0; i <= t->nrows; i++) {
			strbuf_addch(sb, '|');
			for (j = 0; j < t->ncols; j++) {
				strbuf_addch(sb, ' ');
				md_cell(sb, cell(t, i, j));
				strbuf_adds(sb, " |");
			}
			strbuf_addch(sb, '\n');
			if (i == 0) {
				strbuf_addch(sb, '|');
				for (j = 0; j < t->ncols; j++)
					strbuf_adds(sb, t->align[j] == 'r'
								? " ---: |"
								: " --- |");
				strbuf_addch(sb, '\n');
			}
		}
	} else if (f == REPORT_CSV) {
		for (i = 0; i <= t->nrows; i++) {
			for (j = 0; j < t->ncols; j++) {
				if (j)
					strbuf_addch(sb, ',');
				report_csv_field(sb, cell(t, i, j));
			}
			strbuf_adds(sb, "\r\n");
		}
	} else {
		strbuf_adds(sb, "<table>\n<thead><tr>");
		for (j = 0; j < t->ncols; j++) {
			strbuf_adds(sb, t->align[j] == 'r' ? "<th class=\"r\">"
							   : "<th>");
			report_html_escape(sb, cell(t, 0, j));
			strbuf_adds(sb, "</th>");
		}
		strbuf_adds(sb, "</tr></thead>\n<tbody>\n");
		for (i = 1; i <= t->nrows; i++) {
			strbuf_adds(sb, "<tr>");
			for (j = 0; j < t->ncols; j++) {
				strbuf_adds(sb, t->align[j] == 'r'
							? "<td class=\"r\">"
							: "<td>");
				report_html_escape(sb, cell(t, i, j));
				strbuf_adds(sb, "</td>");
			}
			strbuf_adds(sb, "</tr>\n");
		}
		strbuf_adds(sb, "</tbody>\n</table>\n");
	}
}

/* ---- Headings and lines in each format ---- */

static void
heading(struct strbuf *sb, enum report_format f, int level, const char *s)
{
	if (f == REPORT_TEXT) {
		if (sb->len)
			strbuf_addch(sb, '\n');
		text_cell(sb, s);
		strbuf_addch(sb, '\n');
		if (level == 1) {
			size_t i, w = report_display_width(s);

			for (i = 0; i < w; i++)
				strbuf_addch(sb, '=');
			strbuf_addch(sb, '\n');
		}
	} else if (f == REPORT_MD) {
		if (sb->len)
			strbuf_addch(sb, '\n');
		strbuf_adds(sb, level == 1 ? "# " : "## ");
		md_cell(sb, s);
		strbuf_adds(sb, "\n\n");
	} else if (f == REPORT_HTML) {
		strbuf_addf(sb, "<h%d>", level);
		report_html_escape(sb, s);
		strbuf_addf(sb, "</h%d>\n", level);
	}
}

static void
line(struct strbuf *sb, enum report_format f, const char *s)
{
	if (f == REPORT_TEXT) {
		text_cell(sb, s);
		strbuf_addch(sb, '\n');
	} else if (f == REPORT_MD) {
		strbuf_adds(sb, "- ");
		md_cell(sb, s);
		strbuf_addch(sb, '\n');
	} else if (f == REPORT_HTML) {
		strbuf_adds(sb, "<p>");
		report_html_escape(sb, s);
		strbuf_adds(sb, "</p>\n");
	}
}

/* A blank line before a table in text and Markdown. */
static void
gap(struct strbuf *sb, enum report_format f)
{
	if (f == REPORT_TEXT || f == REPORT_MD)
		strbuf_addch(sb, '\n');
}

/* ---- Queries ---- */

/*
 * The month's scored calls (the latest score of each), read from
 * manager_calls once into a temporary table that the other queries share.
 */
static const char calls_tmp_sql[] =
	"CREATE TEMP TABLE report_calls AS SELECT call_id, agent_id, team, "
	"post, started_at, score, critical_fail, items, audio, segments FROM "
	"manager_calls WITH NO DATA";

static const char calls_fill_sql[] =
	"INSERT INTO report_calls SELECT call_id, agent_id, team, post, "
	"started_at, score, critical_fail, items, audio, segments FROM "
	"(SELECT DISTINCT ON (call_id) * FROM manager_calls WHERE started_at "
	">= $1::date::timestamptz AND started_at < ($1::date + interval "
	"'1 month')::timestamptz ORDER BY call_id, scored_at DESC, "
	"rubric_version) t WHERE eligible AND score IS NOT NULL";

#define MONTH_CALLS "mc AS (SELECT * FROM report_calls)"

#define ITEMS_OF(x)                                                          \
	"jsonb_array_elements(CASE WHEN jsonb_typeof(" x ") = 'array' THEN " \
	x " ELSE '[]'::jsonb END)"

/* Earned share of an item e: earned / possible, else 1 for a pass. */
#define SHARE                                                                \
	"CASE WHEN jsonb_typeof(e->'possible') IS DISTINCT FROM 'number' OR " \
	"jsonb_typeof(e->'earned') IS DISTINCT FROM 'number' THEN "           \
	"CASE WHEN e->>'result' = 'pass' THEN 1 ELSE 0 END "                  \
	"WHEN (e->>'possible')::float8 > 0 THEN (e->>'earned')::float8 / "    \
	"(e->>'possible')::float8 WHEN e->>'result' = 'pass' THEN 1 ELSE 0 "  \
	"END"

#define COMPUTED                                                             \
	"to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"

static const char board_sql[] =
	"SELECT grp, agent_id, rank, n, mean, ci_low, ci_high, shrunk, "
	"points, coalesce(flag, ''), eligible, to_char(computed_at AT TIME "
	"ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM manager_board WHERE period = "
	"$1 AND group_by = $2 ORDER BY grp COLLATE \"C\", rank NULLS LAST, "
	"shrunk DESC NULLS LAST, agent_id COLLATE \"C\"";

static const char prev_sql[] =
	"SELECT agent_id, mean, rank FROM manager_board WHERE period = $1 "
	"AND group_by = $2 ORDER BY agent_id COLLATE \"C\"";

static const char items_sql[] =
	"WITH " MONTH_CALLS " "
	"SELECT agent_id, id, label, n, share FROM (SELECT mc.agent_id, "
	"e->>'id' AS id, coalesce(max(e->>'label'), e->>'id') AS label, "
	"count(*) AS n, avg(" SHARE ") AS share, min(i) AS ord FROM mc CROSS "
	"JOIN LATERAL " ITEMS_OF("mc.items") " WITH ORDINALITY AS x(e, i) "
	"WHERE e->>'result' IS DISTINCT FROM 'na' AND e->>'id' IS NOT NULL "
	"GROUP BY 1, 2) t ORDER BY agent_id COLLATE \"C\", ord";

static const char groups_sql[] =
	"WITH " MONTH_CALLS ", "
	"b AS (SELECT grp, agent_id FROM manager_board WHERE period = $1 AND "
	"group_by = $2) "
	"SELECT b.grp, count(DISTINCT b.agent_id), count(mc.call_id), "
	"coalesce(round(avg(mc.score), 2)::text, ''), "
	"coalesce(round(stddev_samp(mc.score), 2)::text, '') FROM b LEFT JOIN "
	"mc USING (agent_id) GROUP BY ROLLUP (b.grp) ORDER BY b.grp IS NULL, "
	"b.grp COLLATE \"C\"";

static const char hist_sql[] =
	"WITH " MONTH_CALLS " "
	"SELECT least(floor(score / 10), 9)::int, count(*) FROM mc GROUP BY 1 "
	"ORDER BY 1";

/* Each group's monthly mean from the boards of the last 6 months. */
static const char trend_sql[] =
	"SELECT period, grp, round(sum(n * mean) / sum(n), 2), sum(n) FROM "
	"manager_board WHERE period = ANY ($1::text[]) AND group_by = $2 AND "
	"mean IS NOT NULL AND n > 0 GROUP BY 1, 2 ORDER BY grp COLLATE "
	"\"C\", period";

/* Start of a segment list's first (or longest) span, for a lateral. */
#define SEG_START(list, order)                                               \
	"(SELECT (seg->>0)::float8 AS s FROM " ITEMS_OF(list) " seg WHERE "  \
	"jsonb_typeof(seg->0) = 'number' AND jsonb_typeof(seg->1) = "        \
	"'number' ORDER BY " order " LIMIT 1)"

/* The longest span first, then the earliest. */
#define LONGEST "(seg->>1)::float8 - (seg->>0)::float8 DESC, 1"

static const char examples_sql[] =
	"WITH "
	"b AS (SELECT grp, agent_id, rank FROM manager_board WHERE period = "
	"$1 AND group_by = $2), "
	"u AS (SELECT 'best' AS kind, b.grp, mc.call_id, row_number() OVER "
	"(PARTITION BY b.grp ORDER BY mc.score DESC, mc.started_at, "
	"mc.call_id) AS k FROM report_calls mc JOIN b USING (agent_id) "
	"WHERE b.rank = 1 "
	"UNION ALL SELECT 'fail', b.grp, mc.call_id, row_number() OVER "
	"(PARTITION BY b.grp ORDER BY mc.critical_fail DESC, mc.score, "
	"mc.started_at, mc.call_id) FROM report_calls mc JOIN b USING "
	"(agent_id)), "
	"x AS (SELECT u.kind, u.grp, u.k, mc.* FROM u JOIN report_calls mc "
	"USING (call_id) WHERE u.k <= $3::int) "
	"SELECT x.kind, x.grp, x.agent_id, x.call_id, x.score, "
	"x.critical_fail, coalesce(x.audio, ''), to_char(x.started_at, "
	"'YYYY-MM-DD HH24:MI'), coalesce(w.label, ''), coalesce(w.result, "
	"''), round(coalesce(CASE WHEN jsonb_typeof(w.ev->'at') = 'number' "
	"THEN (w.ev->>'at')::float8 END, CASE WHEN w.ev->>'metric' IN "
	"('longest_silence_s', 'silence_events', 'silence_s') THEN sil.s "
	"WHEN w.ev->>'metric' IN ('agent_interruptions', "
	"'customer_interruptions', 'overtalk_s') THEN ovt.s WHEN "
	"w.ev->>'metric' = 'hold_s' THEN hld.s END, ag.s, 0)::numeric, 1) "
	"FROM x "
	"LEFT JOIN LATERAL (SELECT coalesce(e->>'label', e->>'id') AS label, "
	"e->>'result' AS result, e->'evidence' AS ev FROM " ITEMS_OF("x.items")
	" WITH ORDINALITY AS y(e, i) WHERE CASE WHEN x.kind = 'fail' THEN "
	"e->>'result' IN ('critical', 'fail', 'partial') ELSE e->>'result' = "
	"'pass' AND jsonb_typeof(e->'evidence'->'at') = 'number' END ORDER BY "
	"e->>'result' = 'critical' DESC, CASE WHEN x.kind = 'fail' THEN "
	"(" SHARE ") - 1 END, CASE WHEN x.kind = 'best' THEN "
	"(e->'evidence'->>'at')::float8 END, CASE WHEN x.kind = 'fail' AND "
	"jsonb_typeof(e->'possible') = 'number' THEN -(e->>'possible')::"
	"float8 END, i LIMIT 1) w ON true "
	"LEFT JOIN LATERAL " SEG_START("x.segments->'silence'", LONGEST)
	" sil ON true "
	"LEFT JOIN LATERAL " SEG_START("x.segments->'overtalk'", "1")
	" ovt ON true "
	"LEFT JOIN LATERAL " SEG_START("x.segments->'hold'", "1")
	" hld ON true "
	"LEFT JOIN LATERAL " SEG_START("x.segments->'agent'", "1")
	" ag ON true "
	"ORDER BY x.grp COLLATE \"C\", x.kind, x.k";

static const char hr_sql[] =
	"SELECT agent_id, coalesce(post, ''), coalesce(team, ''), month, "
	"scored_calls, coalesce(mean_score::text, ''), ledger_points FROM "
	"hr_agent_month WHERE month = $1 ORDER BY post COLLATE \"C\" NULLS "
	"LAST, team COLLATE \"C\" NULLS LAST, agent_id COLLATE \"C\"";

/* SET ROLE role when the session's user may; 0, or -1. */
static int
use_role(PGconn *conn, const char *role, struct err *e)
{
	PGresult *res = pq_query(conn,
			      "SELECT 1 FROM pg_roles WHERE rolname = $1 AND "
			      "pg_has_role(current_user, oid, 'MEMBER')",
			      1, &role, "roles", e);
	int may;

	if (res == NULL)
		return -1;
	may = PQntuples(res) > 0;
	PQclear(res);
	if (!may)
		return 0;
	res = pq_query(conn, "SELECT set_config('role', $1, false)", 1, &role,
		    "set role", e);
	PQclear(res);
	return res ? 0 : -1;
}

/*
 * The ladder's recommendations (migration 010, view hr_ladder) for the
 * month, its quarter or its year, the latest per agent, when the session
 * may read the view: agent_id, status, and "promote 96126 -> 114".
 */
static int
load_ladder(struct report *r, PGconn *conn, struct err *e)
{
	char quarter[32], periods[96];
	const char *pp = periods;
	PGresult *res;
	int y = 1, m = 1;

	res = pq_query(conn,
		    "SELECT CASE WHEN to_regclass('hr_ladder') IS NULL "
		    "THEN 0 WHEN has_table_privilege(to_regclass('hr_ladder'), "
		    "'SELECT') THEN 1 ELSE -1 END",
		    0, NULL, "hr_ladder", e);
	if (res == NULL)
		return -1;
	r->ladder_state = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (r->ladder_state <= 0)
		return 0;
	sscanf(r->month, "%4d-%2d", &y, &m);
	y = y < 0 ? 0 : y > 9999 ? 9999 : y;
	m = m < 1 ? 1 : m > 12 ? 12 : m;
	snprintf(quarter, sizeof(quarter), "%04dQ%d", y, (m - 1) / 3 + 1);
	snprintf(periods, sizeof(periods), "{%s,%s,%04d}", r->month, quarter,
		 y);
	r->ladder = pq_query(conn,
			  "SELECT DISTINCT ON (agent_id COLLATE \"C\") "
			  "agent_id, status, CASE WHEN action = 'stay' THEN "
			  "'stay' ELSE action || ' ' || from_post || ' -> ' || "
			  "coalesce(to_post, '?') END FROM hr_ladder "
			  "WHERE period = ANY ($1::text[]) ORDER BY agent_id "
			  "COLLATE \"C\", computed_at DESC",
			  1, &pp, "hr_ladder", e);
	return r->ladder ? 0 : -1;
}

int
report_may_migrate(struct db *db, struct err *e)
{
	PGresult *res = pq_query(db_pgconn(db),
			      "SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE "
			      "rolname = 'callqa_pipeline') OR EXISTS (SELECT "
			      "1 FROM pg_roles WHERE rolname = "
			      "'callqa_pipeline' AND pg_has_role(current_user, "
			      "oid, 'MEMBER'))",
			      0, NULL, "roles", e);
	int may;

	if (res == NULL)
		return -1;
	may = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return may;
}

struct report *
report_load(struct db *db, const struct report_opts *o, int *no_board,
	    struct err *e)
{
	PGconn *conn = db_pgconn(db);
	struct report *r;
	const char *tz = o->timezone ? o->timezone : "UTC";
	const char *p[4];
	char lim[16], arr[64];
	PGresult *res;
	int i;

	if (no_board)
		*no_board = 0;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	r->o = *o;
	if (r->o.examples <= 0)
		r->o.examples = 2;
	if (report_prev_month(o->month, r->prev, sizeof(r->prev)) < 0) {
		err_set(e, "bad month '%s': want YYYY-MM", o->month);
		goto fail;
	}
	snprintf(r->month, sizeof(r->month), "%s", o->month);
	snprintf(r->start, sizeof(r->start), "%s-01", r->month);
	snprintf(r->months[5], sizeof(r->months[5]), "%s", r->month);
	for (i = 4; i >= 0; i--)
		report_prev_month(r->months[i + 1], r->months[i],
				  sizeof(r->months[i]));
	/*
	 * The JSON laterals' row estimates are far too high; JIT would then
	 * compile for seconds a query that runs in milliseconds.
	 */
	res = pq_query(conn, "SELECT set_config('TimeZone', $1, false), "
			  "set_config('jit', 'off', false)",
		    1, &tz, "time zone", e);
	if (res == NULL)
		goto fail;
	PQclear(res);
	if (use_role(conn, o->hr ? "callqa_hr" : "callqa_manager", e) < 0)
		goto fail;
	/* Which board: the one asked for, else the latest computed. */
	p[0] = r->month;
	p[1] = o->group_by;
	res = pq_query(conn,
		    o->group_by
			    ? "SELECT group_by, " COMPUTED " FROM ranked_periods "
			      "WHERE period = $1 AND group_by = $2"
			    : "SELECT group_by, " COMPUTED " FROM ranked_periods "
			      "WHERE period = $1 ORDER BY computed_at DESC, "
			      "group_by LIMIT 1",
		    o->group_by ? 2 : 1, p, "ranked_periods", e);
	if (res == NULL)
		goto fail;
	if (PQntuples(res) == 0) {
		PQclear(res);
		if (no_board)
			*no_board = 1;
		err_set(e, "no board for %s%s%s: run callqa-rank --month "
			   "%s%s%s first",
			r->month, o->group_by ? " by " : "",
			o->group_by ? o->group_by : "", r->month,
			o->group_by ? " --group " : "",
			o->group_by ? o->group_by : "");
		goto fail;
	}
	snprintf(r->group_by, sizeof(r->group_by), "%s",
		 PQgetvalue(res, 0, 0));
	snprintf(r->computed, sizeof(r->computed), "%s",
		 PQgetvalue(res, 0, 1));
	PQclear(res);
	p[1] = r->group_by;
	if (o->hr) {
		if ((r->hr = pq_query(conn, hr_sql, 1, p, "hr_agent_month", e)) ==
			    NULL ||
		    load_ladder(r, conn, e) < 0)
			goto fail;
		return r;
	}
	if ((r->board = pq_query(conn, board_sql, 2, p, "manager_board", e)) ==
	    NULL)
		goto fail;
	for (i = 0; i < PQntuples(r->board); i++)
		r->ngroups += i == 0 || strcmp(PQgetvalue(r->board, i, 0),
					       PQgetvalue(r->board, i - 1, 0));
	p[0] = r->prev;
	if ((r->prevb = pq_query(conn, prev_sql, 2, p, "manager_board", e)) ==
	    NULL)
		goto fail;
	p[0] = r->start;
	res = pq_query(conn, "DROP TABLE IF EXISTS pg_temp.report_calls", 0, NULL,
		    "report_calls", e);
	PQclear(res);
	if (res == NULL ||
	    (res = pq_query(conn, calls_tmp_sql, 0, NULL, "report_calls", e)) ==
		    NULL)
		goto fail;
	PQclear(res);
	if ((res = pq_query(conn, calls_fill_sql, 1, p, "manager_calls", e)) ==
		    NULL ||
	    (PQclear(res), res = pq_query(conn, "ANALYZE report_calls", 0, NULL,
				       "report_calls", e)) == NULL)
		goto fail;
	PQclear(res);
	if ((r->items = pq_query(conn, items_sql, 0, NULL, "items", e)) == NULL ||
	    (r->hist = pq_query(conn, hist_sql, 0, NULL, "histogram", e)) == NULL)
		goto fail;
	p[0] = r->month;
	p[1] = r->group_by;
	if ((r->groups = pq_query(conn, groups_sql, 2, p, "groups", e)) == NULL)
		goto fail;
	snprintf(lim, sizeof(lim), "%d", r->o.examples);
	p[2] = lim;
	if ((r->examples = pq_query(conn, examples_sql, 3, p, "examples", e)) ==
	    NULL)
		goto fail;
	snprintf(arr, sizeof(arr), "{%s,%s,%s,%s,%s,%s}", r->months[0],
		 r->months[1], r->months[2], r->months[3], r->months[4],
		 r->months[5]);
	p[0] = arr;
	if ((r->trend = pq_query(conn, trend_sql, 2, p, "trend", e)) == NULL)
		goto fail;
	return r;
fail:
	report_free(r);
	return NULL;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	PQclear(r->board);
	PQclear(r->prevb);
	PQclear(r->items);
	PQclear(r->groups);
	PQclear(r->hist);
	PQclear(r->trend);
	PQclear(r->examples);
	PQclear(r->hr);
	PQclear(r->ladder);
	free(r);
}

int
report_nagents(const struct report *r)
{
	return r->board ? PQntuples(r->board) : r->hr ? PQntuples(r->hr) : 0;
}

int
report_ngroups(const struct report *r)
{
	return r->ngroups;
}

/* ---- Per-agent facts ---- */

/* First row of res (sorted by column 0 in C collation) for key, or -1. */
static int
find_row(const PGresult *res, const char *key)
{
	int lo = 0, hi = res ? PQntuples(res) : 0;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(PQgetvalue(res, mid, 0), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return res && lo < PQntuples(res) &&
			       strcmp(PQgetvalue(res, lo, 0), key) == 0
		       ? lo
		       : -1;
}

/* The agent's strongest and weakest items (rows of r->items, or -1). */
static void
agent_items(const struct report *r, const char *agent, int *best,
	    int *worst)
{
	int i = find_row(r->items, agent);
	double bs = -1, ws = 2;

	*best = *worst = -1;
	if (i < 0)
		return;
	for (; i < PQntuples(r->items) &&
	       strcmp(PQgetvalue(r->items, i, 0), agent) == 0;
	     i++) {
		double s = strtod(PQgetvalue(r->items, i, 4), NULL);

		/* Shares compared to 0.1 %; the rubric's order breaks ties. */
		s = round(s * 1000) / 1000;
		if (s > bs) {
			bs = s;
			*best = i;
		}
		if (s < ws) {
			ws = s;
			*worst = i;
		}
	}
}

static void
item_text(const struct report *r, int row, char *buf, size_t size)
{
	char lab[256];

	if (row < 0) {
		snprintf(buf, size, "-");
		return;
	}
	report_label_lang(PQgetvalue(r->items, row, 2), r->o.lang, lab,
			  sizeof(lab));
	snprintf(buf, size, "%s %.1f%%", lab,
		 100 * strtod(PQgetvalue(r->items, row, 4), NULL));
}

static const char *
dash(const char *s)
{
	return *s ? s : "-";
}

/* Change of the mean since the previous month, or "-". */
static void
change(const struct report *r, int row, char *buf, size_t size,
       const char **prev_mean, const char **prev_rank)
{
	int p = find_row(r->prevb, PQgetvalue(r->board, row, 1));

	*prev_mean = *prev_rank = "";
	if (p < 0 || PQgetisnull(r->prevb, p, 1) ||
	    PQgetisnull(r->board, row, 4)) {
		snprintf(buf, size, "-");
		return;
	}
	*prev_mean = PQgetvalue(r->prevb, p, 1);
	*prev_rank = PQgetvalue(r->prevb, p, 2);
	snprintf(buf, size, "%+.2f",
		 strtod(PQgetvalue(r->board, row, 4), NULL) -
			 strtod(*prev_mean, NULL));
	if (strcmp(buf, "-0.00") == 0)
		snprintf(buf, size, "+0.00");
}

/* The board's flag ("tie, ~ 2nd", "n < 20") in the report's language. */
static void
flag_text(const struct report *r, const char *flag, char *buf, size_t size)
{
	static const char *const zh[][2] = {
		{ "~ 2nd worst", "与倒数第二无显著差异" },
		{ "~ 2nd", "与第二名无显著差异" },
		{ "tie", "并列" },
		{ "n < ", "通话数 < " },
	};
	size_t i, len = 0;

	if (r->o.lang != REPORT_ZH) {
		snprintf(buf, size, "%s", flag);
		return;
	}
	buf[0] = '\0';
	while (*flag && len + 1 < size) {
		for (i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
			if (strncmp(flag, zh[i][0], strlen(zh[i][0])) == 0)
				break;
		if (i < sizeof(zh) / sizeof(zh[0])) {
			snprintf(buf + len, size - len, "%s", zh[i][1]);
			flag += strlen(zh[i][0]);
		} else {
			snprintf(buf + len, size - len, "%.*s",
				 *flag == ',' ? 3 : 1,
				 *flag == ',' ? "，" : flag);
			flag++;
			if (flag[-1] == ',' && *flag == ' ')
				flag++;
		}
		len = strlen(buf);
	}
}

static const char *
group_word(const struct report *r)
{
	return strcmp(r->group_by, "team") == 0	  ? L(r, L_TEAM)
	       : strcmp(r->group_by, "post") == 0 ? L(r, L_POST)
						  : L(r, L_CENTRE);
}

static void
interval(const struct report *r, int row, char *buf, size_t size)
{
	if (PQgetisnull(r->board, row, 5) || PQgetisnull(r->board, row, 6))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "[%s, %s]", PQgetvalue(r->board, row, 5),
			 PQgetvalue(r->board, row, 6));
}

static void
points_text(const struct report *r, int row, char *buf, size_t size)
{
	int pts = atoi(PQgetvalue(r->board, row, 8));

	if (pts)
		snprintf(buf, size, "%+d", pts);
	else
		snprintf(buf, size, "-");
}

/* "G: mean 92.00 [90.06, 93.94], 40 calls, shrunk 91.21, +5; ..." */
static void
best_worst_line(const struct report *r, int row, enum label which,
		struct strbuf *sb)
{
	char ci[80], pts[16], s[320], w[320];
	int bi, wi;

	interval(r, row, ci, sizeof(ci));
	points_text(r, row, pts, sizeof(pts));
	agent_items(r, PQgetvalue(r->board, row, 1), &bi, &wi);
	item_text(r, bi, s, sizeof(s));
	item_text(r, wi, w, sizeof(w));
	strbuf_addf(sb, "%s: %s  %s %s %s  %s %s  %s %s  %s %s  %s: %s  %s: %s",
		    L(r, which), PQgetvalue(r->board, row, 1), L(r, L_MEAN),
		    dash(PQgetvalue(r->board, row, 4)), ci, L(r, L_N),
		    PQgetvalue(r->board, row, 3), L(r, L_SHRUNK),
		    dash(PQgetvalue(r->board, row, 7)), L(r, L_POINTS), pts,
		    L(r, L_STRONGEST), s, L(r, L_WEAKEST), w);
}

static void
fmt_clock(double s, char *buf, size_t size)
{
	long t = (long)floor(s);

	if (!isfinite(s) || s < 0)
		t = 0;
	snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* ---- SVG charts ---- */

/* Group colours; green and red are kept for the best and the worst. */
static const char *const palette[] = { "#2b6cb0", "#c05621", "#6b46c1",
				       "#b7791f", "#319795", "#4a5568",
				       "#b83280", "#744210" };

static int
group_index(const struct report *r, const char *grp)
{
	int i, k = -1;

	for (i = 0; i < PQntuples(r->board); i++)
		if (i == 0 || strcmp(PQgetvalue(r->board, i, 0),
				     PQgetvalue(r->board, i - 1, 0))) {
			k++;
			if (strcmp(PQgetvalue(r->board, i, 0), grp) == 0)
				return k;
		}
	return k + 1;
}

static void
svg_text(struct strbuf *sb, double x, double y, const char *anchor,
	 const char *cls, const char *s)
{
	strbuf_addf(sb, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s%s>",
		    x, y, anchor, cls ? " class=\"" : "", cls ? cls : "",
		    cls ? "\"" : "");
	report_html_escape(sb, s);
	strbuf_adds(sb, "</text>");
}

static void
chart_hist(const struct report *r, struct strbuf *sb)
{
	long cnt[10] = { 0 }, max = 1;
	const double W = 560, H = 240, l = 40, t = 20, b = 40, rr = 10;
	double bw = (W - l - rr) / 10, ph = H - t - b;
	char num[32];
	int i;

	for (i = 0; i < PQntuples(r->hist); i++) {
		int k = atoi(PQgetvalue(r->hist, i, 0));

		if (k >= 0 && k < 10)
			cnt[k] = atol(PQgetvalue(r->hist, i, 1));
	}
	for (i = 0; i < 10; i++)
		max = cnt[i] > max ? cnt[i] : max;
	strbuf_addf(sb, "<figure><figcaption>");
	report_html_escape(sb, L(r, L_HIST));
	strbuf_addf(sb, "</figcaption>\n<svg id=\"hist\" xmlns=\"http://www.w3."
			"org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			"viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n",
		    W, H, W, H);
	strbuf_addf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"class=\"axis\"/>",
		    l, t + ph, W - rr, t + ph);
	for (i = 0; i < 10; i++) {
		double h = ph * (double)cnt[i] / (double)max;
		double x = l + i * bw;

		strbuf_addf(sb, "<rect class=\"hist-bar\" x=\"%.1f\" "
				"y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
				"<title>%d-%d: %ld</title></rect>",
			    x + 2, t + ph - h, bw - 4, h, i * 10,
			    i == 9 ? 100 : i * 10 + 9, cnt[i]);
		if (cnt[i]) {
			snprintf(num, sizeof(num), "%ld", cnt[i]);
			svg_text(sb, x + bw / 2, t + ph - h - 4, "middle",
				 NULL, num);
		}
		snprintf(num, sizeof(num), "%d", i * 10);
		svg_text(sb, x, t + ph + 16, "middle", NULL, num);
	}
	svg_text(sb, l + 10 * bw, t + ph + 16, "middle", NULL, "100");
	svg_text(sb, (W + l) / 2, H - 6, "middle", NULL, L(r, L_SCORE));
	strbuf_adds(sb, "\n</svg></figure>\n");
}

static void
chart_agents(const struct report *r, struct strbuf *sb)
{
	int n = PQntuples(r->board), i;
	const double W = 760, l = 190, rr = 60, t = 24, rowh = 20;
	double H = t + rowh * n + 36, lo = 100, x0, scale, v;
	char num[64];

	for (i = 0; i < n; i++) {
		const char *a = PQgetvalue(r->board, i, 5);

		v = strtod(*a ? a : PQgetvalue(r->board, i, 4), NULL);
		if (v < lo)
			lo = v;
	}
	lo = floor((lo - 5) / 10) * 10;
	if (lo < 0)
		lo = 0;
	if (lo > 90)
		lo = 90;
	x0 = l;
	scale = (W - l - rr) / (100 - lo);
	strbuf_addf(sb, "<figure><figcaption>");
	report_html_escape(sb, L(r, L_MEANS_CHART));
	strbuf_addf(sb, "</figcaption>\n<svg id=\"agents\" xmlns=\"http://www."
			"w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			"viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n",
		    W, H, W, H);
	for (v = lo; v <= 100.001; v += 10) {
		double x = x0 + (v - lo) * scale;

		strbuf_addf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" class=\"grid\"/>",
			    x, t - 6, x, t + rowh * n);
		snprintf(num, sizeof(num), "%.0f", v);
		svg_text(sb, x, t + rowh * n + 16, "middle", NULL, num);
	}
	for (i = 0; i < n; i++) {
		const char *grp = PQgetvalue(r->board, i, 0);
		const char *agent = PQgetvalue(r->board, i, 1);
		const char *mean = PQgetvalue(r->board, i, 4);
		int pts = atoi(PQgetvalue(r->board, i, 8));
		int elig = strcmp(PQgetvalue(r->board, i, 10), "t") == 0;
		double y = t + rowh * i, m = strtod(mean, NULL);
		const char *fill = !elig     ? "#a0aec0"
				   : pts > 0 ? "#2f855a"
				   : pts < 0 ? "#c53030"
					     : palette[group_index(r, grp) % 8];
		char lab[300];

		snprintf(lab, sizeof(lab), "%s · %s", grp, agent);
		svg_text(sb, l - 8, y + 14, "end", "agent-label", lab);
		if (m < lo)
			m = lo;
		strbuf_addf(sb, "<rect class=\"mean-bar\" x=\"%.1f\" "
				"y=\"%.1f\" width=\"%.1f\" height=\"12\" "
				"fill=\"%s\"><title>",
			    x0, y + 4, (m - lo) * scale, fill);
		report_html_escape(sb, agent);
		strbuf_addf(sb, " %s %s</title></rect>", L(r, L_MEAN),
			    dash(mean));
		if (!PQgetisnull(r->board, i, 5)) {
			double a = strtod(PQgetvalue(r->board, i, 5), NULL);
			double b = strtod(PQgetvalue(r->board, i, 6), NULL);

			a = a < lo ? lo : a > 100 ? 100 : a;
			b = b < lo ? lo : b > 100 ? 100 : b;
			strbuf_addf(sb, "<path class=\"ci\" d=\"M%.1f %.1fV%.1f"
					"M%.1f %.1fH%.1fM%.1f %.1fV%.1f\"/>",
				    x0 + (a - lo) * scale, y + 5, y + 15,
				    x0 + (a - lo) * scale, y + 10,
				    x0 + (b - lo) * scale,
				    x0 + (b - lo) * scale, y + 5, y + 15);
		}
		svg_text(sb, W - rr + 6, y + 14, "start", NULL, dash(mean));
	}
	strbuf_adds(sb, "\n</svg></figure>\n");
}

static void
chart_trend(const struct report *r, struct strbuf *sb)
{
	const double W = 560, H = 260, l = 44, rr = 130, t = 20, b = 40;
	double lo = 100, hi = 0, v, pw = W - l - rr, ph = H - t - b;
	int n = PQntuples(r->trend), i, j, k = 0;
	char num[32];

	for (i = 0; i < n; i++) {
		v = strtod(PQgetvalue(r->trend, i, 2), NULL);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	lo = floor((lo - 5) / 10) * 10;
	hi = ceil((hi + 5) / 10) * 10;
	lo = lo < 0 ? 0 : lo;
	hi = hi > 100 ? 100 : hi;
	if (hi <= lo) {
		lo = 0;
		hi = 100;
	}
	strbuf_addf(sb, "<figure><figcaption>");
	report_html_escape(sb, L(r, L_TREND));
	strbuf_addf(sb, "</figcaption>\n<svg id=\"trend\" xmlns=\"http://www."
			"w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			"viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n",
		    W, H, W, H);
	for (v = lo; v <= hi + 0.001; v += 10) {
		double y = t + ph - (v - lo) / (hi - lo) * ph;

		strbuf_addf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" class=\"grid\"/>",
			    l, y, l + pw, y);
		snprintf(num, sizeof(num), "%.0f", v);
		svg_text(sb, l - 6, y + 4, "end", NULL, num);
	}
	for (j = 0; j < 6; j++)
		svg_text(sb, l + pw * j / 5, t + ph + 18, "middle", NULL,
			 r->months[j]);
	for (i = 0; i < n; i = j) {
		const char *g = PQgetvalue(r->trend, i, 1);
		const char *col = palette[group_index(r, g) % 8];
		struct strbuf pts = STRBUF_INIT;

		for (j = i; j < n && strcmp(PQgetvalue(r->trend, j, 1), g) == 0;
		     j++) {
			const char *mo = PQgetvalue(r->trend, j, 0);
			int x;

			for (x = 0; x < 6 && strcmp(r->months[x], mo); x++)
				;
			if (x == 6)
				continue;
			v = strtod(PQgetvalue(r->trend, j, 2), NULL);
			strbuf_addf(&pts, "%s%.1f,%.1f", pts.len ? " " : "",
				    l + pw * x / 5,
				    t + ph - (v - lo) / (hi - lo) * ph);
			strbuf_addf(sb, "<circle class=\"trend-pt\" "
					"cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
					"fill=\"%s\"><title>",
				    l + pw * x / 5,
				    t + ph - (v - lo) / (hi - lo) * ph, col);
			report_html_escape(sb, g);
			strbuf_addf(sb, " %s: %s (%s)</title></circle>", mo,
				    PQgetvalue(r->trend, j, 2),
				    PQgetvalue(r->trend, j, 3));
		}
		strbuf_addf(sb, "<polyline class=\"trend-line\" fill=\"none\" "
				"stroke=\"%s\" stroke-width=\"2\" "
				"points=\"%s\"/>",
			    col, pts.buf);
		strbuf_release(&pts);
		strbuf_addf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" "
				"height=\"10\" fill=\"%s\"/>",
			    l + pw + 14, t + 16.0 * k, col);
		svg_text(sb, l + pw + 30, t + 16.0 * k + 9, "start", NULL, g);
		k++;
	}
	strbuf_adds(sb, "\n</svg></figure>\n");
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">"
	"\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>";

static const char html_style[] =
	"</title>\n<style>\n"
	"body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','PingFang "
	"SC','Microsoft YaHei',system-ui,sans-serif;margin:24px;color:#1a202c;"
	"background:#fff;max-width:1100px}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
	"border-bottom:1px solid #cbd5e0;padding-bottom:4px}\n"
	"p{margin:4px 0;white-space:pre-wrap}p.meta{color:#4a5568}\n"
	"table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}\n"
	"th,td{border:1px solid #e2e8f0;padding:3px 8px;text-align:left}\n"
	"th{background:#edf2f7}td.r,th.r{text-align:right;font-variant-numeric:"
	"tabular-nums}\ntr:nth-child(even) td{background:#f7fafc}\n"
	"figure{margin:12px 0;display:inline-block;vertical-align:top}\n"
	"figcaption{font-weight:600;margin-bottom:4px}\n"
	"svg{font-size:11px;fill:#2d3748;background:#fff}\n"
	".hist-bar{fill:#4299e1}.axis{stroke:#4a5568}.grid{stroke:#e2e8f0}\n"
	".ci{stroke:#1a202c;stroke-width:1.5;fill:none}\n"
	"a{color:#2b6cb0}\n"
	"</style>\n</head>\n<body>\n";

/* Percent-encode a path for a file: URL. */
static void
url_path(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/-._~", c))
			strbuf_addch(sb, c);
		else
			strbuf_addf(sb, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

/* ---- The reports ---- */

static void
title(const struct report *r, struct strbuf *sb, enum label which)
{
	struct strbuf t = STRBUF_INIT;
	enum report_format f = r->o.format;

	strbuf_addf(&t, "%s %s", L(r, which), r->month);
	if (f == REPORT_HTML) {
		strbuf_addf(sb, html_head,
			    r->o.lang == REPORT_ZH ? "zh" : "en");
		report_html_escape(sb, t.buf);
		strbuf_adds(sb, html_style);
	}
	heading(sb, f, 1, t.buf);
	strbuf_reset(&t);
	strbuf_addf(&t, "%s %s · %s %s UTC", L(r, L_BOARD_BY), group_word(r),
		    L(r, L_COMPUTED), r->computed);
	if (f == REPORT_HTML) {
		strbuf_adds(sb, "<p class=\"meta\">");
		report_html_escape(sb, t.buf);
		strbuf_adds(sb, "</p>\n");
	} else {
		line(sb, f, t.buf);
	}
	strbuf_release(&t);
}

static int
render_board_csv(const struct report *r, struct strbuf *sb)
{
	struct table t;
	int i, oom;

	table_init(&t, 22, "");
	table_row(&t, "period", "group_by", "group", "rank", "agent_id", "n",
		  "mean", "ci_low", "ci_high", "shrunk", "points", "flag",
		  "eligible", "prev_mean", "change", "prev_rank",
		  "strongest_item", "strongest_label", "strongest_share",
		  "weakest_item", "weakest_label", "weakest_share");
	for (i = 0; i < PQntuples(r->board); i++) {
		char chg[32], bs[32] = "", ws[32] = "";
		const char *pm, *pr;
		int bi, wi;

		change(r, i, chg, sizeof(chg), &pm, &pr);
		agent_items(r, PQgetvalue(r->board, i, 1), &bi, &wi);
		if (bi >= 0)
			snprintf(bs, sizeof(bs), "%.3f",
				 strtod(PQgetvalue(r->items, bi, 4), NULL));
		if (wi >= 0)
			snprintf(ws, sizeof(ws), "%.3f",
				 strtod(PQgetvalue(r->items, wi, 4), NULL));
		table_row(&t, r->month, r->group_by, PQgetvalue(r->board, i, 0),
			  PQgetvalue(r->board, i, 2),
			  PQgetvalue(r->board, i, 1),
			  PQgetvalue(r->board, i, 3),
			  PQgetvalue(r->board, i, 4),
			  PQgetvalue(r->board, i, 5),
			  PQgetvalue(r->board, i, 6),
			  PQgetvalue(r->board, i, 7),
			  PQgetvalue(r->board, i, 8),
			  PQgetvalue(r->board, i, 9),
			  PQgetvalue(r->board, i, 10), pm,
			  strcmp(chg, "-") ? chg : "", pr,
			  bi >= 0 ? PQgetvalue(r->items, bi, 1) : "",
			  bi >= 0 ? PQgetvalue(r->items, bi, 2) : "", bs,
			  wi >= 0 ? PQgetvalue(r->items, wi, 1) : "",
			  wi >= 0 ? PQgetvalue(r->items, wi, 2) : "", ws);
	}
	if (!t.oom)
		table_render(&t, REPORT_CSV, sb);
	oom = t.oom;
	table_free(&t);
	return oom ? -1 : 0;
}

static int
render_board(const struct report *r, struct strbuf *sb)
{
	enum report_format f = r->o.format;
	int n = PQntuples(r->board), i, j, oom = 0, maxrank, nbest;
	struct strbuf s = STRBUF_INIT;
	struct table t;

	if (f == REPORT_CSV)
		return render_board_csv(r, sb);
	title(r, sb, L_TITLE);
	line(sb, f, L(r, L_INTERVAL_NOTE));
	if (f == REPORT_HTML) {
		chart_hist(r, sb);
		chart_trend(r, sb);
		chart_agents(r, sb);
	}
	for (i = 0; i < n; i = j) {
		const char *g = PQgetvalue(r->board, i, 0);

		for (j = i; j < n && strcmp(PQgetvalue(r->board, j, 0), g) == 0;
		     j++)
			;
		strbuf_reset(&s);
		strbuf_addf(&s, "%s %s", group_word(r), g);
		heading(sb, f, 2, s.buf);
		maxrank = 0;
		for (int k = i; k < j; k++)
			if (!PQgetisnull(r->board, k, 2) &&
			    atoi(PQgetvalue(r->board, k, 2)) > maxrank)
				maxrank = atoi(PQgetvalue(r->board, k, 2));
		nbest = 0;
		for (int k = i; k < j; k++)
			nbest += !PQgetisnull(r->board, k, 2) &&
				 atoi(PQgetvalue(r->board, k, 2)) == 1;
		if (maxrank == 0)
			line(sb, f, L(r, L_NO_RANKED));
		else if (maxrank == 1 && nbest > 1)
			line(sb, f, L(r, L_ALL_TIE));
		for (int k = i; k < j && maxrank > 1; k++)
			if (atoi(PQgetvalue(r->board, k, 2)) == 1) {
				strbuf_reset(&s);
				best_worst_line(r, k, L_BEST, &s);
				line(sb, f, s.buf);
			}
		for (int k = i; k < j && maxrank > 1; k++)
			if (!PQgetisnull(r->board, k, 2) &&
			    atoi(PQgetvalue(r->board, k, 2)) == maxrank) {
				strbuf_reset(&s);
				best_worst_line(r, k, L_WORST, &s);
				line(sb, f, s.buf);
			}
		gap(sb, f);
		table_init(&t, 9, "rlrrlrrrl");
		table_row(&t, L(r, L_RANK), L(r, L_AGENT), L(r, L_N),
			  L(r, L_MEAN), L(r, L_CI), L(r, L_SHRUNK),
			  L(r, L_POINTS), L(r, L_CHANGE), L(r, L_FLAG));
		for (int k = i; k < j; k++) {
			char ci[80], pts[16], chg[32], flag[160];
			const char *pm, *pr;

			flag_text(r, PQgetvalue(r->board, k, 9), flag,
				  sizeof(flag));
			interval(r, k, ci, sizeof(ci));
			points_text(r, k, pts, sizeof(pts));
			change(r, k, chg, sizeof(chg), &pm, &pr);
			table_row(&t, dash(PQgetvalue(r->board, k, 2)),
				  PQgetvalue(r->board, k, 1),
				  PQgetvalue(r->board, k, 3),
				  dash(PQgetvalue(r->board, k, 4)), ci,
				  dash(PQgetvalue(r->board, k, 7)), pts, chg,
				  flag);
		}
		oom |= t.oom;
		if (!t.oom)
			table_render(&t, f, sb);
		table_free(&t);
	}
	/* Groups compared. */
	heading(sb, f, 2, L(r, L_COMPARE));
	table_init(&t, 5, "lrrrr");
	table_row(&t, group_word(r), L(r, L_AGENTS), L(r, L_CALLS),
		  L(r, L_MEAN), L(r, L_SD));
	for (i = 0; i < PQntuples(r->groups); i++)
		table_row(&t,
			  PQgetisnull(r->groups, i, 0)
				  ? L(r, L_ALL)
				  : PQgetvalue(r->groups, i, 0),
			  PQgetvalue(r->groups, i, 1),
			  PQgetvalue(r->groups, i, 2),
			  dash(PQgetvalue(r->groups, i, 3)),
			  dash(PQgetvalue(r->groups, i, 4)));
	oom |= t.oom;
	if (!t.oom)
		table_render(&t, f, sb);
	table_free(&t);
	/* Example calls. */
	heading(sb, f, 2, L(r, L_EXAMPLES));
	table_init(&t, 9, "lllllrrll");
	table_row(&t, L(r, L_KIND), group_word(r), L(r, L_AGENT),
		  L(r, L_CALL), L(r, L_STARTED), L(r, L_SCORE), L(r, L_AT),
		  L(r, L_WHY), L(r, L_AUDIO));
	for (i = 0; i < PQntuples(r->examples); i++) {
		const PGresult *x = r->examples;
		int best = strcmp(PQgetvalue(x, i, 0), "best") == 0;
		double at = strtod(PQgetvalue(x, i, 10), NULL);
		char clock[32], lab[256], why[320];

		fmt_clock(at, clock, sizeof(clock));
		if (f == REPORT_HTML || f == REPORT_MD)
			snprintf(clock + strlen(clock),
				 sizeof(clock) - strlen(clock), " (%s s)",
				 PQgetvalue(x, i, 10));
		report_label_lang(PQgetvalue(x, i, 8), r->o.lang, lab,
				  sizeof(lab));
		if (strcmp(PQgetvalue(x, i, 9), "critical") == 0)
			snprintf(why, sizeof(why), "%s: %s", L(r, L_CRITICAL),
				 lab);
		else
			snprintf(why, sizeof(why), "%s", lab);
		table_row(&t, L(r, best ? L_BEST_CALL : L_FAILURE),
			  PQgetvalue(x, i, 1), PQgetvalue(x, i, 2),
			  PQgetvalue(x, i, 3), PQgetvalue(x, i, 7),
			  PQgetvalue(x, i, 4), clock, dash(why),
			  PQgetvalue(x, i, 6));
	}
	oom |= t.oom;
	if (!t.oom) {
		if (f != REPORT_HTML) {
			table_render(&t, f, sb);
		} else {
			/* As the table above, with the audio as a link. */
			static const char td_r[] = "<td class=\"r\">";

			strbuf_adds(sb, "<table class=\"examples\">\n"
					"<thead><tr>");
			for (j = 0; j < t.ncols; j++) {
				strbuf_adds(sb, t.align[j] == 'r'
							? "<th class=\"r\">"
							: "<th>");
				report_html_escape(sb, cell(&t, 0, j));
				strbuf_adds(sb, "</th>");
			}
			strbuf_adds(sb, "</tr></thead>\n<tbody>\n");
			for (i = 1; i <= t.nrows; i++) {
				const char *audio = cell(&t, i, 8);

				strbuf_adds(sb, "<tr>");
				for (j = 0; j < 8; j++) {
					strbuf_adds(sb, t.align[j] == 'r'
								? td_r
								: "<td>");
					report_html_escape(sb, cell(&t, i, j));
					strbuf_adds(sb, "</td>");
				}
				strbuf_adds(sb, "<td>");
				if (*audio) {
					struct strbuf u = STRBUF_INIT;

					strbuf_adds(&u, "file://");
					url_path(&u, audio);
					strbuf_addf(&u, "#t=%s",
						    PQgetvalue(r->examples,
							       i - 1, 10));
					strbuf_adds(sb, "<a href=\"");
					report_html_escape(sb, u.buf);
					strbuf_adds(sb, "\">");
					report_html_escape(sb, audio);
					strbuf_adds(sb, "</a>");
					strbuf_release(&u);
				}
				strbuf_adds(sb, "</td></tr>\n");
			}
			strbuf_adds(sb, "</tbody>\n</table>\n");
		}
	}
	table_free(&t);
	if (f == REPORT_HTML)
		strbuf_adds(sb, "</body>\n</html>\n");
	strbuf_release(&s);
	return oom ? -1 : 0;
}

static int
render_hr(const struct report *r, struct strbuf *sb)
{
	enum report_format f = r->o.format;
	struct table t;
	int i, oom;

	if (f != REPORT_CSV)
		title(r, sb, L_HR_TITLE);
	if (f != REPORT_CSV && r->ladder_state <= 0)
		line(sb, f, L(r, L_NO_LADDER));
	gap(sb, f);
	table_init(&t, 9, "lllllrrrll");
	if (f == REPORT_CSV)
		table_row(&t, "agent_id", "post", "team", "period",
			  "scored_calls", "mean_score", "ledger_points",
			  "ladder_status", "ladder_recommendation");
	else
		table_row(&t, L(r, L_AGENT), L(r, L_POST), L(r, L_TEAM),
			  L(r, L_PERIOD), L(r, L_SCORED), L(r, L_MEAN),
			  L(r, L_LEDGER), L(r, L_LADDER_STATUS),
			  L(r, L_LADDER_REC));
	for (i = 0; i < PQntuples(r->hr); i++) {
		int l = find_row(r->ladder, PQgetvalue(r->hr, i, 0));

		table_row(&t, PQgetvalue(r->hr, i, 0), PQgetvalue(r->hr, i, 1),
			  PQgetvalue(r->hr, i, 2), PQgetvalue(r->hr, i, 3),
			  PQgetvalue(r->hr, i, 4), PQgetvalue(r->hr, i, 5),
			  PQgetvalue(r->hr, i, 6),
			  l >= 0 ? PQgetvalue(r->ladder, l, 1) : "",
			  l >= 0 ? PQgetvalue(r->ladder, l, 2) : "");
	}
	if (!t.oom)
		table_render(&t, f, sb);
	if (f == REPORT_HTML)
		strbuf_adds(sb, "</body>\n</html>\n");
	oom = t.oom;
	table_free(&t);
	return oom ? -1 : 0;
}

int
report_render(const struct report *r, struct strbuf *out, struct err *e)
{
	int rc = r->o.hr ? render_hr(r, out) : render_board(r, out);

	if (rc < 0)
		return err_set(e, "out of memory");
	return 0;
}
