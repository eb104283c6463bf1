# pg.sh: a throwaway PostgreSQL cluster for one test file (sourced after
# lib.sh).  pg_start makes `callqa db` create and start a private cluster
# under $TMP/var (initdb and the server run as the user "postgres" when the
# test runs as root), and stops it by its PID when the test ends.  A cluster
# that cannot start fails the test; it is never skipped.
#
#   . "$CALLQA_TOP/tests/lib.sh"; . "$CALLQA_TOP/tests/pg.sh"
#   pg_start
#   is "$(sql 'SELECT count(*) FROM calls')" 12 "12 calls stored"

# Nothing from the caller's environment may point us at another database.
unset CALLQA_DB
for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
CALLQA_VAR=$TMP/var
export CALLQA_VAR
PG_PID=
DB_URL=

pg_stop() {
	[ -n "$PG_PID" ] || return 0
	kill -INT "$PG_PID" 2>/dev/null # fast shutdown
	i=0
	while kill -0 "$PG_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$PG_PID" 2>/dev/null
	PG_PID=
}

pg_start() {
	if ! "$CALLQA_BIN/callqa-db" start >"$TMP/pg-start.log" 2>&1; then
		not_ok "the test's PostgreSQL cluster starts"
		sed 's/^/#   /' "$TMP/pg-start.log"
		done_testing
		exit 1
	fi
	PG_PID=$(head -n 1 "$CALLQA_VAR/pg/postmaster.pid")
	at_exit pg_stop
	DB_URL=$("$CALLQA_BIN/callqa-db" url)
}

# sql QUERY: run QUERY with psql (unaligned, tuples only); exit status of
# psql.  ROLE=name runs it after SET ROLE name.
sql() {
	if [ -n "${ROLE:-}" ]; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$DB_URL" \
			-c "SET ROLE $ROLE" -c "$1"
	else
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$DB_URL" -c "$1"
	fi
}

# Fingerprint of the stored data, without the timestamps of when it was
# stored: equal fingerprints mean equal tables.
fingerprint() {
	sql "SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
	  SELECT 'c' || (to_jsonb(c) - 'stored_at')::text AS x FROM calls c
	  UNION ALL SELECT 's' || (to_jsonb(s) - 'scored_at')::text FROM scores s
	  UNION ALL SELECT 'r' || (to_jsonb(r) - 'stored_at')::text FROM rejects r
	  UNION ALL SELECT 'a' || to_jsonb(a)::text FROM agents a
	  UNION ALL SELECT 'b' || (to_jsonb(b) - 'started' - 'finished')::text
	    FROM batches b) t"
}

# RECORD_COLS: the columns of a scored record (ingest, measure and score),
# with one extra manifest column (tracking_no).
RECORD_COLS="call_id agent_id started_at audio team post agent_channel \
transcript tracking_no batch_id audio_format sample_rate channels duration_s \
status mono agent_talk_s customer_talk_s silence_s silence_events \
longest_silence_s overtalk_s agent_interruptions customer_interruptions \
response_latency_s agent_pitch_median_hz agent_pitch_sd_st \
customer_pitch_median_hz customer_pitch_sd_st agent_loudness_dbfs \
customer_loudness_dbfs agent_speech_rate_sps customer_speech_rate_sps hold_s \
segments rubric rubric_version score score_tone score_courtesy \
score_accuracy critical_fail eligible ineligible_reason items"

record_header() { echo $RECORD_COLS | tr ' ' '\t'; }

# records N BATCH [PREFIX [AGENTS [MONTH]]]: N scored records (no header)
# of AGENTS agents (5) in MONTH (2026-10), call ids PREFIX0001...; the
# score of call i is 60 + (i * 7) % 40.
records() {
	awk -v n="$1" -v batch="$2" -v pre="${3:-C}" -v agents="${4:-5}" \
		-v month="${5:-2026-10}" 'BEGIN {
	OFS = "\t"
	for (i = 1; i <= n; i++) {
		id = sprintf("%s%04d", pre, i)
		a = sprintf("A%02d", (i - 1) % agents + 1)
		team = ((i - 1) % agents) < agents / 2 ? "north" : "south"
		day = (i - 1) % 28 + 1
		ts = sprintf("%s-%02dT%02d:%02d:00+00:00", month, day,
			8 + i % 10, i % 60)
		dur = sprintf("%.3f", 120 + (i * 37) % 400 + 0.25)
		sc = 60 + (i * 7) % 40
		print id, a, ts, "/data/rec/" a "_" id ".wav", team, "96126",
		  1, "/data/rec/" id ".tsv", "T" i, batch, "WAV u-law", 8000,
		  2, dur, "ok", "f", sprintf("%.3f", dur * 0.45),
		  sprintf("%.3f", dur * 0.35), sprintf("%.3f", dur * 0.12),
		  i % 4, sprintf("%.3f", 3 + i % 5), sprintf("%.3f", 1.5),
		  i % 3, i % 2, "0.850", "182.4", "2.31", "121.0", "1.87",
		  "-21.3", "-24.8", "4.12", "3.95", "0.000",
		  "{\"agent\":[[0.50,4.20]],\"customer\":[[4.80,9.10]],\"overtalk\":[],\"silence\":[],\"hold\":[]}",
		  "default", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  sprintf("%.1f", sc), sprintf("%.1f", sc < 98 ? sc + 2 : 100),
		  sprintf("%.1f", sc - 1), "\\N", "f", "t", "\\N",
		  "[{\"id\":\"greeting\",\"section\":\"courtesy\",\"kind\":\"phrase\",\"result\":\"pass\",\"earned\":10,\"possible\":10,\"evidence\":{\"at\":1.2},\"line\":12}]"
	} }'
}
