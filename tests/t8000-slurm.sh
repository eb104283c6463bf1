#!/bin/sh
# The nightly batch as a Slurm job array on a real one-node cluster
# (munged, slurmctld, slurmd started by tests/slurm.sh): 4 shards of a
# batch, one task killed once and resubmitted alone, and the shards
# together are exactly the batch, no call in two shards.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
. "$CALLQA_TOP/tests/slurm.sh"
. "$CALLQA_TOP/tests/pg.sh"

MK=$CALLQA_BUILD/mkwav
REC=$TMP/rec
W=$TMP/work
mkdir -p "$REC"

# 40 calls of 5 agents, and one file that is not audio (a reject is part
# of the batch too, and must land in exactly one shard).
i=1
while [ "$i" -le 40 ]; do
	id=$(printf 'C%03d' "$i")
	$MK -c 2 -f ulaw -s 0.5 \
		"$REC/A0$((i % 5 + 1))_20261001T$(printf '%02d' $((8 + i % 9)))0000_$id.wav" ||
		exit 1
	i=$((i + 1))
done
echo "not audio" >"$REC/A09_20261001T120000_C999.wav"

# The batch on one machine: the reference.
callqa-ingest -q -b NIGHT1 "$REC" >"$TMP/ref.tsv" 2>"$TMP/ref.err"
is "$(rowcount <"$TMP/ref.tsv")" 41 "single-machine ingest: 41 records"

if ! slurm_start; then
	not_ok "one-node Slurm cluster up"
	done_testing
	exit
fi
ok "one-node Slurm cluster up in $SLURM_START_S s"

# Each task: shard K of 4 of the batch; task 2 is killed (SIGKILL of its
# batch script, after its ingest wrote everything) on its first run only.
cat >"$TMP/crash-once.sh" <<EOF
#!/bin/sh
# crash-once.sh K CMD...: run CMD; on task 2's first run, then kill the
# task's batch script as a node failure would.
k=\$1
shift
"\$@"
if [ "\$k" = 2 ] && [ -e "$TMP/crash-marker" ]; then
	rm -f "$TMP/crash-marker"
	kill -KILL \$PPID
	sleep 30
fi
EOF
: >"$TMP/crash-marker"
t0=$(slurm_now)
run_cmd 0 callqa-slurm -D "$W" -n 4 -J callqa-NIGHT1 -- \
	sh "$TMP/crash-once.sh" {K} callqa-ingest -q -b NIGHT1 \
	--shard {K}/{N} "$REC"
set -- $(cat "$OUT")
job=${1:-0} fjob=${2:-0}
like "$job $fjob" '^[0-9]+ [0-9]+$' "array job and finalising job ids"
check "task.sh holds shard {K}/4 with N fixed" \
	grep -qF -- "'--shard' \"\$k\"'/'4 " "$W/task.sh"
slurm_wait "$job" 60
slurm_wait "$fjob" 30
t1=$(slurm_now)
echo "# 4 tasks and the finalising job: $(awk -v a="$t0" -v b="$t1" \
	'BEGIN { printf "%.1f", b - a }') s from submission"

is "$(cat "$W/task-0.status" "$W/task-1.status" "$W/task-3.status" |
	tr '\n' ' ')" "0 0 0 " "tasks 0, 1 and 3 done (status files)"
check "killed task 2 left no status file" test ! -e "$W/task-2.status"
check "crash marker consumed" test ! -e "$TMP/crash-marker"
like "$(scontrol show job "${job}_2" 2>/dev/null | grep -o 'JobState=[A-Z]*')" \
	'JobState=(FAILED|CANCELLED|NODE_FAIL)' "Slurm saw task 2 fail"
like "$(scontrol show job "$fjob" 2>/dev/null | grep -o 'ExitCode=[0-9:]*')" \
	'ExitCode=1:0' "the finalising job failed the batch"
check "the finalising job's own report" cmp -s "$W/finalise-$fjob.log" \
	"$W/finalise.log"
is "$(grep 'task 2 of 4' "$W/finalise.log")" \
	"callqa-NIGHT1: task 2 of 4: not done (killed, or not run)" \
	"finalise names the killed task"
is "$(grep 'tasks not done' "$W/finalise.log")" \
	"callqa-NIGHT1: 1 of 4 tasks not done (2); resubmit them with:" \
	"finalise counts it and says how to retry"

# Resubmit task 2 alone; wait for its new finalising job.
t0=$(slurm_now)
run_cmd 0 timeout 60 callqa-slurm -D "$W" --retry 2 --wait
t1=$(slurm_now)
echo "# retry of task 2 with --wait: $(awk -v a="$t0" -v b="$t1" \
	'BEGIN { printf "%.1f", b - a }') s"
like "$(cat "$OUT")" '^[0-9]+ [0-9]+$' "retry: new job ids on stdout"
is "$(cat "$W/task-2.status")" 0 "task 2 done on its retry"
like "$(cat "$ERR")" "callqa-NIGHT1: all 4 tasks done" \
	"--wait shows the finalising job's report"
is "$(grep -c '^array ' "$W/jobs") $(grep -c '^finalise ' "$W/jobs")" \
	"2 2" "jobs file: two array and two finalising submissions"

# The shards together are exactly the batch, no call in two shards, and
# task K ran shard K of 4 (also the retried one, submitted alone).
k=0
while [ "$k" -lt 4 ]; do
	callqa-ingest -q -b NIGHT1 --shard "$k/4" "$REC" >"$TMP/want-$k.tsv"
	check "task $k wrote exactly shard $k/4" \
		cmp -s "$TMP/want-$k.tsv" "$W/task-$k.out"
	n=$(rowcount <"$W/task-$k.out")
	check "shard $k is not empty ($n calls)" test "$n" -gt 0
	is "$(head -n 1 "$W/task-$k.out")" "$(head -n 1 "$TMP/ref.tsv")" \
		"shard $k has the batch's header"
	k=$((k + 1))
done
for k in 0 1 2 3; do awk 'NR > 1' "$W/task-$k.out"; done | sort >"$TMP/union"
awk 'NR > 1' "$TMP/ref.tsv" | sort >"$TMP/ref.sorted"
check "union of the 4 shards = the single-machine batch, row for row" \
	cmp -s "$TMP/union" "$TMP/ref.sorted"
is "$(for k in 0 1 2 3; do col call_id <"$W/task-$k.out"; done |
	sort | uniq -d | wc -l | tr -d ' ')" 0 "no call in two shards"
is "$(for k in 0 1 2 3; do col call_id <"$W/task-$k.out"; done |
	grep -c C999)" 1 "the reject is in exactly one shard"

# A bad task list and a missing work directory are refused.
run_cmd 1 callqa-slurm -D "$W" --retry 'x;rm'
run_cmd 2 callqa-slurm -D "$TMP/nowhere" --retry 1
run_cmd 2 callqa-slurm -D "$TMP/with space" -n 2 -- true

# ---------------------------------------------------------------------
# full_pipeline: the whole nightly batch under Slurm.  It runs as far as
# the stages on main allow (measure, score and store land from their own
# branches):
#  1. with callqa-measure and callqa-score: on 6 calls from callgen, 4 tasks
#     of "ingest --shard | measure | score" give, together, exactly the
#     scored records of the single-machine pipeline, row for row;
#  2. with callqa-store (step2 below):
#     start PostgreSQL as the store's tests do, run
#     "callqa nightly -b ONE $REC" into database one and
#     "callqa nightly --slurm 4 --wait -b FOUR $REC" into database four,
#     killing one task once and retrying it with "callqa slurm --retry";
#     then the scores of both databases (call_id, score, score_<section>,
#     critical_fail, eligible, ordered by call_id) must be identical, the
#     batch record of FOUR complete with 4 shards, and every call stored
#     once (the retried shard stored nothing twice).
full_pipeline() {
	for s in measure score; do
		if [ ! -x "$CALLQA_BIN/callqa-$s" ]; then
			echo "ok $((T_N + 1)) # skip callqa-$s not built yet:" \
				"the full pipeline under Slurm waits for it"
			T_N=$((T_N + 1))
			return 0
		fi
	done
	# 6 generated calls (2 agents, 3 a day) with speech and transcripts.
	P=$TMP/calls
	"$CALLQA_BUILD/callgen" month --out "$P" --agents 2 --month 2026-10 \
		--days 1 --calls-per-day 3 --seed 8 -j 2 \
		--cache "$CALLQA_TOP/build/callgen-cache" >/dev/null 2>&1 ||
		{ not_ok "callgen month"; return 1; }
	rubric=$CALLQA_TOP/rules/default.yaml
	callqa-ingest -q -b FULL -m "$P/manifest.csv" | callqa-measure -q |
		callqa-score -q -r "$rubric" >"$TMP/full-ref.tsv"
	run_cmd 0 timeout 90 callqa-slurm -D "$TMP/full" -n 4 --wait -- \
		sh -c 'callqa-ingest -q -b FULL --shard "$1" -m "$2" | callqa-measure -q | callqa-score -q -r "$3"' \
		sh {K}/{N} "$P/manifest.csv" "$rubric"
	for k in 0 1 2 3; do awk 'NR > 1' "$TMP/full/task-$k.out"; done |
		sort >"$TMP/full-union"
	n=$(col score <"$TMP/full-ref.tsv" | grep -c '^[0-9]')
	check "single machine: 6 calls scored ($n)" test "$n" -eq 6
	check "4 Slurm tasks: the same scored records, row for row" \
		sh -c "awk 'NR > 1' '$TMP/full-ref.tsv' | sort |
			cmp -s - '$TMP/full-union'"

	if [ ! -x "$CALLQA_BIN/callqa-store" ]; then
		echo "ok $((T_N + 1)) # skip callqa-store not built yet:" \
			"the database check waits for it"
		T_N=$((T_N + 1))
		return 0
	fi
	step2
}

# Step 2: the nightly batch (with one reject) on one machine into database
# "one", and as 4 Slurm tasks into database "four", task 2 cancelled once
# right after its store committed, then resubmitted alone.  The test's
# cluster is on a Unix socket only, which every task reaches (one node).
step2() {
	pg_start
	ONE=$(printf '%s\n' "$DB_URL" | sed 's/dbname=[^ ]*/dbname=one/')
	FOUR=$(printf '%s\n' "$DB_URL" | sed 's/dbname=[^ ]*/dbname=four/')
	sql "CREATE DATABASE one" && sql "CREATE DATABASE four" ||
		{ not_ok "two databases in the test cluster"; return 1; }
	# 18 generated calls of 3 agents, and a text file named .wav.
	G=$TMP/night
	"$CALLQA_BUILD/callgen" month --out "$G" --agents 3 --month 2026-10 \
		--days 2 --calls-per-day 3 --seed 21 -j 2 \
		--cache "$CALLQA_TOP/build/callgen-cache" >"$TMP/night.log" 2>&1 ||
		{ not_ok "callgen month (night)"; return 1; }
	echo "not a recording" >"$G/audio/A002_20261002T110000_CBAD.wav"
	awk -F, 'NR == 2 { OFS = ","; $1 = "CBAD"; $2 = "A002"
		$3 = "2026-10-02T11:00:00+00:00"
		$4 = "audio/A002_20261002T110000_CBAD.wav"; print }' \
		"$G/manifest.csv" >>"$G/manifest.csv"
	n=$(awk 'NR > 1' "$G/manifest.csv" | wc -l | tr -d ' ')
	is "$n" 19 "night: 18 generated calls and a bad file"

	t0=$(slurm_now)
	run_cmd 3 callqa nightly -q -b ONE -r "$rubric" --db "$ONE" "$G"
	t1=$(slurm_now)
	echo "# one machine: $(awk -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.1f", b - a }') s"

	# callqa as installed, but its callqa-store cancels task 2's Slurm
	# task (as a node failure would) right after that shard's store
	# committed, the first time only.
	WB=$TMP/wbin
	mkdir -p "$WB"
	cp "$CALLQA_BIN/callqa" "$WB/callqa"
	for s in ingest measure score slurm; do
		ln -s "$CALLQA_BIN/callqa-$s" "$WB/callqa-$s"
	done
	cat >"$WB/callqa-store" <<EOF
#!/bin/sh
"$CALLQA_BIN/callqa-store" "\$@"
s=\$?
case " \$* " in
*" --shard 2/4 "*)
	if [ -e "$TMP/store-crash" ]; then
		rm -f "$TMP/store-crash"
		scancel "\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}"
		sleep 30
	fi ;;
esac
exit \$s
EOF
	chmod +x "$WB/callqa-store"
	: >"$TMP/store-crash"
	t0=$(slurm_now)
	run_cmd 1 timeout 120 "$WB/callqa" nightly --slurm 4 --wait \
		--slurm-dir "$TMP/four" -b FOUR -r "$rubric" --db "$FOUR" "$G"
	like "$(cat "$ERR")" "callqa-FOUR: 1 of 4 tasks not done [(]2[)]" \
		"the killed task fails the batch (exit 1)"
	check "task 2 was cancelled after its store" test ! -e "$TMP/store-crash"
	is "$(psql -X -A -t "$FOUR" -c "SELECT string_agg(shard::text, ' '
	      ORDER BY shard) FROM batch_shards WHERE batch_id = 'FOUR'")" \
		"0 1 2 3" "shard 2's store had committed before the kill"
	run_cmd 3 timeout 60 "$WB/callqa" slurm -D "$TMP/four" --retry 2 --wait
	t1=$(slurm_now)
	echo "# 4 Slurm tasks, a kill and the retry of task 2:" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	is "$(grep -c '^array ' "$TMP/four/jobs") $(grep -c '^finalise ' "$TMP/four/jobs")" \
		"2 2" "one array and its retry, each with a finalising job"
	is "$(grep 'all 4 tasks done' "$ERR")" \
		"callqa-FOUR: all 4 tasks done: 19 inputs, 18 stored, 1 rejected" \
		"the retry completes the batch (exit 3: with a reject)"
	is "$(psql -X -A -t -F ' ' "$ONE" -c "SELECT inputs, stored, rejected
	      FROM batches WHERE batch_id = 'ONE'")" \
		"19 18 1" "ONE: 19 inputs, 18 stored, 1 rejected"
	is "$(grep 'callqa-store: batch FOUR' "$TMP/four/finalise.log")" \
		"callqa-store: batch FOUR: 19 inputs, 18 stored, 1 rejected (4 of 4 shards)" \
		"the finalising job: every shard stored, ONE's counts"
	is "$(psql -X -A -t -F ' ' "$FOUR" -c "SELECT inputs, stored, rejected
	      FROM batches WHERE batch_id = 'FOUR'")" \
		"19 18 1" "FOUR's batch row: ONE's counts"
	is "$(psql -X -A -t -F ' ' "$FOUR" -c "SELECT count(*), sum(inputs),
	      sum(stored), sum(rejected) FROM batch_shards
	      WHERE batch_id = 'FOUR' AND shards = 4")" \
		"4 19 18 1" "FOUR: 4 shard rows that add up"
	for d in ONE FOUR; do
		eval url=\$$d
		psql -X -A -t -v ON_ERROR_STOP=1 "$url" -c "
		  SELECT (to_jsonb(c) - 'stored_at' - 'batch_id')::text, s.score,
		         s.sections, s.critical_fail, s.eligible, s.rubric_version,
		         s.items
		  FROM calls c LEFT JOIN scores s USING (call_id)
		  ORDER BY call_id" >"$TMP/scores-$d" ||
			not_ok "the calls and scores of $d"
		psql -X -A -t "$url" -c "SELECT call_id, stage FROM rejects
		  ORDER BY call_id" >"$TMP/rejects-$d"
		psql -X -A -t -F ' ' "$url" -c "SELECT count(*),
		  count(DISTINCT call_id) FROM calls" >"$TMP/count-$d"
	done
	is "$(wc -l <"$TMP/scores-ONE" | tr -d ' ') $(grep -c '|[0-9][0-9.]*|{' "$TMP/scores-ONE")" \
		"18 18" "ONE: 18 calls, each with a score and sections"
	check "FOUR and ONE hold the same calls, metrics and scores" \
		cmp -s "$TMP/scores-ONE" "$TMP/scores-FOUR"
	is "$(cat "$TMP/rejects-ONE") $(cat "$TMP/rejects-FOUR")" \
		"CBAD|ingest CBAD|ingest" "the reject, once in each"
	is "$(cat "$TMP/count-ONE") $(cat "$TMP/count-FOUR")" "18 18 18 18" \
		"each call stored once (the retried shard stored nothing twice)"
}
full_pipeline

done_testing
