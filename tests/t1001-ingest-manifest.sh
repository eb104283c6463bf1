#!/bin/sh
# callqa-ingest with a manifest CSV: columns kept, paths resolved against
# the manifest's directory, damaged rows rejected with file:line.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
MK=$CALLQA_BUILD/mkwav
D=$TMP/night
mkdir -p $D/audio
$MK -c 2 -f ulaw -s 3 $D/audio/a.wav
$MK -c 2 -f alaw -s 4 $D/audio/b.wav
printf '\357\273\277call_id,agent_id,started_at,audio,team,agent_channel,transcript,customer_phone,note\r\n' > $D/m.csv
printf 'K1,A01,2026-10-01 09:00,audio/a.wav,T1,2,t/K1.vtt,13800000000,"says ""hi"", twice"\r\n' >> $D/m.csv
printf 'K2,A02,2026-10-31T23:59:59+08:00,%s,T2,,,,\r\n' "$D/audio/b.wav" >> $D/m.csv
printf 'K3,A02,2026-02-30 10:00,audio/b.wav,T2,,,,\r\n' >> $D/m.csv
printf 'K4,A03,2026-10-02 10:00,audio/missing.wav,T2,,,,\r\n' >> $D/m.csv
printf 'K1,A01,2026-10-03 10:00,audio/a.wav,T1,1,,,\r\n' >> $D/m.csv
printf 'K5,A01,2026-10-03 10:00,audio/a.wav,T1,3,,,\r\n' >> $D/m.csv
printf 'K6,A01\r\n' >> $D/m.csv
printf 'K7,A01,2026-10-03 10:00,audio/a.wav,T1,1,,,\377\r\n' >> $D/m.csv

run_cmd 0 callqa-ingest -b N1 -m $D/m.csv
is "$(head -1 $OUT)" "$(printf 'call_id\tagent_id\tstarted_at\taudio\tteam\tpost\tagent_channel\ttranscript\tcustomer_phone\tnote\tbatch_id\taudio_format\tsample_rate\tchannels\tduration_s\tstatus')" \
	"header: metadata, extra manifest columns, then ingest's own"
is "$(rowcount < $OUT)" 8 "every manifest row is a record"
is "$(col audio 1 < $OUT)" "$D/audio/a.wav" "relative audio path resolved"
is "$(col transcript 1 < $OUT)" "$D/t/K1.vtt" "relative transcript path resolved"
is "$(col agent_channel 1 < $OUT)" "2" "agent channel from the manifest"
is "$(col note 1 < $OUT)" 'says "hi", twice' "quoted field with comma and quotes"
is "$(col started_at 2 < $OUT) $(col audio_format 2 < $OUT) $(col duration_s 2 < $OUT)" \
	"2026-10-31T23:59:59+08:00 wav A-Law 4.000" "offset kept, A-law probed"
is "$(col status 2 < $OUT)" ok "row 2 ok"
is "$(col status 3 < $OUT)" "rejected:ingest:$D/m.csv:4: bad timestamp '2026-02-30 10:00': no such date or time" "bad date rejected with file:line"
like "$(col status 4 < $OUT)" "^rejected:ingest:$D/audio/missing.wav: No such file or directory$" "missing audio rejected"
is "$(col status 5 < $OUT)" "rejected:ingest:$D/m.csv:6: duplicate call_id 'K1' (first at $D/m.csv:2)" "duplicate call id rejected"
is "$(col status 6 < $OUT)" "rejected:ingest:$D/m.csv:7: agent_channel '3' is not 1 or 2" "bad agent channel"
is "$(col status 7 < $OUT)" "rejected:ingest:$D/m.csv:8: 2 fields where the header has 9" "ragged row"
is "$(col status 8 < $OUT)" "rejected:ingest:$D/m.csv:9: column 'note' is not valid UTF-8" "non-UTF-8 row"
is "$(col status < $OUT | grep -c '^ok$')" 2 "two calls ok, six rejected"

printf 'call_id,audio,started_at\nX,a.wav,2026-10-01 10:00\n' > $D/bad.csv
run_cmd 2 callqa-ingest -m $D/bad.csv
is "$(cat $ERR)" "callqa-ingest: $D/bad.csv:1: missing column 'agent_id' (need call_id,agent_id,started_at,audio)" "missing required column stops with exit 2"
run_cmd 2 callqa-ingest -m $D/nonexistent.csv
: > $D/empty.csv
run_cmd 2 callqa-ingest -m $D/empty.csv
is "$(cat $ERR)" "callqa-ingest: $D/empty.csv: empty manifest: no header line" "empty manifest"
done_testing
