#!/bin/sh
# callqa-ingest over a directory: metadata from file names, audio checked
# with libsndfile, every input a record (bad ones rejected with a reason).
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
MK=$CALLQA_BUILD/mkwav
D=$TMP/rec
mkdir -p $D/sub
$MK -c 2 -f ulaw -s 2.5 $D/A01_20261001T091300_C1.wav
$MK -c 1 -f gsm -s 1 $D/sub/A02_20261002T101500_C2.wav
$MK -c 2 -f flac -r 16000 -s 1 $D/sub/A03_20261003T080000_C3.flac
: > $D/A04_20261004T080000_C4.wav
echo "not audio" > $D/A05_20261005T080000_C5.wav
ln -s nowhere.wav $D/A06_20261006T080000_C6.wav
ln -s loop.wav $D/loop.wav
$MK -s 1 $D/wrongname.wav
echo "ignored" > $D/notes.txt

run_cmd 0 callqa-ingest -b B7 $D
is "$(rowcount < $OUT)" 8 "one record per recording, none for notes.txt"
is "$(col call_id < $OUT | tr '\n' ' ')" \
	"C1 C4 C5 C6 loop C2 C3 wrongname " "walked in path name order"
is "$(col agent_id 1 < $OUT) $(col started_at 1 < $OUT)" \
	"A01 2026-10-01T09:13:00" "agent and start from the file name"
is "$(col audio_format 1 < $OUT) $(col channels 1 < $OUT) $(col sample_rate 1 < $OUT) $(col duration_s 1 < $OUT)" \
	"wav U-Law 2 8000 2.500" "u-law stereo probed"
is "$(col audio_format 6 < $OUT) $(col duration_s 6 < $OUT)" \
	"wav GSM 6.10 1.040" "GSM 6.10 probed (padded to whole 320-sample blocks)"
is "$(col sample_rate 7 < $OUT) $(col status 7 < $OUT)" "16000 ok" "FLAC probed"
is "$(col batch_id 2 < $OUT)" "B7" "batch id on every record"
like "$(col status 2 < $OUT)" "^rejected:ingest:.*A04_20261004T080000_C4.wav: empty file$" "zero-byte file rejected"
like "$(col status 3 < $OUT)" "^rejected:ingest:.*C5.wav: not a readable audio file" "text file named .wav rejected"
like "$(col status 4 < $OUT)" "C6.wav: broken symbolic link$" "broken link rejected"
like "$(col status 5 < $OUT)" "loop.wav: symbolic link loop$" "link loop rejected"
like "$(col status 8 < $OUT)" "wrongname.wav: file name is not AGENT_YYYYMMDDTHHMMSS_CALLID" "bad file name rejected"
is "$(grep -c . $ERR)" 6 "five warnings and the summary on stderr"
is "$(tail -1 $ERR)" "callqa-ingest: 5 of 8 calls rejected" "summary line"

# A transcript beside the recording is found.
echo "start	end	speaker	text" > $D/A01_20261001T091300_C1.tsv
run_cmd 0 callqa-ingest $D/A01_20261001T091300_C1.wav
is "$(col transcript < $OUT)" "$D/A01_20261001T091300_C1.tsv" "sidecar transcript"

# Sharding: the shards together are the batch, no call in two.
for k in 0 1 2; do
	callqa-ingest -q -s $k/3 $D > $TMP/s$k 2>/dev/null
	col call_id < $TMP/s$k >> $TMP/all
done
is "$(sort $TMP/all | tr '\n' ' ')" "C1 C2 C3 C4 C5 C6 loop wrongname " "3 shards = the batch"
run_cmd 2 callqa-ingest -s 3/3 $D
run_cmd 2 callqa-ingest
run_cmd 2 callqa-ingest --bogus $D
run_cmd 0 callqa-ingest --help
like "$(head -1 $OUT)" "^usage: callqa-ingest" "--help prints usage on stdout"

if callqa-ingest -q $D > /dev/full 2>$ERR; then not_ok "write error detected"; else
	like "$(cat $ERR)" "write error" "disk full: write error, exit 1"; fi
done_testing
