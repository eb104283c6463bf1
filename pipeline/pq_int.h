/*
 * pq_int.h: libpq helpers shared by the modules that talk to PostgreSQL
 * (store, rank, ladder, report).  Private to pipeline/: the public headers
 * hand connections around as struct db (db.h).
 */
#ifndef CALLQA_PQ_INT_H
#define CALLQA_PQ_INT_H

#include <libpq-fe.h>

#include "callqa/callqa.h"

/*
 * Fill e with "what: message" from a failed result (the server's primary
 * message), or from the connection when there is none.  Returns -1.
 */
int pq_fail(struct err *e, PGresult *res, PGconn *conn, const char *what);

/*
 * Run sql with text parameters (values only ever travel as parameters).
 * Returns the result (the caller PQclear()s it), or NULL with e filled.
 */
PGresult *pq_query(PGconn *conn, const char *sql, int n,
		   const char *const *params, const char *what, struct err *e);

/* pq_query() for a statement whose result is not needed: 0 or -1. */
int pq_exec(PGconn *conn, const char *sql, int n, const char *const *params,
	    const char *what, struct err *e);

#endif
