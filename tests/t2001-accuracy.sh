#!/bin/sh
# Accuracy of callqa-measure on generated telephone calls (issue 3): a
# month of calls from build/callgen (8 kHz u-law, 300-3400 Hz, line noise
# 20 dB under the speech, the other party leaking in 30 dB down; espeak-ng
# voices in Chinese and English, among them the worst agent's low male
# voice near 90 Hz, hold music, interruptions, dead air) measured against
# the generator's exact truth, and pitch against praat's To Pitch (ac) on
# the clean full-band tracks.  Fails when a figure slips:
#  - dead-air events counted exactly, boundaries within 0.15 s;
#  - talk time per speaker within 5 % of the truth, overtalk within 0.5 s;
#  - response latency within 0.3 s (not in issue 3; a guard);
#  - pitch median within 3 % and SD within 0.75 st of praat;
#  - speaking rate within 15 % of the truth's syllables per talk second;
#  - on a harder line (echo 20 dB down, SNR 15 dB): events exact, talk
#    within 5 %, overtalk within 0.5 s;
#  - coded speech (GSM, G.723.1 by ffmpeg): events exact, boundaries within
#    0.15 s, overtalk within 0.6 s, talk 3 % off on average, 8 % at worst; Opus 8 kbit/s: one
#    call's events may be off, talk 7 % and 12 %, overtalk within 1 s;
#  - noise that swells and fades (sox): events exact, talk 6 % off on
#    average, 18 % at worst, overtalk within 1.5 s;
#  - echo 10 dB down and 40 ms late (sox): events exact, talk 3 % off on
#    average, 8 % at worst, overtalk within 1.6 s;
#  - real human speech (pocketsphinx-testdata placed by build/mkcall):
#    mean talk error at most 5 %, worst at most 15 %, and a quiet speaker
#    who starts under a louder one is heard.
# The figures (mean and worst error) are printed as TAP comments.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
G=$TMP/m
cd "$TMP" || exit 1
[ -n "${KEEP:-}" ] && trap "cp -r $TMP/. $KEEP" EXIT
command -v praat >/dev/null || { not_ok "praat is installed"; done_testing; exit 1; }

"$CALLQA_BUILD/callgen" month --out $G --agents 4 --month 2026-10 --days 3 \
	--calls-per-day 2 --seed 5 --clean \
	--cache "$CALLQA_TOP/build/callgen-cache" >gen.log 2>&1
is "$?" 0 "callgen made 24 calls"
T=$G/truth.tsv
N=$(rowcount <$T)
is "$N" 24 "24 calls with truth"
# What the month holds: hold music, interruptions, dead air, the worst
# agent's low voice, both languages.
check "some calls have hold music" \
	awk -F '\t' 'NR > 1 && $12 > 0 { n++ } END { exit !(n >= 2) }' $T
check "some calls have interruptions" \
	awk -F '\t' 'NR > 1 && $9 + $10 > 0 { n++ } END { exit !(n >= 2) }' $T
check "some calls have dead air" \
	awk -F '\t' 'NR > 1 && $6 > 0 { n++ } END { exit !(n >= 4) }' $T
worst=$(awk -F '\t' '$5 == "worst" { print $1; exit }' $G/agents.tsv)
check "a worst agent (the low male voice) has calls" \
	grep -q ",$worst," $G/manifest.csv
check "calls in Chinese and in English" \
	sh -c "grep -q ',zh,' $G/manifest.csv && grep -q ',en,' $G/manifest.csv"

callqa-ingest -q -m $G/manifest.csv >in.tsv
run_cmd 0 callqa-measure -j 2 in.tsv
cp "$OUT" out.tsv
is "$(col status <out.tsv | sort -u)" ok "every call measured"

# figures TRUTH MEASURED: one line per figure: name, tracks, tracks within
# the bound, mean error, worst error (RATE_TOL: the speaking rate's bound
# in %, 15 unless set).
figures() {
awk -F '\t' -v rtol="${RATE_TOL:-15}" '
function arr(s, a,   n, i, k, p) {
	# "[[1.00,2.00],[3.00,4.00]]" -> a[1..n]
	gsub(/[][]/, " ", s); gsub(/,/, " ", s)
	return split(s, a, " ")
}
function add(name, err, bound) {
	n[name]++; sum[name] += err
	if (err > worst[name]) worst[name] = err
	if (err <= bound) good[name]++
}
function abs(x) { return x < 0 ? -x : x }
NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) th[$i] = i
	else for (k in th) t[$1, k] = $th[k]
	next }
FNR == 1 { for (i = 1; i <= NF; i++) mh[$i] = i; next }
{
	id = $1
	add("events", abs($mh["silence_events"] - t[id, "silence_events"]), 0)
	seg = $mh["segments"]; sub(/.*"silence":/, "", seg); sub(/,"hold".*/, "", seg)
	nm = arr(seg, m); nt = arr(t[id, "silence_list"], tr)
	if (nm == nt)
		for (i = 1; i <= nt; i++)
			add("boundaries", abs(m[i] - tr[i]), 0.15)
	for (s = 0; s < 2; s++) {
		p = s ? "customer_" : "agent_"
		w = t[id, p "talk_s"]
		add("talk", 100 * abs($mh[p "talk_s"] - w) / w, 5)
		w = t[id, p "speech_rate_sps"]
		add("rate", 100 * abs($mh[p "speech_rate_sps"] - w) / w, rtol)
	}
	add("overtalk", abs($mh["overtalk_s"] - t[id, "overtalk_s"]), 0.5)
	if (t[id, "response_latency_s"] != "\\N" && $mh["response_latency_s"] != "\\N")
		add("latency", abs($mh["response_latency_s"] - t[id, "response_latency_s"]), 0.3)
}
END { for (k in n) printf "%s %d %d %.3f %.3f\n", k, n[k], good[k], sum[k] / n[k], worst[k] }
' "$@"
}
figures $T out.tsv >fig
# fig NAME UNIT BOUND DESC
fig() {
	set -- "$1" "$2" "$3" "$4" $(awk -v k="$1" '$1 == k { print $2, $3, $4, $5 }' fig)
	echo "# ${FIGP:-}$1: $7 mean, $8 worst error ($2) over $5; $6 within $3"
	is "$6" "$5" "$4"
}
fig events "" 0 "dead-air events counted exactly in every call"
fig boundaries s 0.15 "dead-air boundaries within 0.15 s of the truth"
fig talk % 5 "talk time of every speaker within 5 % of the truth"
fig overtalk s 0.5 "overtalk of every call within 0.5 s of the truth"
fig latency s 0.3 "response latency within 0.3 s of the truth"
fig rate % 15 "speaking rate of every speaker within 15 % of the truth"

# A harder line, the same metrics: the other party's echo 20 dB down (at
# the level of the line noise) and line noise 15 dB under the speech.
"$CALLQA_BUILD/callgen" month --out h --agents 4 --month 2026-10 --days 2 \
	--calls-per-day 2 --seed 9 --leak 20 --snr 15 \
	--cache "$CALLQA_TOP/build/callgen-cache" >gen.log 2>&1
is "$?" 0 "callgen made 16 calls with echo 20 dB down and 15 dB SNR"
callqa-ingest -q -m h/manifest.csv | callqa-measure -j 2 >h.tsv
RATE_TOL=20 figures h/truth.tsv h.tsv >fig
FIGP="echo -20 dB, SNR 15 dB: "
set -- $(awk '$1 == "boundaries" { print $2, $3, $4, $5 }' fig)
echo "# ${FIGP}boundaries: $3 mean, $4 worst error (s) over $1; $2 within 0.15"
fig events "" 0 "echo -20 dB, SNR 15 dB: dead-air events counted exactly"
fig talk % 5 "echo -20 dB, SNR 15 dB: talk time within 5 % of the truth"
fig overtalk s 0.5 "echo -20 dB, SNR 15 dB: overtalk within 0.5 s of the truth"
# (beyond the issue's line: 20 %; the syllables of runs dropped as echo
# or noise were counted until session 4, worst 60 % then, 18.5 % now)
fig rate % 20 "echo -20 dB, SNR 15 dB: speaking rate within 20 % of the truth"
FIGP=

# within NAME FILE ROWS EVENTS TALK_MEAN TALK_WORST OVERTALK: the calls
# of FILE (ROWS of them, all measured) against the truth: at most EVENTS
# calls with dead air miscounted, talk time TALK_MEAN % off on average and
# TALK_WORST % at worst, overtalk within OVERTALK s.  A figure missing
# from the output fails.
within() {
	is "$(rowcount <"$2")" "$3" "$1: $3 calls measured"
	is "$(col status <"$2" | sort -u)" ok "$1: every call ok"
	figures $T "$2" >fig
	set -- "$@" $(awk '$1 == "events" { e = $2 - $3 }
		$1 == "talk" { t = $4 " " $5 } $1 == "overtalk" { o = $5 }
		END { print e, t, o }' fig)
	echo "# $1: dead air miscounted in ${8:-?} calls; talk ${9:-?} % mean, ${10:-?} % worst error; overtalk ${11:-?} s worst"
	check "$1: dead air counted exactly in all but $4 calls" \
		awk -v x="${8:-}" -v b="$4" 'BEGIN { exit !(x != "" && x <= b) }'
	check "$1: talk time $5 % of the truth on average" \
		awk -v x="${9:-}" -v b="$5" 'BEGIN { exit !(x != "" && x <= b) }'
	check "$1: talk time within $6 % of the truth" \
		awk -v x="${10:-}" -v b="$6" 'BEGIN { exit !(x != "" && x <= b) }'
	check "$1: overtalk within $7 s of the truth" \
		awk -v x="${11:-}" -v b="$7" 'BEGIN { exit !(x != "" && x <= b) }'
}

# Coded speech: the same month with each channel through GSM 06.10 (mobile
# networks), G.723.1 at 6.3 kbit/s (a CELP codec, as the G.729 of VoIP
# trunks) and Opus at 8 kbit/s, encoded and decoded by ffmpeg.  The
# codecs' first frames and frames that dip under the line noise once set
# the noise floor for 8 s (G.723.1: talk 6.4 % over the truth on average,
# 14.8 % at worst, overtalk 1.7 s off; Opus: 43 %, at worst 104 %, 12 of
# 24 calls' dead air miscounted).
# derive NAME MAKE [ARGS]: NAME/ holds each call of $G as MAKE IN OUT
# [ARGS] makes it, NAME.csv their manifest.  The calls depend only on the
# generated ones: kept in build/coded-cache under NAME and the input's
# checksum, for the sanitizer pass and the next run.
CODED=$CALLQA_TOP/build/coded-cache
mkdir -p "$CODED"
derive() {
	name=$1 make=$2
	shift 2
	mkdir -p "$name"
	for w in $G/audio/*.wav; do
		k="$CODED/$name-$(cksum <"$w" | tr ' ' -).wav"
		if [ ! -f "$k" ]; then
			"$make" "$w" "$CODED/tmp.$$.wav" "$@" &&
				mv "$CODED/tmp.$$.wav" "$k" || return 1
		fi
		cp "$k" "$name/${w##*/}" || return 1
	done
	sed "1!s#,audio/#,$name/#" $G/manifest.csv >"$name.csv"
}
# recode IN OUT ENCODER FORMAT [ARGS]: each channel of IN through a codec
recode() {
	for c in 0 1; do
		ffmpeg -v error -i "$1" -af "pan=mono|c0=c$c" -ar 8000 \
			-c:a "$3" ${5:-} -f "$4" - |
			ffmpeg -v error -f "$4" -i - -y "ch$c.wav" || return 1
	done
	ffmpeg -v error -i ch0.wav -i ch1.wav -filter_complex amerge=inputs=2 \
		-c:a pcm_s16le -y "$2"
}
derive gsm recode libgsm gsm && derive g723 recode g723_1 g723_1 "-b:a 6300" &&
	derive opus recode libopus ogg "-b:a 8000"
is "$?" 0 "24 calls through GSM, G.723.1 and Opus"
callqa-ingest -q -m gsm.csv | callqa-measure -j 2 >coded.tsv
callqa-ingest -q -m g723.csv | callqa-measure -j 2 | sed 1d >>coded.tsv
within "GSM and G.723.1" coded.tsv 48 0 3 8 0.6
FIGP="GSM and G.723.1: "
fig boundaries s 0.15 "GSM and G.723.1: dead-air boundaries within 0.15 s"
FIGP=
callqa-ingest -q -m opus.csv | callqa-measure -j 2 >opus.tsv
within "Opus 8 kbit/s" opus.tsv 24 1 7 12 1

# Noise that comes and goes: the same month with pink noise (300-3400 Hz)
# added whose level swings 14 dB 0.4 times a second, peaking 16 dB under
# the speech (sox, repeatable).  Speech went on while the noise stayed 4
# dB over the floor: talk 13.6 % over the truth on average, 32.3 % at
# worst, overtalk off by up to 2.9 s.
# swell IN OUT: IN with the noise added
swell() {
	sox -R -n -r 8000 -c 2 -b 16 n.wav synth "$(soxi -D "$1")" pinknoise \
		tremolo 0.4 80 sinc 300-3400 vol 0.15 2>>sox.err &&
		sox -R -m "$1" n.wav -b 16 -e signed "$2" 2>>sox.err
}
derive swell swell
is "$?" 0 "24 calls with swelling noise"
callqa-ingest -q -m swell.csv | callqa-measure -j 2 >swell.tsv
within "swelling noise" swell.tsv 24 0 6 18 1.5

# Echo: the same month with each party's line coming back on the other's
# channel 10 dB down and 40 ms late (a hybrid with poor return loss and no
# echo canceller).  Heard at the other party's pitch, echo runs and then
# echo frames are dropped (see callqa-measure(1)).  Before, the echo was
# as loud as a quiet speaker's own voice: talk 60 % over the truth on
# average, 211 % at worst, overtalk off by 20 s on average, 42 s at worst;
# now 1.6 %, 5.6 % and 1.3 s at worst.
# echo IN OUT: IN with the echo
echo10() {
	sox "$1" d.wav delay 0.04 0.04 2>>sox.err &&
		sox -M "$1" d.wav "$2" remix 1,4v0.316 2,3v0.316 \
			trim 0 "$(soxi -D "$1")" 2>>sox.err
}
derive echo echo10
is "$?" 0 "24 calls with echo 10 dB down"
callqa-ingest -q -m echo.csv | callqa-measure -j 2 >echo.tsv
within "echo 10 dB down" echo.tsv 24 0 3 8 1.6

# Pitch against praat on the clean full-band speech, on the first call of
# each agent (both parties): median within 3 %, SD within 0.75 st, values
# over 11 st from the median left out as octave errors, as callqa-measure
# does.
cat >pitch.praat <<'EOF'
form Pitch
	sentence file
endform
s = Read from file: file$
p = To Pitch (ac): 0.01, 60, 15, "no", 0.03, 0.45, 0.01, 0.35, 0.14, 450
n = Get number of frames
for i to n
	f = Get value in frame: i, "Hertz"
	if f <> undefined
		appendInfoLine: fixed$ (f, 2)
	endif
endfor
EOF
: >pitch.fig
for id in $(awk -F , 'NR > 1 && !seen[$2]++ { print $1 }' $G/manifest.csv); do
	for who in agent customer; do
		praat --run pitch.praat "$G/clean/$id.$who.clean.wav" | sort -n >p.txt
		set -- $(awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]
			for (i = 1; i <= NR; i++) { s = 12 * log(v[i] / m) / log(2)
				if (s > 11 || s < -11) continue; n++; a += s; b += s * s }
			a /= n; printf "%.2f %.3f\n", m, sqrt(b / n - a * a) }' p.txt)
		echo "$id $who $1 $2 $(awk -F '\t' -v id=$id -v w=$who '
			NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
			$1 == id { print $h[w "_pitch_median_hz"], $h[w "_pitch_sd_st"] }' out.tsv)" >>pitch.fig
	done
done
sed 's/^/#   pitch (id who praat_hz praat_sd ours_hz ours_sd): /' pitch.fig
set -- $(awk '{ e = 100 * ($5 - $3) / $3; if (e < 0) e = -e; s += e
	if (e > w) w = e; if (e <= 3) g++
	d = $6 - $4; if (d < 0) d = -d; sd += d; if (d > wd) wd = d
	if (d <= 0.75) gd++ }
	END { printf "%d %d %.2f %.2f %d %.2f %.2f\n", NR, g, s / NR, w, gd, sd / NR, wd }' pitch.fig)
echo "# pitch median: $3 mean, $4 worst error (%) over $1; $2 within 3 %"
echo "# pitch SD: $6 mean, $7 worst error (st) over $1; $5 within 0.75 st"
check "pitch of 8 speaker tracks measured" test "$1" = 8
is "$2" "$1" "pitch median of every track within 3 % of praat"
is "$5" "$1" "pitch SD of every track within 0.75 st of praat"
low=$(awk -v id="$(awk -F , -v w=$worst '$2 == w { print $1; exit }' $G/manifest.csv)" \
	'$1 == id && $2 == "agent" { print $5 }' pitch.fig)
check "the worst agent's voice is low ($low Hz, fundamental under the band)" \
	awk -v f="$low" 'BEGIN { exit !(f > 70 && f < 110) }'

# Real human speech (pocketsphinx-testdata) and espeak-ng clips placed by
# build/mkcall (its truth: clean-signal frames within 35 dB of each clip's
# peak, which counts the recordings' room tone and the fricatives above the
# telephone band as speech): 4 calls, each plain, with echo 20 dB down and
# at 30 dB SNR.  In "rate" a quiet narrator starts under a louder customer.
PS=/usr/share/pocketsphinx/test/data
L=$PS/librivox/sense_and_sensibility_01_austen_64kb
if [ -d $PS ]; then
	espeak-ng -v en-us -w a1.wav "Good morning, thank you for calling the service centre."
	espeak-ng -v en-us+f3 -w c1.wav "Hello, I am calling about my bill from last month."
	espeak-ng -v en-us -w a2.wav "I can see the charge here and I will correct it now."
	espeak-ng -v en-us+f3 -w c2.wav "Thank you very much, that is all I needed."
	cat >call.txt <<-EOF
	1 0.50 file a1.wav 0
	2 4.20 file c1.wav 0
	1 5.60 file a2.wav 0
	2 12.24 file $PS/cards/005.wav 0
	1 17.50 file $PS/cards/001.wav 0
	2 20.00 file c2.wav 0
	EOF
	cat >real.txt <<-EOF
	1 0.5 file $PS/goforward.raw 0
	2 4.0 file $PS/numbers.raw 0
	1 9.0 file $PS/something.raw 0
	2 13.0 file $PS/cards/003.wav 0
	1 17.0 file $PS/cards/004.wav 0
	EOF
	cat >rate.txt <<-EOF
	1 0.5 file $L-0880.wav 0
	1 5.0 file $L-0930.wav 0
	1 10.0 file $L-0890.wav 0
	2 0.5 file $PS/cards/001.wav 0
	2 4.0 file $PS/cards/002.wav 0
	2 8.0 file $PS/cards/003.wav 0
	2 11.0 file $PS/cards/004.wav 0
	2 14.0 file $PS/cards/005.wav 0
	EOF
	cat >lib.txt <<-EOF
	1 0.5 file $L-0870.wav 0
	2 8.0 file $L-0920.wav 0
	1 17.0 file $PS/numbers.raw 0
	2 21.0 file $PS/something.raw -6
	EOF
	{
		printf 'call_id\taudio\tagent_channel\tstatus\n'
		for c in call:25 real:20 rate:19 lib:30; do
			n=${c%:*}
			for v in "p:" "e:-e 20" "q:-n 30"; do
				"$CALLQA_BUILD/mkcall" -d ${c#*:} ${v#*:} $n.txt $n${v%%:*}.wav >$n${v%%:*}.truth
				printf '%s\t%s\t1\tok\n' $n${v%%:*} "$TMP/$n${v%%:*}.wav"
			done
		done
	} >real.tsv
	run_cmd 0 callqa-measure real.tsv
	# id ch measured truth, per speaker track
	awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
		{ print $1, 1, $h["agent_talk_s"]; print $1, 2, $h["customer_talk_s"] }' "$OUT" |
		while read -r id ch got; do
			echo "$id $ch $got $(awk -v c=$ch '$1 == "talk" && $2 == c { print $3 }' $id.truth)"
		done >real.fig
	sed 's/^/#   real speech talk (call ch ours truth): /' real.fig
	set -- $(awk '{ e = 100 * ($3 - $4) / $4; if (e < 0) e = -e; s += e
		if (e > w) w = e; if (e <= 5) g++ }
		END { printf "%d %d %.2f %.2f\n", NR, g, s / NR, w }' real.fig)
	echo "# real speech talk: $3 mean, $4 worst error (%) over $1; $2 within 5 %"
	check "real speech: mean talk error $3 % (at most 5 %)" \
		awk -v m="$3" 'BEGIN { exit !(m <= 5) }'
	check "real speech: worst talk error $4 % (at most 15 %)" \
		awk -v m="$4" 'BEGIN { exit !(m <= 15) }'
	for v in p e q; do
		set -- $(awk -v id=rate$v '$1 == id && $2 == 1 { print $3, $4 }' real.fig)
		near "$1" "$2" "$(awk -v w="$2" 'BEGIN { print w * 0.05 }')" \
			"rate$v: the narrator starting under the customer is heard ($2 s)"
	done
else
	not_ok "pocketsphinx-testdata is installed"
fi

done_testing
