#!/bin/sh
# callqa-store against a real PostgreSQL: counts, idempotent re-runs, a
# store killed mid-COPY, duplicate calls, hostile text, bad values and the
# roles' privileges.
. "${CALLQA_TOP:-.}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"

run_cmd 2 callqa-store --no-such-option
run_cmd 0 callqa-store --help
like "$(cat "$OUT")" '^usage: callqa-store' "--help prints the usage"
run_cmd 1 callqa-store --db "host=$TMP/nowhere dbname=x" </dev/null
like "$(cat "$ERR")" 'callqa-store: cannot connect to the database: .*nowhere' \
	"no database: libpq's reason"

# The first store starts the private cluster under $CALLQA_VAR.
{ record_header; records 50 B1; } >"$TMP/b1.tsv"
# Three calls rejected upstream and one damaged line.
records 3 B1 R | awk -F '\t' 'BEGIN { OFS = "\t" }
	NR == 1 { $15 = "rejected:ingest:/data/r1.wav: not an audio file" }
	NR == 2 { $15 = "rejected:measure:/data/r2.wav: shorter than 1 s" }
	NR == 3 { $1 = "C0003"; $2 = "A03"; $4 = "/data/dup.wav"
		  $15 = "rejected:ingest:m.csv:9: duplicate call_id '"'"'C0003'"'"' (first at m.csv:4)" }
	{ print }' >>"$TMP/b1.tsv"
printf 'X1\tA01\tragged\n' >>"$TMP/b1.tsv"
# Two stores at once on a fresh machine: one cluster is started, the
# schema is migrated once, both batches are stored.
{ record_header; records 5 BC W; } >"$TMP/bc.tsv"
callqa-store <"$TMP/bc.tsv" 2>"$TMP/bc.err" &
bc_pid=$!
run_cmd 3 callqa-store -b B1 <"$TMP/b1.tsv"
wait $bc_pid
is "$?:$(tail -n 1 "$TMP/bc.err")" "0:callqa-store: batch BC: 5 inputs, 5 stored, 0 rejected" \
	"a concurrent store of another batch"
like "$(tail -n 1 "$ERR")" '^callqa-store: batch B1: 54 inputs, 50 stored, 4 rejected$' \
	"accounting line: 54 = 50 + 4"
like "$(cat "$ERR")" 'callqa-store: -:55: 3 fields where the header has 45' \
	"the damaged line is named"
PG_PID=$(head -n 1 "$CALLQA_VAR/pg/postmaster.pid")
at_exit pg_stop
DB_URL=$(callqa-db url)
run_cmd 0 callqa-db status
like "$(cat "$OUT")" "^running: pid $PG_PID" "callqa db status: running"
is "$(stat -c %U "$CALLQA_VAR/pg")" "$( [ "$(id -u)" = 0 ] && echo postgres || id -un)" \
	"the cluster belongs to an unprivileged user"
is "$(sql "SHOW listen_addresses")" "" "Unix socket only"
is "$DB_URL" "host='$CALLQA_VAR/run' port=5432 dbname=callqa user=callqa" "callqa db url"
run_cmd 0 callqa-db start
is "$(head -n 1 "$CALLQA_VAR/pg/postmaster.pid")" "$PG_PID" "a second start leaves the running server alone"

is "$(sql "SELECT count(*) FROM schema_migrations")" "$(ls "$CALLQA_TOP"/pipeline/sql/*.sql | wc -l | tr -d " ")" "the schema was migrated once (each migration once)"
is "$(sql "SELECT count(*) FROM calls WHERE batch_id = 'B1'")" 50 "50 calls stored"
is "$(sql "SELECT count(*) FROM scores WHERE batch_id = 'B1'")" 50 "50 scores stored"
is "$(sql 'SELECT count(*) FROM agents')" 5 "5 agents"
is "$(sql "SELECT stage || ':' || count(*) FROM rejects GROUP BY stage ORDER BY stage" | tr '\n' ' ')" \
	"ingest:2 measure:1 store:1 " "4 rejects, by stage"
is "$(sql "SELECT inputs || ' ' || stored || ' ' || rejected FROM batches WHERE batch_id = 'B1'")" \
	"54 50 4" "batches row counts"
is "$(sql "SELECT duration_s || ' ' || agent_talk_s || ' ' || mono || ' ' || agent_pitch_median_hz FROM calls WHERE call_id = 'C0007'")" \
	"379.250 170.662 false 182.4" "typed metric columns"
is "$(sql "SELECT score || ' ' || (sections->>'tone') || ' ' || coalesce(sections->>'accuracy', 'null') || ' ' || (items->0->>'result') FROM scores WHERE call_id = 'C0007'")" \
	"69.0 71.0 null pass" "score, sections jsonb and items jsonb"
is "$(sql "SELECT count(*) FROM calls WHERE extra IS NOT NULL")" 0 \
	"extra columns are not stored unless kept"
is "$(sql "SELECT (record->>'agent_id') || ' ' || audio || ' ' || stage FROM rejects WHERE call_id = 'C0003'")" \
	"A03 /data/dup.wav ingest" "the duplicate is a reject"
is "$(sql "SELECT audio FROM calls WHERE call_id = 'C0003'")" \
	"/data/rec/A03_C0003.wav" "and did not clobber the good call"
is "$(sql "SELECT count(*) FROM rejects WHERE record ? 'tracking_no' OR record ? 'call_id' IS NOT TRUE")" 0 \
	"a reject's record keeps no undeclared manifest column"
is "$(sql "SELECT record->>'status' FROM rejects WHERE call_id = 'R0002'")" \
	"rejected:measure:/data/r2.wav: shorter than 1 s" "reject keeps its record"

# Re-running the batch changes nothing.
fp1=$(fingerprint)
run_cmd 3 callqa-store -b B1 <"$TMP/b1.tsv"
like "$(tail -n 1 "$ERR")" 'batch B1: 54 inputs, 50 stored, 4 rejected$' "re-run: same accounting"
is "$(fingerprint)" "$fp1" "re-run: tables unchanged (fingerprint)"
is "$(sql 'SELECT count(*) FROM calls') $(sql 'SELECT count(*) FROM rejects')" "55 4" \
	"re-run: row counts unchanged"

# The same call ids from another batch: rejects; the stored calls stay.
{ record_header; records 3 B9 | sed 's/\t96126\t/\t114\t/'; } >"$TMP/b9.tsv"
run_cmd 3 callqa-store <"$TMP/b9.tsv"
like "$(cat "$ERR")" "-:2: duplicate call_id 'C0001': already stored by batch 'B1'" \
	"a call id stored by another batch is a reject"
is "$(sql "SELECT count(*) FROM calls WHERE post = '114'")" 0 "stored calls not overwritten"
is "$(sql "SELECT count(*) FROM rejects WHERE batch_id = 'B9'")" 3 "three rejects for B9"

# A batch stored in shards (one store per shard): the batch row adds up.
{ record_header; records 30 BS S | awk 'NR % 3 == 1'; } >"$TMP/s0.tsv"
{ record_header; records 30 BS S | awk 'NR % 3 != 1'; } >"$TMP/s1.tsv"
run_cmd 0 callqa-store <"$TMP/s0.tsv"
run_cmd 0 callqa-store <"$TMP/s1.tsv"
run_cmd 0 callqa-store <"$TMP/s0.tsv"
is "$(sql "SELECT inputs || ' ' || stored || ' ' || rejected FROM batches WHERE batch_id = 'BS'")" \
	"30 30 0" "two shards and a re-run of one: the batch has its 30 calls"

# A store killed with SIGKILL mid-COPY leaves nothing of its batch.
{ record_header; records 10000 B2 K 20; } >"$TMP/b2.tsv"
mkfifo "$TMP/fifo"
callqa-store <"$TMP/fifo" >/dev/null 2>"$TMP/killed.err" &
store_pid=$!
sh -c 'head -n 6001 "$1"; exec sleep 30' sh "$TMP/b2.tsv" >"$TMP/fifo" 2>/dev/null &
writer_pid=$!
i=0
until [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY stage%'")" = 1 ] ||
	[ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -KILL $store_pid
wait $store_pid 2>/dev/null
kill $writer_pid 2>/dev/null
wait $writer_pid 2>/dev/null
check "the store was killed in its COPY" [ $i -lt 100 ]
i=0
until [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY stage%'")" = 0 ] ||
	[ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(sql "SELECT count(*) FROM calls WHERE batch_id = 'B2'") $(sql "SELECT count(*) FROM batches WHERE batch_id = 'B2'")" \
	"0 0" "killed mid-COPY: no call and no batch row of B2"
start=$(date +%s.%N)
run_cmd 0 callqa-store <"$TMP/b2.tsv"
end=$(date +%s.%N)
echo "# 10000 records stored in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f s (%.0f records/s)", b - a, 10000 / (b - a) }')"
like "$(tail -n 1 "$ERR")" 'batch B2: 10000 inputs, 10000 stored, 0 rejected$' "re-run after the kill stores all"
is "$(sql "SELECT count(*), count(DISTINCT call_id) FROM calls WHERE batch_id = 'B2'")" \
	"10000|10000" "each call exactly once"

# The server stopped mid-COPY: the store fails (exit 1), nothing of the
# batch is visible, and after a restart the re-run stores it once.
sed 's/\tB2\t/\tB3\t/; s/^K/L/' "$TMP/b2.tsv" >"$TMP/b3.tsv"
rm -f "$TMP/fifo"
mkfifo "$TMP/fifo"
callqa-store <"$TMP/fifo" >/dev/null 2>"$TMP/restart.err" &
store_pid=$!
sh -c 'head -n 6001 "$1"; exec sleep 30' sh "$TMP/b3.tsv" >"$TMP/fifo" 2>/dev/null &
writer_pid=$!
i=0
until [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY stage%'")" = 1 ] ||
	[ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
callqa-db stop
run_cmd 3 callqa-db status
like "$(cat "$OUT")" '^not running: ' "callqa db status: not running, exit 3"
kill $writer_pid 2>/dev/null
wait $writer_pid 2>/dev/null
wait $store_pid
is "$?" 1 "the server stopped mid-COPY: the store exits 1"
like "$(cat "$TMP/restart.err")" 'callqa-store: nothing stored' "and says nothing was stored"
run_cmd 0 callqa-db start
PG_PID=$(head -n 1 "$CALLQA_VAR/pg/postmaster.pid")
is "$(sql "SELECT count(*) FROM calls WHERE batch_id = 'B3'") $(sql "SELECT count(*) FROM batches WHERE batch_id = 'B3'")" \
	"0 0" "after the restart: nothing of B3"
run_cmd 0 callqa-store <"$TMP/b3.tsv"
is "$(sql "SELECT count(*), count(DISTINCT call_id) FROM calls WHERE batch_id = 'B3'")" \
	"10000|10000" "the re-run stores each call of B3 once"

# Hostile text: quotes, backslashes, tabs, newlines and \. round-trip.
# Values below are in COPY escaping, as on the record stream.
H1='H'"'"'1 "q"; DROP TABLE calls;--'
H2='H\\2\\.\tx\ny'
H3='\\.'
HA='O'"'"'Brien \\ "x"'
HT='/t/it'"'"'s\nline2\ttab \\.'
HK=''"'"'; DELETE FROM scores; --\\N'
export H1 H2 H3 HA HT HK
{
	record_header
	records 3 BH | awk -F '\t' 'BEGIN { OFS = "\t"; split("H1 H2 H3", k, " ") }
		{ $1 = ENVIRON[k[NR]]; $2 = ENVIRON["HA"]; $8 = ENVIRON["HT"]
		  $9 = ENVIRON["HK"]; print }'
	printf '\\.\n'
} >"$TMP/hostile.tsv"
run_cmd 3 callqa-store --keep tracking_no <"$TMP/hostile.tsv"
like "$(tail -n 1 "$ERR")" 'batch BH: 4 inputs, 3 stored, 1 rejected$' \
	"a line that is only \\. is a damaged record, not the end of the data"
printf '%s\t%s\t%s\t%s\n' "$H1" "$HA" "$HT" "$HK" "$H2" "$HA" "$HT" "$HK" \
	"$H3" "$HA" "$HT" "$HK" | sort >"$TMP/hostile.want"
psql -X -q "$DB_URL" -c "COPY (SELECT call_id, agent_id, transcript, extra->>'tracking_no' FROM calls WHERE batch_id = 'BH') TO STDOUT" |
	sort >"$TMP/hostile.got"
check "hostile ids and text round-trip exactly" diff -u "$TMP/hostile.want" "$TMP/hostile.got"
is "$(sql 'SELECT count(*) FROM scores') $(sql "SELECT count(*) FROM pg_tables WHERE tablename = 'calls'")" \
	"20088 1" "nothing was executed from the data"

# Values that are not of their column's type: rejects, not a failed batch.
{
	record_header
	records 4 BV V | awk -F '\t' 'BEGIN { OFS = "\t" }
		NR == 1 { $14 = "12,5" } NR == 2 { $3 = "2026-02-31T10:00:00+00:00" }
		NR == 3 { $35 = "{\"agent\":[[0.5," } NR == 4 { $16 = "yes" } { print }'
} >"$TMP/bad.tsv"
run_cmd 3 callqa-store <"$TMP/bad.tsv"
like "$(cat "$ERR")" "-:2: column 'duration_s': '12,5' is not a valid value" "a bad number is named"
like "$(cat "$ERR")" "-:3: started_at '2026-02-31T10:00:00\\+00:00' is not a timestamp" "a bad date is named"
like "$(cat "$ERR")" "-:4: segments is not valid JSON" "bad JSON is named"
like "$(cat "$ERR")" "-:5: column 'mono': 'yes'" "a bad boolean is named"
like "$(tail -n 1 "$ERR")" 'batch BV: 4 inputs, 0 stored, 4 rejected$' "all four rejected"

# A stream without a header stops the store; nothing is stored.
records 2 BN N >"$TMP/nohead.tsv"
run_cmd 1 callqa-store <"$TMP/nohead.tsv"
like "$(cat "$ERR")" 'nothing stored' "no header: nothing stored"
is "$(sql "SELECT count(*) FROM batches WHERE batch_id = 'BN'")" 0 "no batch row"

# The database down at the start: the whole input is kept in the spool,
# and replaying the spool stores it; a stored batch leaves no spool.
{ record_header; records 7 BD D; } >"$TMP/bd.tsv"
run_cmd 1 callqa-store --db "host=$TMP/nowhere dbname=x" --spool "$TMP/bd.spool" <"$TMP/bd.tsv"
like "$(tail -n 1 "$ERR")" "records kept in $TMP/bd.spool: replay with callqa-store" "the spool is named"
check "the spool holds the whole input" cmp -s "$TMP/bd.tsv" "$TMP/bd.spool"
run_cmd 0 callqa-store "$TMP/bd.spool"
is "$(sql "SELECT count(*) FROM calls WHERE batch_id = 'BD'")" 7 "the replay stores the 7 calls"
run_cmd 0 callqa-store --spool "$TMP/bd2.spool" <"$TMP/bd.tsv"
check "a stored batch leaves no spool" [ ! -e "$TMP/bd2.spool" ] && [ ! -e "$TMP/bd2.spool.tmp" ]
run_cmd 1 callqa-store --db "host=$TMP/nowhere dbname=x" --spool /dev/full/x <"$TMP/bd.tsv"
like "$(cat "$ERR")" 'spool /dev/full/x.tmp: Not a directory' "a spool that cannot be written is an error"

# Roles: readers read their views only; the pipeline cannot drop tables.
for t in "UPDATE scores SET score = 100" "DELETE FROM ledger" \
	"INSERT INTO ledger VALUES ('2026-10-01', 'A01', 5, 'x', 'v', '{}', 'team', 't')" \
	"UPDATE calls SET agent_id = 'A02'" "SELECT count(*) FROM calls"; do
	for r in callqa_manager callqa_hr; do
		ROLE=$r sql "$t" >"$OUT" 2>"$ERR"
		rc=$?
		is "$rc:$(grep -c 'permission denied' "$ERR")" "1:1" "$r may not: $t"
	done
done
is "$(ROLE=callqa_manager sql "SELECT count(*) FROM manager_board")" 0 "manager reads the board"
is "$(ROLE=callqa_hr sql "SELECT count(*) FROM hr_agent_month")" 21 "HR reads its view (21 agents in 2026-10)"
ROLE=callqa_hr sql "SELECT count(*) FROM manager_board" >"$OUT" 2>"$ERR"
is "$?" 1 "HR may not read the manager's view"
for t in "DROP TABLE scores" "DROP TABLE ledger" "TRUNCATE calls" \
	"ALTER TABLE calls DROP COLUMN audio" "DELETE FROM calls" \
	"UPDATE schema_migrations SET name = 'x'"; do
	ROLE=callqa_pipeline sql "$t" >"$OUT" 2>"$ERR"
	rc=$?
	like "$rc:$(cat "$ERR")" '^1:.*(must be owner|permission denied)' "the pipeline may not: $t"
done
is "$(sql 'SELECT count(*) FROM scores')" 20095 "scores intact after all that"

done_testing
