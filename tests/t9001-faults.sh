#!/bin/sh
# Faults every stage must survive the same way: a full disk on stdout is
# an error (exit 1, "write error"), never a short file taken for a whole
# one; a closed downstream pipe ends a stage quietly; damaged input lines
# become rejects; the database down at the start stops the store with
# exit 1 and stores nothing.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
RUBRIC=$CALLQA_TOP/rules/default.yaml
D=$TMP/calls
mkdir -p $D
i=1
while [ $i -le 6 ]; do
	"$CALLQA_BUILD/mkwav" -c 2 -f ulaw -s 4 -g noise $D/A01_2026100${i}T090000_F$i.wav
	i=$((i + 1))
done
callqa-ingest -q -b F $D >$TMP/1.tsv
callqa-measure -q <$TMP/1.tsv >$TMP/2.tsv
callqa-score -q -r "$RUBRIC" <$TMP/2.tsv >$TMP/3.tsv
is "$(rowcount <$TMP/3.tsv)" 6 "six calls through ingest, measure, score"

# A full disk.
if [ -w /dev/full ]; then
	for stage in "callqa-ingest -b F $D" "callqa-measure" "callqa-score -r $RUBRIC"; do
		set -- $stage
		in=$TMP/1.tsv
		[ "$1" = callqa-score ] && in=$TMP/2.tsv
		"$@" <$in >/dev/full 2>$TMP/err
		is "$?" 1 "$1 on a full disk exits 1"
		like "$(tail -1 $TMP/err)" "write error: No space left on device" "$1 says write error"
	done
fi

# A closed pipe: the stage ends on SIGPIPE, without a message.
big=$TMP/big.tsv
head -1 $TMP/2.tsv >$big
j=0
while [ $j -lt 400 ]; do tail -n +2 $TMP/2.tsv; j=$((j + 1)); done >>$big
for stage in "callqa-measure" "callqa-score -r $RUBRIC"; do
	set -- $stage
	in=$big
	[ "$1" = callqa-measure ] && in=$TMP/1.tsv
	st=$( { "$@" <$in 2>$TMP/err; echo $? >$TMP/st; } | head -c 10 >/dev/null; cat $TMP/st)
	like "$st" "^(0|141)$" "$1 into a closed pipe ends quietly (status $st)"
	is "$(cat $TMP/err)" "" "$1: nothing on stderr"
done

# Damaged lines in a saved stream: a ragged row is passed on as a reject
# naming its line; an unknown escape (\q) is read as COPY reads it (q);
# the good calls go on.
{
	head -2 $TMP/2.tsv
	printf 'RAGGED\tA01\n'
	tail -n +3 $TMP/2.tsv | head -1 | awk -F '\t' 'BEGIN { OFS = "\t" } { $1 = "BADESC"; $2 = "A\\q1"; print }'
	tail -n +4 $TMP/2.tsv
} >$TMP/damaged.tsv
run_cmd 0 callqa-score -r "$RUBRIC" <$TMP/damaged.tsv
is "$(rowcount <$OUT)" 7 "every line, damaged or not, comes out as a record"
like "$(col status 2 <$OUT)" "^rejected:score:-:3: " "the ragged line is a reject naming its line"
is "$(col status <$OUT | grep -c '^ok$')" 6 "the six good calls are scored"
is "$(col agent_id 3 <$OUT)" "Aq1" "an unknown escape reads as the character, as in COPY"

# No header at all: the stage cannot know the columns; batch-stopping.
tail -n +2 $TMP/2.tsv >$TMP/noheader.tsv
run_cmd 1 callqa-score -r "$RUBRIC" <$TMP/noheader.tsv
like "$(cat $ERR)" "header" "a stream without a header is refused with a reason"

# Bounded memory: a 4-hour call needs no more memory than a 10-minute one
# (peak resident size from /usr/bin/time, within 8 MiB).
mkdir -p $TMP/long
"$CALLQA_BUILD/mkwav" -c 1 -f ulaw -s 600 -g noise $TMP/long/A01_20261005T090000_L10M.wav
"$CALLQA_BUILD/mkwav" -c 1 -f ulaw -s 14400 -g noise $TMP/long/A01_20261005T100000_L4H.wav
callqa-ingest -q -b L $TMP/long >$TMP/long.tsv
for id in L10M L4H; do
	{ head -1 $TMP/long.tsv; awk -F '\t' -v id=$id '$1 == id' $TMP/long.tsv; } >$TMP/$id.tsv
	/usr/bin/time -f %M -o $TMP/$id.rss callqa-measure -q <$TMP/$id.tsv >$TMP/$id.out
done
is "$(col duration_s <$TMP/L4H.out)" "14400.000" "the 4-hour call is measured"
rss10=$(cat $TMP/L10M.rss)
rss4h=$(cat $TMP/L4H.rss)
check "peak memory 4 h: $rss4h KiB, 10 min: $rss10 KiB (within 8 MiB)" test $((rss4h - rss10)) -lt 8192
rm -rf $TMP/long

# The database down at the start: exit 1, nothing stored, the reason said.
CALLQA_DB="host=$TMP/nowhere dbname=callqa" run_cmd 1 callqa-store <$TMP/3.tsv
like "$(cat $ERR)" "$TMP/nowhere" "the store says which database it could not reach"
done_testing
