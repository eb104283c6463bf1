#!/bin/sh
# What the operator sees: progress on a terminal and in a log, the summary
# at the end of callqa nightly, callqa status, callqa rejects, and callqa
# doctor against a real database (up, down, schema too old or too new).
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"
unset CALLQA_PROGRESS CALLQA_TOTAL CALLQA_RECORDINGS CALLQA_RANKING
export CALLQA_RUBRIC=$CALLQA_TOP/rules/default.yaml
pg_start
D=$TMP/rec
mkdir -p $D
for i in 1 2 3 4; do
	"$CALLQA_BUILD/mkwav" -c 2 -f ulaw -s 20 -g noise $D/A0${i}_20261005T09000${i}_P$i.wav
done
: >$D/A05_20261005T090005_P5.wav

# Progress on a terminal (a pty made by script(1)): one line rewritten in
# place, calls done of the total, and a final newline.
callqa-ingest -q -b PROG $D >$TMP/in.tsv
CALLQA_PROGRESS_INTERVAL=0 CALLQA_TOTAL=5 script -qec \
	"$CALLQA_BIN/callqa-measure <$TMP/in.tsv >/dev/null" /dev/null >$TMP/tty.out </dev/null
tr '\r' '\n' <$TMP/tty.out | grep -a 'calls' >$TMP/tty.lines
like "$(head -1 $TMP/tty.lines)" "^callqa-measure: 1/5 calls, 0\.0 h audio, " "terminal: calls done of the total"
like "$(tail -1 $TMP/tty.lines)" "^callqa-measure: 5/5 calls, 0\.0 h audio, .* elapsed" "terminal: the last state stays"
check "terminal: lines are rewritten with carriage return and erase" grep -q "$(printf '\r')callqa-measure: 2/5" $TMP/tty.out
# In a log (stderr a file): plain lines, no control characters.
CALLQA_PROGRESS_INTERVAL=0 callqa-measure <$TMP/in.tsv >/dev/null 2>$TMP/log.err
is "$(grep -c '^callqa-measure: [0-9]* calls, ' $TMP/log.err)" 6 "log: a line per call and a closing line"
is "$(tr -d '\n' <$TMP/log.err | tr -d '[:print:]' | wc -c | tr -d ' ')" 0 "log: no control characters"
callqa-measure <$TMP/in.tsv >/dev/null 2>$TMP/short.err
is "$(grep -c 'calls,' $TMP/short.err)" 0 "log: a short run prints no progress"
callqa-measure -q <$TMP/in.tsv >/dev/null 2>$TMP/q.err
is "$(cat $TMP/q.err)" "" "-q: nothing"

# callqa nightly on a terminal: the store's line only (it moves with the
# whole pipeline), against the inputs callqa nightly counted.
CALLQA_PROGRESS_INTERVAL=0 script -qec "$CALLQA_BIN/callqa nightly -b OPS1 $D" /dev/null >$TMP/n.out </dev/null
tr '\r' '\n' <$TMP/n.out | grep -a 'calls, ' >$TMP/n.lines
like "$(tail -1 $TMP/n.lines)" "^callqa-store: 5/5 calls, 0\.0 h audio" "nightly on a terminal: the store's progress of the counted inputs"
is "$(grep -c '^callqa-measure\|^callqa-score\|^callqa-ingest' $TMP/n.lines)" 0 "and no other stage's"

# The nightly summary.
run_cmd 3 callqa nightly -b OPS1 $D
like "$(cat $ERR)" "batch OPS1: 5 inputs, 4 stored, 1 rejected; 0\.02 h of audio in [0-9]+ s" "summary: counts, hours, wall time"
like "$(cat $ERR)" "1 rejected by ingest: empty file" "summary: rejects by stage and reason"
like "$(cat $ERR)" "list them: callqa rejects --batch OPS1" "summary: where to list them"

run_cmd 0 callqa rejects --batch OPS1
is "$(rowcount <$OUT)" 1 "callqa rejects: one reject"
is "$(col reason <$OUT)" "$D/A05_20261005T090005_P5.wav: empty file" "with its reason"
run_cmd 2 callqa rejects
# The file repaired, the batch run again: the call is stored and is no
# longer a reject; inputs still equal stored + rejected.
"$CALLQA_BUILD/mkwav" -c 2 -f ulaw -s 20 -g noise $D/A05_20261005T090005_P5.wav
run_cmd 0 callqa nightly -b OPS1 $D
like "$(cat $ERR)" "batch OPS1: 5 inputs, 5 stored, 0 rejected" "a repaired call replaces its reject"
run_cmd 0 callqa rejects --batch OPS1
is "$(rowcount <$OUT)" 0 "no reject left"
# The other way: a stored call's file damaged, the batch run again.  The
# stored call and its score stay (they may be on a board already); it is
# not counted twice, and the store says why.
score0=$(sql "SELECT score FROM scores WHERE call_id = 'P5'")
cp $D/A05_20261005T090005_P5.wav $TMP/p5.wav
: >$D/A05_20261005T090005_P5.wav
run_cmd 0 callqa nightly -b OPS1 $D
like "$(cat $ERR)" "batch OPS1: 5 inputs, 5 stored, 0 rejected" "a call stored before and rejected now is counted once, as stored"
like "$(cat $ERR)" "call 'P5' is kept as an earlier run of batch 'OPS1' stored it, although this run rejects it: .*P5.wav: empty file" "and the store says why"
is "$(sql "SELECT score FROM scores WHERE call_id = 'P5'") $(sql "SELECT count(*) FROM rejects WHERE batch_id = 'OPS1'")" "$score0 0" "its score is kept, no reject recorded"
cp $TMP/p5.wav $D/A05_20261005T090005_P5.wav

run_cmd 0 callqa status
like "$(cat $OUT)" "^database: host=$TMP/var/run port=[0-9]+ dbname=callqa user=callqa \(PostgreSQL [0-9]+" "status: the database in use"
like "$(grep OPS1 $OUT)" "OPS1 +[0-9-]+ [0-9:]+ +[^ ]+ +5 +5 +0" "status: the batch with its counts"
is "$(sql "SELECT finished > started AND finished - started < interval '10 minutes' FROM batches WHERE batch_id = 'OPS1'")" t \
	"status: the batch took the time of its run (not zero: finished is the clock at the end)"
printf 'min_calls: 1\n' >$TMP/rk.yaml
{ record_header; records 12 R9 R 4 2026-09; } | callqa-store -q
callqa-rank -q --month 2026-09 --policy $TMP/rk.yaml --close --by qa-lead >/dev/null
run_cmd 0 callqa status
like "$(sed -n '/months ranked/,/months closed/p' $OUT)" "2026-09 +team +4 +[0-9]+ +20[0-9-]+ " "status: the month ranked, four agents"
like "$(sed -n '/months closed/,$p' $OUT)" "2026-09 +close +qa-lead" "status: the month closed, by whom"

# Doctor: all well.
run_cmd 0 callqa doctor $D
like "$(grep '^ok *libraries' $OUT)" "libsndfile.*libsoxr.*libpq.*libyaml" "doctor: library versions"
like "$(grep 'database' $OUT | head -1)" "^ok +database +host=" "doctor: database reached"
like "$(grep 'schema' $OUT)" "^ok +schema +all [0-9]+ migrations applied" "doctor: schema current"
like "$(grep 'rubric' $OUT)" "^ok +rubric " "doctor: rubric checks"
like "$(grep 'recordings' $OUT)" "^ok +recordings +$D: 5 recordings" "doctor: recordings counted"
is "$(tail -1 $OUT)" "no problem found" "doctor: no problem"
# Database down.
CALLQA_DB="host=$TMP/nowhere dbname=callqa" run_cmd 1 callqa doctor $D
like "$(grep database $OUT)" "^FAIL +database +cannot connect: .*do: start the server" "doctor: database down, and what to do"
# Schema too old, and too new.
psql -X -q "$DB_URL" -c "CREATE DATABASE old" -c "CREATE DATABASE new"
OLD=$(echo "$DB_URL" | sed 's/dbname=[^ ]*/dbname=old/')
NEW=$(echo "$DB_URL" | sed 's/dbname=[^ ]*/dbname=new/')
psql -X -q "$OLD" -c "CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now())"
run_cmd 1 callqa doctor --db "$OLD" $D
like "$(grep schema $OUT)" "^FAIL +schema +0 of [0-9]+ migrations applied: too old; do: callqa db migrate" "doctor: schema too old"
callqa db migrate --db "$NEW" >/dev/null 2>&1
psql -X -q "$NEW" -c "INSERT INTO schema_migrations (name) VALUES ('999_future.sql')"
run_cmd 1 callqa doctor --db "$NEW" $D
like "$(grep schema $OUT)" "^FAIL +schema +the database has 1 migration\(s\) this callqa does not know .*upgrade callqa" "doctor: schema too new"
# A bad rubric and a missing recording directory.
printf 'rubric: x\nsections: [\n' >$TMP/bad.yaml
run_cmd 1 callqa doctor -r $TMP/bad.yaml $TMP/missing
like "$(grep rubric $OUT)" "^FAIL +rubric +$TMP/bad.yaml:[0-9]+:[0-9]+: .*do: callqa-score --check" "doctor: bad rubric with position"
like "$(grep recordings $OUT)" "^FAIL +recordings +$TMP/missing: No such file or directory; do: " "doctor: missing recordings"
like "$(tail -1 $OUT)" "^2 problems found$" "doctor: counts the problems"
# The ranking's months and the ladder's periods from different midnights.
mkdir -p $TMP/centre/rules
sed 's/^timezone: .*/timezone: Asia\/Shanghai/' "$CALLQA_TOP/rules/ranking.yaml" >$TMP/centre/rules/ranking.yaml
cp "$CALLQA_TOP/rules/ladder.yaml" $TMP/centre/rules/ladder.yaml
back=$PWD
cd $TMP/centre
run_cmd 1 callqa doctor $D
like "$(grep '^ok *ranking' $OUT)" "rules/ranking.yaml: groups by team, at least 20 calls, months from midnight Asia/Shanghai" "doctor: the ranking policy and its time zone"
like "$(grep ladder $OUT)" "^FAIL +ladder +rules/ladder.yaml: periods from midnight UTC, but the ranking's months from midnight Asia/Shanghai; do: set the same timezone" "doctor: ladder and ranking in different time zones"
sed -i 's/^timezone: .*/timezone: Asia\/Shanghai/' $TMP/centre/rules/ladder.yaml
run_cmd 0 callqa doctor $D
cd "$back"
like "$(grep ladder $OUT)" "^ok +ladder +rules/ladder.yaml: 4 posts, periods from midnight Asia/Shanghai" "doctor: the same zone in both"
done_testing
