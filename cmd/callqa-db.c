/*
 * callqa-db: manage callqa's private PostgreSQL cluster under var/ (start,
 * stop, status, its conninfo), apply the schema migrations to the
 * database callqa uses, list its months and archive a closed one.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "callqa/msg.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-db [-qv] [--db CONNINFO] "
		"start|stop|status|url|migrate|months\n"
		"       callqa-db [-qv] [--db CONNINFO] --by NAME detach-month "
		"YYYY-MM\n"
		"  start        create (initdb) and start the private cluster "
		"under $CALLQA_VAR or ./var\n"
		"  stop         stop it\n"
		"  status       say whether it runs (exit 0) or not (exit 3)\n"
		"  url          print its conninfo\n"
		"  migrate      apply the schema migrations to the database "
		"(--db, $CALLQA_DB, PG*, or the private cluster)\n"
		"  months       list the months of calls: live partitions and "
		"archived months\n"
		"  detach-month YYYY-MM  move a closed month's partitions out "
		"of calls and scores\n"
		"               into the tables archive_calls_YYYY_MM and "
		"archive_scores_YYYY_MM\n"
		"      --db CONNINFO  the database for migrate, months, "
		"detach-month\n"
		"      --by NAME      who detaches the month (required)\n"
		"  -q, --quiet        no notes\n"
		"  -v, --verbose      notes too\n"
		"  -h, --help         this help\n"
		"      --version      print the version\n");
}

/* Connect to the database callqa uses (migrated), or NULL. */
static struct db *
open_db(const char *opt, int *applied)
{
	struct db *db;
	struct err e;

	if ((db = db_open(opt, &e)) == NULL ||
	    db_migrate(db, applied, &e) < 0) {
		msg_error("%s", e.msg);
		db_free(db);
		return NULL;
	}
	return db;
}

/* 1234567 -> "1.2 MB" */
static void
size_text(long long bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%lld B", bytes);
		return;
	}
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	snprintf(buf, size, "%.1f %s", v, unit[i]);
}

static int
months(const char *opt)
{
	struct db_month *m = NULL;
	struct db *db;
	struct err e;
	char size[32];
	int i, n = 0;

	if ((db = open_db(opt, NULL)) == NULL)
		return 1;
	if (db_months(db, &m, &n, &e) < 0) {
		msg_error("%s", e.msg);
		db_free(db);
		return 1;
	}
	printf("%-7s  %-8s  %10s  %10s  %10s  %s\n", "month", "state",
	       "calls", "scores", "size", "closed");
	for (i = 0; i < n; i++) {
		size_text(m[i].bytes, size, sizeof(size));
		printf("%-7s  %-8s  %10lld  %10lld  %10s  %s\n", m[i].month,
		       m[i].state, m[i].calls, m[i].scores, size,
		       m[i].closed ? "yes" : "no");
	}
	free(m);
	db_free(db);
	return 0;
}

static int
detach_month(const char *opt, const char *month, const char *by)
{
	struct db *db;
	struct err e;
	long long calls = 0;

	if ((db = open_db(opt, NULL)) == NULL)
		return 1;
	if (db_detach_month(db, month, by, &calls, &e) < 0) {
		msg_error("%s", e.msg);
		db_free(db);
		return 1;
	}
	printf("month %s detached: %lld calls in archive_calls_%.4s_%.2s, "
	       "their scores in archive_scores_%.4s_%.2s\n",
	       month, calls, month, month + 5, month, month + 5);
	db_free(db);
	return 0;
}

static int
migrate(const char *opt)
{
	struct db *db;
	int n = 0;

	if ((db = open_db(opt, &n)) == NULL)
		return 1;
	msg_note("%d migration%s applied", n, n == 1 ? "" : "s");
	db_free(db);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *opt_db = NULL, *opt_by = NULL, *cmd;
	char *var = NULL, *url;
	struct err e;
	long pid = 0;
	int c, st, rval = 0;

	msg_init("callqa-db");
	while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt_db = optarg;
			break;
		case 'b':
			opt_by = optarg;
			break;
		case 'q':
			msg_set_level(MSG_QUIET);
			break;
		case 'v':
			msg_set_level(MSG_VERBOSE);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("callqa-db %s\n", CALLQA_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "detach-month") == 0) {
		if (optind + 2 != argc || opt_by == NULL || *opt_by == '\0') {
			msg_error("detach-month: want a month YYYY-MM and "
				  "--by NAME");
			usage(stderr);
			return 2;
		}
		rval = detach_month(opt_db, argv[optind + 1], opt_by);
		goto out;
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "migrate") == 0) {
		rval = migrate(opt_db);
		goto out;
	}
	if (strcmp(cmd, "months") == 0) {
		rval = months(opt_db);
		goto out;
	}
	if (strcmp(cmd, "start") != 0 && strcmp(cmd, "stop") != 0 &&
	    strcmp(cmd, "status") != 0 && strcmp(cmd, "url") != 0) {
		msg_error("unknown command '%s'", cmd);
		usage(stderr);
		return 2;
	}
	if ((var = db_var_dir(&e)) == NULL) {
		msg_error("%s", e.msg);
		return 1;
	}
	if (strcmp(cmd, "start") == 0) {
		if (db_private_start(var, &e) < 0) {
			msg_error("%s", e.msg);
			rval = 1;
		} else if (db_private_status(var, &pid, &e) == 1) {
			msg_note("running: pid %ld, %s/pg", pid, var);
		}
	} else if (strcmp(cmd, "stop") == 0) {
		if (db_private_stop(var, &e) < 0) {
			msg_error("%s", e.msg);
			rval = 1;
		}
	} else if (strcmp(cmd, "status") == 0) {
		st = db_private_status(var, &pid, &e);
		if (st < 0) {
			msg_error("%s", e.msg);
			rval = 1;
		} else if (st == 1) {
			printf("running: pid %ld, data %s/pg, socket %s/run\n",
			       pid, var, var);
		} else {
			printf("not running: %s/pg\n", var);
			rval = 3;
		}
	} else {
		url = db_private_url(var);
		printf("%s\n", url);
		free(url);
	}
out:
	free(var);
	if (msg_close_stdout() < 0 && rval == 0)
		rval = 1;
	return rval;
}
