/*
 * db.c: choosing the database, the private PostgreSQL cluster under var/
 * (initdb, pg_ctl start/stop as the user "postgres" when we are root), the
 * connection and the schema migrations compiled in from pipeline/sql/.
 */
#include "callqa/db.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/strbuf.h"

extern const char *const callqa_migration_names[];
extern const char *const callqa_migration_sql[];
extern char **environ;

/* Key of the advisory lock held while migrating. */
#define DB_MIGRATE_LOCK "7170317001"

struct db {
	PGconn *conn;
};

static void
silent_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int
db_err(struct err *e, void *pgconn, const char *what)
{
	const char *m = pgconn ? PQerrorMessage(pgconn) : "out of memory";
	size_t len = strlen(m), i, j = 0;
	char buf[400];

	while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == ' '))
		len--;
	/* libpq's message is lines ("...\n\tIs the server running..."). */
	for (i = 0; i < len && j + 1 < sizeof(buf); i++) {
		if (m[i] == '\n' || m[i] == '\t') {
			if (j > 0 && buf[j - 1] != ' ')
				buf[j++] = ' ';
			continue;
		}
		buf[j++] = m[i];
	}
	buf[j] = '\0';
	return err_set(e, "%s: %s", what, buf);
}

static int
res_err(struct err *e, PGresult *res, PGconn *conn, const char *what)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			    : NULL;
	size_t len;

	if (m == NULL || *m == '\0')
		return db_err(e, conn, what);
	len = strlen(m);
	while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == ' '))
		len--;
	return err_set(e, "%s: %.*s", what, (int)len, m);
}

char *
db_var_dir(struct err *e)
{
	const char *v = getenv("CALLQA_VAR");
	char cwd[PATH_MAX];
	struct strbuf sb = STRBUF_INIT;

	if (v == NULL || *v == '\0')
		v = "var";
	if (v[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			err_set(e, "getcwd: %s", strerror(errno));
			return NULL;
		}
		strbuf_addf(&sb, "%s/%s", cwd, v);
	} else {
		strbuf_adds(&sb, v);
	}
	while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
		sb.buf[--sb.len] = '\0';
	/* A Unix socket path is at most 107 bytes: VAR/run/.s.PGSQL.5432. */
	if (sb.len + strlen("/run/.s.PGSQL.5432") > 107) {
		err_set(e, "%s: too long for a Unix socket path (set "
			   "CALLQA_VAR to a shorter directory)", sb.buf);
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* Append a conninfo value in single quotes, escaping ' and \. */
static void
add_quoted(struct strbuf *sb, const char *v)
{
	strbuf_addch(sb, '\'');
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *v);
	}
	strbuf_addch(sb, '\'');
}

static char *
private_url_db(const char *var, const char *dbname)
{
	struct strbuf sb = STRBUF_INIT, dir = STRBUF_INIT;

	strbuf_addf(&dir, "%s/run", var);
	strbuf_adds(&sb, "host=");
	add_quoted(&sb, dir.buf);
	strbuf_addf(&sb, " port=5432 dbname=%s user=callqa", dbname);
	strbuf_release(&dir);
	return strbuf_detach(&sb);
}

char *
db_private_url(const char *var)
{
	return private_url_db(var, "callqa");
}

/* Directory holding initdb and pg_ctl, or NULL. */
static char *
pg_bindir(void)
{
	const char *env = getenv("CALLQA_PGBIN");
	struct strbuf sb = STRBUF_INIT;
	char line[PATH_MAX];
	glob_t g;
	FILE *fp;

	if (env && *env)
		return strdup(env);
	if ((fp = popen("pg_config --bindir 2>/dev/null", "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			strbuf_addf(&sb, "%s/initdb", line);
			if (access(sb.buf, X_OK) == 0) {
				pclose(fp);
				strbuf_release(&sb);
				return strdup(line);
			}
		}
		pclose(fp);
	}
	strbuf_release(&sb);
	/* The newest of Debian's versioned directories. */
	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
		char *best = NULL;
		long bestv = -1;
		size_t i;

		for (i = 0; i < g.gl_pathc; i++) {
			long v = strtol(g.gl_pathv[i] +
					       strlen("/usr/lib/postgresql/"),
				       NULL, 10);

			if (v > bestv) {
				bestv = v;
				best = g.gl_pathv[i];
			}
		}
		if (best) {
			char *r = strndup(best, strlen(best) -
							strlen("/initdb"));

			globfree(&g);
			return r;
		}
		globfree(&g);
	}
	return NULL;
}

/* The uid/gid the cluster runs as: "postgres" when we are root. */
static int
owner_ids(uid_t *uid, gid_t *gid, struct err *e)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		*uid = geteuid();
		*gid = getegid();
		return 0;
	}
	if ((pw = getpwnam("postgres")) == NULL)
		return err_set(e, "running as root, and there is no user "
				  "'postgres' to own the database cluster");
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* mkdir -p one level with mode, owned by uid/gid when we are root. */
static int
make_dir(const char *path, mode_t mode, int chown_it, struct err *e)
{
	uid_t uid;
	gid_t gid;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return err_set(e, "cannot create %s: %s", path,
			       strerror(errno));
	if (chown_it && geteuid() == 0) {
		if (owner_ids(&uid, &gid, e) < 0)
			return -1;
		if (chown(path, uid, gid) < 0)
			return err_set(e, "cannot chown %s: %s", path,
				       strerror(errno));
	}
	return 0;
}

/*
 * Run argv (argv[0] a path) as the cluster's owner, with its output
 * captured; on failure e gets what and the last line it printed.
 */
static int
run_owner(const char *const *argv, const char *what, struct err *e)
{
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	int fds[2], status;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	ssize_t n;

	if (owner_ids(&uid, &gid, e) < 0)
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(e, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_set(e, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(gid) < 0 ||
		     setuid(uid) < 0)) {
			fprintf(stderr, "cannot become postgres: %s\n",
				strerror(errno));
			_exit(127);
		}
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out.len < 65536)
			strbuf_add(&out, buf, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *last, *p;

		while (out.len > 0 && (out.buf[out.len - 1] == '\n' ||
				       out.buf[out.len - 1] == ' '))
			out.buf[--out.len] = '\0';
		last = out.buf;
		for (p = out.buf; *p; p++)
			if (*p == '\n' && p[1])
				last = p + 1;
		err_set(e, "%s failed%s%s", what, *last ? ": " : "", last);
		strbuf_release(&out);
		return -1;
	}
	strbuf_release(&out);
	return 0;
}

int
db_private_status(const char *var, long *pid, struct err *e)
{
	struct strbuf path = STRBUF_INIT;
	FILE *fp;
	long p = 0;
	int r = 0;

	strbuf_addf(&path, "%s/pg/postmaster.pid", var);
	fp = fopen(path.buf, "r");
	if (fp == NULL) {
		if (errno != ENOENT)
			r = err_set(e, "cannot read %s: %s", path.buf,
				    strerror(errno));
		strbuf_release(&path);
		return r;
	}
	if (fscanf(fp, "%ld", &p) == 1 && p > 0 &&
	    (kill((pid_t)p, 0) == 0 || errno == EPERM)) {
		r = 1;
		if (pid)
			*pid = p;
	}
	fclose(fp);
	strbuf_release(&path);
	return r;
}

static int
initdb(const char *var, const char *bindir, struct err *e)
{
	struct strbuf prog = STRBUF_INIT, data = STRBUF_INIT;
	struct strbuf conf = STRBUF_INIT, text = STRBUF_INIT;
	const char *p;
	FILE *fp;
	int r = -1;

	strbuf_addf(&prog, "%s/initdb", bindir);
	strbuf_addf(&data, "%s/pg", var);
	if (make_dir(data.buf, 0700, 1, e) < 0)
		goto out;
	{
		const char *argv[] = { prog.buf, "-D", data.buf, "-U", "callqa",
				 "--auth=trust", "-E", "UTF8",
				 "--locale=C.UTF-8", "--no-instructions",
				 NULL };

		if (run_owner(argv, "initdb", e) < 0)
			goto out;
	}
	/* Only a Unix socket, in VAR/run. */
	strbuf_addf(&conf, "%s/postgresql.conf", data.buf);
	strbuf_adds(&text, "\n# callqa: a private cluster on a Unix socket "
			   "only\nlisten_addresses = ''\n"
			   "unix_socket_directories = '");
	for (p = var; *p; p++) {
		if (*p == '\'')
			strbuf_addch(&text, '\'');
		strbuf_addch(&text, *p);
	}
	strbuf_adds(&text, "/run'\nport = 5432\n");
	if ((fp = fopen(conf.buf, "a")) == NULL ||
	    fputs(text.buf, fp) == EOF || fclose(fp) == EOF) {
		err_set(e, "cannot write %s: %s", conf.buf, strerror(errno));
		goto out;
	}
	r = 0;
out:
	strbuf_release(&prog);
	strbuf_release(&data);
	strbuf_release(&conf);
	strbuf_release(&text);
	return r;
}

static int
ensure_database(const char *var, struct err *e)
{
	char *url = private_url_db(var, "postgres");
	PGconn *conn = PQconnectdb(url);
	PGresult *res = NULL;
	int r = -1;

	free(url);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		db_err(e, conn, "cannot connect to the private cluster");
		goto out;
	}
	res = PQexec(conn, "SELECT 1 FROM pg_database WHERE datname = "
			   "'callqa'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		res_err(e, res, conn, "pg_database");
		goto out;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = PQexec(conn, "CREATE DATABASE callqa");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			res_err(e, res, conn, "create database callqa");
			goto out;
		}
	}
	r = 0;
out:
	PQclear(res);
	PQfinish(conn);
	return r;
}

int
db_private_start(const char *var, struct err *e)
{
	struct strbuf path = STRBUF_INIT, prog = STRBUF_INIT;
	struct strbuf data = STRBUF_INIT, log = STRBUF_INIT;
	char *bindir = NULL;
	int lock = -1, r = -1;
	struct stat st;

	if (make_dir(var, 0755, 0, e) < 0)
		goto out;
	strbuf_addf(&path, "%s/run", var);
	if (make_dir(path.buf, 0700, 1, e) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/db.lock", var);
	if ((lock = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		err_set(e, "cannot open %s: %s", path.buf, strerror(errno));
		goto out;
	}
	if (flock(lock, LOCK_EX) < 0) {
		err_set(e, "cannot lock %s: %s", path.buf, strerror(errno));
		goto out;
	}
	if ((bindir = pg_bindir()) == NULL) {
		err_set(e, "no PostgreSQL server binaries (initdb): install "
			   "the postgresql package or set CALLQA_PGBIN");
		goto out;
	}
	strbuf_addf(&data, "%s/pg", var);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/PG_VERSION", data.buf);
	if (stat(path.buf, &st) < 0 && initdb(var, bindir, e) < 0)
		goto out;
	if (db_private_status(var, NULL, e) == 0) {
		strbuf_addf(&prog, "%s/pg_ctl", bindir);
		strbuf_addf(&log, "%s/server.log", data.buf);
		{
			const char *argv[] = { prog.buf, "-D", data.buf, "-l",
					 log.buf, "-w", "-t", "60", "start",
					 NULL };

			if (run_owner(argv, "pg_ctl start", e) < 0) {
				size_t l = strlen(e->msg);

				snprintf(e->msg + l, sizeof(e->msg) - l,
					 " (see %s)", log.buf);
				goto out;
			}
		}
	}
	if (ensure_database(var, e) < 0)
		goto out;
	r = 0;
out:
	if (lock >= 0)
		close(lock);
	free(bindir);
	strbuf_release(&path);
	strbuf_release(&prog);
	strbuf_release(&data);
	strbuf_release(&log);
	return r;
}

int
db_private_stop(const char *var, struct err *e)
{
	struct strbuf prog = STRBUF_INIT, data = STRBUF_INIT;
	char *bindir = NULL;
	int r = -1, st;

	if ((st = db_private_status(var, NULL, e)) <= 0)
		return st;
	if ((bindir = pg_bindir()) == NULL) {
		err_set(e, "no PostgreSQL server binaries (pg_ctl)");
		goto out;
	}
	strbuf_addf(&prog, "%s/pg_ctl", bindir);
	strbuf_addf(&data, "%s/pg", var);
	{
		const char *argv[] = { prog.buf, "-D", data.buf, "-m",
				       "fast", "-w", "stop", NULL };

		r = run_owner(argv, "pg_ctl stop", e);
	}
out:
	free(bindir);
	strbuf_release(&prog);
	strbuf_release(&data);
	return r;
}

static int
pg_env_set(void)
{
	char **v;

	for (v = environ; *v; v++)
		if ((*v)[0] == 'P' && (*v)[1] == 'G' && (*v)[2] >= 'A' &&
		    (*v)[2] <= 'Z')
			return 1;
	return 0;
}

char *
db_conninfo(const char *opt, struct err *e)
{
	const char *env = getenv("CALLQA_DB");
	char *var, *url;

	if (opt && *opt)
		return strdup(opt);
	if (env && *env)
		return strdup(env);
	if (pg_env_set())
		return strdup("");
	if ((var = db_var_dir(e)) == NULL)
		return NULL;
	if (db_private_start(var, e) < 0) {
		free(var);
		return NULL;
	}
	url = db_private_url(var);
	free(var);
	return url;
}

struct db *
db_connect(const char *conninfo, struct err *e)
{
	struct db *db = calloc(1, sizeof(*db));
	PGresult *res;

	if (db == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	db->conn = PQconnectdb(conninfo);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		db_err(e, db->conn, "cannot connect to the database");
		db_free(db);
		return NULL;
	}
	PQsetNoticeProcessor(db->conn, silent_notice, NULL);
	if (PQsetClientEncoding(db->conn, "UTF8") != 0) {
		db_err(e, db->conn, "client encoding");
		db_free(db);
		return NULL;
	}
	res = PQexec(db->conn, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		res_err(e, res, db->conn, "session settings");
		PQclear(res);
		db_free(db);
		return NULL;
	}
	PQclear(res);
	return db;
}

struct db *
db_open(const char *opt, struct err *e)
{
	char *ci = db_conninfo(opt, e);
	struct db *db;

	if (ci == NULL)
		return NULL;
	db = db_connect(ci, e);
	free(ci);
	return db;
}

struct db *
db_open_writer(const char *opt, struct err *e)
{
	struct db *db = db_open(opt, e);

	if (db && (db_migrate(db, NULL, e) < 0 ||
		   db_use_pipeline_role(db, e) < 0)) {
		db_free(db);
		return NULL;
	}
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	PQfinish(db->conn);
	free(db);
}

void *
db_pgconn(struct db *db)
{
	return db->conn;
}

int
db_exec(struct db *db, const char *sql, int nparams,
	const char *const *params, struct err *e)
{
	PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params,
				     NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int r = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		r = res_err(e, res, db->conn, "database");
	PQclear(res);
	return r;
}

static int
exec_simple(PGconn *conn, const char *sql, const char *what, struct err *e)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int r = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		r = res_err(e, res, conn, what);
	PQclear(res);
	return r;
}

int
db_migrate(struct db *db, int *applied, struct err *e)
{
	PGconn *conn = db->conn;
	PGresult *res = NULL;
	int i, j, n = 0, r = -1, found;

	if (exec_simple(conn, "SELECT pg_advisory_lock(" DB_MIGRATE_LOCK ")",
			"migration lock", e) < 0)
		return -1;
	if (exec_simple(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			      "name text PRIMARY KEY, applied_at timestamptz "
			      "NOT NULL DEFAULT now())",
			"schema_migrations", e) < 0)
		goto out;
	res = PQexec(conn, "SELECT name FROM schema_migrations ORDER BY name");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		res_err(e, res, conn, "schema_migrations");
		goto out;
	}
	for (j = 0; j < PQntuples(res); j++) {
		found = 0;
		for (i = 0; callqa_migration_names[i]; i++)
			found |= strcmp(callqa_migration_names[i],
					PQgetvalue(res, j, 0)) == 0;
		if (!found) {
			err_set(e, "the database has schema migration '%s' "
				   "that this callqa does not know (a newer "
				   "version wrote it)",
				PQgetvalue(res, j, 0));
			goto out;
		}
	}
	for (i = 0; callqa_migration_names[i]; i++) {
		const char *name = callqa_migration_names[i];
		char what[300];

		found = 0;
		for (j = 0; j < PQntuples(res); j++)
			found |= strcmp(name, PQgetvalue(res, j, 0)) == 0;
		if (found)
			continue;
		snprintf(what, sizeof(what), "migration %s", name);
		if (exec_simple(conn, "BEGIN", what, e) < 0)
			goto out;
		if (exec_simple(conn, callqa_migration_sql[i], what, e) < 0 ||
		    db_exec(db, "INSERT INTO schema_migrations (name) "
				"VALUES ($1)", 1, &name, e) < 0 ||
		    exec_simple(conn, "COMMIT", what, e) < 0) {
			PQclear(PQexec(conn, "ROLLBACK"));
			goto out;
		}
		n++;
	}
	if (applied)
		*applied = n;
	r = 0;
out:
	PQclear(res);
	PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" DB_MIGRATE_LOCK
			     ")"));
	return r;
}

int
db_use_pipeline_role(struct db *db, struct err *e)
{
	PGresult *res = PQexec(db->conn,
			       "SELECT 1 FROM pg_roles WHERE rolname = "
			       "'callqa_pipeline' AND pg_has_role(current_user,"
			       " oid, 'MEMBER')");
	int may;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		res_err(e, res, db->conn, "roles");
		PQclear(res);
		return -1;
	}
	may = PQntuples(res) > 0;
	PQclear(res);
	if (!may)
		return 0;
	return exec_simple(db->conn, "SET ROLE callqa_pipeline", "set role",
			   e);
}

int
db_months(struct db *db, struct db_month **months, int *n, struct err *e)
{
	PGresult *res = PQexec(db->conn,
			       "SELECT month, state, calls, scores, bytes, "
			       "closed FROM callqa_months()");
	struct db_month *m;
	int i, rows;

	*months = NULL;
	*n = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		res_err(e, res, db->conn, "months");
		PQclear(res);
		return -1;
	}
	rows = PQntuples(res);
	if ((m = calloc(rows ? (size_t)rows : 1, sizeof(*m))) == NULL) {
		PQclear(res);
		return err_set(e, "out of memory");
	}
	for (i = 0; i < rows; i++) {
		snprintf(m[i].month, sizeof(m[i].month), "%s",
			 PQgetvalue(res, i, 0));
		snprintf(m[i].state, sizeof(m[i].state), "%s",
			 PQgetvalue(res, i, 1));
		m[i].calls = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		m[i].scores = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		m[i].bytes = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		m[i].closed = strcmp(PQgetvalue(res, i, 5), "t") == 0;
	}
	PQclear(res);
	*months = m;
	*n = rows;
	return 0;
}

int
db_detach_month(struct db *db, const char *month, const char *by,
		long long *calls, struct err *e)
{
	const char *p[2] = { month, by };
	PGresult *res = PQexecParams(db->conn,
				     "SELECT callqa_detach_month($1, $2)", 2,
				     NULL, p, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		res_err(e, res, db->conn, "detach-month");
		PQclear(res);
		return -1;
	}
	if (calls)
		*calls = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}
