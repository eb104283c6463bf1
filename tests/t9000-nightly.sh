#!/bin/sh
# The nightly batch end to end, over generated calls with known truth and
# two bad files, into a real PostgreSQL:
#  - the four stages as a plain shell pipeline: exit 3, every input stored
#    as a call or a reject (inputs = stored + rejected, in the database too);
#  - what is stored agrees with the generator's ground truth;
#  - each stage alone on saved TSV stores exactly the same (idempotent);
#  - callqa nightly on the same batch changes nothing;
#  - the month's board names the generator's best and worst of each team;
#  - SIGTERM to callqa nightly mid-batch stores nothing of it; the re-run
#    stores every call once;
#  - the stages under valgrind: no errors, no leaks.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"
RUBRIC=$CALLQA_TOP/rules/default.yaml
G=$TMP/calls
pg_start

"$CALLQA_BUILD/callgen" month --out $G --agents 4 --month 2026-10 --days 4 \
	--calls-per-day 2 --seed 11 --cache "$CALLQA_TOP/build/callgen-cache" >$TMP/gen.log 2>&1
is "$?" 0 "callgen made a month of calls"
NGOOD=$(awk 'NR > 1' $G/manifest.csv | wc -l | tr -d ' ')
is "$NGOOD" 32 "32 generated calls"
# A call cut off by a dropped line, and a text file named .wav.
first=$(ls $G/audio/*.wav | head -1)
head -c 3000 "$first" >$G/audio/A001_20261003T100000_CBAD1.wav
echo "not a recording" >$G/audio/A002_20261003T110000_CBAD2.wav
cat >>$G/manifest.csv <<EOF
CBAD1,A001,2026-10-03T10:00:00+08:00,audio/A001_20261003T100000_CBAD1.wav,T1,160,1,,1234,t,zh,f
CBAD2,A002,2026-10-03T11:00:00+08:00,audio/A002_20261003T110000_CBAD2.wav,T1,160,1,,1234,t,zh,f
EOF
N=$((NGOOD + 2))

# 1. The plain shell pipeline.  Each stage's status is kept in a file.
(
	{ callqa-ingest --manifest $G/manifest.csv -b E1 2>$TMP/e.ingest; echo $? >$TMP/s.ingest; } |
	{ callqa-measure 2>$TMP/e.measure; echo $? >$TMP/s.measure; } |
	{ callqa-score --rubric "$RUBRIC" 2>$TMP/e.score; echo $? >$TMP/s.score; } |
	{ callqa-store 2>$TMP/e.store; echo $? >$TMP/s.store; }
)
is "$(cat $TMP/s.ingest) $(cat $TMP/s.measure) $(cat $TMP/s.score) $(cat $TMP/s.store)" \
	"0 0 0 3" "ingest | measure | score | store: 3 = completed with rejects"
is "$(tail -1 $TMP/e.store)" "callqa-store: batch E1: $N inputs, $NGOOD stored, 2 rejected" \
	"the store's accounting line"
is "$(sql "SELECT inputs, stored, rejected FROM batches WHERE batch_id = 'E1'")" \
	"$N|$NGOOD|2" "the batch row: inputs = stored + rejected"
is "$(sql "SELECT count(*) FROM calls") $(sql "SELECT count(*) FROM scores") $(sql "SELECT count(*) FROM rejects")" \
	"$NGOOD $NGOOD 2" "$NGOOD calls with scores, 2 rejects"
like "$(sql "SELECT call_id || ' ' || stage || ' ' || reason FROM rejects WHERE call_id = 'CBAD1'")" \
	"^CBAD1 ingest $G/audio/A001_20261003T100000_CBAD1.wav: truncated: the header declares [0-9.]+ s of audio, the file holds [0-9.]+ s$" \
	"the truncated call's reject names the file and says why"
like "$(sql "SELECT reason FROM rejects WHERE call_id = 'CBAD2'")" \
	"CBAD2.wav: not a readable audio file" "the text file's reject says why"

# 2. What was stored agrees with the ground truth.
sql "SELECT call_id, silence_events, agent_talk_s, customer_talk_s, overtalk_s
     FROM calls ORDER BY call_id" | tr '|' '\t' >$TMP/stored
awk -F '\t' 'NR == FNR { ev[$1] = $2; at[$1] = $3; ct[$1] = $4; ot[$1] = $5; next }
	FNR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	($1 in ev) { n++
		if (ev[$1] == $h["silence_events"]) events++
		d = at[$1] - $h["agent_talk_s"]; if (d < 0) d = -d
		if (d <= 0.05 * $h["agent_talk_s"]) talk++
		d = ct[$1] - $h["customer_talk_s"]; if (d < 0) d = -d
		if (d <= 0.05 * $h["customer_talk_s"]) talk++
		d = ot[$1] - $h["overtalk_s"]; if (d < 0) d = -d
		if (d <= 0.5) over++ }
	END { printf "%d %d %d %d\n", n, events, talk, over }' $TMP/stored $G/truth.tsv >$TMP/acc
is "$(cat $TMP/acc)" "$NGOOD $NGOOD $((2 * NGOOD)) $NGOOD" \
	"every call: dead-air events exact, talk time within 5 %, overtalk within 0.5 s of the truth"

# 3. Each stage alone on saved TSV: the same data, nothing stored twice.
FP1=$(fingerprint)
callqa-ingest -q --manifest $G/manifest.csv -b E1 >$TMP/1.tsv
callqa-measure -q <$TMP/1.tsv >$TMP/2.tsv
callqa-score -q -r "$RUBRIC" <$TMP/2.tsv >$TMP/3.tsv
run_cmd 3 callqa-store -q $TMP/3.tsv
is "$(fingerprint)" "$FP1" "stage by stage on saved TSV: the database is unchanged"
run_cmd 3 callqa nightly -q -b E1 $G/manifest.csv
is "$(fingerprint)" "$FP1" "callqa nightly on the same batch: unchanged"
is "$(rowcount <$TMP/3.tsv)" "$N" "the saved stream holds every input"

# 4. The board: the generator's best and worst of each team.
printf 'group: team\nmin_calls: 3\npoints_best: 5\npoints_worst: -5\ntie: share\nconfidence: 0.95\ntimezone: UTC\n' >$TMP/ranking.yaml
run_cmd 0 callqa-rank --month 2026-10 --policy $TMP/ranking.yaml
want=$(awk -F '\t' 'NR > 1 && $5 != "" { print $2, $1, ($5 == "best" ? 5 : -5) }' $G/agents.tsv | sort)
got=$(sql "SELECT grp || ' ' || agent_id || ' ' || points FROM ledger WHERE month = '2026-10-01' ORDER BY 1" | sort)
is "$got" "$want" "ledger: +5 to the made-best and -5 to the made-worst of each team"
best=$(awk -F '\t' '$5 == "best" { print $1; exit }' $G/agents.tsv)
like "$(grep -w "$best" $OUT)" "^ *T[0-9] +1 +$best " "the printed board ranks $best first"

# 5. SIGTERM mid-batch: the batch must leave nothing, and its re-run must
# store everything once.
sed 's/^C0/D0/' $G/manifest.csv | grep -v '^CBAD' >$TMP/m2.csv
"$CALLQA_BUILD/mkwav" -c 2 -f ulaw -s 60 -g noise $G/audio/A001_20261004T170000_DLONG.wav
echo "DLONG,A001,2026-10-04T17:00:00+08:00,$G/audio/A001_20261004T170000_DLONG.wav,T1,160,1,,,t,zh,f" >>$TMP/m2.csv
cp $TMP/m2.csv $G/m2.csv
# Mid-batch for certain, however fast the stages are: the store's lock
# (pipeline/store.c) is held by another session, so the store waits with
# the whole batch copied and nothing committed.
PGAPPNAME=lock-holder psql -X -q "$DB_URL" \
	-c "SELECT pg_advisory_lock(7170317002)" -c "SELECT pg_sleep(600)" \
	>/dev/null 2>&1 &
holder=$!
waiting() { sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7170317002 % 4294967296 AND $1"; }
i=0
while [ $i -lt 100 ] && [ "$(waiting granted)" = 0 ]; do sleep 0.1; i=$((i + 1)); done
callqa nightly -q -b E2 $G/m2.csv >$TMP/n.out 2>$TMP/n.err &
pid=$!
i=0
while [ $i -lt 600 ] && [ "$(waiting "NOT granted")" = 0 ]; do sleep 0.1; i=$((i + 1)); done
check "the store waits for its lock with the batch copied (after $i x 0.1 s)" test $i -lt 600
kill -TERM $pid
wait $pid
rc=$?
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lock-holder'" >/dev/null
wait $holder
is "$rc" 1 "callqa nightly stopped by SIGTERM exits 1"
like "$(cat $TMP/n.err)" "interrupted by Terminated.*run it again" "and says the batch can be run again"
is "$(sql "SELECT count(*) FROM calls WHERE batch_id = 'E2'")" 0 "nothing of the interrupted batch is stored"
run_cmd 0 callqa nightly -q -b E2 $G/m2.csv
is "$(sql "SELECT count(*) FROM calls WHERE batch_id = 'E2'")" $((NGOOD + 1)) "the re-run stores every call of it"
is "$(sql "SELECT count(*) FROM calls") $(sql "SELECT count(DISTINCT call_id) FROM calls")" \
	"$((2 * NGOOD + 1)) $((2 * NGOOD + 1))" "and each exactly once"

# 6. The stages under valgrind on two calls.
head -3 $TMP/1.tsv >$TMP/v1.tsv
for stage in "callqa-measure" "callqa-score -r $RUBRIC" "callqa-store -b V1"; do
	set -- $stage
	prog=$1
	shift
	case $prog in
	callqa-measure) in=$TMP/v1.tsv ;;
	callqa-score) callqa-measure -q <$TMP/v1.tsv >$TMP/v2.tsv; in=$TMP/v2.tsv ;;
	callqa-store) callqa-score -q -r "$RUBRIC" <$TMP/v2.tsv >$TMP/v3.tsv; in=$TMP/v3.tsv ;;
	esac
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$CALLQA_BIN/$prog" "$@" <$in >/dev/null 2>$TMP/vg.err
	rc=$?
	check "$prog under valgrind: no errors, no leaks" test "$rc" != 99
	[ "$rc" != 99 ] || sed 's/^/#   /' $TMP/vg.err | head -20
done
done_testing
