#!/bin/sh
# calls and scores partitioned by month (030_month_partitions.sql): the
# partitions the store makes (exactly the months stored, UTC bounds), the
# call id registry across months, a corrected started_at moving a call
# and its scores, the planner pruning to the month, the pipeline role's
# privileges on partitions, `callqa db months` and `detach-month`, and a
# database of 025 with data migrated to 030 with every row and the same
# board.
. "${CALLQA_TOP:-.}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"
pg_start

parts() {
	sql "SELECT coalesce(string_agg(c.relname, ' ' ORDER BY c.relname), '')
	     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	     WHERE i.inhparent = '$1'::regclass"
}
# setcol N VALUE ID: column N of the line of call ID set to VALUE.
setcol() {
	awk -F '\t' -v n="$1" -v v="$2" -v id="$3" 'BEGIN { OFS = "\t" }
		$1 == id { $n = v } { print }'
}
V2=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210

# 120 calls of September, 120 of October and three at the month's end:
# 23:30 UTC on the 31st, midnight UTC on the 1st, and 00:30 at +01:00 on
# the 1st (23:30 UTC on the 31st).
{ record_header; records 120 P9 S 4 2026-09; } >"$TMP/p9.tsv"
{ record_header; records 120 P10 O 4 2026-10; records 3 P10 E 4 2026-10 |
	setcol 3 2026-10-31T23:30:00+00:00 E0001 |
	setcol 3 2026-11-01T00:00:00+00:00 E0002 |
	setcol 3 2026-11-01T00:30:00+01:00 E0003; } >"$TMP/p10.tsv"
# The E calls scored again under a second rubric version.
{ record_header; grep '^E' "$TMP/p10.tsv" | awk -F '\t' -v v="$V2" \
	'BEGIN { OFS = "\t" } { $37 = v; $38 = "55.0"; print }'; } >"$TMP/p10v2.tsv"
run_cmd 0 callqa-store "$TMP/p9.tsv"
run_cmd 0 callqa-store "$TMP/p10.tsv"
run_cmd 0 callqa-store "$TMP/p10v2.tsv"

is "$(parts calls)" "calls_2026_09 calls_2026_10 calls_2026_11" \
	"calls: one partition per month stored, no more"
is "$(parts scores)" "scores_2026_09 scores_2026_10 scores_2026_11" \
	"scores: the same months"
is "$(sql "SET TimeZone = 'Asia/Shanghai'; SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'calls_2026_11'")" \
	"FOR VALUES FROM ('2026-11-01 08:00:00+08') TO ('2026-12-01 08:00:00+08')" \
	"month bounds are UTC midnights, whatever the session's time zone"
is "$(sql "SELECT string_agg(call_id || ':' || tableoid::regclass, ' ' ORDER BY call_id) FROM calls WHERE call_id LIKE 'E%'")" \
	"E0001:calls_2026_10 E0002:calls_2026_11 E0003:calls_2026_10" \
	"23:30 UTC on Oct 31 and 00:30+01 on Nov 1 in October, midnight UTC in November"
is "$(sql "SELECT string_agg(call_id || ':' || tableoid::regclass, ' ' ORDER BY call_id, rubric_version) FROM scores WHERE call_id LIKE 'E%'")" \
	"E0001:scores_2026_10 E0001:scores_2026_10 E0002:scores_2026_11 E0002:scores_2026_11 E0003:scores_2026_10 E0003:scores_2026_10" \
	"each score in its call's month, both rubric versions"
is "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE EXISTS (SELECT 1 FROM calls c WHERE c.call_id = r.call_id AND c.started_at = r.started_at)) FROM call_ids r")" \
	"243 243" "the registry: one row per call, with the call's started_at"
is "$(sql "SELECT count(*) FROM scores s WHERE NOT EXISTS (SELECT 1 FROM calls c WHERE c.call_id = s.call_id AND c.started_at = s.started_at)")" \
	0 "every score has its call's started_at"
fp=$(fingerprint)
run_cmd 0 callqa-store "$TMP/p10.tsv"
is "$(fingerprint)" "$fp" "re-running a batch over two months changes nothing"

# A call id stored by another batch is refused by the registry, in
# whichever month it comes again; no partition is made for it.
{ record_header; records 2 PD O 4 2026-12; } >"$TMP/pd.tsv"
run_cmd 3 callqa-store "$TMP/pd.tsv"
like "$(cat "$ERR")" "pd.tsv:2: duplicate call_id 'O0001': already stored by batch 'P10'" \
	"a call id of October again in December: a reject naming the batch"
is "$(tail -n 1 "$ERR")" "callqa-store: batch PD: 2 inputs, 0 stored, 2 rejected" \
	"both December calls rejected"
is "$(parts calls)" "calls_2026_09 calls_2026_10 calls_2026_11" \
	"no partition for a month whose calls were all rejected"
is "$(sql "SELECT count(*) FROM calls WHERE call_id = 'O0001'") $(sql "SELECT started_at FROM call_ids WHERE call_id = 'O0001'")" \
	"1 2026-10-01 09:01:00+00" "the first call stays as it was"

# A corrected manifest: the same batch with E0002 back in October and
# O0007 in November.  Each call moves with both its scores; nothing is
# doubled, and a re-run of the corrected batch changes nothing.
setcol 3 2026-10-30T10:00:00+00:00 E0002 <"$TMP/p10.tsv" |
	setcol 3 2026-11-02T09:00:00+00:00 O0007 >"$TMP/p10fix.tsv"
n_scores=$(sql "SELECT count(*) FROM scores")
run_cmd 0 callqa-store "$TMP/p10fix.tsv"
is "$(tail -n 1 "$ERR")" "callqa-store: batch P10: 123 inputs, 123 stored, 0 rejected" \
	"the corrected batch is stored"
is "$(sql "SELECT string_agg(call_id || ':' || tableoid::regclass || ':' || to_char(started_at, 'MM-DD HH24:MI'), ' ' ORDER BY call_id) FROM calls WHERE call_id IN ('E0002', 'O0007')")" \
	"E0002:calls_2026_10:10-30 10:00 O0007:calls_2026_11:11-02 09:00" \
	"the two calls moved to their new months"
is "$(sql "SELECT string_agg(call_id || ':' || tableoid::regclass || ':' || score, ' ' ORDER BY call_id, score) FROM scores WHERE call_id IN ('E0002', 'O0007')")" \
	"E0002:scores_2026_10:55.0 E0002:scores_2026_10:74.0 O0007:scores_2026_11:69.0" \
	"their scores moved with them (both rubric versions of E0002)"
is "$(sql "SELECT count(*) FROM calls") $(sql "SELECT count(*) FROM scores") $(sql "SELECT count(*) FROM call_ids")" \
	"243 $n_scores 243" "no call or score doubled or lost"
is "$(sql "SELECT to_char(started_at, 'MM-DD HH24:MI') FROM call_ids WHERE call_id = 'E0002'")" \
	"10-30 10:00" "the registry has the new started_at"
fp=$(fingerprint)
run_cmd 0 callqa-store "$TMP/p10fix.tsv"
is "$(fingerprint)" "$fp" "re-running the corrected batch changes nothing"

# The board reads the month's partitions only: calls by the range, each
# score by one probe of its month's partition.
board_sql="EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT c.agent_id, s.score FROM calls c CROSS JOIN LATERAL (SELECT s.score
FROM scores s WHERE s.call_id = c.call_id AND s.started_at = c.started_at
AND s.eligible ORDER BY s.scored_at DESC LIMIT 1) s
WHERE c.started_at >= '2026-10-01'::date::timestamptz
AND c.started_at < ('2026-10-01'::date + '1 month'::interval)::timestamptz"
sql "SET enable_seqscan = off; $board_sql" >"$TMP/plan"
touched() { grep -v 'never executed' "$TMP/plan" | grep -o "$1_2026_[0-9]*" | sort -u | tr '\n' ' '; }
is "$(touched calls)" "calls_2026_10 " "board query: October's calls partition only"
is "$(touched scores)" "scores_2026_10 " "board query: October's scores partition only"
sql "SET TimeZone = 'Asia/Shanghai'; $board_sql" >"$TMP/plan"
is "$(touched calls)" "calls_2026_09 calls_2026_10 " \
	"in UTC+8, October starts in September's UTC partition: two partitions"

# The pipeline role can have partitions made (by the function) but owns
# none and can neither make, detach, drop nor empty one.
for t in "CREATE TABLE calls_2027_03 PARTITION OF calls FOR VALUES FROM ('2027-03-01+00') TO ('2027-04-01+00')" \
	"ALTER TABLE calls DETACH PARTITION calls_2026_09" "DROP TABLE calls_2026_09" \
	"TRUNCATE calls_2026_09" "DELETE FROM calls_2026_09" "DELETE FROM call_ids" \
	"SELECT * FROM callqa_detach_month('2026-09', 'x')" "DROP TABLE call_ids"; do
	ROLE=callqa_pipeline sql "$t" >"$OUT" 2>"$ERR"
	is "$?:$(grep -c 'permission denied\|must be owner' "$ERR")" "1:1" \
		"callqa_pipeline may not: $t"
done
is "$(ROLE=callqa_pipeline sql "SELECT callqa_ensure_months('2027-01-15+00', '2027-01-20+00')")" 2 \
	"callqa_pipeline may have a month made (two tables)"
is "$(sql "SELECT string_agg(pg_get_userbyid(relowner), ' ') FROM pg_class WHERE relname IN ('calls_2027_01', 'scores_2027_01')")" \
	"callqa callqa" "owned by the schema owner"
is "$(sql "SELECT callqa_ensure_months('2027-01-01+00', '2027-01-31+00')")" 0 \
	"an existing month is not made again"

# callqa db months and detach-month.
run_cmd 0 callqa-db months
is "$(awk 'NR > 1 { print $1, $2, $3, $4, $NF }' "$OUT" | tr '\n' ';')" \
	"2026-09 live 120 120 no;2026-10 live 122 125 no;2026-11 live 1 1 no;2027-01 live 0 0 no;" \
	"months: each live month, its calls and scores"
run_cmd 2 callqa-db detach-month 2026-09
run_cmd 1 callqa-db --by ops detach-month 2026-09
like "$(cat "$ERR")" "month 2026-09 is not closed" "an open month is not detached"
run_cmd 1 callqa-db --by ops detach-month 2026-13
like "$(cat "$ERR")" "bad month '2026-13'" "a bad month is named"
run_cmd 0 callqa-rank --month 2026-09 --close --by alice
run_cmd 0 callqa-db --by ops detach-month 2026-09
is "$(cat "$OUT")" "month 2026-09 detached: 120 calls in archive_calls_2026_09, their scores in archive_scores_2026_09" \
	"a closed month is detached"
is "$(parts calls) / $(parts scores)" \
	"calls_2026_10 calls_2026_11 calls_2027_01 / scores_2026_10 scores_2026_11 scores_2027_01" \
	"September left calls and scores"
is "$(sql "SELECT count(*) FROM archive_calls_2026_09") $(sql "SELECT count(*) FROM archive_scores_2026_09") $(sql "SELECT count(*) FROM calls")" \
	"120 120 123" "its rows are in the archive tables, not in calls"
is "$(sql "SELECT by_whom || ' ' || calls || ' ' || scores FROM archived_months")" "ops 120 120" \
	"archived_months records who and how many"
run_cmd 0 callqa-db months
is "$(grep 2026-09 "$OUT" | awk '{ print $1, $2, $3, $NF }')" "2026-09 archived 120 yes" \
	"months lists the archived month"
run_cmd 1 callqa-db --by ops detach-month 2026-09
like "$(cat "$ERR")" "month 2026-09 is already archived" "no second detach"
run_cmd 3 callqa-store "$TMP/p9.tsv"
like "$(cat "$ERR")" "p9.tsv:2: call 'S0001' is in 2026-09, an archived month" \
	"a re-run of an archived month's batch is refused call by call"
is "$(parts calls)" "calls_2026_10 calls_2026_11 calls_2027_01" "and makes no partition"
is "$(sql "SELECT count(*) FROM calls") $(sql "SELECT count(*) FROM call_ids")" "123 243" \
	"archived call ids stay in the registry"
is "$(ROLE=callqa_hr sql "SELECT count(*) FROM hr_agent_month WHERE month = '2026-09'")" 0 \
	"the archived month left the HR view"
run_cmd 0 callqa-rank --month 2026-09 --reopen --by bob --reason "audit"
run_cmd 1 callqa-rank --month 2026-09
like "$(cat "$ERR")" "month 2026-09 is archived \(detached by ops at .* UTC\): its calls are in archive_calls_2026_09" \
	"an archived month is not ranked again (its board would be empty)"

# Migration: a database at 025 with data (applied with psql as db.c
# does), then `callqa db migrate`: every row kept, views identical, and
# the same board as a database stored at 030.
url_of() { printf '%s\n' "$DB_URL" | sed "s/dbname=[^ ]*/dbname=$1/"; }
sql "CREATE DATABASE mig" && sql "CREATE DATABASE fresh" || not_ok "databases made"
MIG=$(url_of mig)
FRESH=$(url_of fresh)
msql() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$MIG" -c "$1"; }
msql "CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
for f in "$CALLQA_TOP"/pipeline/sql/*.sql; do
	name=$(basename "$f")
	[ "$name" \< 030 ] || continue
	psql -X -q -1 -v ON_ERROR_STOP=1 "$MIG" -f "$f" >/dev/null &&
		msql "INSERT INTO schema_migrations (name) VALUES ('$name')" ||
		not_ok "025: $name applies"
done
is "$(msql "SELECT max(name) FROM schema_migrations")" 025_month_queries.sql \
	"a database at 025"
# What callqa-store stores, in SQL (it cannot store at 025 any more).
cols=
for c in $RECORD_COLS; do cols="$cols${cols:+, }$c text"; done
for f in p9 p10 p10v2; do awk 'NR > 1' "$TMP/$f.tsv"; done >"$TMP/all.data"
cat >"$TMP/load.sql" <<EOF
\set ON_ERROR_STOP 1
CREATE TEMP TABLE r (n serial, $cols);
\copy r ($(echo $RECORD_COLS | tr ' ' ',')) FROM '$TMP/all.data'
INSERT INTO batches (batch_id) SELECT DISTINCT batch_id FROM r;
INSERT INTO agents SELECT DISTINCT ON (agent_id) agent_id, team, post,
	min(started_at::timestamptz) OVER w, max(started_at::timestamptz) OVER w
	FROM r WINDOW w AS (PARTITION BY agent_id)
	ORDER BY agent_id, started_at::timestamptz DESC;
INSERT INTO calls (call_id, agent_id, started_at, batch_id, team, post, audio,
	transcript, agent_channel, audio_format, sample_rate, channels,
	duration_s, mono, agent_talk_s, customer_talk_s, silence_s,
	silence_events, longest_silence_s, overtalk_s, agent_interruptions,
	customer_interruptions, response_latency_s, agent_pitch_median_hz,
	agent_pitch_sd_st, customer_pitch_median_hz, customer_pitch_sd_st,
	agent_loudness_dbfs, customer_loudness_dbfs, agent_speech_rate_sps,
	customer_speech_rate_sps, hold_s, segments)
SELECT DISTINCT ON (call_id) call_id, agent_id, started_at::timestamptz,
	batch_id, team, post, audio, transcript, agent_channel::smallint,
	audio_format, sample_rate::integer, channels::smallint,
	duration_s::numeric, mono::boolean, agent_talk_s::numeric,
	customer_talk_s::numeric, silence_s::numeric, silence_events::integer,
	longest_silence_s::numeric, overtalk_s::numeric,
	agent_interruptions::integer, customer_interruptions::integer,
	response_latency_s::numeric, agent_pitch_median_hz::numeric,
	agent_pitch_sd_st::numeric, nullif(customer_pitch_median_hz, '\N')::numeric,
	nullif(customer_pitch_sd_st, '\N')::numeric, agent_loudness_dbfs::numeric,
	customer_loudness_dbfs::numeric, agent_speech_rate_sps::numeric,
	customer_speech_rate_sps::numeric, hold_s::numeric, segments::jsonb
FROM r ORDER BY call_id, n;
INSERT INTO scores (call_id, rubric_version, rubric, score, sections,
	critical_fail, eligible, items, batch_id, scored_at)
SELECT call_id, rubric_version, rubric, score::numeric,
	jsonb_build_object('tone', score_tone::numeric, 'courtesy',
		score_courtesy::numeric, 'accuracy', score_accuracy::numeric),
	critical_fail::boolean, eligible::boolean, items::jsonb, batch_id,
	now() - interval '1 hour' + n * interval '1 second'
FROM r;
EOF
psql -X -q -v ON_ERROR_STOP=1 "$MIG" -f "$TMP/load.sql" >/dev/null 2>"$ERR" ||
	{ not_ok "data stored at 025"; sed 's/^/#   /' "$ERR"; }
views() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "SELECT md5(string_agg(x::text, E'\n' ORDER BY x::text)) FROM (
	  SELECT 'm' || to_jsonb(m)::text AS x FROM manager_calls m
	  UNION ALL SELECT 'h' || to_jsonb(h)::text FROM hr_agent_month h
	  UNION ALL SELECT 'c' || to_jsonb(c)::text FROM calls c
	  UNION ALL SELECT 's' || (to_jsonb(s) - 'started_at')::text FROM scores s) t"
}
is "$(msql "SELECT count(*) FROM calls") $(msql "SELECT count(*) FROM scores")" "243 246" \
	"025: 243 calls, 246 scores"
before=$(views "$MIG")
run_cmd 0 callqa-db -v --db "$MIG" migrate
like "$(cat "$ERR")" "1 migration applied" "callqa db migrate applies 030"
is "$(views "$MIG")" "$before" \
	"030: every call, score, manager_calls and hr_agent_month row as at 025"
is "$(msql "SELECT count(*) FROM calls") $(msql "SELECT count(*) FROM scores") $(msql "SELECT count(*) FROM call_ids")" \
	"243 246 243" "030: the same counts, and the registry filled"
is "$(msql "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'scores'::regclass")" \
	"scores_2026_09 scores_2026_10 scores_2026_11" "030: the rows in their months' partitions"
is "$(ROLE=callqa_hr psql -X -q -A -t "$MIG" -c "SET ROLE callqa_hr" -c "SELECT count(*) FROM hr_agent_month")" 9 \
	"030: HR still reads its view (4 agents in 2026-09 and 2026-10, 1 in 2026-11)"
for f in p9 p10 p10v2; do
	callqa-store -q --db "$FRESH" "$TMP/$f.tsv" 2>/dev/null ||
		not_ok "fresh: $f stored"
done
callqa-rank -q --db "$FRESH" --month 2026-10 --format tsv >"$TMP/b.fresh" 2>&1
callqa-rank -q --db "$MIG" --month 2026-10 --format tsv >"$TMP/b.mig" 2>&1
is "$(wc -l <"$TMP/b.mig" | tr -d ' ') $(cmp "$TMP/b.fresh" "$TMP/b.mig" && echo same)" \
	"5 same" "the board of the migrated database is the fresh one's"
done_testing
