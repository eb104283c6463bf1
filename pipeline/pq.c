/* pq.c: see pq_int.h. */
#include "pq_int.h"

#include "callqa/db.h"

int
pq_fail(struct err *e, PGresult *res, PGconn *conn, const char *what)
{
	const char *m =
	    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (m == NULL)
		return db_err(e, conn, what);
	return err_set(e, "%s: %s", what, m);
}

PGresult *
pq_query(PGconn *conn, const char *sql, int n, const char *const *params,
	 const char *what, struct err *e)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pq_fail(e, res, conn, what);
		PQclear(res);
		return NULL;
	}
	return res;
}

int
pq_exec(PGconn *conn, const char *sql, int n, const char *const *params,
	const char *what, struct err *e)
{
	PGresult *res = pq_query(conn, sql, n, params, what, e);

	PQclear(res);
	return res ? 0 : -1;
}
