#!/bin/sh
# bench-db.sh (make bench, after the measure part): the database side, in
# a PostgreSQL cluster of its own under build/bench (made by `callqa db`
# with its defaults; only the settings of bulk loading are raised: WAL size
# and maintenance memory):
#  1. the store rate: BENCH_STORE (100000) scored records (the generator
#     of tests/pg.sh) through callqa-store into an empty database, in rows
#     per second, beside a plain `psql -c "\copy calls_copy FROM file"` of
#     the same file into a plain table with the same columns, same run,
#     same cluster; and a re-run of the same batch (nothing changes);
#  2. the manager board (callqa-rank --month) and the HR export
#     (SELECT * FROM hr_agent_month WHERE month = ...) at BENCH_CALLS
#     (10000000) stored calls of 2000 agents over 24 months, generated
#     directly in SQL (INSERT ... SELECT generate_series).  The big
#     database is kept between runs (build/bench/var; BENCH_FRESH=1 makes
#     it again); each query is timed twice (first and second run).
#
#   sh tests/bench-db.sh                 # both parts
#   BENCH_PART=store sh tests/bench-db.sh
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CALLQA_BIN:-$TOP/bin}
NSTORE=${BENCH_STORE:-100000}
NCALLS=${BENCH_CALLS:-10000000}
PART=${BENCH_PART:-all}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/callqa-bench-db.XXXXXX")
chmod 755 "$TMP"
export LC_ALL=C TZ=UTC
unset CALLQA_DB
for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
CALLQA_VAR=$TOP/build/bench/var
export CALLQA_VAR
PG_PID=

stop() {
	if [ -n "$PG_PID" ]; then
		kill -INT "$PG_PID" 2>/dev/null
		i=0
		while kill -0 "$PG_PID" 2>/dev/null && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	rm -rf "$TMP"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

if [ "${BENCH_FRESH:-0}" = 1 ] && [ -d "$CALLQA_VAR" ]; then
	"$BIN/callqa-db" stop >/dev/null 2>&1
	rm -rf "$CALLQA_VAR"
fi
mkdir -p "$TOP/build/bench"
"$BIN/callqa-db" start >"$TMP/start.log" 2>&1 ||
	{ cat "$TMP/start.log"; echo "bench: no PostgreSQL cluster"; exit 1; }
PG_PID=$(head -n 1 "$CALLQA_VAR/pg/postmaster.pid")
URL=$("$BIN/callqa-db" url)
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "$2"; }
# Bulk loading settings only (the queries run with callqa db's defaults).
q "$URL" "ALTER SYSTEM SET max_wal_size = '8GB'" &&
q "$URL" "ALTER SYSTEM SET maintenance_work_mem = '512MB'" &&
q "$URL" "SELECT pg_reload_conf()" >/dev/null || exit 1
url_of() { printf '%s\n' "$URL" | sed "s/dbname=[^ ]*/dbname=$1/"; }
echo "bench-db: PostgreSQL $(q "$URL" 'SHOW server_version'), cluster" \
	"$CALLQA_VAR, shared_buffers $(q "$URL" 'SHOW shared_buffers'), work_mem $(q "$URL" 'SHOW work_mem')"

# ---------------------------------------------------------------- store
store_part() {
	. "$TOP/tests/pg.sh"
	CALLQA_VAR=$TOP/build/bench/var
	q "$URL" "DROP DATABASE IF EXISTS bench_store" 2>/dev/null &&
	q "$URL" "CREATE DATABASE bench_store" || exit 1
	SU=$(url_of bench_store)
	{ record_header; records "$NSTORE" BS R 200; } >"$TMP/records.tsv"
	bytes=$(wc -c <"$TMP/records.tsv")
	# The migrations first (not timed).
	"$BIN/callqa-db" -q --db "$SU" migrate || exit 1
	q "$SU" "CHECKPOINT"
	t0=$(now)
	"$BIN/callqa-store" -q --db "$SU" <"$TMP/records.tsv" 2>"$TMP/store.err"
	st=$?
	t_store=$(since "$t0")
	[ "$st" = 0 ] || { cat "$TMP/store.err"; echo "bench: store failed"; exit 1; }
	t0=$(now)
	"$BIN/callqa-store" -q --db "$SU" <"$TMP/records.tsv" 2>/dev/null
	t_rerun=$(since "$t0")
	# A plain table with the record's columns, typed as the store's.
	cols=
	for c in $RECORD_COLS; do
		case $c in
		started_at) t=timestamptz ;;
		agent_channel | sample_rate | channels | silence_events | \
		*_interruptions) t=integer ;;
		mono | critical_fail | eligible) t=boolean ;;
		segments | items) t=jsonb ;;
		duration_s | *_s | *_hz | *_st | *_dbfs | *_sps | score | \
		score_*) t=numeric ;;
		*) t=text ;;
		esac
		cols="$cols${cols:+, }$c $t"
	done
	q "$SU" "CREATE TABLE calls_copy ($cols)" || exit 1
	q "$SU" "CHECKPOINT"
	awk 'NR > 1' "$TMP/records.tsv" >"$TMP/records.data"
	t0=$(now)
	psql -X -q -v ON_ERROR_STOP=1 "$SU" \
		-c "\\copy calls_copy FROM '$TMP/records.data'" || exit 1
	t_copy=$(since "$t0")
	n=$(q "$SU" "SELECT count(*) FROM calls")
	nc=$(q "$SU" "SELECT count(*) FROM calls_copy")
	[ "$n" = "$NSTORE" ] && [ "$nc" = "$NSTORE" ] ||
		{ echo "bench: stored $n and copied $nc, not $NSTORE"; exit 1; }
	rate() { awk -v n="$NSTORE" -v t="$1" 'BEGIN { printf "%8.0f", n / t }'; }
	echo "bench-db: $NSTORE scored records ($(awk -v b="$bytes" \
		'BEGIN { printf "%.1f", b / 1048576 }') MB of TSV, 45 columns)"
	printf '%-52s %8s %9s\n' "load (same file, same cluster)" "s" "rows/s"
	printf '%-52s %8s %9s\n' "callqa-store (COPY to staging, checks, upsert)" \
		"$t_store" "$(rate "$t_store")"
	printf '%-52s %8s %9s\n' "callqa-store re-run of the batch (no change)" \
		"$t_rerun" "$(rate "$t_rerun")"
	printf '%-52s %8s %9s\n' "psql \\copy into a plain table (no keys)" \
		"$t_copy" "$(rate "$t_copy")"
	printf 'callqa-store / psql \\copy: %sx the time\n' "$(awk \
		-v a="$t_store" -v b="$t_copy" 'BEGIN { printf "%.1f", a / b }')"
	q "$URL" "DROP DATABASE bench_store"
}

# ------------------------------------------------------------- 10M calls
big_db() {
	BU=$(url_of bench10m)
	have=$(q "$BU" "SELECT count(*) FROM calls" 2>/dev/null)
	if [ "$have" = "$NCALLS" ]; then
		echo "bench-db: bench10m already holds $NCALLS calls (BENCH_FRESH=1 remakes it)"
		"$BIN/callqa-db" -q --db "$BU" migrate || exit 1
		return 0
	fi
	q "$URL" "DROP DATABASE IF EXISTS bench10m" 2>/dev/null &&
	q "$URL" "CREATE DATABASE bench10m" || exit 1
	# The schema as callqa-store makes it (migrations on an empty stream).
	"$BIN/callqa-db" -q --db "$BU" migrate || exit 1
	t0=$(now)
	psql -X -q -v ON_ERROR_STOP=1 -v n="$NCALLS" "$BU" \
		-f "$TOP/tests/bench-10m.sql" >"$TMP/gen.log" 2>&1 ||
		{ cat "$TMP/gen.log"; echo "bench: generating the calls failed"; exit 1; }
	echo "bench-db: generated $NCALLS calls and scores in SQL in $(since "$t0") s" \
		"($(q "$BU" "SELECT pg_size_pretty(pg_database_size(current_database()))"))"
}

# time_cmd LABEL CMD...: run CMD twice, print both wall times.
time_cmd() {
	label=$1
	shift
	t0=$(now)
	"$@" >"$TMP/out1" 2>"$TMP/err1" || { cat "$TMP/err1"; echo "bench: $label failed"; exit 1; }
	a=$(since "$t0")
	t0=$(now)
	"$@" >"$TMP/out2" 2>&1
	b=$(since "$t0")
	printf '%-52s %8s %8s\n' "$label" "$a" "$b"
}

query_part() {
	big_db
	BU=$(url_of bench10m)
	month=$(q "$BU" "SELECT to_char(max(started_at) - interval '1 month', 'YYYY-MM') FROM calls")
	echo "bench-db: $(q "$BU" "SELECT count(*) FROM calls") calls," \
		"$(q "$BU" "SELECT count(*) FROM scores") scores," \
		"$(q "$BU" "SELECT count(*) FROM agents") agents," \
		"$(q "$BU" "SELECT count(DISTINCT date_trunc('month', started_at)) FROM calls") months;" \
		"$month: $(q "$BU" "SELECT count(*) FROM calls WHERE started_at >= '$month-01' AND started_at < '$month-01'::date + interval '1 month'") calls;" \
		"schema: $(q "$BU" "SELECT string_agg(name, ' ' ORDER BY name) FROM schema_migrations")"
	printf '%-52s %8s %8s\n' "query at $NCALLS calls ($month)" "1st s" "2nd s"
	time_cmd "callqa-rank --month $month (board, ledger)" \
		"$BIN/callqa-rank" -q --db "$BU" --month "$month" --format tsv
	echo "  board: $(awk 'END { print NR }' "$TMP/out1") rows"
	time_cmd "callqa-rank --week (weekly board)" \
		"$BIN/callqa-rank" -q --db "$BU" --week "$(q "$BU" "SELECT to_char('$month-10'::date, 'IYYY-\"W\"IW')")" --format tsv
	time_cmd "HR: SELECT * FROM hr_agent_month WHERE month" \
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$BU" -c "SET ROLE callqa_hr" \
		-c "SELECT * FROM hr_agent_month WHERE month = '$month'"
	echo "  export: $(grep -c . "$TMP/out1") rows"
	time_cmd "HR: hr_agent_month, the whole year $(echo "$month" | cut -c1-4)" \
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$BU" -c "SET ROLE callqa_hr" \
		-c "SELECT * FROM hr_agent_month WHERE month LIKE '$(echo "$month" | cut -c1-4)-%'"
	echo "  export: $(grep -c . "$TMP/out1") rows"
	time_cmd "manager_calls of one agent in $month" \
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$BU" -c "SET ROLE callqa_manager" \
		-c "SELECT call_id, score FROM manager_calls WHERE agent_id = 'A0042' AND started_at >= '$month-01' AND started_at < '$month-01'::date + interval '1 month'"
}

case $PART in
store) store_part ;;
query) query_part ;;
*) store_part; query_part ;;
esac
