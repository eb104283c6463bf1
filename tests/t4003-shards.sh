#!/bin/sh
# A batch stored in shards (callqa-store --shard K/N, as the tasks of
# `callqa nightly --slurm N` store it): each shard's row in batch_shards
# with its counts, --finalise telling a complete batch from one with
# shards missing, a re-run shard stored once, an empty shard, and 4 shards
# stored at once (no deadlock, no lost update), also into a fresh database
# where they all make the same new month partitions.
. "${CALLQA_TOP:-.}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"
pg_start

run_cmd 2 callqa-store --shard 1/4 </dev/null
like "$(cat "$ERR")" 'callqa-store: --finalise goes with --shards .*--shard with -b' \
	"--shard without -b is refused"
run_cmd 2 callqa-store -b S --shard 4/4 </dev/null
like "$(cat "$ERR")" "--shard: '4/4' is not K/N" "shard K must be below N"
run_cmd 2 callqa-store -b S --shard x </dev/null
run_cmd 2 callqa-store --finalise S
run_cmd 2 callqa-store --finalise S --shards 0
run_cmd 2 callqa-store --finalise S --shards 4 "$TMP/file"

# 40 records of batch S, 2 of them rejected upstream, in 4 shards by line.
{ record_header; records 40 S; } | awk -F '\t' 'BEGIN { OFS = "\t" }
	NR == 7 || NR == 31 { $15 = "rejected:measure:" $4 ": too short" }
	{ print }' >"$TMP/s.tsv"
for k in 0 1 2 3; do
	awk -v k=$k 'NR == 1 || (NR - 2) % 4 == k' "$TMP/s.tsv" >"$TMP/s$k.tsv"
done
run_cmd 1 callqa-store --finalise S --shards 4
is "$(cat "$ERR")" "callqa-store: finalise: no batch 'S' in the database" \
	"finalise: an unknown batch"

for k in 0 1 3; do
	callqa-store -b S --shard $k/4 <"$TMP/s$k.tsv" 2>"$TMP/err$k"
	echo $? >"$TMP/rc$k"
done
is "$(cat "$TMP/rc0" "$TMP/rc1" "$TMP/rc3" | tr '\n' ' ')" "0 3 0 " \
	"shards 0, 1, 3 stored (the rejects are in shard 1)"
is "$(sql "SELECT shard || ':' || shards || ':' || inputs || ':' || stored || ':' || rejected FROM batch_shards WHERE batch_id = 'S' ORDER BY shard" | tr '\n' ' ')" \
	"0:4:10:10:0 1:4:10:8:2 3:4:10:10:0 " "batch_shards: one row per stored shard, its counts"
run_cmd 1 callqa-store --finalise S --shards 4
is "$(cat "$ERR")" "callqa-store: batch S: 30 inputs, 28 stored, 2 rejected (3 of 4 shards)
callqa-store: batch S is not complete: shard 2 of 4 not stored" \
	"finalise: 3 of 4 shards, shard 2 missing (exit 1)"
run_cmd 1 callqa-store --finalise S --shards 2
like "$(tr "\n" " " <"$ERR")" "[(]0 of 2 shards[)].*shards 0,1 of 2 not stored" \
	"finalise: shards of another N do not count"

run_cmd 0 callqa-store -b S --shard 2/4 "$TMP/s2.tsv"
run_cmd 3 callqa-store --finalise S --shards 4
is "$(cat "$ERR")" "callqa-store: batch S: 40 inputs, 38 stored, 2 rejected (4 of 4 shards)" \
	"finalise: complete, with the rejects (exit 3)"
fp=$(fingerprint)
# Shard 2 again (a task retried after it had stored): nothing twice.
run_cmd 0 callqa-store -b S --shard 2/4 "$TMP/s2.tsv"
is "$(fingerprint)" "$fp" "a re-run shard changes no call, score or reject"
is "$(sql "SELECT count(*) || ' ' || sum(inputs) FROM batch_shards WHERE batch_id = 'S'")" \
	"4 40" "a re-run shard replaces its row"
is "$(sql "SELECT inputs || ' ' || stored || ' ' || rejected FROM batches WHERE batch_id = 'S'")" \
	"40 38 2" "the batch row adds up the shards"

# The same records stored whole as batch W: the same counts.
sed 's/\tS\t/\tW\t/' "$TMP/s.tsv" | sed 's/^C0/W0/' >"$TMP/w.tsv"
run_cmd 3 callqa-store <"$TMP/w.tsv"
is "$(sql "SELECT b.inputs || ' ' || b.stored || ' ' || b.rejected FROM batches b WHERE batch_id = 'W'")" \
	"40 38 2" "one store of the whole batch: the same counts"

# An empty shard (no call hashed to it) is a stored shard.
record_header >"$TMP/empty.tsv"
{ record_header; records 3 E E; } >"$TMP/e0.tsv"
run_cmd 0 callqa-store -b E --shard 0/2 "$TMP/e0.tsv"
run_cmd 0 callqa-store -b E --shard 1/2 "$TMP/empty.tsv"
run_cmd 0 callqa-store --finalise E --shards 2
is "$(cat "$ERR")" "callqa-store: batch E: 3 inputs, 3 stored, 0 rejected (2 of 2 shards)" \
	"an empty shard completes its batch"

# 4 shards of 3000 calls each stored at once.
{ record_header; records 12000 P P 40; } >"$TMP/p.tsv"
for k in 0 1 2 3; do
	awk -v k=$k 'NR == 1 || (NR - 2) % 4 == k' "$TMP/p.tsv" >"$TMP/p$k.tsv"
done
pids=
for k in 0 1 2 3; do
	callqa-store -b P --shard $k/4 "$TMP/p$k.tsv" 2>"$TMP/perr$k" &
	pids="$pids $!"
done
st=
for p in $pids; do wait "$p"; st="$st$? "; done
is "$st" "0 0 0 0 " "4 concurrent shard stores all succeed"
run_cmd 0 callqa-store --finalise P --shards 4
is "$(cat "$ERR")" "callqa-store: batch P: 12000 inputs, 12000 stored, 0 rejected (4 of 4 shards)" \
	"concurrent shards: the batch is complete"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT call_id) FROM calls WHERE batch_id = 'P'") $(sql "SELECT count(*) FROM scores WHERE batch_id = 'P'")" \
	"12000 12000 12000" "every call stored once, with its score"
is "$(sql "SELECT inputs || ' ' || stored FROM batches WHERE batch_id = 'P'")" \
	"12000 12000" "no lost update of the batch row"
is "$(sql "SELECT count(*) FROM agents WHERE agent_id LIKE 'A%'")" 40 "40 agents"

# 4 shards at once into a fresh database, each with calls of the same six
# months that have no partition yet, while a reader counts calls: every
# month made once (callqa_ensure_months under the store lock), no
# deadlock, every call stored once in its month.
sql "CREATE DATABASE fresh" >/dev/null
FRESH=$(printf '%s\n' "$DB_URL" | sed 's/dbname=[^ ]*/dbname=fresh/')
callqa-db -q --db "$FRESH" migrate
{ record_header; for m in 01 02 03 04 05 06; do records 500 Q Q$m 12 2027-$m; done; } >"$TMP/q.tsv"
for k in 0 1 2 3; do
	awk -v k=$k 'NR == 1 || (NR - 2) % 4 == k' "$TMP/q.tsv" >"$TMP/q$k.tsv"
done
(i=0; while [ $i -lt 30 ]; do
	psql -X -q -A -t -v ON_ERROR_STOP=1 "$FRESH" -c "SELECT count(*) FROM calls" >/dev/null || exit 1
	i=$((i + 1))
done) &
reader=$!
pids=
for k in 0 1 2 3; do
	callqa-store --db "$FRESH" -b Q --shard $k/4 "$TMP/q$k.tsv" 2>"$TMP/qerr$k" &
	pids="$pids $!"
done
st=
for p in $pids; do wait "$p"; st="$st$? "; done
wait $reader
is "$st$?" "0 0 0 0 0" "4 shards making the same 6 months at once, and a reader: all succeed"
cat "$TMP"/qerr* | grep -v 'callqa-store: batch Q: 750 inputs' | sed 's/^/# /'
is "$(psql -X -q -A -t "$FRESH" -c "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'calls'::regclass")" \
	"calls_2027_01 calls_2027_02 calls_2027_03 calls_2027_04 calls_2027_05 calls_2027_06" \
	"each month's partition made once"
is "$(psql -X -q -A -t "$FRESH" -c "SELECT string_agg(to_char(started_at, 'MM') || ':' || n, ' ' ORDER BY started_at) FROM (SELECT date_trunc('month', started_at) AS started_at, count(*) AS n FROM calls GROUP BY 1) t")" \
	"01:500 02:500 03:500 04:500 05:500 06:500" "every call stored once, in its month"
is "$(psql -X -q -A -t "$FRESH" -c "SELECT count(*) FROM scores")" 3000 "with its score"

# The reader roles cannot see the shards.
ROLE=callqa_hr sql "SELECT count(*) FROM batch_shards" >/dev/null 2>&1
is "$?" 1 "HR cannot read batch_shards"

done_testing
