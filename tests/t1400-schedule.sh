#!/bin/sh
# The scheduling examples in cmd/ work as written: the systemd units pass
# systemd-analyze verify, and the commands of the nightly service, the
# monthly service and both crontab lines, run with only their install
# paths pointed at this test (/usr/local/bin, /srv/recordings,
# /var/lib/callqa, /var/log/callqa), store yesterday's batch once, rank
# last month and write its board.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"
export CALLQA_RUBRIC=$CALLQA_TOP/rules/default.yaml CALLQA_PROGRESS=0
C=$CALLQA_TOP/cmd
pg_start
for u in callqa-nightly.service callqa-nightly.timer callqa-monthly.service callqa-monthly.timer; do
	systemd-analyze verify --man=no "$C/$u" >$TMP/verify 2>&1
	is "$?:$(cat $TMP/verify)" "0:" "systemd-analyze verify $u"
done

# Paths of the examples, pointed at the test.
mkdir -p $TMP/srv $TMP/lib $TMP/log
paths() {
	sed -e "s,/usr/local/bin/,$CALLQA_BIN/,g" -e "s,/srv/recordings,$TMP/srv,g" \
		-e "s,/var/lib/callqa,$TMP/lib,g" -e "s,/var/log/callqa,$TMP/log,g"
}
# ExecStart=/bin/sh -c '...': the quoted script, with systemd's %% as %.
execstart() {
	sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" "$1" | sed 's/%%/%/g' | paths
}
day=$(date -d yesterday +%F)
mkdir -p $TMP/srv/$day
for i in 1 2 3; do
	"$CALLQA_BUILD/mkwav" -c 2 -f ulaw -s 5 -g noise \
		$TMP/srv/$day/A0${i}_$(date -d yesterday +%Y%m%d)T09000${i}_S$i.wav
done
sh -c "$(execstart $C/callqa-nightly.service)" >$TMP/out 2>$TMP/err
st=$?
check "the nightly service's command succeeds (status $st; 3 is a success for it)" test $st = 0 -o $st = 3
is "$(sql "SELECT inputs || ' ' || stored FROM batches WHERE batch_id = '$day'")" "3 3" \
	"it stored yesterday's batch, named by the day"

# The crontab lines: the command after the five time fields and the user,
# with cron's \% as %.
cronline() {
	grep "^$1 " $C/callqa.cron | sed 's/^\([^ ]* *\)\{6\}//' | sed 's/\\%/%/g' | paths
}
sh -c "$(cronline 30)"
st=$?
check "the nightly crontab line succeeds (status $st)" test $st = 0 -o $st = 3
like "$(cat $TMP/log/nightly.log)" "batch $day: 3 inputs, 3 stored, 0 rejected" "it logs the summary"
is "$(sql "SELECT count(*) FROM calls")" 3 "run twice, stored once"

# The monthly service and crontab line: rank last month and write its board.
month=$(date -d "last month" +%Y-%m)
{ record_header; records 8 M1 M 4 "$month"; } | callqa-store -q
sh -c "$(execstart $C/callqa-monthly.service)" >$TMP/out 2>$TMP/err
is "$?" 0 "the monthly service's command succeeds"
check "it wrote the board for $month" test -s $TMP/lib/board-$month.html
is "$(sql "SELECT count(*) FROM rankings WHERE period = '$month'")" 4 "it ranked the month"
rm -f $TMP/lib/board-$month.html
sh -c "$(cronline 15)"
is "$?" 0 "the monthly crontab line succeeds"
check "it wrote the board" test -s $TMP/lib/board-$month.html
done_testing
