/*
 * db.h: where callqa's PostgreSQL is, and the private cluster that
 * `callqa db` keeps under var/.
 *
 * The database is chosen in this order: the --db option; else $CALLQA_DB;
 * else, when any PG* variable is set (PGHOST, PGSERVICE, PGDATABASE...),
 * libpq's own defaults; else the private cluster under $CALLQA_VAR (or
 * ./var), which db_conninfo() starts when it is not running.
 *
 * The private cluster lives in VAR/pg (initdb with the machine's PostgreSQL
 * binaries, superuser "callqa", trust authentication), listens only on a
 * Unix socket in VAR/run (listen_addresses = ''), and holds a database
 * "callqa".  When run as root, initdb and pg_ctl run as the user "postgres",
 * which owns VAR/pg and VAR/run.  Only this module and store/rank include
 * libpq-fe.h; the connection is handed around as an opaque struct db.
 */
#ifndef CALLQA_DB_H
#define CALLQA_DB_H

#include "callqa/callqa.h"

struct db; /* opaque: a libpq connection */

/*
 * The private cluster's directory: $CALLQA_VAR, else "./var", made
 * absolute.  A new string, or NULL (e filled).
 */
char *db_var_dir(struct err *e);

/* Conninfo of the private cluster under var (new string). */
char *db_private_url(const char *var);

/*
 * Create (initdb) and start the private cluster under var when needed,
 * and make sure its database "callqa" exists.  Serialised by a lock file
 * VAR/db.lock, so concurrent callers do not race.  Returns 0, or -1.
 */
int db_private_start(const char *var, struct err *e);
/* Stop it (pg_ctl stop -m fast); 0 also when it was not running. */
int db_private_stop(const char *var, struct err *e);
/*
 * 1 when it runs (*pid set to the postmaster's pid), 0 when it does not,
 * -1 on error.
 */
int db_private_status(const char *var, long *pid, struct err *e);

/*
 * The conninfo to use, by the precedence above; opt is --db (or NULL).
 * Starts the private cluster when that is the choice.  A new string
 * ("" means libpq defaults), or NULL (e filled).
 */
char *db_conninfo(const char *opt, struct err *e);

/*
 * Connect (conninfo from db_conninfo).  The session uses UTC, UTF-8 and
 * no notices on stderr.  NULL on failure, e holding libpq's message
 * without its trailing newline.
 */
struct db *db_connect(const char *conninfo, struct err *e);
void db_free(struct db *db);

/* db_conninfo(opt) and db_connect() in one: the database the stages use. */
struct db *db_open(const char *opt, struct err *e);

/*
 * The database as the programs that write it use it (store, rank,
 * ladder): db_open(), db_migrate(), db_use_pipeline_role().  NULL (e
 * filled, nothing left open) on failure.
 */
struct db *db_open_writer(const char *opt, struct err *e);

/*
 * Apply the schema migrations compiled in from pipeline/sql/ that the
 * database has not seen, each in its own transaction, under an advisory
 * lock, recording them in schema_migrations.  *applied (when not NULL)
 * gets how many were applied.  Fails when the database has a migration
 * this program does not know (a newer callqa wrote it).
 */
int db_migrate(struct db *db, int *applied, struct err *e);

/*
 * SET ROLE callqa_pipeline when the session's user may, so the loading
 * and ranking run with the pipeline's privileges only.  0 or -1.
 */
int db_use_pipeline_role(struct db *db, struct err *e);

/* A month of calls and scores (030_month_partitions.sql). */
struct db_month {
	char month[8];	 /* YYYY-MM */
	char state[12];	 /* "live" (partitions) or "archived" (detached) */
	long long calls; /* rows */
	long long scores;
	long long bytes; /* tables and indexes */
	int closed;	 /* the month's last closure action is "close" */
};

/*
 * The months of calls: the live partitions, then the archived months,
 * each in month order.  *months (free() it) gets *n entries.  0 or -1.
 */
int db_months(struct db *db, struct db_month **months, int *n, struct err *e);

/*
 * Detach the calls and scores partitions of a closed month (YYYY-MM) into
 * the standalone tables archive_calls_YYYY_MM and archive_scores_YYYY_MM,
 * recorded in archived_months with by (who) and the database login.
 * Refuses a month that is not closed, not stored or already archived.
 * *calls (when not NULL) gets how many calls left.  0 or -1.
 */
int db_detach_month(struct db *db, const char *month, const char *by,
		    long long *calls, struct err *e);

/*
 * Run one statement with text parameters (NULL: SQL NULL); fails unless
 * it succeeds.  For statements whose result is not needed.
 */
int db_exec(struct db *db, const char *sql, int nparams,
	    const char *const *params, struct err *e);

/* The libpq connection (a PGconn *), for store.c and rank.c. */
void *db_pgconn(struct db *db);

/*
 * Copy libpq's last error message for conn into e, prefixed by what,
 * without the trailing newline.  Returns -1.
 */
int db_err(struct err *e, void *pgconn, const char *what);

#endif
