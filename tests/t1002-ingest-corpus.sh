#!/bin/sh
# The bad-input corpus (tests/corpus/audio, described in its EXPECTED
# file): every file becomes exactly one record, ok or rejected with the
# file named and the reason; then the cases that cannot live in git
# (permissions, directories, links) made on the spot.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
C=$CALLQA_TOP/tests/corpus/audio
run_cmd 0 callqa-ingest -b CORPUS "$C"
n=$(grep -c '^C' "$C/EXPECTED")
is "$(rowcount < $OUT)" "$n" "one record per corpus file ($n)"
is "$(tail -1 $ERR)" "callqa-ingest: 10 of $n calls rejected" "accounting line"
grep '^C' "$C/EXPECTED" | while IFS='	' read -r id want what; do
	got=$(awk -F '\t' -v id="$id" 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == "status") c = i; next } $1 == id { print $c }' "$OUT")
	if [ "$want" = ok ]; then
		is "$got" ok "$id ($what) accepted"
	else
		is "$got" "rejected:ingest:$C/A07_20261005T100000_$id.wav: $want" \
			"$id ($what) rejected with its reason"
	fi
done > $TMP/tap
# Renumber the loop's TAP lines into ours.
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) not_ok "${line#not ok * - }" ;;
	*) echo "$line" ;;
	esac
done < $TMP/tap
is "$(col duration_s < $OUT | grep -vc '^\\N$')" 8 "durations for the 8 readable calls"

# Cases made on the spot, through a manifest.
D=$TMP/spot
mkdir -p $D/dir.wav
$CALLQA_BUILD/mkwav -c 2 -s 0.5 $D/locked.wav
chmod 000 $D/locked.wav
ln -s $D/nowhere.wav $D/broken.wav
ln -s $D/loop.wav $D/loop.wav
{
	echo "call_id,agent_id,started_at,audio"
	echo "S1,A01,2026-10-05 10:00,dir.wav"
	echo "S2,A01,2026-10-05 10:01,locked.wav"
	echo "S3,A01,2026-10-05 10:02,broken.wav"
	echo "S4,A01,2026-10-05 10:03,loop.wav"
} > $D/m.csv
chmod 755 $D
if [ "$(id -u)" = 0 ]; then AS="runuser -u nobody --"; else AS=; fi
run_cmd 0 $AS callqa-ingest -b SPOT -m $D/m.csv
is "$(col status 1 < $OUT)" "rejected:ingest:$D/dir.wav: is a directory" "a directory"
is "$(col status 2 < $OUT)" "rejected:ingest:$D/locked.wav: Permission denied" "unreadable permissions"
is "$(col status 3 < $OUT)" "rejected:ingest:$D/broken.wav: No such file or directory" "a broken symbolic link"
is "$(col status 4 < $OUT)" "rejected:ingest:$D/loop.wav: Too many levels of symbolic links" "a symbolic link loop"
is "$(tail -1 $ERR)" "callqa-ingest: 4 of 4 calls rejected" "all four rejected, none lost"
done_testing
