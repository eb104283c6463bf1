#!/bin/sh
# callqa-measure over real programs and generated telephone calls: speech
# clips (espeak-ng and real human speech from pocketsphinx-testdata) placed
# on two channels at known times by build/mkcall, band-passed to 300-3400
# Hz, with line noise 20 dB under the speech and u-law coding.  Every figure
# is checked against the truth mkcall prints (talk, silences, pitch) or
# against praat's pitch track of the clean full-band speech.
. "${CALLQA_TOP:-.}/tests/lib.sh"

MKCALL=$CALLQA_BUILD/mkcall
MKWAV=$CALLQA_BUILD/mkwav
PS=/usr/share/pocketsphinx/test/data
cd "$TMP" || exit 1
[ -n "${KEEP:-}" ] && trap "cp -r $TMP/. $KEEP" EXIT

head='call_id\tagent_id\tstarted_at\taudio\tteam\tpost\tagent_channel\ttranscript\tbatch_id\taudio_format\tsample_rate\tchannels\tduration_s\tstatus\n'
# rec ID PATH [AGENT_CHANNEL [STATUS]]: one ingest record
rec() {
	printf '%s\tA1\t2026-10-01T09:00:00+00:00\t%s\t\\N\t\\N\t%s\t\\N\tB1\tWAV u-law\t8000\t2\t25.000\t%s\n' \
		"$1" "$2" "${3:-1}" "${4:-ok}"
}
# truth KEY CH: a value from a truth file on stdin
tv() { awk -v k="$1" -v c="$2" '$1 == k && $2 == c { print $3 }'; }
# seg NAME I: start and end of the I-th (1-based) interval of a segments list
seg() {
	sed -e "s/.*\"$1\":\[//" -e 's/\]\],.*/]]/' -e 's/^\]}*$//' |
		tr -d '[' | tr ']' '\n' | sed -e 's/^,//' -e '/^$/d' |
		sed -n "${2}p" | tr ',' ' '
}

for t in espeak-ng praat; do
	command -v $t >/dev/null || { not_ok "$t is installed"; done_testing; exit 1; }
done
[ -d $PS ] || { not_ok "pocketsphinx-testdata is installed"; done_testing; exit 1; }

espeak-ng -v en-us -w a1.wav "Good morning, thank you for calling the service centre."
espeak-ng -v en-us+f3 -w c1.wav "Hello, I am calling about my bill from last month."
espeak-ng -v en-us -w a2.wav "I can see the charge here and I will correct it now."
espeak-ng -v en-us+f3 -w c2.wav "Thank you very much, that is all I needed."
espeak-ng -v en-us+f3 -w c3.wav "I would like to know why my bill is so high this month."
espeak-ng -v en-us+f3 -w c4.wav "Thank you very much for your help today."

# 1. A call: greeting, answer, the agent talking over the customer for
# about 1.4 s (an interruption), 4.0 s of dead air (8.45 .. 12.45 by the
# truth of the clean signals), then real human speech from both parties.
cat >call.txt <<EOF
1 0.50 file a1.wav 0
2 4.20 file c1.wav 0
1 5.60 file a2.wav 0
2 12.24 file $PS/cards/005.wav 0
1 17.50 file $PS/cards/001.wav 0
2 20.00 file c2.wav 0
EOF
"$MKCALL" -d 25 call.txt call.wav >call.truth
{ printf "$head"; rec c1 "$TMP/call.wav"; } >in.tsv
run_cmd 0 callqa-measure in.tsv
is "$(col status <"$OUT")" ok "the call is measured"
is "$(col mono <"$OUT")" f "stereo: mono is f"
is "$(col duration_s <"$OUT")" 25.000 "duration_s"
is "$(col silence_events <"$OUT")" 1 "one dead-air event of 3 s or more"
sil=$(col segments <"$OUT" | seg silence 1)
tgap=$(awk '$1 == "speech" { print $3, $4 }' call.truth | sort -n |
	awk 'NR > 1 && $1 - e >= 3 { print e, $1 } { if ($2 > e) e = $2 }')
near "${sil% *}" "${tgap% *}" 0.15 "dead air starts at ${tgap% *} s"
near "${sil#* }" "${tgap#* }" 0.15 "dead air ends at ${tgap#* } s"
near "$(col longest_silence_s <"$OUT")" 4.0 0.3 "longest silence 4.0 s"
for ch in 1 2; do
	name=$( [ $ch = 1 ] && echo agent || echo customer)
	want=$(tv talk $ch <call.truth)
	near "$(col ${name}_talk_s <"$OUT")" "$want" \
		"$(awk -v w="$want" 'BEGIN { print w * 0.05 }')" \
		"$name talk time within 5 % of $want s"
done
tot=$(awk '$1 == "speech" { for (i = int($3 * 100); i < int($4 * 100); i++)
	on[$2, i] = 1 } END { for (k in on) { split(k, a, SUBSEP)
	if (a[1] == 1 && on[2, a[2]]) n++ } printf "%.2f", n / 100 }' call.truth)
near "$(col overtalk_s <"$OUT")" "$tot" 0.5 "overtalk within 0.5 s of $tot s"
is "$(col agent_interruptions <"$OUT")" 1 "the agent interrupted once"
is "$(col customer_interruptions <"$OUT")" 0 "the customer did not"
like "$(col response_latency_s <"$OUT")" '^[0-9]+\.[0-9]{3}$' \
	"response latency measured"
like "$(col agent_loudness_dbfs <"$OUT")" '^-[0-9]+\.[0-9]$' "loudness in dBFS"
like "$(col segments <"$OUT")" \
	'^\{"agent":\[\[[0-9.]+,[0-9.]+\].*"customer":.*"overtalk":.*"silence":\[\[[0-9.]+,[0-9.]+\]\],"hold":\[\]\}$' \
	"segments JSON"

run_cmd 0 callqa-measure --dead-air 5 in.tsv
is "$(col silence_events <"$OUT")" 0 "--dead-air 5: no event"
run_cmd 0 callqa-measure --interrupt-min 2.5 in.tsv
is "$(col agent_interruptions <"$OUT")" 0 "--interrupt-min 2.5: no interruption"

# The same call with each party's echo 20 dB down on the other channel
# (40 ms late): the echo is not taken for speech.
"$MKCALL" -d 25 -e 20 call.txt echo.wav >echo.truth
{ printf "$head"; rec e1 "$TMP/echo.wav"; } >in.tsv
run_cmd 0 callqa-measure in.tsv
for ch in 1 2; do
	name=$( [ $ch = 1 ] && echo agent || echo customer)
	want=$(tv talk $ch <echo.truth)
	near "$(col ${name}_talk_s <"$OUT")" "$want" \
		"$(awk -v w="$want" 'BEGIN { print w * 0.05 }')" \
		"echo -20 dB: $name talk within 5 % of $want s"
done
near "$(col overtalk_s <"$OUT")" "$tot" 0.5 "echo -20 dB: overtalk $tot s"
is "$(col silence_events <"$OUT")" 1 "echo -20 dB: one dead-air event"

# 2. Pitch of synthetic voices with exact F0 contours: a low male voice
# near 90 Hz whose fundamental the telephone band removes, and a female
# voice near 200 Hz.
cat >pitch.txt <<EOF
1 0.5 voice 90 100 8 0
2 9.0 voice 220 190 8 -3
EOF
"$MKCALL" -d 18 pitch.txt pitch.wav >pitch.truth
{ printf "$head"; rec p1 "$TMP/pitch.wav"; } >in.tsv
run_cmd 0 callqa-measure in.tsv
cp "$OUT" pitch.out
for ch in 1 2; do
	name=$( [ $ch = 1 ] && echo agent || echo customer)
	set -- $(awk -v c=$ch '$1 == "pitch" && $2 == c { print $3, $4 }' pitch.truth)
	near "$(col ${name}_pitch_median_hz <"$OUT")" "$1" \
		"$(awk -v w="$1" 'BEGIN { print w * 0.03 }')" \
		"$name pitch median within 3 % of $1 Hz"
	near "$(col ${name}_pitch_sd_st <"$OUT")" "$2" 0.75 \
		"$name pitch SD within 0.75 st of $2 (no octave jumps)"
done
near "$(col agent_speech_rate_sps <"$OUT")" \
	"$(awk '$1 == "syllables" && $2 == 1 { print $3 / 8 }' pitch.truth)" \
	"$(awk '$1 == "syllables" && $2 == 1 { print $3 / 8 * 0.15 }' pitch.truth)" \
	"speech rate within 15 % of the syllables made"

# 3. Pitch of real human speech against praat (To Pitch (ac), 60-450 Hz)
# on the clean full-band signal, values over 11 st from the median left
# out of the SD as octave errors, as callqa-measure does.
cat >real.txt <<EOF
1 0.5 file $PS/goforward.raw 0
2 4.0 file $PS/numbers.raw 0
1 9.0 file $PS/something.raw 0
2 13.0 file $PS/cards/003.wav 0
1 17.0 file $PS/cards/004.wav 0
EOF
"$MKCALL" -d 20 -w clean real.txt real.wav >real.truth
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
{ printf "$head"; rec r1 "$TMP/real.wav"; } >in.tsv
run_cmd 0 callqa-measure in.tsv
for ch in 1 2; do
	name=$( [ $ch = 1 ] && echo agent || echo customer)
	praat --run pitch.praat "$TMP/clean$ch.wav" | sort -n >praat$ch.txt
	set -- $(awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]
		for (i = 1; i <= NR; i++) { s = 12 * log(v[i] / m) / log(2)
			if (s > 11 || s < -11) continue; n++; a += s; b += s * s }
		a /= n; printf "%.2f %.3f\n", m, sqrt(b / n - a * a) }' praat$ch.txt)
	near "$(col ${name}_pitch_median_hz <"$OUT")" "$1" \
		"$(awk -v w="$1" 'BEGIN { print w * 0.03 }')" \
		"real speech: $name pitch median within 3 % of praat's $1 Hz"
	near "$(col ${name}_pitch_sd_st <"$OUT")" "$2" 0.75 \
		"real speech: $name pitch SD within 0.75 st of praat's $2"
done

# Speaking rate of real speech against the syllables of the transcripts
# (pocketsphinx-testdata librivox and cards), per second of true talk.
L=$PS/librivox/sense_and_sensibility_01_austen_64kb
cat >rate.txt <<EOF
1 0.5 file $L-0880.wav 0
1 5.0 file $L-0930.wav 0
1 10.0 file $L-0890.wav 0
2 0.5 file $PS/cards/001.wav 0
2 4.0 file $PS/cards/002.wav 0
2 8.0 file $PS/cards/003.wav 0
2 11.0 file $PS/cards/004.wav 0
2 14.0 file $PS/cards/005.wav 0
EOF
# "he was not an ill disposed young man" 10, "he might even have been
# made amiable himself" 13, "unless to be rather cold hearted and rather
# selfish is to be ill disposed" 20; "ten of clubs" 3, "four queen of
# clubs" 4, "seven of clubs" 4, "five five" 2, "eight of spades four of
# clubs seven of hearts" 11.
"$MKCALL" -d 19 rate.txt rate.wav >rate.truth
{ printf "$head"; rec s1 "$TMP/rate.wav"; } >in.tsv
run_cmd 0 callqa-measure in.tsv
for ch in 1 2; do
	name=$( [ $ch = 1 ] && echo agent || echo customer)
	n=$( [ $ch = 1 ] && echo 43 || echo 24)
	want=$(tv talk $ch <rate.truth | awk -v n=$n '{ printf "%.3f", n / $1 }')
	near "$(col ${name}_speech_rate_sps <"$OUT")" "$want" \
		"$(awk -v w="$want" 'BEGIN { print w * 0.15 }')" \
		"real speech: $name rate within 15 % of $want syllables/s"
done

# 4. Hold music is hold, line noise alone is silence.
cat >hold.txt <<EOF
1 0.5 file a2.wav 0
2 4.5 file c3.wav 0
1 8.0 music 12 -6
2 20.5 file c4.wav 0
0 24.0 noise 6 -30
1 31.0 file a2.wav 0
EOF
"$MKCALL" -d 35 hold.txt hold.wav >hold.truth
{ printf "$head"; rec h1 "$TMP/hold.wav"; } >in.tsv
run_cmd 0 callqa-measure in.tsv
near "$(col hold_s <"$OUT")" 12 0.5 "hold music counted as hold (12 s)"
set -- $(col segments <"$OUT" | seg hold 1)
near "$1" 8.0 0.3 "hold starts at 8.0 s"
near "$2" 20.0 0.3 "hold ends at 20.0 s"
for ch in 1 2; do
	name=$( [ $ch = 1 ] && echo agent || echo customer)
	want=$(tv talk $ch <hold.truth)
	near "$(col ${name}_talk_s <"$OUT")" "$want" \
		"$(awk -v w="$want" 'BEGIN { print w * 0.05 }')" \
		"$name talk without music or noise: within 5 % of $want s"
done
is "$(col silence_events <"$OUT")" 1 "line noise alone is dead air"
set -- $(col segments <"$OUT" | seg silence 1)
check "the silence spans the noise (24-30 s): $1 $2" \
	awk -v s="$1" -v e="$2" 'BEGIN { exit !(s <= 24 && e >= 30) }'

# 4b. Call-progress tones are not speech: an outbound call whose customer
# channel rings (450 Hz, 1 s on and 4 s off, as on Chinese networks; the
# second ring starts at a phase a first version missed, the third is 440
# Hz) three times before the answer, and ends in a busy tone (425 Hz, 0.35
# s on and off).  Counted as speech, the rings made two dead-air events.
cat >tone.txt <<EOF
2 0.5 tone 450 1 0
2 5.500313 tone 450 1 0
2 10.5 tone 440 1 0
1 12.0 file a2.wav 0
2 15.6 file c3.wav 0
1 19.4 file a2.wav 0
2 23.5 tone 425 0.35 0
2 24.2 tone 425 0.35 0
2 24.9 tone 425 0.35 0
2 25.6 tone 425 0.35 0
EOF
# made NAME SECONDS: build/mkcall makes NAME.wav from NAME.txt, and
# callqa-measure measures it into $OUT
made() {
	"$MKCALL" -d "$2" "$1.txt" "$1.wav" >/dev/null
	{ printf "$head"; rec "$1" "$TMP/$1.wav"; } >in.tsv
	run_cmd 0 callqa-measure in.tsv
}
grep -v tone tone.txt >notone.txt
made notone 27
plain=$(col customer_talk_s <"$OUT")
made tone 27
is "$(col silence_events <"$OUT")" 0 "tones: no dead air from the rings"
near "$(col customer_talk_s <"$OUT")" "$plain" 0.05 \
	"tones: customer talk as without the tones ($plain s)"
set -- $(col segments <"$OUT" | seg customer 1)
near "$1" 15.6 0.15 "tones: the customer is first heard at 15.6 s"
check "tones: no customer speech during the busy tone" \
	awk -v s="$(col segments <"$OUT")" 'BEGIN {
		sub(/.*"customer":\[/, "", s); sub(/\]\],.*/, "]", s)
		n = split(s, v, /[^0-9.]+/); for (i = 1; i <= n; i++)
			if (v[i] != "" && v[i] + 0 > 23.4) exit 1 }'

# 4c. Call-progress tones of two sines are not speech either: British
# ringback (400 + 450 Hz, 0.4 s on, 0.2 off, 0.4 on, 2 off) before the
# answer, North American busy (480 + 620 Hz, 0.5 s on and off) after the
# hang-up.  The steady-pitch test does not see them (two sines beat):
# counted as speech, they made 8.4 s of customer talk for 2.7, heard from
# 0.5 s on.
grep -v tone tone.txt >twotone.txt
for t in 0.5 3.5 6.5 9.5; do
	for o in 0 0.6; do
		s=$(awk -v t=$t -v o=$o 'BEGIN { print t + o }')
		echo "2 $s tone 400 0.4 -6"
		echo "2 $s tone 450 0.4 -6"
	done
done >>twotone.txt
for t in 23.5 24.5 25.5; do
	echo "2 $t tone 480 0.5 -6"
	echo "2 $t tone 620 0.5 -6"
done >>twotone.txt
made twotone 27
near "$(col customer_talk_s <"$OUT")" "$plain" 0.05 \
	"two-sine tones: customer talk as without the tones ($plain s)"
set -- $(col segments <"$OUT" | seg customer 1)
near "$1" 15.6 0.15 "two-sine tones: the customer is first heard at 15.6 s"

# 4d. Key tones (DTMF) are not speech: the customer keys in ten digits
# (100 ms on, 120 ms off, the high tone 2 dB over the low) in a 5 s wait
# between the agent's words.  Counted as speech, they made 2 s of customer
# talk and the dead air was gone.
{ echo "1 0.5 file a1.wav 0"; echo "2 4.2 file c1.wav 0"
  echo "1 12.0 file a2.wav 0"; } >nokeys.txt
cp nokeys.txt keys.txt
t=8.0
for k in "697 1209" "770 1336" "852 1477" "941 1633" "697 1336" \
	"770 1477" "852 1633" "941 1209" "941 1336" "697 1477"; do
	set -- $k
	echo "2 $t tone $1 0.1 -6" >>keys.txt
	echo "2 $t tone $2 0.1 -4" >>keys.txt
	t=$(awk -v t=$t 'BEGIN { print t + 0.22 }')
done
made nokeys 18
plain=$(col customer_talk_s <"$OUT")
made keys 18
near "$(col customer_talk_s <"$OUT")" "$plain" 0.05 \
	"key tones: customer talk as without them ($plain s)"
is "$(col silence_events <"$OUT")" 1 "key tones: the wait is dead air"
set -- $(col segments <"$OUT" | seg silence 1)
near "$1" 6.96 0.25 "key tones: the dead air starts as the customer stops"
near "$2" 12.0 0.15 "key tones: and ends as the agent speaks"

# 4e. A quiet customer talking over the agent (10 dB under their own level)
# is heard: the runs under the agent have a pitch the agent never had, so
# they are not the agent's leakage, however quiet.  Before, they were
# dropped as echo: customer talk 5.48 s for 7.40, no overtalk for 1.77 s.
cat >quiet.txt <<EOF
1 0.5 file a1.wav 0
2 4.5 file c1.wav 0
1 8.5 file a2.wav 0
2 12.0 file c3.wav 0
1 16.0 file a2.wav 0
1 19.2 file a1.wav 0
2 17.5 file c4.wav -10
EOF
qt=$("$MKCALL" -d 25 quiet.txt quiet.wav | tv talk 2)
# quiet ECHO_DB PCT: quiet.wav with echo ECHO_DB down (0: none) measured;
# customer talk within PCT % of the truth, and overtalk within 0.75 s of
# the truth's 1.77 s (the customer's last clip against the agent's two)
quiet() {
	"$MKCALL" -d 25 -e "$1" quiet.txt quiet.wav >/dev/null
	run_cmd 0 callqa-measure in.tsv
	set -- "$1" "$2" "quiet customer over the agent"
	[ "$1" = 0 ] || set -- "$1" "$2" "$3, echo $1 dB down"
	near "$(col customer_talk_s <"$OUT")" "$qt" \
		"$(awk -v w="$qt" -v p="$2" 'BEGIN { print w * p / 100 }')" \
		"$3: talk within $2 % of $qt s"
	near "$(col overtalk_s <"$OUT")" 1.77 0.75 "$3: overtalk within 0.75 s of 1.77 s"
}
{ printf "$head"; rec q1 "$TMP/quiet.wav"; } >in.tsv
quiet 0 10
# The same with each party's echo 20 dB down on the other's line: the
# runs do not follow the agent's pitch at the echo's delay and are louder
# than the echo (before: 5.45 s, no overtalk).
quiet 20 12

# 5. Mono: whole-call metrics and the agent's tone, customer \N.
"$MKCALL" -c 1 -d 18 pitch.txt mono.wav >/dev/null
{ printf "$head"; rec m1 "$TMP/mono.wav"; } >in.tsv
run_cmd 0 callqa-measure in.tsv
is "$(col mono <"$OUT")" t "mono is t"
for c in customer_talk_s customer_pitch_median_hz customer_pitch_sd_st \
	customer_loudness_dbfs customer_speech_rate_sps overtalk_s \
	agent_interruptions customer_interruptions response_latency_s; do
	is "$(col $c <"$OUT")" '\N' "mono: $c is NULL"
done
near "$(col agent_talk_s <"$OUT")" "$(tv talk 1 <pitch.truth)" 0.5 \
	"mono: agent talk"

# 6. A corrupt file is a reject naming the file, an upstream reject passes
# through untouched, the batch goes on, and -j keeps the input order.
head -c 3000 /dev/urandom >bad.wav
"$MKWAV" -c 2 -f ulaw -g silence -s 5 quiet.wav
{
	printf "$head"
	rec k1 "$TMP/call.wav"
	rec k2 "$TMP/bad.wav"
	rec k3 "$TMP/gone.wav" 1 'rejected:ingest:gone.wav: No such file'
	rec k4 "$TMP/pitch.wav" 2
	rec k5 "$TMP/hold.wav"
	rec k6 "$TMP/quiet.wav"
	rec k7 "$TMP/mono.wav"
} >batch.tsv
run_cmd 0 callqa-measure -j 1 batch.tsv
cp "$OUT" j1.tsv
like "$(col status 2 <j1.tsv)" "^rejected:measure:.*$TMP/bad.wav" \
	"corrupt file: reject naming the file"
like "$(cat "$ERR")" "bad.wav" "the reject is reported on stderr"
is "$(sed -n 4p j1.tsv | cut -f 1-14)" "$(sed -n 4p batch.tsv)" \
	"an upstream reject passes through untouched"
is "$(col agent_talk_s 3 <j1.tsv)" '\N' "and gets no measurements"
is "$(col status 6 <j1.tsv)" ok "digital silence is measured"
is "$(col agent_talk_s 6 <j1.tsv)" 0.000 "digital silence: no talk"
is "$(col agent_pitch_median_hz 4 <j1.tsv)" \
	"$(col customer_pitch_median_hz <pitch.out)" \
	"agent_channel 2: the agent is channel 2"
run_cmd 0 callqa-measure -j 3 batch.tsv
check "-j 3 output is identical to -j 1" cmp -s j1.tsv "$OUT"
is "$(col call_id <"$OUT" | tr '\n' ' ')" "k1 k2 k3 k4 k5 k6 k7 " \
	"records keep their input order"

# 7. Options and errors that stop the stage.
run_cmd 0 callqa-measure -h
like "$(cat "$OUT")" '^usage: callqa-measure' "-h prints usage on stdout"
run_cmd 0 callqa-measure --version
like "$(cat "$OUT")" '^callqa-measure [0-9]' "--version"
run_cmd 2 callqa-measure -x
run_cmd 2 callqa-measure -j x
run_cmd 2 callqa-measure --dead-air -1
printf "$head" >empty.tsv
run_cmd 0 callqa-measure empty.tsv
hdr=$(head -1 "$OUT" | tr '\t' ' ')
for c in duration_s mono agent_talk_s customer_talk_s silence_s \
	silence_events longest_silence_s overtalk_s agent_interruptions \
	customer_interruptions response_latency_s agent_pitch_median_hz \
	agent_pitch_sd_st customer_pitch_median_hz customer_pitch_sd_st \
	agent_loudness_dbfs customer_loudness_dbfs agent_speech_rate_sps \
	customer_speech_rate_sps hold_s segments status; do
	case " $hdr " in
	*" $c "*) ok "column $c in the header" ;;
	*) not_ok "column $c in the header" ;;
	esac
done
is "$(rowcount <"$OUT")" 0 "no records in, none out"
callqa-measure batch.tsv >/dev/full 2>"$ERR"
is "$?" 1 "a write error exits 1"
for l in j q v h; do
	grep -q -- "-$l" "$CALLQA_TOP/cmd/callqa-measure.1" &&
		callqa-measure -h | grep -q -- "-$l" &&
		ok "-$l in usage and manual" || not_ok "-$l in usage and manual"
done
for l in dead-air interrupt-min jobs version; do
	grep -q -- "$l" "$CALLQA_TOP/cmd/callqa-measure.1" &&
		ok "--$l in the manual" || not_ok "--$l in the manual"
done

done_testing
