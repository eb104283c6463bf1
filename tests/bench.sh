#!/bin/sh
# bench.sh (make bench): the speed of callqa-measure against the tools a
# user would otherwise reach for, in the same run on the same files:
# a bare libsndfile decode (build/sfdecode), ffmpeg -af silencedetect for
# silence and praat To Pitch (ac) for pitch (both channels), with
# audio-seconds per CPU-second for each; -j scaling; and the peak resident
# memory of callqa-measure on a 4-hour call.
#
#   BENCH_MINUTES=30 sh tests/bench.sh
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CALLQA_BIN:-$TOP/bin}
BUILD=${CALLQA_BUILD:-$TOP/build}
MIN=${BENCH_MINUTES:-30}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/callqa-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export LC_ALL=C TZ=UTC
cd "$TMP" || exit 1

for t in ffmpeg praat sox; do
	command -v $t >/dev/null || { echo "bench: $t is not installed (make bench-deps)"; exit 1; }
done

# cpu CMD...: run CMD, print its user+system CPU seconds (from times(1)).
cpu() {
	sh -c '"$@" >/dev/null 2>&1; times' sh "$@" | tail -1 |
		awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m")
			t += a[1] * 60 + a[2] } printf "%.3f\n", t }'
}

# Calls of 5 minutes: speech clips (espeak-ng, and pocketsphinx-testdata
# when installed) back and forth with pauses and dead air, telephone band,
# u-law, line noise.
PS=/usr/share/pocketsphinx/test/data
espeak-ng -v en-us -w a.wav "Good morning, thank you for calling. How can I help you today?"
espeak-ng -v en-us+f3 -w c.wav "I have a question about the bill I received last week."
n=$(( (MIN + 4) / 5 ))
i=0
while [ $i -lt $n ]; do
	awk -v seed=$i -v ps=$PS 'BEGIN { srand(seed + 1); t = 0.5
		while (t < 290) {
			print 1, t, "file a.wav 0"; t += 3.5 + rand()
			if (rand() < 0.5 && system("test -f " ps "/cards/005.wav") == 0)
				print 2, t, "file " ps "/cards/005.wav 0"
			else
				print 2, t, "file c.wav 0"
			t += 3.5 + rand() * (rand() < 0.2 ? 6 : 1)
		} }' >call$i.txt
	"$BUILD/mkcall" -d 300 call$i.txt call$i.wav >/dev/null
	i=$((i + 1))
done
{
	printf 'call_id\taudio\tagent_channel\tstatus\n'
	i=0
	while [ $i -lt $n ]; do
		printf 'c%d\t%s/call%d.wav\t1\tok\n' $i "$TMP" $i
		i=$((i + 1))
	done
} >calls.tsv
AUDIO=$(awk -v n=$n 'BEGIN { print n * 300 }')
echo "bench: $n calls, $AUDIO s of 8 kHz stereo u-law audio"

# The two fast ones over the calls many times in one process (CPU time is
# counted in 10 ms ticks: the decode over 40 passes, callqa-measure over
# 10), run in turn 5 times so that a busy moment of a shared machine falls
# on both, the least of each, per pass.
REP=10
DREP=40
least() { awk -v b="$1" -v t="$2" 'BEGIN { print (b == "" || t < b) ? t : b }'; }
copies() { i=0; while [ $i -lt "$1" ]; do echo call*.wav; i=$((i + 1)); done; }
dfiles=$(copies $DREP)
{ head -1 calls.tsv; i=0; while [ $i -lt $REP ]; do tail -n +2 calls.tsv; i=$((i + 1)); done; } >rep.tsv
t_dec=
t_m1=
for k in 1 2 3 4 5; do
	# shellcheck disable=SC2086
	t_dec=$(least "$t_dec" "$(cpu "$BUILD/sfdecode" $dfiles)")
	t_m1=$(least "$t_m1" "$(cpu "$BIN/callqa-measure" -j 1 rep.tsv)")
done
t_dec=$(awk -v b="$t_dec" -v r=$DREP 'BEGIN { printf "%.4f\n", b / r }')
t_m1=$(awk -v b="$t_m1" -v r=$REP 'BEGIN { printf "%.4f\n", b / r }')
t_m2=$(sh -c 'start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N);
	echo "$start $end"' sh "$BIN/callqa-measure" -j 2 rep.tsv |
	awk '{ printf "%.3f\n", $2 - $1 }')
t_w1=$(sh -c 'start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N);
	echo "$start $end"' sh "$BIN/callqa-measure" -j 1 rep.tsv |
	awk '{ printf "%.3f\n", $2 - $1 }')
cat >silence.sh <<'EOF'
for f in "$@"; do
	ffmpeg -nostdin -v info -i "$f" -af silencedetect=n=-35dB:d=3 -f null - 2>&1 |
		grep -c silence_end
done
EOF
t_ff=$(cpu sh silence.sh call*.wav)
cat >pitch.praat <<'EOF'
form Pitch
	sentence file
endform
s = Read from file: file$
for c to 2
	selectObject: s
	x = Extract one channel: c
	p = To Pitch (ac): 0.01, 60, 15, "no", 0.03, 0.45, 0.01, 0.35, 0.14, 450
endfor
EOF
cat >praat.sh <<'EOF'
for f in "$@"; do praat --run pitch.praat "$f"; done
EOF
t_pr=$(cpu sh praat.sh "$TMP"/call*.wav)

rate() { awk -v a="$AUDIO" -v t="$1" 'BEGIN { if (t <= 0) t = 0.001; printf "%9.0f", a / t }'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y <= 0) y = 0.001; printf "%.1f", x / y }'; }
printf '%-44s %9s %14s\n' "tool (same $AUDIO s of audio)" "CPU s" "audio-s/CPU-s"
printf '%-44s %9.4f %14s\n' "libsndfile bare decode (u-law to float)" "$t_dec" "$(rate "$t_dec")"
printf '%-44s %9.4f %14s\n' "callqa-measure -j 1 (all metrics)" "$t_m1" "$(rate "$t_m1")"
printf '%-44s %9.3f %14s\n' "ffmpeg -af silencedetect (silence only)" "$t_ff" "$(rate "$t_ff")"
printf '%-44s %9.3f %14s\n' "praat To Pitch (ac), 2 channels (pitch only)" "$t_pr" "$(rate "$t_pr")"
echo "callqa-measure vs bare decode: $(ratio "$t_m1" "$t_dec")x the decode time"
echo "ffmpeg silencedetect / callqa-measure: $(ratio "$t_ff" "$t_m1")x"
echo "praat pitch / callqa-measure: $(ratio "$t_pr" "$t_m1")x"
echo "callqa-measure wall time over $REP passes: -j 1 ${t_w1} s, -j 2 ${t_m2} s (speed-up $(ratio "$t_w1" "$t_m2")x on $(nproc) CPUs)"

# Bounded memory: one 4-hour call.
i=0
set --
while [ $i -lt 48 ]; do set -- "$@" call$((i % n)).wav; i=$((i + 1)); done
sox "$@" long.wav
printf 'call_id\taudio\tagent_channel\tstatus\nlong\t%s/long.wav\t1\tok\n' "$TMP" >long.tsv
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o rss.txt "$BIN/callqa-measure" long.tsv >long.out
	echo "callqa-measure on a 4-hour call: peak RSS $(cat rss.txt) KB," \
		"CPU $(cpu "$BIN/callqa-measure" long.tsv) s"
else
	echo "callqa-measure on a 4-hour call: CPU $(cpu "$BIN/callqa-measure" long.tsv) s (install time(1) for the peak RSS)"
fi

# The database side: the store rate beside psql \copy, and the board and
# the HR export at 10 million stored calls (tests/bench-db.sh).
sh "$TOP/tests/bench-db.sh"
