/*
 * store.c: the record stream into PostgreSQL.  Each record becomes one row
 * of a temporary staging table (all text, sent with COPY in text format,
 * which is our record escaping); the values are checked on the way (a call
 * with a value not of its column's type becomes a reject), then a few
 * set-based statements upsert the real tables, all in one transaction.
 * SQL text is built only from the constant column names below, never from
 * values: values travel through COPY or as parameters.
 */
#include "callqa/store.h"
#include "callqa/progress.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "pq_int.h"
#include "callqa/record.h"
#include "callqa/strbuf.h"

enum kind {
	K_TEXT,
	K_NUM,	 /* numeric, |v| < limit */
	K_INT,	 /* integer, |v| < limit */
	K_BOOL,	 /* t or f */
	K_TS,	 /* timestamptz, checked in SQL */
	K_JSON,	 /* jsonb, checked in SQL */
	K_SCORE, /* numeric 0..100 */
};

enum dest { D_NONE, D_CALL, D_SCORE };

struct scol {
	const char *name;
	enum kind kind;
	double limit;
	enum dest dest;
	const char *cast; /* SQL type for the real table ("" for text) */
};

/* The staging columns taken from the record, in staging order. */
static const struct scol scols[] = {
	{ "batch_id", K_TEXT, 0, D_NONE, "" },
	{ "call_id", K_TEXT, 0, D_NONE, "" },
	{ "agent_id", K_TEXT, 0, D_CALL, "" },
	{ "started_at", K_TS, 0, D_CALL, "timestamptz" },
	{ "team", K_TEXT, 0, D_CALL, "" },
	{ "post", K_TEXT, 0, D_CALL, "" },
	{ "audio", K_TEXT, 0, D_CALL, "" },
	{ "transcript", K_TEXT, 0, D_CALL, "" },
	{ "agent_channel", K_INT, 32768, D_CALL, "smallint" },
	{ "audio_format", K_TEXT, 0, D_CALL, "" },
	{ "sample_rate", K_INT, 2e9, D_CALL, "integer" },
	{ "channels", K_INT, 32768, D_CALL, "smallint" },
	{ "duration_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "status", K_TEXT, 0, D_NONE, "" },
	{ "mono", K_BOOL, 0, D_CALL, "boolean" },
	{ "agent_talk_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "customer_talk_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "silence_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "silence_events", K_INT, 2e9, D_CALL, "integer" },
	{ "longest_silence_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "overtalk_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "agent_interruptions", K_INT, 2e9, D_CALL, "integer" },
	{ "customer_interruptions", K_INT, 2e9, D_CALL, "integer" },
	{ "response_latency_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "agent_pitch_median_hz", K_NUM, 1e7, D_CALL, "numeric" },
	{ "agent_pitch_sd_st", K_NUM, 1e6, D_CALL, "numeric" },
	{ "customer_pitch_median_hz", K_NUM, 1e7, D_CALL, "numeric" },
	{ "customer_pitch_sd_st", K_NUM, 1e6, D_CALL, "numeric" },
	{ "agent_loudness_dbfs", K_NUM, 1e7, D_CALL, "numeric" },
	{ "customer_loudness_dbfs", K_NUM, 1e7, D_CALL, "numeric" },
	{ "agent_speech_rate_sps", K_NUM, 1e6, D_CALL, "numeric" },
	{ "customer_speech_rate_sps", K_NUM, 1e6, D_CALL, "numeric" },
	{ "hold_s", K_NUM, 1e9, D_CALL, "numeric" },
	{ "segments", K_JSON, 0, D_CALL, "jsonb" },
	{ "rubric", K_TEXT, 0, D_SCORE, "" },
	{ "score", K_SCORE, 0, D_SCORE, "numeric" },
	{ "critical_fail", K_BOOL, 0, D_SCORE, "boolean" },
	{ "ineligible_reason", K_TEXT, 0, D_SCORE, "" },
	{ "items", K_JSON, 0, D_SCORE, "jsonb" },
	{ "rubric_version", K_TEXT, 0, D_NONE, "" },
	{ "eligible", K_BOOL, 0, D_NONE, "" },
};
#define NSCOLS (int)(sizeof(scols) / sizeof(scols[0]))
enum {
	C_BATCH = 0,
	C_CALL = 1,
	C_AGENT = 2,
	C_STARTED = 3,
	C_STATUS = 13,
};

/* Built per stream. */
struct load {
	struct record_reader *r;
	const struct store_opts *o;
	PGconn *conn;
	int map[NSCOLS];    /* reader column of each staging column, or -1 */
	int *section;	    /* reader columns named score_<section> */
	int nsection;
	int *keep;	    /* reader columns kept in extra */
	int nkeep;
	char *last_batch;   /* default for records without batch_id */
	struct strbuf copy; /* COPY data not yet sent */
	struct strbuf tmp;
	struct strbuf why;  /* reason of a reject found here */
	long lineno;
};

int
store_number_ok(const char *s, int integer, double limit)
{
	const char *p = s;
	double v;

	if (s == NULL)
		return 0;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		if (integer || !isdigit((unsigned char)p[1]))
			return 0;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (*p == 'e' || *p == 'E') {
		if (integer)
			return 0;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return 0;
	v = strtod(s, NULL);
	return isfinite(v) && fabs(v) < limit;
}

int
store_parse_status(const char *status, const char **stage,
		   size_t *stage_len, const char **reason)
{
	const char *p, *colon;

	if (status == NULL || strncmp(status, "rejected:", 9) != 0)
		return -1;
	p = status + 9;
	if ((colon = strchr(p, ':')) == NULL || colon == p)
		return -1;
	*stage = p;
	*stage_len = (size_t)(colon - p);
	*reason = colon + 1;
	return 0;
}

void
store_result_release(struct store_result *res)
{
	int i;

	for (i = 0; i < res->nbatches; i++)
		free(res->batches[i].batch_id);
	free(res->batches);
	memset(res, 0, sizeof(*res));
}

/* The call's duration for the progress line (0 when unknown). */
static double
audio_seconds(const struct record_reader *r)
{
	const char *v = record_get_by_name(r, "duration_s");

	return v ? atof(v) : 0;
}

/* Append v to the COPY line, making it valid UTF-8 first if need be. */
static void
add_field(struct load *ld, const char *v)
{
	if (ld->copy.len > 0 && ld->copy.buf[ld->copy.len - 1] != '\n')
		strbuf_addch(&ld->copy, '\t');
	if (v != NULL && !utf8_valid(v, strlen(v))) {
		struct strbuf s = STRBUF_INIT;
		const char *p;
		size_t n;

		for (p = v; *p; p += n) {
			n = utf8_seqlen(p);
			if (n == 0) {
				strbuf_adds(&s, "\xef\xbf\xbd");
				n = 1;
			} else {
				strbuf_add(&s, p, n);
			}
		}
		record_escape(&ld->copy, s.buf);
		strbuf_release(&s);
		return;
	}
	record_escape(&ld->copy, v);
}

static void
why(struct load *ld, const char *fmt, const char *col, const char *v)
{
	if (ld->why.len > 0)
		return;
	strbuf_addf(&ld->why, "%s:%ld: ", record_reader_name(ld->r),
		    ld->lineno);
	strbuf_addf(&ld->why, fmt, col, v ? v : "");
}

/* Check v against the column's kind; a bad value is a reject reason. */
static const char *
checked(struct load *ld, const struct scol *c, const char *v)
{
	int ok = 1;

	if (v == NULL)
		return NULL;
	switch (c->kind) {
	case K_NUM:
		ok = store_number_ok(v, 0, c->limit);
		break;
	case K_INT:
		ok = store_number_ok(v, 1, c->limit);
		break;
	case K_SCORE:
		ok = store_number_ok(v, 0, 1000) && strtod(v, NULL) >= 0 &&
		     strtod(v, NULL) <= 100;
		break;
	case K_BOOL:
		ok = strcmp(v, "t") == 0 || strcmp(v, "f") == 0;
		break;
	default:
		break;
	}
	if (!ok) {
		why(ld, "column '%s': '%.40s' is not a valid value", c->name,
		    v);
		return NULL;
	}
	return v;
}

/*
 * Whether reader column i may be stored: a contract column, a section
 * score or a column to keep (other manifest columns may be personal).
 */
static int
storable(const struct load *ld, int i)
{
	const char *name = record_reader_colname(ld->r, i);
	int j;

	for (j = 0; j < NSCOLS; j++)
		if (ld->map[j] == i)
			return 1;
	for (j = 0; j < ld->nkeep; j++)
		if (ld->keep[j] == i)
			return 1;
	return strncmp(name, "score_", 6) == 0;
}

/* The record (its storable columns) as a JSON object, for rejects. */
static void
raw_json(struct load *ld, struct strbuf *sb)
{
	int i, n = record_reader_ncols(ld->r), first = 1;

	strbuf_addch(sb, '{');
	for (i = 0; i < n; i++) {
		if (!storable(ld, i))
			continue;
		if (!first)
			strbuf_addch(sb, ',');
		first = 0;
		strbuf_add_json_str(sb, record_reader_colname(ld->r, i));
		strbuf_addch(sb, ':');
		strbuf_add_json_str(sb, record_get(ld->r, i));
	}
	strbuf_addch(sb, '}');
}

/*
 * One staging row for the current record.  damaged: the reader's reason
 * when the line could not be read whole (NULL otherwise).
 */
static void
stage_row(struct load *ld, const char *damaged)
{
	const char *status = record_get(ld->r, ld->map[C_STATUS]);
	const char *stage = NULL, *reason = NULL, *v;
	size_t stage_len = 0;
	int upstream, i;
	char num[32];

	strbuf_reset(&ld->why);
	if (damaged)
		strbuf_adds(&ld->why, damaged);
	upstream = !damaged && !record_status_ok(status);
	if (upstream && store_parse_status(status, &stage, &stage_len,
					   &reason) < 0)
		why(ld, "unknown status '%.40s'%s", status, "");
	snprintf(num, sizeof(num), "%ld", ld->lineno);
	add_field(ld, num);
	for (i = 0; i < NSCOLS; i++) {
		v = record_get(ld->r, ld->map[i]);
		if (i == C_BATCH) {
			if (v == NULL || *v == '\0')
				v = ld->o->batch ? ld->o->batch
						 : ld->last_batch;
			else if (ld->o->batch == NULL &&
				 (ld->last_batch == NULL ||
				  strcmp(ld->last_batch, v) != 0)) {
				free(ld->last_batch);
				ld->last_batch = strdup(v);
			}
			if (ld->o->batch)
				v = ld->o->batch;
		} else if (!upstream && !damaged) {
			if (v == NULL && (i == C_CALL || i == C_AGENT ||
					  i == C_STARTED))
				why(ld, "no %s%s", scols[i].name, "");
			v = checked(ld, &scols[i], v);
		}
		add_field(ld, v);
	}
	/* sections */
	strbuf_reset(&ld->tmp);
	if (ld->nsection > 0) {
		strbuf_addch(&ld->tmp, '{');
		for (i = 0; i < ld->nsection; i++) {
			const char *name = record_reader_colname(
				ld->r, ld->section[i]);
			struct scol sc = { name, K_SCORE, 0, D_NONE, "" };

			v = record_get(ld->r, ld->section[i]);
			if (!upstream && !damaged && v != NULL &&
			    checked(ld, &sc, v) == NULL)
				v = NULL;
			if (i)
				strbuf_addch(&ld->tmp, ',');
			strbuf_add_json_str(&ld->tmp, name + 6);
			strbuf_addch(&ld->tmp, ':');
			strbuf_adds(&ld->tmp,
				    v && !upstream && !damaged ? v : "null");
		}
		strbuf_addch(&ld->tmp, '}');
		add_field(ld, ld->tmp.buf);
	} else {
		add_field(ld, NULL);
	}
	/* extra: the columns to keep */
	strbuf_reset(&ld->tmp);
	if (ld->nkeep > 0) {
		strbuf_addch(&ld->tmp, '{');
		for (i = 0; i < ld->nkeep; i++) {
			if (i)
				strbuf_addch(&ld->tmp, ',');
			strbuf_add_json_str(&ld->tmp, record_reader_colname(
							      ld->r,
							      ld->keep[i]));
			strbuf_addch(&ld->tmp, ':');
			strbuf_add_json_str(&ld->tmp,
					    record_get(ld->r, ld->keep[i]));
		}
		strbuf_addch(&ld->tmp, '}');
		add_field(ld, ld->tmp.buf);
	} else {
		add_field(ld, NULL);
	}
	/* raw, reject_stage, reject_reason */
	if (upstream && ld->why.len == 0) {
		strbuf_reset(&ld->tmp);
		raw_json(ld, &ld->tmp);
		add_field(ld, ld->tmp.buf);
		strbuf_reset(&ld->tmp);
		strbuf_add(&ld->tmp, stage, stage_len);
		add_field(ld, ld->tmp.buf);
		add_field(ld, *reason ? reason : "(no reason given)");
	} else if (ld->why.len > 0) {
		strbuf_reset(&ld->tmp);
		raw_json(ld, &ld->tmp);
		add_field(ld, ld->tmp.buf);
		add_field(ld, "store");
		add_field(ld, ld->why.buf);
		if (ld->o->warn)
			ld->o->warn(ld->why.buf, ld->o->arg);
	} else {
		add_field(ld, NULL);
		add_field(ld, NULL);
		add_field(ld, NULL);
	}
	strbuf_addch(&ld->copy, '\n');
}

static int
flush_copy(struct load *ld, struct err *e)
{
	if (ld->copy.len == 0)
		return 0;
	if (PQputCopyData(ld->conn, ld->copy.buf, (int)ld->copy.len) != 1)
		return db_err(e, ld->conn, "copy");
	strbuf_reset(&ld->copy);
	return 0;
}

static int
plan_columns(struct load *ld, struct err *e)
{
	int i, j, n = record_reader_ncols(ld->r);

	for (i = 0; i < NSCOLS; i++)
		ld->map[i] = record_reader_col(ld->r, scols[i].name);
	if (ld->map[C_CALL] < 0)
		return err_set(e, "%s:1: no column 'call_id': not a record "
				  "stream",
			       record_reader_name(ld->r));
	ld->section = calloc((size_t)n, sizeof(int));
	ld->keep = calloc((size_t)n, sizeof(int));
	if (ld->section == NULL || ld->keep == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < n; i++) {
		const char *name = record_reader_colname(ld->r, i);

		if (strncmp(name, "score_", 6) == 0 && name[6] != '\0')
			ld->section[ld->nsection++] = i;
	}
	for (j = 0; j < ld->o->nkeep; j++) {
		i = record_reader_col(ld->r, ld->o->keep[j]);
		if (i < 0) {
			if (ld->o->warn) {
				char m[200];

				snprintf(m, sizeof(m), "--keep: no column "
					 "'%.60s' in the input",
					 ld->o->keep[j]);
				ld->o->warn(m, ld->o->arg);
			}
			continue;
		}
		ld->keep[ld->nkeep++] = i;
	}
	return 0;
}

static void
create_sql(struct strbuf *sb)
{
	int i;

	strbuf_adds(sb, "CREATE TEMP TABLE stage (lineno bigint");
	for (i = 0; i < NSCOLS; i++)
		strbuf_addf(sb, ", %s text", scols[i].name);
	strbuf_adds(sb, ", sections text, extra text, raw text, "
			"reject_stage text, reject_reason text) "
			"ON COMMIT DROP");
}

/* A staging column in a SELECT, cast to its table type. */
static void
add_cast(struct strbuf *sb, const struct scol *c)
{
	if (*c->cast)
		strbuf_addf(sb, "%s::%s", c->name, c->cast);
	else
		strbuf_adds(sb, c->name);
}

/* Whether staging column c is set by the upsert of d (not a key). */
static int
sets(const struct scol *c, enum dest d)
{
	return c->dest == d && strcmp(c->name, "started_at") != 0;
}

/*
 * Upsert of calls or scores from the good staging rows.  Both tables are
 * partitioned by started_at (030_month_partitions.sql), which is part of
 * their keys: a call whose started_at changed was moved by the registry
 * update before this (ON UPDATE CASCADE), so it conflicts here.
 */
static void
upsert_sql(struct strbuf *sb, enum dest d)
{
	const char *tab = d == D_CALL ? "calls" : "scores";
	int i, first;

	strbuf_addf(sb, "INSERT INTO %s AS t (call_id, batch_id, started_at",
		    tab);
	if (d == D_SCORE)
		strbuf_adds(sb, ", rubric_version, eligible, sections");
	else
		strbuf_adds(sb, ", extra");
	for (i = 0; i < NSCOLS; i++)
		if (sets(&scols[i], d))
			strbuf_addf(sb, ", %s", scols[i].name);
	strbuf_adds(sb, ") SELECT call_id, batch_id, started_at::timestamptz");
	if (d == D_SCORE)
		strbuf_adds(sb, ", rubric_version, coalesce(eligible::boolean,"
				" score IS NOT NULL), sections::jsonb");
	else
		strbuf_adds(sb, ", extra::jsonb");
	for (i = 0; i < NSCOLS; i++)
		if (sets(&scols[i], d)) {
			strbuf_adds(sb, ", ");
			add_cast(sb, &scols[i]);
		}
	strbuf_adds(sb, " FROM stage WHERE reject_reason IS NULL");
	if (d == D_SCORE)
		strbuf_adds(sb, " AND rubric_version IS NOT NULL");
	strbuf_addf(sb, " ON CONFLICT (%s) DO UPDATE SET (",
		    d == D_CALL ? "call_id, started_at"
				: "call_id, rubric_version, started_at");
	strbuf_adds(sb, d == D_CALL ? "extra" : "eligible, sections");
	for (i = 0; i < NSCOLS; i++)
		if (sets(&scols[i], d))
			strbuf_addf(sb, ", %s", scols[i].name);
	strbuf_adds(sb, ") = ROW(");
	strbuf_adds(sb, d == D_CALL ? "excluded.extra"
				    : "excluded.eligible, excluded.sections");
	for (i = 0; i < NSCOLS; i++)
		if (sets(&scols[i], d))
			strbuf_addf(sb, ", excluded.%s", scols[i].name);
	strbuf_adds(sb, ") WHERE t.batch_id = excluded.batch_id AND (");
	first = 1;
	for (i = 0; i < NSCOLS; i++)
		if (sets(&scols[i], d)) {
			strbuf_addf(sb, "%st.%s", first ? "" : ", ",
				    scols[i].name);
			first = 0;
		}
	strbuf_adds(sb, d == D_CALL ? ", t.extra" : ", t.eligible, t.sections");
	strbuf_adds(sb, ") IS DISTINCT FROM (");
	first = 1;
	for (i = 0; i < NSCOLS; i++)
		if (sets(&scols[i], d)) {
			strbuf_addf(sb, "%sexcluded.%s", first ? "" : ", ",
				    scols[i].name);
			first = 0;
		}
	strbuf_adds(sb, d == D_CALL ? ", excluded.extra"
				    : ", excluded.eligible, excluded.sections");
	strbuf_adds(sb, ")");
}

/*
 * Checks that need the database, each turning calls into rejects; $1 is
 * the stream's name for the messages.
 */
static const char *const check_sql[] = {
	"UPDATE stage SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: started_at %L is not a timestamp', $1::text, lineno, "
	"left(started_at, 40)) WHERE reject_reason IS NULL AND "
	"callqa_try_timestamptz(started_at) IS NULL RETURNING reject_reason",

	/* Month partitions exist for 1970 to 2199 (callqa_ensure_months). */
	"UPDATE stage SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: started_at %L is out of range (1970 to 2199)', "
	"$1::text, lineno, left(started_at, 40)) WHERE reject_reason IS NULL "
	"AND NOT (started_at::timestamptz >= '1970-01-01+00' AND "
	"started_at::timestamptz < '2200-01-01+00') RETURNING reject_reason",

	"UPDATE stage SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: segments is not valid JSON', $1::text, lineno) "
	"WHERE reject_reason IS NULL AND segments IS NOT NULL AND "
	"callqa_try_jsonb(segments) IS NULL RETURNING reject_reason",

	"UPDATE stage SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: items is not valid JSON', $1::text, lineno) "
	"WHERE reject_reason IS NULL AND items IS NOT NULL AND "
	"callqa_try_jsonb(items) IS NULL RETURNING reject_reason",

	"UPDATE stage s SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: duplicate call_id %L (first at line %s)', $1::text, "
	"s.lineno, s.call_id, d.first) FROM (SELECT lineno, min(lineno) "
	"OVER (PARTITION BY call_id) AS first FROM stage WHERE reject_reason "
	"IS NULL) d WHERE s.lineno = d.lineno AND d.lineno <> d.first "
	"RETURNING s.reject_reason",

	/* The registry holds every call id stored, in any month. */
	"UPDATE stage s SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: duplicate call_id %L: already stored by batch %L', "
	"$1::text, s.lineno, s.call_id, r.batch_id) FROM call_ids r WHERE "
	"s.reject_reason IS NULL AND r.call_id = s.call_id AND r.batch_id <> "
	"s.batch_id RETURNING s.reject_reason",

	/* A month moved out by callqa db detach-month takes no call. */
	"UPDATE stage s SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: call %L is in %s, an archived month', $1::text, "
	"s.lineno, s.call_id, to_char(a.month, 'YYYY-MM')) FROM "
	"archived_months a WHERE s.reject_reason IS NULL AND (date_trunc("
	"'month', s.started_at::timestamptz AT TIME ZONE 'UTC')::date = "
	"a.month OR EXISTS (SELECT 1 FROM call_ids r WHERE r.call_id = "
	"s.call_id AND date_trunc('month', r.started_at AT TIME ZONE 'UTC')"
	"::date = a.month)) RETURNING s.reject_reason",

	"UPDATE stage s SET reject_stage = 'store', reject_reason = "
	"format('%s:%s: no batch_id', $1::text, s.lineno) WHERE batch_id IS "
	"NULL RETURNING s.reject_reason",
};

/* Whether check_sql[0..3] have nothing to do ("0"), or fails. */
static const char fast_sql[] =
	"SELECT count(*) FILTER (WHERE started_at IS NULL OR NOT "
	"(started_at::timestamptz >= '1970-01-01+00' AND "
	"started_at::timestamptz < '2200-01-01+00')), "
	"count(started_at::timestamptz), count(segments::jsonb), "
	"count(items::jsonb) FROM stage WHERE reject_reason IS NULL";

static const char batches_sql[] =
	"INSERT INTO batches (batch_id) SELECT DISTINCT batch_id FROM stage "
	"WHERE batch_id IS NOT NULL ON CONFLICT (batch_id) DO NOTHING";

/*
 * The month partitions of the good calls (made when missing, under the
 * store lock that this transaction holds: see 030_month_partitions.sql).
 */
static const char months_sql[] =
	"SELECT coalesce(sum(callqa_ensure_months(m, m)), 0) FROM (SELECT "
	"DISTINCT date_trunc('month', started_at::timestamptz AT TIME ZONE "
	"'UTC') AT TIME ZONE 'UTC' AS m FROM stage WHERE reject_reason IS "
	"NULL) t";

/*
 * The registry of call ids: new calls, and the calls of this batch whose
 * started_at changed (a corrected manifest).  Updating started_at here
 * moves the call and all its scores to their new month's partitions
 * (ON UPDATE CASCADE), so the upserts after it find them.
 */
static const char registry_sql[] =
	"INSERT INTO call_ids AS r (call_id, started_at, batch_id) SELECT "
	"call_id, started_at::timestamptz, batch_id FROM stage WHERE "
	"reject_reason IS NULL ON CONFLICT (call_id) DO UPDATE SET started_at "
	"= excluded.started_at WHERE r.batch_id = excluded.batch_id AND "
	"r.started_at <> excluded.started_at";

static const char agents_sql[] =
	"INSERT INTO agents AS a (agent_id, team, post, first_seen, last_seen) "
	"SELECT DISTINCT ON (agent_id) agent_id, team, post, "
	"min(started_at::timestamptz) OVER w, max(started_at::timestamptz) "
	"OVER w FROM stage WHERE reject_reason IS NULL WINDOW w AS "
	"(PARTITION BY agent_id) ORDER BY agent_id, started_at::timestamptz "
	"DESC ON CONFLICT (agent_id) DO UPDATE SET (team, post, first_seen, "
	"last_seen) = ROW(CASE WHEN excluded.last_seen >= a.last_seen THEN "
	"excluded.team ELSE a.team END, CASE WHEN excluded.last_seen >= "
	"a.last_seen THEN excluded.post ELSE a.post END, least(a.first_seen, "
	"excluded.first_seen), greatest(a.last_seen, excluded.last_seen)) "
	"WHERE (a.team, a.post, a.first_seen, a.last_seen) IS DISTINCT FROM "
	"(CASE WHEN excluded.last_seen >= a.last_seen THEN excluded.team ELSE "
	"a.team END, CASE WHEN excluded.last_seen >= a.last_seen THEN "
	"excluded.post ELSE a.post END, least(a.first_seen, "
	"excluded.first_seen), greatest(a.last_seen, excluded.last_seen))";

/*
 * A re-run of a batch says what became of its calls now: the rejects an
 * earlier run recorded for the call ids of this input (a file since
 * repaired, say) are replaced by this run's.  Only this input's call ids
 * are touched, so a batch stored in shards keeps the other shards'.
 */
static const char stale_sql[] =
	"DELETE FROM rejects r USING (SELECT DISTINCT batch_id, call_id FROM "
	"stage WHERE call_id IS NOT NULL) s WHERE r.batch_id = s.batch_id "
	"AND r.call_id = s.call_id";

/*
 * A call this batch stored in an earlier run and now rejects (its file
 * since damaged or moved, say) keeps its stored row and scores, which may
 * already be on a board: a later failure does not undo an earlier success.
 * It is counted as stored, not also as rejected, and the store says so.
 */
static const char kept_sql[] =
	"WITH k AS (SELECT s.lineno, s.call_id, s.reject_reason FROM stage s "
	"JOIN call_ids r ON r.call_id = s.call_id AND r.batch_id = s.batch_id "
	"JOIN calls c ON c.call_id = r.call_id AND c.started_at = "
	"r.started_at WHERE s.reject_reason IS NOT NULL AND NOT EXISTS "
	"(SELECT 1 FROM stage g WHERE g.call_id = s.call_id AND "
	"g.reject_reason IS NULL)) "
	"UPDATE stage s SET reject_stage = NULL, reject_reason = NULL FROM k "
	"WHERE s.lineno = k.lineno RETURNING format('%s:%s: call %L is kept "
	"as an earlier run of batch %L stored it, although this run rejects "
	"it: %s', $1::text, k.lineno, k.call_id, s.batch_id, "
	"k.reject_reason)";

static const char rejects_sql[] =
	"INSERT INTO rejects (batch_id, reject_key, call_id, audio, stage, "
	"reason, line, record) SELECT batch_id, md5(coalesce(call_id, '') || "
	"chr(31) || reject_stage || chr(31) || reject_reason), call_id, "
	"audio, reject_stage, reject_reason, lineno, coalesce(raw::jsonb, "
	"to_jsonb(stage) - 'raw' - 'reject_stage' - 'reject_reason' - "
	"'lineno') FROM stage WHERE reject_reason IS NOT NULL ORDER BY lineno "
	"ON CONFLICT DO NOTHING";

/*
 * The batch's counts come from the tables, so that a batch stored in
 * shards (several stores of one batch_id) adds up.  started and finished
 * are those of the store that last changed them: its transaction began
 * when the first stage's header came through, so finished - started is
 * about the batch's time through the whole pipeline.
 */
static const char counts_sql[] =
	"UPDATE batches b SET (inputs, stored, rejected, started, finished) "
	"= ROW(t.s + t.r, t.s, t.r, now(), clock_timestamp()) FROM (SELECT "
	"x.batch_id, (SELECT "
	"count(*) FROM calls c WHERE c.batch_id = x.batch_id) AS s, (SELECT "
	"count(*) FROM rejects r WHERE r.batch_id = x.batch_id) AS r FROM "
	"(SELECT DISTINCT batch_id FROM stage) x) t WHERE b.batch_id = "
	"t.batch_id AND (b.inputs, b.stored, b.rejected) IS DISTINCT FROM "
	"(t.s + t.r, t.s, t.r)";

/* The stream's own counts for its shard of a batch; a re-run replaces. */
static const char shard_sql[] =
	"INSERT INTO batch_shards AS t (batch_id, shard, shards, inputs, "
	"stored, rejected) VALUES ($1, $2::integer, $3::integer, "
	"$4::integer, $5::integer, $6::integer) ON CONFLICT (batch_id, shard, "
	"shards) DO UPDATE SET (inputs, stored, rejected, finished) = "
	"ROW(excluded.inputs, excluded.stored, excluded.rejected, now())";

static const char result_sql[] =
	"SELECT coalesce(batch_id, ''), count(*), count(*) FILTER (WHERE "
	"reject_reason IS NULL) FROM stage GROUP BY batch_id ORDER BY 1";

/*
 * Run a statement of the stage with $1 = the stream's name, passing each
 * row it returns (a message) to the warn callback.
 */
static int
warn_query(struct load *ld, const char *sql, struct err *e)
{
	const char *name = record_reader_name(ld->r);
	PGresult *res = PQexecParams(ld->conn, sql, 1, NULL, &name, NULL, NULL,
				     0);
	int j;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pq_fail(e, res, ld->conn, "store");
		PQclear(res);
		return -1;
	}
	for (j = 0; j < PQntuples(res) && ld->o->warn; j++)
		ld->o->warn(PQgetvalue(res, j, 0), ld->o->arg);
	PQclear(res);
	return 0;
}

/* Run the checks, passing the reasons they find to the warn callback. */
static int
run_checks(struct load *ld, struct err *e)
{
	size_t i = 0;
	int fast;

	/*
	 * The first three checks try a cast row by row (a subtransaction
	 * each).  When every value casts in one statement, none of them
	 * would change a row: skip them.
	 */
	if (pq_exec(ld->conn, "SAVEPOINT casts", 0, NULL, "store", e) < 0)
		return -1;
	{
		PGresult *res = PQexec(ld->conn, fast_sql);

		fast = PQresultStatus(res) == PGRES_TUPLES_OK &&
		       PQntuples(res) == 1 &&
		       strcmp(PQgetvalue(res, 0, 0), "0") == 0;
		PQclear(res);
	}
	if (pq_exec(ld->conn, fast ? "RELEASE SAVEPOINT casts"
				   : "ROLLBACK TO SAVEPOINT casts",
		    0, NULL, "store", e) < 0)
		return -1;
	if (fast)
		i = 4;
	for (; i < sizeof(check_sql) / sizeof(check_sql[0]); i++)
		if (warn_query(ld, check_sql[i], e) < 0)
			return -1;
	return 0;
}

/* One batch_shards row per batch of the stream (see store_opts). */
static int
note_shards(struct load *ld, const struct store_result *out, struct err *e)
{
	char num[5][32];
	const char *p[6];
	int i;

	if (ld->o->shards <= 0)
		return 0;
	/* An empty shard is a stored shard too (of the batch named). */
	if (out->nbatches == 0 && ld->o->batch) {
		snprintf(num[0], sizeof(num[0]), "%d", ld->o->shard);
		snprintf(num[1], sizeof(num[1]), "%d", ld->o->shards);
		p[0] = ld->o->batch;
		p[1] = num[0];
		p[2] = num[1];
		p[3] = p[4] = p[5] = "0";
		if (pq_exec(ld->conn, "INSERT INTO batches (batch_id) VALUES "
			    "($1) ON CONFLICT DO NOTHING", 1, p, "batches",
			    e) < 0)
			return -1;
		return pq_exec(ld->conn, shard_sql, 6, p, "batch_shards", e);
	}
	for (i = 0; i < out->nbatches; i++) {
		const struct store_count *c = &out->batches[i];

		if (*c->batch_id == '\0')
			continue;
		snprintf(num[0], sizeof(num[0]), "%d", ld->o->shard);
		snprintf(num[1], sizeof(num[1]), "%d", ld->o->shards);
		snprintf(num[2], sizeof(num[2]), "%ld", c->inputs);
		snprintf(num[3], sizeof(num[3]), "%ld", c->stored);
		snprintf(num[4], sizeof(num[4]), "%ld", c->rejected);
		p[0] = c->batch_id;
		p[1] = num[0];
		p[2] = num[1];
		p[3] = num[2];
		p[4] = num[3];
		p[5] = num[4];
		if (pq_exec(ld->conn, shard_sql, 6, p, "batch_shards", e) < 0)
			return -1;
	}
	return 0;
}

static int
collect(struct load *ld, struct store_result *out, struct err *e)
{
	PGresult *res = PQexec(ld->conn, result_sql);
	int i, n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pq_fail(e, res, ld->conn, "store");
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	out->batches = calloc(n ? (size_t)n : 1, sizeof(*out->batches));
	if (out->batches == NULL) {
		PQclear(res);
		return err_set(e, "out of memory");
	}
	for (i = 0; i < n; i++) {
		struct store_count *c = &out->batches[i];

		c->batch_id = strdup(PQgetvalue(res, i, 0));
		c->inputs = atol(PQgetvalue(res, i, 1));
		c->stored = atol(PQgetvalue(res, i, 2));
		c->rejected = c->inputs - c->stored;
		out->inputs += c->inputs;
		out->stored += c->stored;
		out->rejected += c->rejected;
		out->nbatches++;
	}
	PQclear(res);
	return 0;
}

int
store_load(struct db *db, FILE *fp, const char *name,
	   const struct store_opts *o, struct store_result *res,
	   struct err *e)
{
	struct load ld = { 0 };
	struct store_result out = { 0 };
	struct strbuf sql = STRBUF_INIT;
	PGresult *pr = NULL;
	int rc, r = -1, in_tx = 0;
	struct err re;

	ld.o = o;
	ld.conn = db_pgconn(db);
	strbuf_init(&ld.copy);
	strbuf_init(&ld.tmp);
	strbuf_init(&ld.why);
	if ((ld.r = record_reader_new(fp, name, e)) == NULL)
		goto out;
	if (plan_columns(&ld, e) < 0)
		goto out;
	if (pq_exec(ld.conn, "BEGIN", 0, NULL, "begin", e) < 0)
		goto out;
	in_tx = 1;
	create_sql(&sql);
	if (pq_exec(ld.conn, sql.buf, 0, NULL, "staging table", e) < 0)
		goto out;
	pr = PQexec(ld.conn, "COPY stage FROM STDIN");
	if (PQresultStatus(pr) != PGRES_COPY_IN) {
		pq_fail(e, pr, ld.conn, "copy");
		goto out;
	}
	PQclear(pr);
	pr = NULL;
	while ((rc = record_read(ld.r, &re)) != 0) {
		if (rc == -2) {
			err_set(e, "%s", re.msg);
			PQputCopyEnd(ld.conn, "input read error");
			goto out;
		}
		ld.lineno = record_reader_lineno(ld.r);
		stage_row(&ld, rc < 0 ? re.msg : NULL);
		progress_step(o->progress, audio_seconds(ld.r));
		if (ld.copy.len >= 256 * 1024 && flush_copy(&ld, e) < 0)
			goto out;
	}
	if (flush_copy(&ld, e) < 0)
		goto out;
	if (PQputCopyEnd(ld.conn, NULL) != 1) {
		db_err(e, ld.conn, "copy");
		goto out;
	}
	pr = PQgetResult(ld.conn);
	if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
		pq_fail(e, pr, ld.conn, "copy");
		goto out;
	}
	PQclear(pr);
	pr = NULL;
	/* The planner's view of the stage (joins with calls at volume). */
	if (pq_exec(ld.conn, "ANALYZE stage (call_id, batch_id, agent_id, "
		    "reject_reason)", 0, NULL, "store", e) < 0)
		goto out;
	/*
	 * One store at a time from here: the duplicate checks need it, and
	 * it is the first lock of every writer of calls, scores and call_ids
	 * (030_month_partitions.sql says why that cannot deadlock).
	 */
	if (pq_exec(ld.conn, "SELECT pg_advisory_xact_lock(7170317002)", 0,
		    NULL, "store lock", e) < 0 ||
	    run_checks(&ld, e) < 0 ||
	    pq_exec(ld.conn, months_sql, 0, NULL, "month partitions", e) < 0 ||
	    pq_exec(ld.conn, batches_sql, 0, NULL, "batches", e) < 0 ||
	    pq_exec(ld.conn, agents_sql, 0, NULL, "agents", e) < 0 ||
	    pq_exec(ld.conn, registry_sql, 0, NULL, "call_ids", e) < 0)
		goto out;
	strbuf_reset(&sql);
	upsert_sql(&sql, D_CALL);
	if (pq_exec(ld.conn, sql.buf, 0, NULL, "calls", e) < 0)
		goto out;
	strbuf_reset(&sql);
	upsert_sql(&sql, D_SCORE);
	if (pq_exec(ld.conn, sql.buf, 0, NULL, "scores", e) < 0 ||
	    warn_query(&ld, kept_sql, e) < 0 ||
	    pq_exec(ld.conn, stale_sql, 0, NULL, "rejects", e) < 0 ||
	    pq_exec(ld.conn, rejects_sql, 0, NULL, "rejects", e) < 0 ||
	    pq_exec(ld.conn, counts_sql, 0, NULL, "batches", e) < 0 ||
	    collect(&ld, &out, e) < 0 || note_shards(&ld, &out, e) < 0 ||
	    pq_exec(ld.conn, "COMMIT", 0, NULL, "commit", e) < 0)
		goto out;
	in_tx = 0;
	*res = out;
	memset(&out, 0, sizeof(out));
	r = 0;
out:
	/* Drain what a failed COPY left, then roll back. */
	PQclear(pr);
	if (in_tx) {
		while ((pr = PQgetResult(ld.conn)) != NULL)
			PQclear(pr);
		PQclear(PQexec(ld.conn, "ROLLBACK"));
	}
	store_result_release(&out);
	record_reader_free(ld.r);
	free(ld.section);
	free(ld.keep);
	free(ld.last_batch);
	strbuf_release(&ld.copy);
	strbuf_release(&ld.tmp);
	strbuf_release(&ld.why);
	strbuf_release(&sql);
	return r;
}

void
store_shards_release(struct store_shards *st)
{
	free(st->missing);
	memset(st, 0, sizeof(*st));
}

static const char finalise_sql[] =
	"SELECT (SELECT count(*) FROM batches WHERE batch_id = $1), "
	"count(s.shard), coalesce(sum(s.inputs), 0), "
	"coalesce(sum(s.stored), 0), coalesce(sum(s.rejected), 0), "
	"coalesce(string_agg(k::text, ',' ORDER BY k) FILTER (WHERE s.shard "
	"IS NULL), '') FROM generate_series(0, $2::integer - 1) k LEFT JOIN "
	"batch_shards s ON s.batch_id = $1 AND s.shards = $2::integer AND "
	"s.shard = k";

int
store_finalise(struct db *db, const char *batch, int shards,
	       struct store_shards *st, struct err *e)
{
	PGconn *conn = db_pgconn(db);
	char num[32];
	const char *p[2] = { batch, num };
	PGresult *res;
	const char *miss;
	int r = -1;

	memset(st, 0, sizeof(*st));
	if (shards < 1)
		return err_set(e, "finalise: bad number of shards %d", shards);
	snprintf(num, sizeof(num), "%d", shards);
	res = PQexecParams(conn, finalise_sql, 2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pq_fail(e, res, conn, "finalise");
		goto out;
	}
	if (atol(PQgetvalue(res, 0, 0)) == 0) {
		err_set(e, "finalise: no batch '%s' in the database", batch);
		goto out;
	}
	st->found = atoi(PQgetvalue(res, 0, 1));
	st->inputs = atol(PQgetvalue(res, 0, 2));
	st->stored = atol(PQgetvalue(res, 0, 3));
	st->rejected = atol(PQgetvalue(res, 0, 4));
	miss = PQgetvalue(res, 0, 5);
	if (*miss && (st->missing = strdup(miss)) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	r = 0;
out:
	PQclear(res);
	return r;
}

struct store_spool {
	FILE *in;     /* borrowed */
	FILE *out;    /* PATH.tmp */
	FILE *stream; /* reads in, copies to out */
	char *path, *tmp;
	int rerr, werr; /* errno of the first read / write error */
};

static ssize_t
spool_read(void *cookie, char *buf, size_t size)
{
	struct store_spool *sp = cookie;
	size_t n = fread(buf, 1, size, sp->in);

	if (n == 0 && ferror(sp->in)) {
		sp->rerr = errno ? errno : EIO;
		return -1;
	}
	if (n > 0 && !sp->werr && fwrite(buf, 1, n, sp->out) != n)
		sp->werr = errno ? errno : EIO;
	return (ssize_t)n;
}

struct store_spool *
store_spool_open(FILE *in, const char *path, struct err *e)
{
	cookie_io_functions_t io = { spool_read, NULL, NULL, NULL };
	struct store_spool *sp = calloc(1, sizeof(*sp));
	struct strbuf tmp = STRBUF_INIT;

	if (sp == NULL || (sp->path = strdup(path)) == NULL) {
		free(sp);
		err_set(e, "out of memory");
		return NULL;
	}
	strbuf_addf(&tmp, "%s.tmp", path);
	sp->tmp = strbuf_detach(&tmp);
	sp->in = in;
	if ((sp->out = fopen(sp->tmp, "w")) == NULL) {
		err_set(e, "spool %s: %s", sp->tmp, strerror(errno));
		goto fail;
	}
	if ((sp->stream = fopencookie(sp, "r", io)) == NULL) {
		err_set(e, "spool: %s", strerror(errno));
		goto fail;
	}
	return sp;
fail:
	if (sp->out) {
		fclose(sp->out);
		remove(sp->tmp);
	}
	free(sp->tmp);
	free(sp->path);
	free(sp);
	return NULL;
}

FILE *
store_spool_stream(struct store_spool *sp)
{
	return sp->stream;
}

int
store_spool_finish(struct store_spool *sp, int keep, struct err *e)
{
	char buf[65536];
	int r = 0;

	if (keep)
		while (fread(buf, 1, sizeof(buf), sp->stream) > 0)
			;
	fclose(sp->stream);
	if (keep && sp->rerr)
		r = err_set(e, "spool: read error: %s", strerror(sp->rerr));
	else if (keep && sp->werr)
		r = err_set(e, "spool %s: write error: %s", sp->tmp,
			    strerror(sp->werr));
	if (fflush(sp->out) == EOF || (keep && fsync(fileno(sp->out)) < 0)) {
		if (keep && r == 0)
			r = err_set(e, "spool %s: write error: %s", sp->tmp,
				    strerror(errno));
	}
	if (fclose(sp->out) == EOF && keep && r == 0)
		r = err_set(e, "spool %s: write error: %s", sp->tmp,
			    strerror(errno));
	if (keep && r == 0 && rename(sp->tmp, sp->path) < 0)
		r = err_set(e, "spool %s: %s", sp->path, strerror(errno));
	if (!keep || r < 0)
		remove(sp->tmp);
	free(sp->tmp);
	free(sp->path);
	free(sp);
	return r;
}
