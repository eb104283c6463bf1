/*
 * callqa-db: manage callqa's private PostgreSQL cluster under var/ (start,
 * stop, status, its conninfo) and apply the schema migrations to the
 * database callqa uses.
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
		"start|stop|status|url|migrate\n"
		"  start        create (initdb) and start the private cluster "
		"under $CALLQA_VAR or ./var\n"
		"  stop         stop it\n"
		"  status       say whether it runs (exit 0) or not (exit 3)\n"
		"  url          print its conninfo\n"
		"  migrate      apply the schema migrations to the database "
		"(--db, $CALLQA_DB, PG*, or the private cluster)\n"
		"      --db CONNINFO  the database for migrate\n"
		"  -q, --quiet        no notes\n"
		"  -v, --verbose      notes too\n"
		"  -h, --help         this help\n"
		"      --version      print the version\n");
}

static int
migrate(const char *opt)
{
	struct db *db = NULL;
	char *url;
	struct err e;
	int n = 0, rval = 1;

	if ((url = db_conninfo(opt, &e)) == NULL) {
		msg_error("%s", e.msg);
		return 1;
	}
	if ((db = db_connect(url, &e)) == NULL ||
	    db_migrate(db, &n, &e) < 0) {
		msg_error("%s", e.msg);
		goto out;
	}
	msg_note("%d migration%s applied", n, n == 1 ? "" : "s");
	rval = 0;
out:
	db_free(db);
	free(url);
	return rval;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *opt_db = NULL, *cmd;
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
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "migrate") == 0) {
		rval = migrate(opt_db);
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
