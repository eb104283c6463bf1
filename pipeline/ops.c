/* ops.c: see ops.h. */
#include "callqa/ops.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sndfile.h>
#include <soxr.h>
#include <yaml.h>

#include "callqa/db.h"
#include "callqa/ingest.h"
#include "callqa/ladder.h"
#include "callqa/rank.h"
#include "callqa/record.h"
#include "callqa/rubric.h"
#include "callqa/strbuf.h"
#include "pq_int.h"

extern const char *const callqa_migration_names[];

int
ops_schema(struct db *db, struct ops_schema *s, struct err *e)
{
	PGresult *res;
	int i, j, found;

	memset(s, 0, sizeof(*s));
	for (i = 0; callqa_migration_names[i]; i++)
		s->known++;
	/* schema_migrations may not exist yet: ask first. */
	res = pq_query(db_pgconn(db),
		       "SELECT to_regclass('schema_migrations') IS NOT NULL", 0,
		       NULL, "schema", e);
	if (res == NULL)
		return -1;
	found = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!found)
		return 0;
	res = pq_query(db_pgconn(db),
		       "SELECT name FROM schema_migrations ORDER BY name", 0,
		       NULL, "schema_migrations", e);
	if (res == NULL)
		return -1;
	s->applied = PQntuples(res);
	for (i = 0; i < s->applied; i++) {
		const char *name = PQgetvalue(res, i, 0);

		for (j = 0, found = 0; callqa_migration_names[j]; j++)
			found |= strcmp(callqa_migration_names[j], name) == 0;
		s->unknown += !found;
		snprintf(s->latest, sizeof(s->latest), "%s", name);
	}
	PQclear(res);
	return 0;
}

/* Where we are connected, from libpq (no secret can show). */
static void
print_where(FILE *out, struct db *db)
{
	PGconn *c = db_pgconn(db);

	fprintf(out,
		"database: host=%s port=%s dbname=%s user=%s "
		"(PostgreSQL %d.%d)\n",
		PQhost(c), PQport(c), PQdb(c), PQuser(c),
		PQserverVersion(c) / 10000, PQserverVersion(c) % 10000);
}

/* Print a result as aligned columns under a title. */
static void
print_table(FILE *out, const char *title, PGresult *res)
{
	int nf = PQnfields(res), nt = PQntuples(res), i, j;
	int w[16] = {0};

	fprintf(out, "\n%s\n", title);
	if (nt == 0) {
		fprintf(out, "  (none)\n");
		return;
	}
	if (nf > 16)
		nf = 16;
	for (j = 0; j < nf; j++) {
		w[j] = (int)strlen(PQfname(res, j));
		for (i = 0; i < nt; i++)
			if ((int)strlen(PQgetvalue(res, i, j)) > w[j])
				w[j] = (int)strlen(PQgetvalue(res, i, j));
	}
	for (j = 0; j < nf; j++)
		fprintf(out, "  %-*s", w[j], PQfname(res, j));
	fputc('\n', out);
	for (i = 0; i < nt; i++) {
		for (j = 0; j < nf; j++)
			fprintf(out, "  %-*s", w[j],
				PQgetisnull(res, i, j) ? "-"
						       : PQgetvalue(res, i, j));
		fputc('\n', out);
	}
}

int
ops_status(struct db *db, const char *conninfo, int n, FILE *out, struct err *e)
{
	static const char *const q_batches =
	    "SELECT batch_id AS batch, "
	    "to_char(started AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') "
	    "AS started_utc, "
	    "CASE WHEN finished IS NULL THEN 'unfinished' ELSE "
	    "to_char(finished - started, 'HH24:MI:SS') END AS took, "
	    "inputs, stored, rejected FROM batches "
	    "ORDER BY started DESC, batch_id DESC LIMIT $1";
	static const char *const q_months =
	    "SELECT period AS month, group_by, count(*) AS agents, "
	    "sum(CASE WHEN points <> 0 THEN 1 ELSE 0 END) AS ledger, "
	    "to_char(max(computed_at) AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD HH24:MI') AS ranked_utc FROM rankings "
	    "WHERE period ~ '^[0-9]{4}-[0-9]{2}$' GROUP BY 1, 2 "
	    "ORDER BY 1 DESC, 2 LIMIT 12";
	static const char *const q_closed =
	    "SELECT to_char(month, 'YYYY-MM') AS month, action AS state, "
	    "by_whom AS by, to_char(at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD HH24:MI') AS at_utc, coalesce(reason, '') AS "
	    "reason FROM (SELECT DISTINCT ON (month) * FROM month_closures "
	    "ORDER BY month DESC, id DESC) m ORDER BY month DESC LIMIT 12";
	struct ops_schema s;
	char nbuf[16];
	const char *p[1] = {nbuf};
	PGresult *res;

	(void)conninfo;
	print_where(out, db);
	if (ops_schema(db, &s, e) < 0)
		return -1;
	fprintf(out, "schema: %d of %d migrations applied%s%s\n", s.applied,
		s.known, s.latest[0] ? ", latest " : "", s.latest);
	if (s.applied == 0) {
		fprintf(out, "no batch stored yet\n");
		return 0;
	}
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	if ((res = pq_query(db_pgconn(db), q_batches, 1, p, "batches", e)) ==
	    NULL)
		return -1;
	print_table(out, "last batches:", res);
	PQclear(res);
	if ((res = pq_query(db_pgconn(db), q_months, 0, NULL, "rankings", e)) ==
	    NULL)
		return -1;
	print_table(out, "months ranked:", res);
	PQclear(res);
	if ((res = pq_query(db_pgconn(db), q_closed, 0, NULL, "month_closures",
			    e)) == NULL)
		return -1;
	print_table(out, "months closed or reopened:", res);
	PQclear(res);
	return 0;
}

int
ops_rejects(struct db *db, const char *batch, FILE *out, long *count,
	    struct err *e)
{
	const char *p[1] = {batch};
	struct strbuf sb = STRBUF_INIT;
	PGresult *res;
	int i, j;

	res = pq_query(db_pgconn(db),
		       "SELECT batch_id, call_id, stage, reason, audio FROM "
		       "rejects WHERE batch_id = $1 ORDER BY call_id, stage",
		       1, p, "rejects", e);
	if (res == NULL)
		return -1;
	fprintf(out, "batch_id\tcall_id\tstage\treason\taudio\n");
	for (i = 0; i < PQntuples(res); i++) {
		strbuf_reset(&sb);
		for (j = 0; j < 5; j++) {
			if (j)
				strbuf_addch(&sb, '\t');
			if (PQgetisnull(res, i, j))
				strbuf_adds(&sb, "\\N");
			else
				record_escape(&sb, PQgetvalue(res, i, j));
		}
		fprintf(out, "%s\n", sb.buf);
	}
	*count = PQntuples(res);
	PQclear(res);
	strbuf_release(&sb);
	return 0;
}

/* --- doctor --- */

static int problems;

static void say(FILE *out, const char *level, const char *what, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static void
say(FILE *out, const char *level, const char *what, const char *fmt, ...)
{
	char line[2048], *p, *q;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One line per check: libpq's multi-line messages are joined. */
	for (p = q = line; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r') {
			if (q > line && q[-1] != ' ')
				*q++ = ' ';
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	fprintf(out, "%-4s  %-10s %s\n", level, what, line);
	problems += strcmp(level, "FAIL") == 0;
}

static void
check_libraries(FILE *out)
{
	int pq = PQlibVersion();

	say(out, "ok", "libraries", "%s, libsoxr %s, libpq %d.%d, libyaml %s",
	    sf_version_string(), soxr_version(), pq / 10000, pq % 10000,
	    yaml_get_version_string());
}

static void
check_database(const struct ops_doctor *o, FILE *out)
{
	struct ops_schema s;
	struct err e;
	struct db *db;
	char *ci;

	if ((ci = db_conninfo(o->db_opt, &e)) == NULL) {
		say(out, "FAIL", "database",
		    "%s; do: check --db/CALLQA_DB, or "
		    "'callqa db start' for the private cluster",
		    e.msg);
		return;
	}
	if ((db = db_connect(ci, &e)) == NULL) {
		say(out, "FAIL", "database",
		    "cannot connect: %s; do: start the "
		    "server or fix CALLQA_DB (callqa.conf db=)",
		    e.msg);
		free(ci);
		return;
	}
	{
		PGconn *c = db_pgconn(db);

		say(out, "ok", "database",
		    "host=%s port=%s dbname=%s user=%s, "
		    "PostgreSQL %d.%d",
		    PQhost(c), PQport(c), PQdb(c), PQuser(c),
		    PQserverVersion(c) / 10000, PQserverVersion(c) % 10000);
	}
	if (ops_schema(db, &s, &e) < 0)
		say(out, "FAIL", "schema", "%s", e.msg);
	else if (s.unknown > 0)
		say(out, "FAIL", "schema",
		    "the database has %d migration(s) "
		    "this callqa does not know (latest %s): a newer callqa "
		    "wrote it; do: upgrade callqa",
		    s.unknown, s.latest);
	else if (s.applied < s.known)
		say(out, "FAIL", "schema",
		    "%d of %d migrations applied: too "
		    "old; do: callqa db migrate (callqa-store also migrates)",
		    s.applied, s.known);
	else
		say(out, "ok", "schema",
		    "all %d migrations applied (latest %s)", s.known, s.latest);
	db_free(db);
	free(ci);
}

static void
check_rubric(const char *path, FILE *out)
{
	struct strbuf problems_sb = STRBUF_INIT;
	struct rubric *rb;

	if (path == NULL) {
		say(out, "FAIL", "rubric",
		    "none configured; do: set rubric= in "
		    "callqa.conf or CALLQA_RUBRIC");
		return;
	}
	if ((rb = rubric_load(path, &problems_sb)) == NULL) {
		char *nl =
		    problems_sb.buf ? strchr(problems_sb.buf, '\n') : NULL;

		if (nl)
			*nl = '\0';
		say(out, "FAIL", "rubric", "%s; do: callqa-score --check %s",
		    problems_sb.buf ? problems_sb.buf : path, path);
	} else {
		say(out, "ok", "rubric", "%s checks", path);
	}
	rubric_free(rb);
	strbuf_release(&problems_sb);
}

/*
 * The ranking and ladder policies, and their time zones: the board's
 * months and the ladder's periods must start at the same midnight, or a
 * call near midnight counts in one month for the board and another for
 * the ladder.
 */
static void
check_policies(const char *ranking, const char *ladder, FILE *out)
{
	struct rank_policy rp;
	struct ladder_policy lp;
	struct err e;
	int rank_ok = 0;

	if (ranking) {
		rank_policy_default(&rp);
		if (rank_policy_load(&rp, ranking, &e) < 0) {
			say(out, "FAIL", "ranking", "%s; do: fix the policy file",
			    e.msg);
		} else {
			rank_ok = 1;
			say(out, "ok", "ranking",
			    "%s: groups by %s, at least %d calls, months from "
			    "midnight %s",
			    ranking, rp.group_by, rp.min_calls, rp.timezone);
		}
	}
	if (ladder == NULL)
		return;
	ladder_policy_default(&lp);
	if (ladder_policy_load(&lp, ladder, &e) < 0)
		say(out, "FAIL", "ladder", "%s; do: fix the policy file", e.msg);
	else if (rank_ok && strcmp(rp.timezone, lp.timezone) != 0)
		say(out, "FAIL", "ladder",
		    "%s: periods from midnight %s, but the ranking's months "
		    "from midnight %s; do: set the same timezone in %s and %s",
		    ladder, lp.timezone, rp.timezone, ranking, ladder);
	else
		say(out, "ok", "ladder", "%s: %d posts, periods from midnight %s",
		    ladder, lp.nposts, lp.timezone);
}

static int
count_audio(const char *path, const char *why, void *arg)
{
	if (why == NULL && ingest_is_audio_name(path))
		++*(long *)arg;
	return 0;
}

static void
check_recordings(const char *dir, FILE *out)
{
	struct stat st;
	long n = 0;

	if (dir == NULL) {
		say(out, "warn", "recordings",
		    "no recording directory "
		    "configured (callqa nightly then needs one on its command "
		    "line)");
		return;
	}
	if (stat(dir, &st) < 0) {
		say(out, "FAIL", "recordings",
		    "%s: %s; do: mount or create it, "
		    "or fix recordings= in callqa.conf",
		    dir, strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode))
		ingest_walk(dir, count_audio, &n);
	else
		n = ingest_count(dir, NULL);
	say(out, n > 0 ? "ok" : "warn", "recordings", "%s: %ld recording%s",
	    dir, n, n == 1 ? "" : "s");
}

static void
check_disk(const char *what, const char *path, double min_gib, FILE *out)
{
	struct statvfs sv;
	double gib;

	if (path == NULL || statvfs(path, &sv) < 0)
		return;
	gib = (double)sv.f_bavail * sv.f_frsize / (1024.0 * 1024 * 1024);
	if (gib < min_gib)
		say(out, "FAIL", "disk",
		    "%s (%s): %.1f GiB free, less than %.1f; "
		    "do: free space before the batch (a full disk stops the "
		    "batch, nothing half-stored)",
		    what, path, gib, min_gib);
	else
		say(out, "ok", "disk", "%s (%s): %.1f GiB free", what, path,
		    gib);
}

int
ops_doctor(const struct ops_doctor *o, FILE *out)
{
	const char *tmp = getenv("TMPDIR");

	problems = 0;
	check_libraries(out);
	check_database(o, out);
	check_rubric(o->rubric, out);
	check_policies(o->ranking, o->ladder, out);
	check_recordings(o->recordings, out);
	if (o->var && access(o->var, F_OK) == 0)
		check_disk("database", o->var, o->min_free_gib, out);
	check_disk("temporary files", tmp && *tmp ? tmp : "/tmp",
		   o->min_free_gib, out);
	return problems;
}

int
ops_summary(struct db *db, const char *batch, double wall_s, FILE *out,
	    struct err *e)
{
	const char *p[1] = {batch};
	PGresult *res;
	double hours, took;
	long inputs;
	int i;

	res = pq_query(db_pgconn(db),
		       "SELECT b.inputs, b.stored, b.rejected, "
		       "coalesce((SELECT sum(duration_s) FROM calls c "
		       "WHERE c.batch_id = b.batch_id), 0) / 3600.0 "
		       "FROM batches b WHERE b.batch_id = $1",
		       1, p, "batches", e);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return err_set(e, "batch '%s' is not in the database", batch);
	}
	inputs = atol(PQgetvalue(res, 0, 0));
	hours = atof(PQgetvalue(res, 0, 3));
	took = wall_s > 0 ? wall_s : 0;
	fprintf(out,
		"batch %s: %ld inputs, %s stored, %s rejected; "
		"%.2f h of audio in %.0f s (%.1f calls/s)\n",
		batch, inputs, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		hours, took, took > 0 ? inputs / took : 0.0);
	PQclear(res);
	/* Rejects by stage and reason, the file names left out. */
	res =
	    pq_query(db_pgconn(db),
		     "SELECT stage, regexp_replace(reason, "
		     "'^(/[^:]*|[^ :]*\\.csv:[0-9]+): ', '') AS why, count(*) "
		     "FROM rejects WHERE batch_id = $1 GROUP BY 1, 2 "
		     "ORDER BY 3 DESC, 1, 2",
		     1, p, "rejects", e);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		fprintf(out, "  %5s rejected by %s: %s\n",
			PQgetvalue(res, i, 2), PQgetvalue(res, i, 0),
			PQgetvalue(res, i, 1));
	if (PQntuples(res) > 0)
		fprintf(out, "  list them: callqa rejects --batch %s\n", batch);
	PQclear(res);
	return 0;
}
