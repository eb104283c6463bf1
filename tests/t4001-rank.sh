#!/bin/sh
# callqa-rank against a real PostgreSQL: a known population worked out by
# hand (see tests/unit/test_rank.c for the arithmetic), shrinkage beating
# raw means, the eligibility minimum, a tie, the ledger replaced on re-run,
# closed and reopened months, and the weekly board.
. "${CALLQA_TOP:-.}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"

# spec lines "agent team n lo hi": n calls scoring lo, hi, lo, ... in
# October 2026, on days 1..28.
cat >"$TMP/spec" <<'EOF'
P north 3 100 100
G north 40 86 98
O0 north 20 70 100
O1 north 20 69 99
O2 north 20 68 98
O3 north 20 67 97
O4 north 20 66 96
O5 north 20 65 95
T1 south 20 80 90
T2 south 20 80 90
T3 south 20 70 80
T4 south 20 60 70
S south 2 95 95
EOF
total=$(awk '{ s += $3 } END { print s }' "$TMP/spec")
{
	record_header
	records "$total" OCT R | awk -F '\t' -v spec="$TMP/spec" '
		BEGIN { OFS = "\t"
			while ((getline l < spec) > 0) {
				split(l, f, " ")
				for (i = 0; i < f[3]; i++) {
					k++; ag[k] = f[1]; tm[k] = f[2]
					sc[k] = i % 2 ? f[5] : f[4]
				}
			} }
		{ $2 = ag[NR]; $5 = tm[NR]; $38 = sprintf("%.1f", sc[NR]); print }'
	# Not counted: an ineligible call of G, and a November call of G.
	records 2 OCT X | awk -F '\t' 'BEGIN { OFS = "\t" }
		{ $2 = "G"; $5 = "north"; $38 = "\\N"; $43 = "f"; $44 = "no agent speech" }
		NR == 2 { $3 = "2026-11-01T00:00:00+00:00"; $38 = "0.0"; $43 = "t"; $44 = "\\N" }
		{ print }'
} >"$TMP/oct.tsv"
run_cmd 0 callqa-store <"$TMP/oct.tsv"
like "$(tail -n 1 "$ERR")" "batch OCT: $((total + 2)) inputs, $((total + 2)) stored" "the month is stored"
PG_PID=$(head -n 1 "$CALLQA_VAR/pg/postmaster.pid")
at_exit pg_stop
DB_URL=$(callqa-db url)

printf 'group: team\nmin_calls: 3\n' >"$TMP/min3.yaml"
run_cmd 2 callqa-rank
run_cmd 2 callqa-rank --month 2026-13
run_cmd 2 callqa-rank --month 2026-10 --policy "$TMP/nope.yaml"
run_cmd 0 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml" --format tsv
cp "$OUT" "$TMP/board.tsv"
row() { awk -F '\t' -v a="$1" '$3 == a { print $2 " " $4 " " $5 " " $8 " " $9 " " $10 }' "$TMP/board.tsv"; }
is "$(row G)" "1 40 92.00 91.21 5 ~ 2nd" "G: rank 1, n 40, mean 92, shrunk 91.21, +5, close to 2nd"
is "$(row P)" "2 3 100.00 90.63 0 \\N" "P: 3 perfect calls, mean 100, shrunk 90.63, second"
is "$(row O5)" "8 20 80.00 81.34 -5 ~ 2nd worst" "O5: last of north, -5, indistinguishable from O4"
is "$(row O0)" "3 20 85.00 85.20 0 \\N" "O0: third"
is "$(awk -F '\t' '$3 == "G" { print $6 " " $7 }' "$TMP/board.tsv")" "90.06 93.94" \
	"G's 95% t interval: 92 -+ 2.0227 * sqrt(36.923 / 40)"
is "$(row T1)|$(row T2)" "1 20 85.00 $(awk -F '\t' '$3 == "T1" { print $8 }' "$TMP/board.tsv") 5 tie|1 20 85.00 $(awk -F '\t' '$3 == "T2" { print $8 }' "$TMP/board.tsv") 5 tie" \
	"T1 and T2 tie: both rank 1, both +5 (tie: share)"
is "$(row T3 | cut -d ' ' -f 1,5)" "3 0" "T3: rank 3 after the tie"
is "$(row T4 | cut -d ' ' -f 1,5)" "4 -5" "T4: worst, -5"
is "$(row S)" "\\N 2 95.00 $(awk -F '\t' '$3 == "S" { print $8 }' "$TMP/board.tsv") 0 n < 3" "S: 2 calls, not ranked"

is "$(sql "SELECT string_agg(agent_id || ':' || points, ' ' ORDER BY agent_id) FROM ledger WHERE month = '2026-10-01'")" \
	"G:5 O5:-5 T1:5 T2:5 T4:-5" "ledger: +5 / -5 per group"
is "$(sql "SELECT (evidence->>'n') || ' ' || (evidence->>'mean') || ' ' || (evidence->>'shrunk') || ' ' || (evidence->'ci'->>0) || ' ' || rubric_version FROM ledger WHERE agent_id = 'G'")" \
	"40 92.00 91.21 90.06 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"ledger evidence: n, mean, shrunk, interval, rubric version"
like "$(sql "SELECT reason FROM ledger WHERE agent_id = 'G'")" \
	'^best of team north in 2026-10: shrunk mean 91.21 over 40 calls' "ledger reason"

# The default policy: 20 calls needed; P is not ranked.
run_cmd 0 callqa-rank --month 2026-10 --policy "$CALLQA_TOP/rules/ranking.yaml" --format tsv
is "$(awk -F '\t' '$3 == "P" { print $2 " " $10 }' "$OUT")" '\N n < 20' "default minimum: P not ranked"
is "$(sql "SELECT count(*) || ' ' || sum(points) FROM ledger WHERE month = '2026-10-01'")" "5 5" \
	"re-running the month replaces its ledger entries"

# The text board.
run_cmd 0 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml"
like "$(sed -n 2p "$OUT")" '^group  rank  agent +n +mean  CI +shrunk  points  flag$' "text board header"
like "$(grep ' G ' "$OUT")" '^north +1 +G +40 +92.00 +\[90.06, 93.94\] +91.21 +\+5 +~ 2nd$' "text board row"

# Closing, refusing, reopening.
run_cmd 2 callqa-rank --month 2026-10 --close
run_cmd 0 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml" --close --by alice
fp=$(sql "SELECT md5(string_agg(to_jsonb(l)::text, ',' ORDER BY agent_id)) FROM ledger l")
like "$(cat "$ERR")" 'month 2026-10 closed by alice' "closing is reported"
run_cmd 1 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml"
like "$(cat "$ERR")" '^callqa-rank: month 2026-10 is closed \(by alice at .* UTC\): reopen it first' \
	"a closed month refuses, naming who closed it"
run_cmd 1 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml" --close --by carol
is "$(sql "SELECT md5(string_agg(to_jsonb(l)::text, ',' ORDER BY agent_id)) FROM ledger l")" "$fp" \
	"the closed month's ledger is unchanged"
run_cmd 2 callqa-rank --month 2026-10 --reopen --by bob
run_cmd 0 callqa-rank --month 2026-10 --reopen --by bob --reason 'late calls from the 31st'
is "$(sql "SELECT string_agg(action || ':' || by_whom || ':' || coalesce(reason, ''), ' ' ORDER BY id) FROM month_closures")" \
	"close:alice: reopen:bob:late calls from the 31st" "the reopening is recorded"
run_cmd 1 callqa-rank --month 2026-10 --reopen --by bob --reason again
run_cmd 0 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml"
is "$(sql "SELECT count(*) FROM ledger")" 5 "reopened: ranked again, 5 entries"
run_cmd 1 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml" --reopen --by bob --reason x

# The weekly board (2026-W41 is 5..11 October): no ledger entries.
run_cmd 0 callqa-rank --week 2026-W41 --policy "$TMP/min3.yaml" --format tsv
in_week=$(awk -F '\t' 'NR > 1 { d = substr($3, 9, 2) + 0; if (d >= 5 && d <= 11 && $43 == "t" && substr($3, 6, 2) == "10") n++ } END { print n }' "$TMP/oct.tsv")
is "$(awk -F '\t' 'NR > 1 { s += $4 } END { print s }' "$OUT")" "$in_week" "the week counts the calls of 5..11 October"
is "$(sql "SELECT count(*) FROM ledger") $(sql "SELECT count(DISTINCT period) FROM rankings")" "5 2" \
	"the week adds rankings, not ledger entries"

# Readers see the board through their views and cannot change the ledger.
is "$(ROLE=callqa_manager sql "SELECT agent_id FROM manager_board WHERE period = '2026-10' AND rank = 1 AND grp = 'north'")" \
	G "the manager's view shows the board"
ROLE=callqa_hr sql "UPDATE ledger SET points = 50" >"$OUT" 2>"$ERR"
is "$?" 1 "HR cannot change the ledger"
is "$(ROLE=callqa_hr sql "SELECT sum(points) FROM hr_ledger")" 5 "HR reads the ledger"

# The whole centre as one group (worked out as in test_rank.c: mu = 84.0,
# s2w = 131.207, tau2 = 62.624): here the spread between agents is wide, so
# P's 3 perfect calls keep it first (shrunk 93.42), flagged as
# indistinguishable from G (91.60); T4 (66.80) is clearly last.
run_cmd 0 callqa-rank --month 2026-10 --policy "$TMP/min3.yaml" --group centre --format tsv
cp "$OUT" "$TMP/board.tsv"
is "$(awk -F '\t' 'NR > 1 { print $1 }' "$TMP/board.tsv" | sort -u)" centre "one group"
is "$(row P)" "1 3 100.00 93.42 5 ~ 2nd" "centre: P first, +5, close to G"
is "$(row G)" "2 40 92.00 91.60 0 \\N" "centre: G second"
is "$(row O0)|$(row T1)" "3 20 85.00 84.91 0 tie|3 20 85.00 84.91 0 tie" "centre: a three-way tie for 3rd"
is "$(row T4)" "12 20 65.00 66.80 -5 \\N" "centre: T4 last, -5"
is "$(sql "SELECT string_agg(group_by || ':' || agent_id || ':' || points, ' ' ORDER BY points) FROM ledger")" \
	"centre:T4:-5 centre:P:5" "the month's ledger now holds the centre's entries only"

done_testing
