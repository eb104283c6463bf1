#!/bin/sh
# callqa-report against a real PostgreSQL: two hand-made months (September
# and October 2026) stored and ranked, then the October report checked in
# every format: means, best and worst, the best agent's strongest and
# weakest items, change since September, groups compared, the calls to
# play with their second, the HR export (with and without ladder
# decisions), Chinese labels, and the HTML page rendered by headless
# Chromium (its SVG charts counted in the DOM after rendering).
. "${CALLQA_TOP:-.}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"

# spec: "month agent team day score greeting deadair lively critical
# silence" one call a line.  greeting/deadair: 1 pass, 0 fail; lively:
# points earned of 10; critical: 1 when the critical item failed; silence:
# the segments' silence spans ("-" none).
cat >"$TMP/spec" <<'EOF'
2026-10 A1 north 1 90 1 1 4 0 -
2026-10 A1 north 2 94 1 1 4 0 -
2026-10 A1 north 3 92 1 1 4 0 -
2026-10 A1 north 4 96 1 0 4 0 -
2026-10 张伟 north 5 80 1 1 8 0 -
2026-10 张伟 north 6 84 0 1 8 0 -
2026-10 张伟 north 7 82 1 1 8 0 -
2026-10 张伟 north 8 86 1 1 8 0 -
2026-10 A3 north 9 60 1 0 0 0 12.00,14.00
2026-10 A3 north 10 70 1 1 0 0 -
2026-10 A3 north 11 50 1 0 4 0 12.00,14.00;61.50,80.00
2026-10 A3 north 12 0 1 1 4 1 -
2026-10 B1 south 1 88 1 1 10 0 -
2026-10 B1 south 2 88 1 1 10 0 -
2026-10 B1 south 3 88 0 1 10 0 -
2026-10 B2 south 4 70 0 1 8 0 -
2026-10 B2 south 5 75 0 0 8 0 20.00,31.00
2026-10 B2 south 6 80 1 1 8 0 -
2026-10 B3 south 7 99 1 1 10 0 -
2026-10 B3 south 8 99 1 1 10 0 -
2026-09 A1 north 1 88 1 1 4 0 -
2026-09 A1 north 2 92 1 1 4 0 -
2026-09 A1 north 3 88 1 1 4 0 -
2026-09 A1 north 4 92 1 1 4 0 -
2026-09 张伟 north 5 85 1 1 8 0 -
2026-09 张伟 north 6 85 1 1 8 0 -
2026-09 张伟 north 7 85 1 1 8 0 -
2026-09 B1 south 1 80 1 1 8 0 -
2026-09 B1 south 2 80 1 1 8 0 -
2026-09 B1 south 3 80 1 1 8 0 -
2026-09 B9 south 4 60 1 1 8 0 -
2026-09 B9 south 5 60 1 1 8 0 -
2026-09 B9 south 6 70 1 1 8 0 -
EOF
n=$(wc -l <"$TMP/spec")
{
	record_header
	records "$n" MIX R | awk -F '\t' -v spec="$TMP/spec" '
	function item(id, lab, kind, res, earned, possible, ev, crit) {
		return sprintf("{\"id\":\"%s\",\"label\":\"%s\",\"section\":\"s\",\"kind\":\"%s\",\"result\":\"%s\",\"earned\":%s,\"possible\":%s%s,\"evidence\":{%s},\"line\":1}",
			id, lab, kind, res, earned, possible, crit ? ",\"critical\":true" : "", ev)
	}
	BEGIN { OFS = "\t"
		while ((getline l < spec) > 0) { k++; line[k] = l } }
	{
		split(line[NR], f, " ")
		$2 = f[2]; $5 = f[3]
		$3 = sprintf("%s-%02dT10:00:00+00:00", f[1], f[4])
		$4 = "/data/rec/" f[1] "/" $1 " call.wav"
		$38 = sprintf("%.1f", f[5])
		$42 = f[9] ? "t" : "f"
		sil = ""
		if (f[10] != "-") {
			n = split(f[10], sp, ";")
			for (i = 1; i <= n; i++)
				sil = sil (i > 1 ? "," : "") "[" sp[i] "]"
		}
		$35 = "{\"agent\":[[0.80,4.20]],\"customer\":[[4.80,9.10]],\"overtalk\":[],\"silence\":[" sil "],\"hold\":[]}"
		g = f[6] ? item("greeting", "问候语 greeting", "said", "pass", 10, 10, "\"said\":\"您好\",\"at\":1.2") \
		         : item("greeting", "问候语 greeting", "said", "fail", 0, 10, "\"missing\":[\"您好\"]")
		d = f[7] ? item("no_dead_air", "无长时间冷场 no long dead air", "metric", "pass", 10, 10, "\"metric\":\"longest_silence_s\",\"value\":2,\"pass\":\"< 10\"") \
		         : item("no_dead_air", "无长时间冷场 no long dead air", "metric", "fail", 0, 10, "\"metric\":\"longest_silence_s\",\"value\":18.5,\"pass\":\"< 10\"")
		lv = item("lively", "语调生动 lively voice", "bands", f[8] == 10 ? "pass" : f[8] ? "partial" : "fail", f[8], 10, "\"metric\":\"agent_pitch_sd_st\",\"value\":2.1")
		c = f[9] ? item("no_rude", "禁用语 no rude words", "never_said", "critical", 0, 0, "\"said\":\"滚\",\"at\":37.5", 1) \
		         : item("no_rude", "禁用语 no rude words", "never_said", "pass", 0, 0, "\"absent\":[\"滚\"]", 1)
		$45 = "[" g "," d "," lv "," c "]"
		print
	}'
} >"$TMP/calls.tsv"
pg_start
run_cmd 0 callqa-store <"$TMP/calls.tsv"
printf 'group: team\nmin_calls: 3\ntimezone: UTC\n' >"$TMP/min3.yaml"

# Before ranking: no board.
run_cmd 1 callqa-report --policy "$TMP/min3.yaml" --month 2026-10
like "$(cat "$ERR")" '^callqa-report: no board for 2026-10: run callqa-rank --month 2026-10 first$' \
	"an unranked month says so"
run_cmd 0 callqa-rank --policy "$TMP/min3.yaml" --month 2026-09
run_cmd 0 callqa-rank --policy "$TMP/min3.yaml" --month 2026-10
run_cmd 1 callqa-report --policy "$TMP/min3.yaml" --month 2026-10 --group post
like "$(cat "$ERR")" 'no board for 2026-10 by post: run callqa-rank --month 2026-10 --group post first' \
	"a board of another grouping is asked for by name"

# Usage errors.
run_cmd 2 callqa-report
run_cmd 2 callqa-report --month 2026-13
run_cmd 2 callqa-report --month 2026-10 --format pdf
run_cmd 2 callqa-report --month 2026-10 --lang fr
run_cmd 2 callqa-report --month 2026-10 --group floor
run_cmd 0 callqa-report --help
like "$(head -n 1 "$OUT")" '^usage: callqa-report' "--help on stdout"

R="callqa-report --policy $TMP/min3.yaml --month 2026-10"

# ---- CSV: one row per agent, stable columns. ----
run_cmd 0 $R --format csv
tr -d '\r' <"$OUT" >"$TMP/board.csv"
is "$(head -n 1 "$TMP/board.csv")" \
	"period,group_by,group,rank,agent_id,n,mean,ci_low,ci_high,shrunk,points,flag,eligible,prev_mean,change,prev_rank,strongest_item,strongest_label,strongest_share,weakest_item,weakest_label,weakest_share" \
	"CSV header"
is "$(awk 'NR > 1' "$TMP/board.csv" | wc -l)" 6 "CSV: 6 agents"
is "$(grep -c "$(printf '\r$')" "$OUT")" 7 "CSV lines end in CRLF (RFC 4180)"
csv() { awk -F , -v a="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $5 == a { print $h[c] }' "$TMP/board.csv"; }
is "$(csv A1 mean) $(csv 张伟 mean) $(csv A3 mean) $(csv B1 mean) $(csv B2 mean) $(csv B3 mean)" \
	"93.00 83.00 45.00 88.00 75.00 99.00" "exact means"
is "$(csv A1 rank) $(csv A1 points) $(csv A3 rank) $(csv A3 points) $(csv B1 points) $(csv B2 points)" \
	"1 5 3 -5 5 -5" "best and worst of each team with their points"
is "$(csv A1 strongest_item) $(csv A1 strongest_share) $(csv A1 weakest_item) $(csv A1 weakest_share)" \
	"greeting 1.000 lively 0.400" "A1's strongest item (greeting 100%) and weakest (lively 40%)"
is "$(csv A3 weakest_item) $(csv A3 weakest_share)" "lively 0.200" "A3's weakest: lively 20%"
is "$(csv A1 prev_mean) $(csv A1 change) $(csv 张伟 change) $(csv B1 change) [$(csv A3 change)] [$(csv B2 prev_mean)]" \
	"90.00 +3.00 -2.00 +8.00 [] []" "change since September, empty when the agent has no September"
is "$(csv B3 rank)|$(csv B3 flag)|$(csv B3 eligible)" "|n < 3|f" "B3: 2 calls, not ranked"

# ---- Text ----
run_cmd 0 $R
cp "$OUT" "$TMP/board.txt"
is "$(head -n 1 "$TMP/board.txt")" "QA report 2026-10" "text title"
like "$(grep '^best: A1 ' "$TMP/board.txt")" \
	'^best: A1  mean 93\.00 \[[0-9.]+, [0-9.]+\]  calls 4  shrunk [0-9.]+  points \+5  strongest: greeting 100\.0%  weakest: lively voice 40\.0%$' \
	"text: best of north with why"
like "$(grep '^worst: A3 ' "$TMP/board.txt")" 'mean 45\.00 .* points -5  strongest: greeting 100\.0%  weakest: lively voice 20\.0%$' \
	"text: worst of north with why"
like "$(grep '^best: B1 ' "$TMP/board.txt")" 'mean 88\.00' "text: best of south"
like "$(grep '^worst: B2 ' "$TMP/board.txt")" 'mean 75\.00' "text: worst of south"
# Columns line up although 张伟 is 2 characters of 2 columns each.
hdr=$(grep -m 1 '^rank  agent' "$TMP/board.txt")
zw=$(grep -m 1 '^ *2  张伟 ' "$TMP/board.txt" | sed 's/张伟/XXXX/')
a1=$(grep -m 1 '^ *1  A1 ' "$TMP/board.txt")
is "$(printf '%s\n' "$zw" | awk '{ print index($0, "83.00") }')" \
	"$(printf '%s\n' "$a1" | awk '{ print index($0, "93.00") }')" \
	"text: 张伟's mean is in the same column as A1's (CJK is 2 columns wide)"
is "$(printf '%s\n' "$a1" | awk '{ print index($0, "4  93.00") }')" \
	"$(printf '%s\n' "$hdr" | awk '{ print index($0, "calls") + 4 }')" \
	"text: counts are right-aligned under their header"
like "$(grep '^   1  A1 ' "$TMP/board.txt")" '^   1  A1 +4 +93\.00 +\[88\.89, 97\.11\] +[0-9.]+ +\+5 +\+3\.00  ~ 2nd$' \
	"text: A1's row with interval, change +3.00 and the close-to-2nd flag"
like "$(grep '^   3  A3 ' "$TMP/board.txt")" ' -5 +-$' "text: A3's change is -"
like "$(grep '^north ' "$TMP/board.txt")" '^north +3 +12 +73\.67 +' "groups compared: north 3 agents, 12 calls, mean 73.67"
like "$(grep '^south ' "$TMP/board.txt")" '^south +3 +8 +85\.88 +' "south: 3 agents, 8 calls, mean 85.88"
like "$(grep '^all ' "$TMP/board.txt")" '^all +6 +20 +78\.55 +' "all: 6 agents, 20 calls, mean 78.55"
like "$(grep -E '^failure +north' "$TMP/board.txt" | head -n 1)" \
	'^failure +north +A3 +R0012 +2026-10-12 10:00 +0\.0 +0:37 +critical: no rude words +/data/rec/2026-10/R0012 call\.wav$' \
	"the clearest failure: A3's critical call, play at 0:37"
like "$(grep -E '^failure +north' "$TMP/board.txt" | sed -n 2p)" \
	'^failure +north +A3 +R0011 .* 50\.0 +1:01 +no long dead air ' \
	"the next failure: 50 points, at the longest silence (61.5 s)"
like "$(grep -E '^best call +north' "$TMP/board.txt" | head -n 1)" \
	'^best call +north +A1 +R0004 .* 96\.0 +0:01 +greeting ' "the best call of the best agent: A1's 96"
is "$(grep -c '^best call' "$TMP/board.txt") $(grep -c '^failure' "$TMP/board.txt")" "4 4" "2 calls of each kind per team"
run_cmd 0 $R --examples 1
is "$(grep -c '^failure' "$OUT")" 2 "--examples 1: one failure per team"

# ---- Markdown ----
run_cmd 0 $R --format md
is "$(head -n 1 "$OUT")" "# QA report 2026-10" "md title"
like "$(grep -m 1 '^| rank |' "$OUT")" '^\| rank \| agent \| calls \| mean \| interval \| shrunk \| points \| change \| flag \|$' "md board header"
like "$(grep -m 1 '^| 1 | A1 |' "$OUT")" '^\| 1 \| A1 \| 4 \| 93\.00 \| \[.*\] \| .* \| \+5 \| \+3\.00 \| ~ 2nd \|$' "md row of A1"
like "$(grep -m 1 '^- best: A1' "$OUT")" 'strongest: greeting 100\.0%' "md best line"
is "$(grep -c '^## ' "$OUT")" 4 "md: two teams, groups compared, calls to play"

# ---- Chinese labels ----
run_cmd 0 $R --lang zh
is "$(head -n 1 "$OUT")" "质检报告 2026-10" "zh title"
like "$(grep '^最佳: A1 ' "$OUT")" '平均分 93\.00 .* 最强项: 问候语 100\.0%  最弱项: 语调生动 40\.0%$' "zh: best with item labels in Chinese"
like "$(grep -m 1 '名次' "$OUT")" '名次  坐席 +通话数 +平均分' "zh table header"
like "$(grep '^失分通话 ' "$OUT" | head -n 1)" '致命项: 禁用语' "zh: critical failure"
like "$(grep -E '^ +1  A1 ' "$OUT")" '\+3\.00  与第二名无显著差异$' "zh: the board's flag translated"
like "$(grep -E '^ +-  B3 ' "$OUT")" '通话数 < 3$' "zh: n < 3 translated"

# ---- HR export ----
run_cmd 0 $R --hr --format csv
tr -d '\r' <"$OUT" >"$TMP/hr.csv"
is "$(head -n 1 "$TMP/hr.csv")" "agent_id,post,team,period,scored_calls,mean_score,ledger_points,ladder_status,ladder_recommendation" "HR CSV header"
is "$(awk 'NR > 1' "$TMP/hr.csv" | wc -l)" 6 "HR CSV: one row per agent of October"
is "$(grep '^A1,' "$TMP/hr.csv")" "A1,96126,north,2026-10,4,93.00,5,," "HR row of A1: no ladder recommendation yet"
is "$(grep '^A3,' "$TMP/hr.csv")" "A3,96126,north,2026-10,4,45.00,-5,," "HR row of A3"
is "$(grep '^B3,' "$TMP/hr.csv")" "B3,96126,south,2026-10,2,99.00,0,," "HR row of B3"
# Ladder recommendations as callqa-ladder stores them (a run, then one
# row per agent and period; a decided row names who decided).
sql "WITH r AS (INSERT INTO ladder_runs (period, period_start, period_end,
       policy_sha, policy, agents, kept) VALUES ('2026Q4', '2026-10-01',
       '2027-01-01', 'x', '{}', 2, 0) RETURNING run_id),
     q AS (INSERT INTO ladder_runs (period, period_start, period_end,
       policy_sha, policy, agents, kept) VALUES ('2026Q3', '2026-07-01',
       '2026-10-01', 'x', '{}', 1, 0) RETURNING run_id)
     INSERT INTO ladder_decisions (period, agent_id, run_id, from_post,
       to_post, action, considered, scored_calls, calls, ledger_points,
       evidence, status, decided_by, decided_at)
     SELECT '2026Q4', 'A1', run_id, '96126', '114', 'promote', true, 4, 4, 5,
       '{}'::jsonb, 'proposed', NULL::text, NULL::timestamptz FROM r
     UNION ALL SELECT '2026Q4', 'A3', run_id, '96126', '114', 'promote', true,
       4, 4, -5, '{}'::jsonb, 'rejected', 'Wang Fang', now() FROM r
     UNION ALL SELECT '2026Q3', 'B1', run_id, '96126', '114', 'promote', true,
       3, 3, 5, '{}'::jsonb, 'approved', 'Wang Fang', now() FROM q"
run_cmd 0 $R --hr --format csv
tr -d '\r' <"$OUT" >"$TMP/hr.csv"
is "$(grep '^A1,' "$TMP/hr.csv")" "A1,96126,north,2026-10,4,93.00,5,proposed,promote 96126 -> 114" "HR: the ladder's recommendation of 2026Q4"
is "$(grep '^A3,' "$TMP/hr.csv")" "A3,96126,north,2026-10,4,45.00,-5,rejected,promote 96126 -> 114" "HR: a decided recommendation"
is "$(grep '^B1,' "$TMP/hr.csv")" "B1,96126,south,2026-10,3,88.00,5,," "HR: another quarter's decision is not this month's"
run_cmd 0 $R --hr --lang zh
like "$(grep -m 1 '坐席' "$OUT")" '坐席 +岗位 +班组 +期间 +评分通话数' "HR text in Chinese"

# Readers: the manager's view has what the report needs.
is "$(ROLE=callqa_manager sql "SELECT audio || ' ' || (segments->'silence'->1->>0) FROM manager_calls WHERE call_id = 'R0011'")" \
	"/data/rec/2026-10/R0011 call.wav 61.50" "callqa_manager reads audio and segments"
ROLE=callqa_manager sql "SELECT count(*) FROM calls" >/dev/null 2>&1
is "$?" 1 "callqa_manager still cannot read the calls table"

# A manager's and an HR login, members of the reader roles only: the
# report reads through the views (no migration, no table).
sql "CREATE ROLE boss LOGIN IN ROLE callqa_manager; CREATE ROLE hrclerk LOGIN IN ROLE callqa_hr" >/dev/null
BOSS_DB=$(printf '%s\n' "$DB_URL" | sed 's/user=[^ ]*/user=boss/')
HR_DB=$(printf '%s\n' "$DB_URL" | sed 's/user=[^ ]*/user=hrclerk/')
callqa-report --db "$BOSS_DB" --policy "$TMP/min3.yaml" --month 2026-10 --format csv >"$OUT" 2>"$ERR"
is "$?:$(tr -d '\r' <"$OUT" | md5sum)" "0:$(md5sum <"$TMP/board.csv")" "a callqa_manager login gets the same board CSV"
callqa-report --db "$BOSS_DB" --policy "$TMP/min3.yaml" --month 2026-10 --hr --format csv >"$OUT" 2>"$ERR"
is "$?" 1 "a callqa_manager login cannot read the HR export"
like "$(cat "$ERR")" 'permission denied' "and is told why"
callqa-report --db "$HR_DB" --policy "$TMP/min3.yaml" --month 2026-10 --hr --format csv >"$OUT" 2>"$ERR"
is "$?:$(tr -d '\r' <"$OUT" | md5sum)" "0:$(md5sum <"$TMP/hr.csv")" "a callqa_hr login gets the same HR CSV, ladder included"
callqa-report --db "$HR_DB" --policy "$TMP/min3.yaml" --month 2026-10 >"$OUT" 2>"$ERR"
is "$?" 1 "a callqa_hr login cannot read the manager report's calls"

# ---- HTML ----
run_cmd 0 $R --format html -o "$TMP/report.html"
is "$(wc -c <"$OUT")" 0 "-o: nothing on stdout"
like "$(head -c 15 "$TMP/report.html")" '^<!DOCTYPE html>' "HTML page written"
is "$(grep -c 'http[s]*://[^w]' "$TMP/report.html")" 0 "no network reference (only the SVG namespace)"
sql "UPDATE agents SET team = team" >/dev/null
# An agent name that is markup must come out as text.
sql "INSERT INTO rankings (period, group_by, grp, agent_id, n, mean, eligible) VALUES ('2026-10', 'team', 'south', '<b>x</b>&', 1, 50, false)" >/dev/null
run_cmd 0 $R --format html -o "$TMP/esc.html"
is "$(grep -c '<b>x</b>' "$TMP/esc.html")" 0 "database text is escaped in HTML"
like "$(grep -c '&lt;b&gt;x&lt;/b&gt;&amp;' "$TMP/esc.html")" '^[1-9]' "and shown as text"
run_cmd 0 $R --format md
is "$(grep -c '<b>' "$OUT")" 0 "nor does it pass into Markdown as HTML"
like "$(grep -F '&lt;b>x&lt;/b>&amp;' "$OUT")" '^\| - \| &lt;b>x&lt;/b>&amp; \| 1 \| 50\.00 \|' "Markdown shows it as text"
sql "DELETE FROM rankings WHERE agent_id = '<b>x</b>&'" >/dev/null

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	not_ok "chromium is installed (Debian package chromium)"
else
	chrome() {
		"$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
			--disable-dev-shm-usage --user-data-dir="$TMP/chrome" \
			--window-size=1200,1600 "$@" 2>>"$TMP/chrome.log"
	}
	chrome --screenshot="$TMP/report.png" "file://$TMP/report.html" >/dev/null
	size=$(wc -c <"$TMP/report.png" 2>/dev/null || echo 0)
	check "Chromium renders a screenshot of the page ($size bytes)" [ "$size" -gt 30000 ]
	is "$(od -A n -t x1 -N 8 "$TMP/report.png" | tr -d ' ')" 89504e470d0a1a0a "the screenshot is a PNG"
	chrome --dump-dom "file://$TMP/report.html" >"$TMP/dom.html"
	is "$(grep -o '<svg' "$TMP/dom.html" | wc -l)" 3 "the rendered DOM holds 3 SVG charts"
	is "$(grep -o 'class="mean-bar"' "$TMP/dom.html" | wc -l)" 6 "a mean bar for every agent"
	is "$(grep -o 'class="ci"' "$TMP/dom.html" | wc -l)" 6 "an interval for every agent with 2+ calls"
	is "$(grep -o 'class="hist-bar"' "$TMP/dom.html" | wc -l)" 10 "10 histogram bins"
	is "$(grep -o 'class="trend-line"' "$TMP/dom.html" | wc -l)" 2 "a trend line per team"
	is "$(grep -o 'class="trend-pt"' "$TMP/dom.html" | wc -l)" 4 "trend points: 2 months x 2 teams"
	like "$(grep -o '<a href="file:///data/rec/2026-10/R0012%20call.wav#t=37.5">' "$TMP/dom.html" | head -n 1)" 't=37.5' \
		"the failure links to its audio at the second to play"
	if [ -n "${CALLQA_KEEP_PNG:-}" ]; then
		cp "$TMP/report.png" "$CALLQA_KEEP_PNG"
		cp "$TMP/report.html" "${CALLQA_KEEP_PNG%.png}.html"
		callqa-report --policy "$TMP/min3.yaml" --month 2026-10 \
			--lang zh --format html -o "${CALLQA_KEEP_PNG%.png}-zh.html"
	fi
fi

# A team where every ranked agent ties: no best and no worst.
{
	record_header
	records 6 AUG Q 2 2026-08 | awk -F '\t' 'BEGIN { OFS = "\t" }
		{ $2 = NR % 2 ? "C1" : "C2"; $5 = "east"; $38 = "80.0"; print }'
} >"$TMP/aug.tsv"
run_cmd 0 callqa-store <"$TMP/aug.tsv"
run_cmd 0 callqa-rank --policy "$TMP/min3.yaml" --month 2026-08
run_cmd 0 callqa-report --policy "$TMP/min3.yaml" --month 2026-08
is "$(grep -A 1 '^team east$' "$OUT" | tail -n 1)" \
	"every ranked agent ties: no best and no worst" "an all-tie team has no best and no worst"
is "$(grep -c '^best:\|^worst:' "$OUT")" 0 "and no best or worst line"

done_testing
