#!/bin/sh
# callgen: a scripted call renders to 8 kHz stereo u-law with exact ground
# truth (the scripted gap, overlap and hold are found where they were put);
# a small month is complete, has one best and one worst agent per team, and
# is byte-identical for the same seed.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
G=$CALLQA_BUILD/callgen
CACHE=$CALLQA_BUILD/callgen-cache
D=$TMP/call
mkdir -p $D

# the scripted call: a 4.0 s gap after the customer's first turn, a 10 s
# hold, the customer starting 1.5 s before the agent ends
{
	printf 'start\tspeaker\tvoice\tpitch\tspeed\ttext\n'
	printf '0.5\tagent\tcmn\t50\t160\t您好，很高兴为您服务，我是工号1234\n'
	printf '+0.6\tcustomer\ten-us+f2\t60\t170\tHi, I want to check where my package is\n'
	printf '+4.0\tagent\tcmn\t50\t160\t请稍等，我帮您查一下\n'
	printf '+0.5\thold\t\t\t\t10\n'
	printf '+0.5\tagent\tcmn\t50\t160\t您的快递已经到达上海分拣中心，预计明天送达\n'
	printf -- '-1.5\tcustomer\ten-us+f2\t60\t170\tWhat time will it arrive, can the courier call me first\n'
	printf '+0.8\tagent\tcmn\t50\t160\t请问还有什么可以帮到您\n'
} > $D/s.tsv
W=$D/A001_20261001T090000_C1.wav
run_cmd 0 $G call $D/s.tsv $W --clean --seed 3 --cache $CACHE
T=$D/A001_20261001T090000_C1.truth.tsv
X=$D/A001_20261001T090000_C1.transcript.tsv
is "$(rowcount < $T)" 1 "one truth row"
is "$(head -1 $X)" "$(printf 'start\tend\tspeaker\ttext')" "transcript header"
is "$(rowcount < $X)" 6 "six spoken turns in the transcript (hold is not)"

run_cmd 0 callqa-ingest $W
is "$(col audio_format < $OUT) $(col sample_rate < $OUT) $(col channels < $OUT)" \
	"wav U-Law 8000 2" "8 kHz stereo u-law"
is "$(col duration_s < $OUT)" "$(col duration_s < $T)" "duration as in the truth"

# the clean tracks: 16 kHz mono, as long as the call
printf 'call_id,agent_id,started_at,audio\nK1,A1,2026-10-01 09:00,%s\nK2,A1,2026-10-01 09:00,%s\n' \
	"${W%.wav}.agent.clean.wav" "${W%.wav}.customer.clean.wav" > $D/m.csv
run_cmd 0 callqa-ingest -m $D/m.csv
is "$(col sample_rate < $OUT | sort -u) $(col channels < $OUT | sort -u)" \
	"16000 1" "clean tracks are 16 kHz mono"
is "$(col duration_s 1 < $OUT)" "$(col duration_s < $T)" "clean agent track as long as the call"

# transcript times: turn 2 is the customer's first turn
c1_end=$(awk -F '\t' 'NR == 3 { print $2 }' $X)
a2_start=$(awk -F '\t' 'NR == 4 { print $1 }' $X)
near "$(awk -v a=$a2_start -v b=$c1_end 'BEGIN { print a - b }')" 4.0 0.001 \
	"the scripted 4.0 s gap in the transcript"
is "$(col silence_events < $T)" 1 "one silence event (the 4 s gap; the hold is not silence)"
ev=$(col silence_list < $T)
like "$ev" '^\[\[[0-9.]+,[0-9.]+\]\]$' "silence_list is JSON"
ev_s=$(echo "$ev" | tr -d '[]' | cut -d, -f1)
ev_e=$(echo "$ev" | tr -d '[]' | cut -d, -f2)
near "$ev_s" "$c1_end" 0.1 "silence starts when the customer stops"
near "$(awk -v a=$ev_e -v b=$ev_s 'BEGIN { print a - b }')" 4.0 0.1 "silence lasts 4.0 s"
near "$(col longest_silence_s < $T)" 4.0 0.1 "longest silence 4.0 s"
near "$(col hold_s < $T)" 10.0 0.001 "hold 10 s"
like "$(col segments < $T)" '"hold":\[\[[0-9.]+,[0-9.]+\]\]\}$' "hold in the segments"
near "$(col overtalk_s < $T)" 1.5 0.1 "the scripted 1.5 s overlap is overtalk"
is "$(col customer_interruptions < $T) $(col agent_interruptions < $T)" "1 0" \
	"the customer interrupts once, the agent never"
near "$(col response_latency_s < $T)" 2.4 0.02 "latency: mean of 4.0 and 0.8 s"
is "$(col agent_syllables < $T) $(col customer_syllables < $T)" "57 23" \
	"syllables: Han characters, digits one by one; English vowel groups"
for who in agent customer; do
	ext=$(awk -F '\t' -v w=$who '$3 == w { s += $2 - $1 } END { print s }' $X)
	talk=$(col ${who}_talk_s < $T)
	near "$talk" "$ext" "$(awk -v e=$ext 'BEGIN { print e * 0.05 }')" \
		"$who talk time within 5% of the transcript extents"
	near "$(col ${who}_speech_rate_sps < $T)" \
		"$(awk -v s=$(col ${who}_syllables < $T) -v t=$talk 'BEGIN { print s / t }')" \
		0.006 "$who speech rate = syllables / talk time"
done

# same seed, same bytes; another seed, other line noise
run_cmd 0 $G call $D/s.tsv $D/again.wav --seed 3 --cache $CACHE
check "same seed, same audio" cmp -s $W $D/again.wav
run_cmd 0 $G call $D/s.tsv $D/other.wav --seed 4 --cache $CACHE
check "other seed, other noise" sh -c "! cmp -s $W $D/other.wav"
is "$(cat $D/other.truth.tsv)" "$(cat $T)" "the truth does not depend on the noise"

# bad scripts and options
printf 'start\twho\n' > $D/bad.tsv
run_cmd 1 $G call $D/bad.tsv $D/bad.wav --cache $CACHE
like "$(cat $ERR)" "^callgen: $D/bad.tsv:1: header must be" "bad header named"
{ head -2 $D/s.tsv; printf '+1\tboss\tcmn\t50\t160\tx\n'; } > $D/bad.tsv
run_cmd 1 $G call $D/bad.tsv $D/bad.wav --cache $CACHE
is "$(cat $ERR)" "callgen: $D/bad.tsv:3: speaker 'boss' is not agent, customer or hold" \
	"bad speaker named with its line"
run_cmd 2 $G call $D/s.tsv $D/x.wav --snr loud

# a small month, twice with the same seed
for n in 1 2; do
	run_cmd 0 $G month --out $TMP/m$n --agents 4 --month 2026-10 --days 2 \
		--calls-per-day 2 --seed 5 --cache $CACHE
done
M=$TMP/m1
is "$(ls $M/audio | wc -l | tr -d ' ')" 16 "16 calls"
is "$(ls $M/transcripts | wc -l | tr -d ' ')" 16 "16 transcripts"
is "$(wc -l < $M/manifest.csv | tr -d ' ')" 17 "manifest: header and 16 rows"
is "$(rowcount < $M/truth.tsv)" 16 "truth: 16 rows"
like "$(ls $M/audio | head -1)" '^A00[1-4]_202610[0-9]{2}T[0-9]{6}_C[0-9]{6}\.wav$' \
	"audio named AGENT_YYYYMMDDTHHMMSS_CALLID.wav"
check "the same seed makes the same month, byte for byte" diff -r $TMP/m1 $TMP/m2
is "$(awk -F '\t' 'NR > 1 && $5 == "best" { print $2 }' $M/agents.tsv | sort | tr '\n' ' ')" \
	"T1 T2 " "one best agent per team"
is "$(awk -F '\t' 'NR > 1 && $5 == "worst" { print $2 }' $M/agents.tsv | sort | tr '\n' ' ')" \
	"T1 T2 " "one worst agent per team"

run_cmd 0 callqa-ingest -m $M/manifest.csv
is "$(col status < $OUT | sort | uniq -c | tr -s ' ')" " 16 ok" "ingest takes every call"
is "$(col sample_rate < $OUT | sort -u) $(col channels < $OUT | sort -u) $(col audio_format < $OUT | sort -u)" \
	"8000 2 wav U-Law" "all 8 kHz stereo u-law"
like "$(col tracking_no 1 < $OUT)" '^[0-9]{8,12}$' "tracking number of 8-12 digits"

# the best agents greet with their staff number, close and thank in every
# call, and leave no dead air; the worst leave some
best=$(awk -F '\t' '$5 == "best" { print $1 }' $M/agents.tsv)
worst=$(awk -F '\t' '$5 == "worst" { print $1 }' $M/agents.tsv)
calls_of() { awk -F, -v a="$1" '$2 == a { print $1 }' $M/manifest.csv; }
miss=0
for a in $best; do
	for c in $(calls_of $a); do
		x=$M/transcripts/$c.tsv
		grep -Eq '您好，很高兴为您服务，我是工号[0-9]{4}|Hello, thank you for calling, this is agent [0-9]{4}' $x || miss=$((miss + 1))
		grep -Eq '请问还有什么可以帮到您|Is there anything else I can help you with' $x || miss=$((miss + 1))
		grep -Eq '感谢您的来电，再见|Thank you for calling, goodbye' $x || miss=$((miss + 1))
		grep -Eq '您的单号是|Your tracking number is' $x || miss=$((miss + 1))
	done
done
is "$miss" 0 "best agents: greeting, read-back, closing and thanks in every call"
events_of() {
	for c in $(calls_of "$1"); do
		awk -F '\t' -v c=$c '$1 == c { print $6 }' $M/truth.tsv
	done | awk '{ s += $1 } END { print s + 0 }'
}
is "$(for a in $best; do events_of $a; done | tr '\n' ' ')" "0 0 " "best agents: no dead air"
like "$(for a in $worst; do events_of $a; done | tr '\n' ' ')" '^[1-9][0-9]* [1-9][0-9]* $' \
	"worst agents: dead air"
done_testing
