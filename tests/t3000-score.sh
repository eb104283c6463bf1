#!/bin/sh
# callqa-score: exact scores and items JSON for hand-built records, every
# item kind, N/A, critical failure, eligibility, each transcript format,
# marks, --check positions, --explain, options and exit status.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
R=$CALLQA_TOP/tests/rubric
RULES=$CALLQA_TOP/rules
TAB=$(printf '\t')
sed "s,@DIR@,$R," $R/calls.tsv.in > $TMP/calls.tsv

# field NAME ROW FILE
field() { col "$1" "$2" < "$3"; }

# --- the exact-score example: 87.5 ---
printf 'call_id\ttranscript\tduration_s\tagent_pitch_sd_st\tlongest_silence_s\nB1\t%s\t40.000\t1.80\t6.000\n' \
	"$R/zh-good.tsv" > $TMP/b.tsv
run_cmd 0 callqa-score -r $R/basic.yaml $TMP/b.tsv
is "$(head -1 $OUT)" "call_id${TAB}transcript${TAB}duration_s${TAB}agent_pitch_sd_st${TAB}longest_silence_s${TAB}rubric${TAB}rubric_version${TAB}score${TAB}score_tone${TAB}score_courtesy${TAB}critical_fail${TAB}eligible${TAB}ineligible_reason${TAB}items" \
	"input columns, then rubric, version, score, sections, flags, items"
is "$(field score 1 $OUT)" 87.5 "tone 15/20 = 75, courtesy 20/20 = 100: score 87.5"
is "$(field score_tone 1 $OUT) $(field score_courtesy 1 $OUT)" "75.0 100.0" "section scores"
is "$(field rubric_version 1 $OUT)" "$(sha256sum < $R/basic.yaml | cut -d' ' -f1)" \
	"rubric_version is the SHA-256 of the file (as sha256sum says)"
is "$(field items 1 $OUT)" '[{"id":"lively","label":"lively","section":"tone","kind":"bands","result":"partial","earned":5,"possible":10,"evidence":{"metric":"agent_pitch_sd_st","value":1.8,"band":">= 1"},"line":7},{"id":"quiet","label":"quiet","section":"tone","kind":"metric","result":"pass","earned":10,"possible":10,"evidence":{"metric":"longest_silence_s","value":6,"pass":"< 15"},"line":14},{"id":"greeting","label":"greeting","section":"courtesy","kind":"said","result":"pass","earned":10,"possible":10,"evidence":{"phrase":"您好","at":0.4,"said":"您好，很高兴为您服务，我是工号１０２３","transcript_line":2,"speaker":"agent","window":"first 10 s"},"line":22},{"id":"closing","label":"closing","section":"courtesy","kind":"said","result":"pass","earned":10,"possible":10,"evidence":{"phrase":"请问还有什么可以帮到您","at":30,"said":"查到了，已经在派送中。请问还有什么可以帮到您？","transcript_line":6,"speaker":"agent","window":"last 30 s"},"line":27}]' \
	"items JSON: result, points and evidence of every item, with rubric lines"

# --- rules/default.yaml over eight hand-built calls ---
run_cmd 0 callqa-score -r $RULES/default.yaml $TMP/calls.tsv
cp $OUT $TMP/scored.tsv
S=$TMP/scored.tsv
is "$(cat $ERR)" "callqa-score: Z7: $R/bad-order.tsv:4: segment out of order: starts at 4.000, before the previous one (line 3, 9.000)" \
	"a bad transcript: one warning naming the file and line"
row() { printf '%s %s %s %s %s %s %s' "$(field score $1 $S)" "$(field score_tone $1 $S)" \
	"$(field score_courtesy $1 $S)" "$(field score_accuracy $1 $S)" \
	"$(field critical_fail $1 $S)" "$(field eligible $1 $S)" "$(field ineligible_reason $1 $S)"; }
is "$(row 1)" '100.0 100.0 100.0 100.0 f t \N' "Z1 (Chinese TSV, all good): 100"
is "$(row 2)" '61.8 22.5 100.0 50.0 f t \N' "Z2 (English WebVTT): tone 9/40, courtesy 45/45, accuracy 15/30 -> 61.75 -> 61.8"
is "$(row 3)" '0.0 100.0 44.4 \N t t \N' "Z3 (SRT, forbidden words): critical, score 0; accuracy all N/A"
is "$(row 4)" '\N \N \N \N f f mono recording: the rubric needs stereo' "Z4 mono: ineligible, no score"
is "$(row 5)" '\N \N \N \N f f call lasts 8.0 s, under the minimum 15 s' "Z5 too short: ineligible"
is "$(row 6)" '97.5 95.0 \N 100.0 f t \N' "Z6 no transcript: courtesy N/A leaves the denominator, (30x95+30x100)/60"
is "$(row 7)" '97.5 95.0 \N 100.0 f t \N' "Z7 bad transcript: phrase items N/A, call still scored"
is "$(sed -n 9p $S)" "$(sed -n 9p $TMP/calls.tsv)$(printf '\t\\N%.0s' 1 2 3 4 5 6 7 8 9 10)" \
	"Z8 rejected upstream: passed on untouched, score columns NULL"

items() { field items $1 $S | tr '{' '\n' | grep "\"id\":\"$2\"" | sed 's/,$//'; }
is "$(items 1 readback)" '"id":"readback","label":"复述单号 read-back of the tracking number","section":"accuracy","kind":"readback","result":"pass","earned":15,"possible":15,"evidence":' \
	"Z1 read-back passes"
like "$(field items 1 $S)" '"field":"tracking_no","value":"12345678","at":7.5,"said":"好的，您的单号是幺二三四五六七八，请稍等","transcript_line":4' \
	"read-back: 幺二三四五六七八 is 12345678, with time and text"
like "$(field items 1 $S)" '"phrase":"工号","at":0.4,"said":"您好，很高兴为您服务，我是工号１０２３"' \
	"staff number found in the greeting segment (full-width digits)"
like "$(field items 2 $S)" '"field":"tracking_no","value":"123456","at":9,"said":"Your tracking number is one two three four five six."' \
	"English read-back: digits said as words"
like "$(field items 2 $S)" '"phrase":"anything else I can help you with","at":50,"said":"ＩＳ ＴＨＥＲＥ ＡＮＹＴＨＩＮＧ ＥＬＳＥ I can help you with\?"' \
	"full-width English matches the closing phrase (WebVTT voice tags)"
like "$(field items 2 $S)" '"id":"thanks",[^{]*\{"phrase":"thank you for calling","at":55,' \
	"thanks: the segment in the last 30 s, not the greeting at 0:01"
like "$(field items 2 $S)" '"id":"speech_rate","label":"[^"]*","section":"tone","kind":"metric","result":"fail","earned":0,"possible":5,"evidence":\{"metric":"agent_speech_rate_sps","value":7,"pass":"3..6.5"\}' \
	"metric threshold failing: value and threshold as evidence"
like "$(field items 2 $S)" '"id":"lookup_correct",[^{]*"result":"fail","earned":0,"possible":15,"evidence":\{"field":"lookup_correct","value":"f","equals":\["t","true","yes","1"\]\}' \
	"outcome field from the manifest: f fails"
like "$(field items 3 $S)" '"id":"forbidden",[^{]*"result":"critical","earned":0,"possible":10,"critical":true,"evidence":\{"phrase":"不知道","at":7.5,"said":"我不知道，这不归我管。","transcript_line":10' \
	"critical: the forbidden phrase, its time and the SRT text (坐席： prefix removed)"
like "$(field items 3 $S)" '"id":"closing",[^{]*"result":"fail","earned":0,"possible":10,"evidence":\{"missing":\["请问还有什么可以帮到您",' \
	"missing phrase: the phrases looked for"
like "$(field items 3 $S)" '"speaker":"agent","window":"last 30 s"\},"line":116' \
	"and the window searched"
like "$(field items 3 $S)" '"id":"readback",[^{]*"result":"na","earned":0,"possible":0,"evidence":\{"field":"tracking_no","value":null,"na":"no value"\}' \
	"missing field: read-back N/A"
like "$(field items 6 $S)" '"id":"greeting",[^{]*"result":"na","earned":0,"possible":0,"evidence":\{"na":"no transcript"\}' \
	"no transcript: phrase item N/A with the reason"
like "$(field items 7 $S)" '"id":"greeting",[^{]*"result":"na",[^{]*"evidence":\{"na":"transcript unusable: [^"]*bad-order.tsv:4: segment out of order' \
	"bad transcript: the reason names file and line"
like "$(field items 1 $S)" '"id":"advice_correct",[^{]*"kind":"manual","result":"na","earned":0,"possible":0,"evidence":\{"na":"no mark from an inspector"\}' \
	"manual item without a mark: N/A"

# --- --explain ---
run_cmd 0 callqa-score --explain Z2 $S
is "$(sed -n 1,6p $OUT)" "call Z2, agent A02
rubric default, version $(sha256sum < $RULES/default.yaml | cut -c1-12)
score 61.8 of 100
  section tone: 22.5
  section courtesy: 100.0
  section accuracy: 50.0" "explain: header, score, sections"
is "$(grep '^问候语' $OUT)" "问候语 greeting: +10 of 10, said “Hello, thank you for calling, this is agent 1023.” at 0:01 [rubric line 95]" \
	"explain: a phrase said, with its time"
is "$(grep '^语调生动' $OUT)" "语调生动 lively voice: +4 of 10, agent_pitch_sd_st 1.5, in band >= 1 [rubric line 41]" \
	"explain: a graded band"
is "$(grep '^语速适中' $OUT)" "语速适中 speaking rate: 0 of 5, agent_speech_rate_sps 7, does not meet 3..6.5 [rubric line 52]" \
	"explain: a threshold missed"
is "$(grep '^复述单号' $OUT)" "复述单号 read-back of the tracking number: +15 of 15, read back tracking_no 123456 at 0:09: “Your tracking number is one two three four five six.” [rubric line 156]" \
	"explain: a read-back"
is "$(grep '^查询正确' $OUT)" "查询正确 lookup correct: 0 of 15, lookup_correct is f, wanted “t” or “true” or “yes” (or 1 more) [rubric line 163]" \
	"explain: an outcome field"
is "$(wc -l < $OUT | tr -d ' ')" 20 "explain: 6 header lines and 14 items"
run_cmd 0 callqa-score --explain Z2 -r $RULES/default.yaml $S
is "$(sed -n 4,6p $OUT)" "  语气 tone (weight 30): 22.5
  礼貌用语 courtesy (weight 40): 100.0
  业务准确 accuracy (weight 30): 50.0" "explain with the rubric: section labels and weights"
run_cmd 0 callqa-score --explain Z2 -r $RULES/sales-en.yaml $S
is "$(sed -n 4,5p $OUT)" "($RULES/sales-en.yaml is version $(sha256sum < $RULES/sales-en.yaml | cut -c1-12), not the one that scored this call: its labels are not used)
  section tone: 22.5" "explain with another rubric version: said, and not used"
run_cmd 0 callqa-score --explain Z3 $S
is "$(sed -n 3p $OUT)" "score 0.0 of 100: critical failure: 服务禁语 forbidden words" "explain: critical failure named"
is "$(grep '^服务禁语' $OUT)" "服务禁语 forbidden words: CRITICAL, fails the call, said “我不知道，这不归我管。” at 0:07 [rubric line 137]" \
	"explain: the critical phrase and when"
is "$(grep '^结束语' $OUT)" "结束语 closing question: 0 of 10, did not say “请问还有什么可以帮到您” or “还有什么可以帮您” or “还有其他问题吗” (or 2 more) by the agent in the last 30 s [rubric line 116]" \
	"explain: a missing phrase and the window"
run_cmd 0 callqa-score --explain Z4 < $S
is "$(sed -n 3p $OUT)" "not scored: mono recording: the rubric needs stereo" "explain from stdin: ineligible"
run_cmd 1 callqa-score --explain NOPE $S
is "$(cat $ERR)" "callqa-score: call 'NOPE' not found in the scored stream" "explain: unknown call"

# --- marks ---
cat > $TMP/marks.csv <<'EOF'
call_id,item,result,points,inspector,note
Z1,advice_correct,points,5,王质检,"advice half right, missed the refund rule"
Z2,lookup_correct,pass,,Li,"system showed f, but the lookup was right"
Z2,no_such_item,pass,,Li,
Z6,advice_correct,points,99,Li,
Z6,advice_correct,maybe,,Li,
EOF
run_cmd 0 callqa-score -r $RULES/default.yaml -m $TMP/marks.csv $TMP/calls.tsv
is "$(grep marks.csv $ERR)" "callqa-score: $TMP/marks.csv:4: unknown item 'no_such_item' (not in rubric default)
callqa-score: $TMP/marks.csv:5: points '99' not a number from 0 to 10
callqa-score: $TMP/marks.csv:6: result 'maybe': want pass, fail or points" \
	"unusable marks rows skipped with file:line"
is "$(field score 1 $OUT) $(field score_accuracy 1 $OUT)" "96.3 87.5" \
	"manual mark 5 of 10: accuracy 35/40 = 87.5, score 96.25 -> 96.3"
like "$(field items 1 $OUT)" '"id":"advice_correct",[^{]*"result":"partial","earned":5,"possible":10,"evidence":\{"mark":"points","points":5,"inspector":"王质检","note":"advice half right, missed the refund rule","source":"[^"]*marks.csv:2"\}' \
	"mark evidence: inspector, note and source line"
is "$(field score 2 $OUT) $(field score_accuracy 2 $OUT)" "76.8 100.0" \
	"a mark overrides an automatic item: 0.3x22.5 + 0.4x100 + 0.3x100 = 76.75 -> 76.8"
like "$(field items 2 $OUT)" '"id":"lookup_correct",[^{]*"result":"pass","earned":15,"possible":15,"evidence":\{"mark":"pass","points":15,"inspector":"Li","note":"system showed f, but the lookup was right","source":"[^"]*","auto":"fail","auto_evidence":\{"field":"lookup_correct","value":"f"' \
	"override keeps the automatic result and evidence"
cp $OUT $TMP/marked.tsv
run_cmd 0 callqa-score --explain Z1 $TMP/marked.tsv
is "$(grep '^解答正确' $OUT)" "解答正确 advice correct (inspector's mark): +5 of 10, marked points by 王质检: advice half right, missed the refund rule [rubric line 170]" \
	"explain: a manual mark"
printf 'call_id,item\nZ1,x\n' > $TMP/badmarks.csv
run_cmd 2 callqa-score -r $RULES/default.yaml -m $TMP/badmarks.csv $TMP/calls.tsv
is "$(cat $ERR)" "callqa-score: $TMP/badmarks.csv:1: missing column 'result' (need call_id,item,result,points,inspector,note)" \
	"marks file without a column: exit 2"

# --- the second rubric: mono allowed, customer metric N/A, critical disclosure ---
printf 'call_id\tagent_channel\ttranscript\tduration_s\tmono\tcustomer_talk_s\tagent_interruptions\torder_id\tsale_closed\tconsent_recorded\n' > $TMP/sales.tsv
printf 'S1\t2\t%s\t45.000\tt\t\\N\t0\t77\tt\t\\N\n' "$R/sales.srt" >> $TMP/sales.tsv
printf 'S2\t1\t\\N\t45.000\tf\t40.000\t0\t77\tt\tt\n' >> $TMP/sales.tsv
printf '1\n00:00:01,000 --> 00:00:04,000\nSpeaker 2: Hi, this call may be recorded.\n\n2\n00:00:04,000 --> 00:00:08,000\nSpeaker 1: ok\n\n3\n00:00:20,000 --> 00:00:25,000\nSpeaker 2: So what matters most to you? Your order is seven seven.\n' > $TMP/sales.srt
sed -i "s,$R/sales.srt,$TMP/sales.srt," $TMP/sales.tsv
run_cmd 0 callqa-score -r $RULES/sales-en.yaml $TMP/sales.tsv
like "$(field items 1 $OUT)" '"id":"listens",[^{]*"result":"na","earned":0,"possible":0,"evidence":\{"metric":"customer_talk_s","value":null,"na":"mono call: no customer channel"\}' \
	"customer metric on a mono call: N/A"
like "$(field items 1 $OUT)" '"id":"disclosure",[^{]*"result":"pass",[^{]*"evidence":\{"phrase":"this call may be recorded","at":1,' \
	"SRT 'Speaker 2:' is the agent when agent_channel is 2"
like "$(field items 1 $OUT)" '"id":"order_readback",[^{]*"result":"pass"' "read-back of 77 as 'seven seven' in the last 60 s"
like "$(field items 1 $OUT)" '"id":"consent",[^{]*"result":"fail","earned":0,"possible":10,"evidence":\{"field":"consent_recorded","value":null,' \
	"if_missing: fail"
is "$(field score 1 $OUT) $(field score_compliance 1 $OUT) $(field score_conversation 1 $OUT) $(field score_outcome 1 $OUT)" \
	"87.5 75.0 100.0 100.0" \
	"S1: compliance 30/40, conversation 15/15 (listens N/A), outcome 10/10 (coach N/A): 0.5x75 + 0.3x100 + 0.2x100"
is "$(field eligible 2 $OUT) $(field ineligible_reason 2 $OUT) $(field score 2 $OUT)" \
	'f no transcript \N' "transcript required: ineligible without one"

# An SRT without speaker prefixes: agent phrase items cannot be judged.
printf '1\n00:00:01,000 --> 00:00:03,000\n您好，工号1001\n\n2\n00:00:04,000 --> 00:00:05,000\n我不知道\n' > $TMP/nolabel.srt
printf 'call_id\ttranscript\tduration_s\tagent_pitch_sd_st\tlongest_silence_s\nN1\t%s\t40.000\t3.00\t6.000\n' "$TMP/nolabel.srt" > $TMP/n.tsv
run_cmd 0 callqa-score -r $R/basic.yaml $TMP/n.tsv
like "$(field items 1 $OUT)" '"id":"greeting",[^{]*"result":"na","earned":0,"possible":0,"evidence":\{"na":"the transcript labels no segment as the agent.s"\}' \
	"unlabelled SRT: agent phrase item N/A, not failed"
is "$(field score 1 $OUT) $(field score_courtesy 1 $OUT)" '100.0 \N' "unlabelled SRT: courtesy N/A, score from tone"

# --- --check ---
run_cmd 0 callqa-score --check $RULES/default.yaml $RULES/sales-en.yaml
is "$(cat $OUT)" "$RULES/default.yaml: ok: rubric default, 3 sections, 14 items, version $(sha256sum < $RULES/default.yaml | cut -c1-12)
$RULES/sales-en.yaml: ok: rubric sales-en, 3 sections, 9 items, version $(sha256sum < $RULES/sales-en.yaml | cut -c1-12)" \
	"--check: the shipped rubrics are good"
run_cmd 2 callqa-score --check $R/bad-mixed.yaml
is "$(cat $ERR)" "callqa-score: $R/bad-mixed.yaml:2:1: unknown key 'colour' in the rubric (known: rubric, title, fields, eligibility, sections)
callqa-score: $R/bad-mixed.yaml:5:3: section weights add up to 95, not 100
callqa-score: $R/bad-mixed.yaml:10:17: unknown metric 'agent_pitch_sdd' (not a measured column and not in fields:)
callqa-score: $R/bad-mixed.yaml:16:15: bad condition 'fast': want OP NUMBER (<, <=, >, >=, ==, !=) or a range A..B
callqa-score: $R/bad-mixed.yaml:18:13: duplicate item id 'lively' (first at line 8)
callqa-score: $R/bad-mixed.yaml:21:17: within: want \"first N s\", \"last N s\" or \"whole call\", not 'first ten s'
callqa-score: $R/bad-mixed.yaml:25:12: section 'courtesy' has no items
callqa-score: $R/bad-mixed.yaml:31:16: field 'lookup_correct' is not declared in fields:
callqa-score: $R/bad-mixed.yaml:37:15: bad condition '< 1e400': number too large (limit 1e9)
callqa-score: $R/bad-mixed.yaml:38:17: points '1e12': number too large (limit 1e9)
callqa-score: $R/bad-mixed.yaml:40:15: unknown kind 'sing' (metric, bands, said, never_said, readback, field or manual)" \
	"--check: every problem with file:line:column, in file order"
run_cmd 2 callqa-score --check $R/alias.yaml
is "$(cat $ERR)" "callqa-score: $R/alias.yaml:6:9: anchor '&it' not allowed: rubrics may not use anchors and aliases" "--check: anchors refused"
run_cmd 2 callqa-score --check $R/deep.yaml
is "$(cat $ERR)" "callqa-score: $R/deep.yaml:2:26: nested deeper than 16 levels" "--check: deep nesting refused"
run_cmd 2 callqa-score --check $R/syntax.yaml
is "$(cat $ERR)" "callqa-score: $R/syntax.yaml:3:3: did not find expected node content while parsing a flow node" "--check: libyaml's syntax error at its mark"
run_cmd 2 callqa-score -r $R/bad-mixed.yaml $TMP/calls.tsv
is "$(wc -c < $OUT | tr -d ' ')" 0 "a bad rubric scores nothing: exit 2 before any record"
run_cmd 2 callqa-score -r $TMP/none.yaml $TMP/calls.tsv
is "$(cat $ERR)" "callqa-score: $TMP/none.yaml: No such file or directory" "missing rubric: exit 2"

# The example rubric of callqa-rubric(5) is good, and scores.
awk '/^A small complete rubric:/ { f = 1; next } f && /^\.Bd/ { next }
	f && /^\.Ed/ { exit } f' $CALLQA_TOP/cmd/callqa-rubric.5 > $TMP/mini.yaml
run_cmd 0 callqa-score --check $TMP/mini.yaml
like "$(cat $OUT)" "^$TMP/mini.yaml: ok: rubric hotline-mini, 3 sections, 6 items" "the manual's example rubric passes --check"
run_cmd 0 callqa-score -r $TMP/mini.yaml $TMP/calls.tsv
is "$(field score 1 $OUT) $(field score 2 $OUT)" "100.0 53.0" \
	"and scores: Z2 = (40x4/20 + 30x20/20 + 30x10/20)% = (800 + 3000 + 1500)/100 = 53.0"

# --- options, empty input, write errors, rescoring ---
run_cmd 0 callqa-score -h
for o in r m c e q v h; do
	grep -q -- "-$o," $OUT && grep -q "^\.It Fl $o" $CALLQA_TOP/cmd/callqa-score.1 ||
		not_ok "option -$o in usage and man page"
done
ok "every option letter in usage and the man page"
run_cmd 2 callqa-score -Z
run_cmd 2 callqa-score
is "$(head -1 $ERR)" "callqa-score: no rubric: give -r FILE" "scoring needs a rubric"
run_cmd 0 callqa-score -r $RULES/default.yaml /dev/null
is "$(wc -c < $OUT | tr -d ' ')" 0 "empty input: empty output"
callqa-score -r $RULES/default.yaml $TMP/calls.tsv >/dev/full 2>$ERR
is "$?" 1 "write error: exit 1"
# A damaged line becomes a reject; inputs must share their columns.
printf 'call_id\tduration_s\tstatus\nD1\t40.000\tok\nD2\t40.000\n' > $TMP/ragged.tsv
run_cmd 0 callqa-score -r $R/basic.yaml $TMP/ragged.tsv
is "$(field status 2 $OUT)" "rejected:score:$TMP/ragged.tsv:3: 2 fields where the header has 3" \
	"a ragged line is passed on as a reject"
is "$(field eligible 1 $OUT) $(field ineligible_reason 1 $OUT)" "f nothing to score: no item applies" \
	"a call where no item applies is ineligible"
run_cmd 1 callqa-score -r $R/basic.yaml $TMP/ragged.tsv $TMP/b.tsv
is "$(tail -1 $ERR)" "callqa-score: $TMP/b.tsv: columns differ from the first input's" "inputs with other columns stop the stage"
# Rescoring needs only the stored columns: drop the scores, score again
# with another rubric, and the first call's measured values give the same.
cut -f1-17 $S > $TMP/stored.tsv
run_cmd 0 callqa-score -r $R/basic.yaml $TMP/stored.tsv
is "$(field rubric 1 $OUT) $(field score 1 $OUT)" "basic 100.0" "rescoring stored metrics with another rubric, no audio"
done_testing
