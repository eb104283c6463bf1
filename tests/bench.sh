#!/bin/sh
# bench.sh (make bench): callqa-measure's speed beside what a user would
# otherwise run on the same files in the same run: a bare libsndfile decode
# (the floor), ffmpeg's silencedetect (silence) and praat's To Pitch (ac)
# (pitch).  Each tool runs BENCH_REPEAT times (default 3) and the least CPU
# time counts, since these machines are shared and noisy; ratios are the
# other tool's CPU time over callqa's.  Then peak memory on a 4-hour call.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
PATH=$TOP/bin:$PATH
B=${BENCH_DIR:-build/bench}
REPEAT=${BENCH_REPEAT:-3}
export LC_ALL=C.UTF-8 TZ=UTC CALLQA_PROGRESS=0
mkdir -p "$B"

echo "== sample calls (generated once, cached in $B/calls)"
[ -f "$B/calls/manifest.csv" ] ||
	build/callgen month --out "$B/calls" --agents 4 --month 2026-10 \
		--days 5 --calls-per-day 3 --seed 7 >/dev/null
set -- "$B"/calls/audio/*.wav
NFILES=$#
SECS=$(build/sfdecode "$@")
echo "$NFILES $SECS" | awk '{ printf "%d calls, %.1f min of 8 kHz stereo u-law\n", $1, $2 / 60 }'
callqa-ingest -q -b BENCH -m "$B/calls/manifest.csv" >"$B/ingest.tsv"

# One long file: the same calls end to end (about an hour).
if [ ! -f "$B/hour.wav" ]; then
	sox "$@" "$B/hour.wav"
	i=0
	while [ "$(soxi -D "$B/hour.wav" | cut -d. -f1)" -lt 3600 ] && [ $i -lt 10 ]; do
		sox "$B/hour.wav" "$@" "$B/hour2.wav" && mv "$B/hour2.wav" "$B/hour.wav"
		i=$((i + 1))
	done
fi
HOUR=$(soxi -D "$B/hour.wav")

# best_cpu CMD...: run REPEAT times; print "cpu_s wall_s peak_kib" of the
# run with the least CPU time (user + system, children included).
best_cpu() {
	best=
	r=0
	while [ $r -lt "$REPEAT" ]; do
		/usr/bin/time -f '%U %S %e %M' -o "$B/time" "$@" >/dev/null 2>"$B/err" || {
			echo "bench: $* failed:" >&2
			tail -5 "$B/err" >&2
			exit 1
		}
		line=$(awk '{ printf "%.3f %.3f %d", $1 + $2, $3, $4 }' "$B/time")
		if [ -z "$best" ] || [ "$(echo "$line $best" | awk '{ print ($1 < $4) }')" = 1 ]; then
			best=$line
		fi
		r=$((r + 1))
	done
	echo "$best"
}

cat >"$B/pitch.praat" <<'EOF'
form Pitch of both channels
	sentence File
endform
sound = Read from file: file$
for c from 1 to 2
	selectObject: sound
	one = Extract one channel: c
	pitch = To Pitch (ac): 0, 75, 15, "no", 0.03, 0.45, 0.01, 0.35, 0.14, 600
	removeObject: one, pitch
endfor
EOF

# The per-call runs, as a user would script them over a night's files.
cat >"$B/ffmpeg.sh" <<'EOF'
for f; do ffmpeg -nostdin -hide_banner -loglevel info -i "$f" \
	-af silencedetect=noise=-40dB:duration=3 -f null - 2>/dev/null; done
EOF
cat >"$B/praat.sh" <<EOF
for f; do praat --run "$B/pitch.praat" "\$f" >/dev/null; done
EOF

row() { # name audio_s "cpu wall rss" base_cpu
	echo "$3" | awk -v n="$1" -v a="$2" -v base="$4" '{
		ratio = base > 0 ? sprintf("%.1fx", $1 / base) : "-"
		printf "%-34s %8.1f %8.3f %8.3f %10.0f %9s %7.1f\n", n, a, $1, $2,
			($1 > 0 ? a / $1 : 0), ratio, $3 / 1024 }'
}
header() {
	printf '\n== %s\n' "$1"
	printf '%-34s %8s %8s %8s %10s %9s %7s\n' tool "audio s" "CPU s" "wall s" \
		"audio/CPU" "CPU ratio" "MiB"
}

header "$NFILES calls, one process per tool (ratio: tool CPU / callqa-measure -j1 CPU)"
M1=$(best_cpu callqa-measure -q -j 1 "$B/ingest.tsv")
M1CPU=${M1%% *}
row "callqa-measure -j1 (all metrics)" "$SECS" "$M1" "$M1CPU"
row "callqa-measure -j2" "$SECS" "$(best_cpu callqa-measure -q -j 2 "$B/ingest.tsv")" "$M1CPU"
row "libsndfile bare decode" "$SECS" "$(best_cpu build/sfdecode "$@")" "$M1CPU"
row "ffmpeg silencedetect (per file)" "$SECS" "$(best_cpu sh "$B/ffmpeg.sh" "$@")" "$M1CPU"
row "praat To Pitch (ac) (per file)" "$SECS" "$(best_cpu sh "$B/praat.sh" "$@")" "$M1CPU"

header "one file of $(printf '%.0f' "$HOUR") s (ratio: tool CPU / callqa-measure CPU)"
printf 'call_id\tagent_id\tstarted_at\taudio\tagent_channel\tstatus\nH1\tA1\t2026-10-01T00:00:00+00:00\t%s\t1\tok\n' \
	"$TOP/$B/hour.wav" >"$B/hour.tsv"
H=$(best_cpu callqa-measure -q "$B/hour.tsv")
HCPU=${H%% *}
row "callqa-measure (all metrics)" "$HOUR" "$H" "$HCPU"
row "libsndfile bare decode" "$HOUR" "$(best_cpu build/sfdecode "$B/hour.wav")" "$HCPU"
row "ffmpeg silencedetect" "$HOUR" "$(best_cpu sh "$B/ffmpeg.sh" "$B/hour.wav")" "$HCPU"
row "praat To Pitch (ac)" "$HOUR" "$(best_cpu sh "$B/praat.sh" "$B/hour.wav")" "$HCPU"

echo
echo "== memory: a 4-hour call"
[ -f "$B/4h.wav" ] || sox "$B/hour.wav" "$B/hour.wav" "$B/hour.wav" "$B/hour.wav" "$B/4h.wav"
printf 'call_id\tagent_id\tstarted_at\taudio\tagent_channel\tstatus\nF1\tA1\t2026-10-01T00:00:00+00:00\t%s\t1\tok\n' \
	"$TOP/$B/4h.wav" >"$B/4h.tsv"
REPEAT=1
F=$(best_cpu callqa-measure -q "$B/4h.tsv")
H1=$(echo "$H" | awk '{ print $3 }')
echo "$F" | awk -v h="$H1" '{ printf "callqa-measure peak RSS: 4-hour call %.1f MiB, 1-hour call %.1f MiB (%.1f s CPU for 4 h)\n", $3 / 1024, h / 1024, $1 }'
