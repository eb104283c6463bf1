#!/bin/sh
# The post ladder against a real PostgreSQL: a small population of four
# posts whose right answer is worked out by hand below, the minimum-calls
# rule, a tie at the cutoff (share, then none), the top post not promoted
# and the bottom post not moved down, a quantity that is N/A in one post,
# idempotent re-runs, final decisions, and the roles.
. "${CALLQA_TOP:-.}/tests/lib.sh"
. "$CALLQA_TOP/tests/pg.sh"

# The policy under test: quarters, 4 scored calls needed, weights summing
# to 1, percent of the post's maximum, top 1 up, bottom 1 down.
cat >"$TMP/ladder.yaml" <<'EOF'
period: quarter
posts:
  - { id: "96126", name: "96126 热线" }
  - { id: "114", name: "114 查号" }
  - { id: "160", name: "160 综合服务" }
  - { id: "1000", name: "1000 综合岗" }
min_calls: 4
weights: { quality: 0.5, calls: 0.2, callbacks: 0.1, records: 0.1, ledger: 0.1 }
columns: { callbacks: callbacks, records: records_entered }
normalise: percent_of_max
promote: 1
demote: 1
tie: share
EOF
sed 's/^tie: share/tie: none/' "$TMP/ladder.yaml" >"$TMP/ladder-none.yaml"

# The population of 2026Q4: "agent post n score callbacks records", every
# call of an agent with that score; callbacks and records_entered per call
# cycle through the comma-separated lists (N: \N, no value).  Calls go to
# October, November, December in turn.  Ledger points (inserted below):
# A1 +5, A3 -5, B2 +5, B3 -5, D1 +5, D2 -5 in the quarter; A2 +5 in
# September and D2 +5 in January do not count.
#
# Post 96126 (bottom).  Considered: A1, A2, A3 (A4 has 3 calls < 4, so its
# 30 callbacks do not set the post's maximum).  Maxima: quality 100,
# calls 8, callbacks 8, records 10, |ledger| 5.
#   A1: q 80, 5 calls, cb 5, rec 10, +5
#       .5*80 + .2*62.5 + .1*62.5 + .1*100 + .1*100      = 78.75  promote
#   A2: q 100, 4 calls, cb 0, rec 8, 0
#       .5*100 + .2*50 + .1*0 + .1*80 + .1*0             = 68.00  stay
#   A3: q 50, 8 calls, cb 8, rec 8, -5
#       .5*50 + .2*100 + .1*100 + .1*80 + .1*-100        = 53.00  last, but
#       the bottom post: stays
# Post 114.  Maxima: quality 90, calls 6, callbacks 8, records 18, ledger 5.
#   B2: q 70, 6 calls, cb 6, rec 18, +5
#       .5*77.778 + .2*100 + .1*75 + .1*100 + .1*100     = 86.39  promote
#   B1: q 90, 4 calls (its ineligible call does not count), cb 8, rec 0
#       .5*100 + .2*66.667 + .1*100 + 0 + 0              = 73.33  stay
#   B3: q 60, 5 calls, cb 0, rec 10, -5
#       .5*66.667 + .2*83.333 + 0 + .1*55.556 - .1*100   = 45.56  demote
# Post 160.  No call carries records_entered: records are N/A, the weights
# left sum to 0.9.  Maxima: quality 85, calls 4, callbacks 4; no ledger.
#   C1, C2: q 85, 4 calls, cb 4: (.5*100 + .2*100 + .1*100 + .1*0)/.9
#                                                        = 88.89  tied
#       first: with tie "share" both are promoted, with "none" neither
#   C3: q 75, 4 calls, cb 2: (.5*88.235 + .2*100 + .1*50)/.9 = 76.80 demote
# Post 1000 (top).  Callbacks and records are all 0 (0 %).  Maxima:
# quality 95, calls 5, ledger 5.
#   D1: q 95, 4 calls, +5: .5*100 + .2*80 + .1*100       = 76.00  first, but
#       the top post: stays
#   D2: q 90, 5 calls, -5: .5*94.737 + .2*100 - .1*100   = 57.37  demote
# E1 is in post 999, not on the ladder: shown, never moved.
cat >"$TMP/spec" <<'EOF'
A1 96126 5 80 1 2
A2 96126 4 100 0 2
A3 96126 8 50 1 1
A4 96126 3 100 10 1
B1 114 4 90 2 0
B2 114 6 70 1 3
B3 114 5 60 0 2
C1 160 4 85 1 N
C2 160 4 85 1 N
C3 160 4 75 1,0 N
D1 1000 4 95 0,no 0
D2 1000 5 90 0 0
E1 999 4 88 x 1
EOF
total=$(awk '{ s += $3 } END { print s }' "$TMP/spec")
{
	printf '%s\tcallbacks\trecords_entered\n' "$(record_header)"
	records "$total" Q4 L | awk -F '\t' -v spec="$TMP/spec" '
		BEGIN { OFS = "\t"
			while ((getline l < spec) > 0) {
				split(l, f, " ")
				for (i = 0; i < f[3]; i++) {
					k++; ag[k] = f[1]; po[k] = f[2]
					sc[k] = f[4]; nth[k] = i
					ncb = split(f[5], cbl, ",")
					nrc = split(f[6], rcl, ",")
					cb[k] = cbl[i % ncb + 1]
					rc[k] = rcl[i % nrc + 1]
				}
			} }
		{ $2 = ag[NR]; $6 = po[NR]; $5 = "t" po[NR]
		  $3 = sprintf("2026-%02d-%02dT10:%02d:00+00:00", 10 + nth[NR] % 3,
			nth[NR] + 1, NR % 60)
		  $38 = sprintf("%.1f", sc[NR])
		  print $0, cb[NR] == "N" ? "\\N" : cb[NR], rc[NR] == "N" ? "\\N" : rc[NR] }'
	# Not counted: A2 in September and D2 in January (score 0), and an
	# ineligible call of B1 in November.
	records 3 Q4 X | awk -F '\t' 'BEGIN { OFS = "\t" }
		NR == 1 { $2 = "A2"; $6 = "96126"; $3 = "2026-09-30T23:59:59+00:00" }
		NR == 2 { $2 = "D2"; $6 = "1000"; $3 = "2027-01-01T00:00:00+00:00" }
		NR <= 2 { $38 = "0.0" }
		NR == 3 { $2 = "B1"; $6 = "114"; $3 = "2026-11-20T09:00:00+00:00"
			  $38 = "\\N"; $43 = "f"; $44 = "no agent speech" }
		{ $5 = "t" $6; print $0, 9, 9 }'
} >"$TMP/q4.tsv"
run_cmd 0 callqa-store --keep callbacks,records_entered <"$TMP/q4.tsv"
like "$(tail -n 1 "$ERR")" "batch Q4: $((total + 3)) inputs, $((total + 3)) stored" "the quarter is stored"
PG_PID=$(head -n 1 "$CALLQA_VAR/pg/postmaster.pid")
at_exit pg_stop
DB_URL=$(callqa-db url)

sql "INSERT INTO ledger (month, agent_id, points, reason, rubric_version,
	evidence, group_by, grp) VALUES
	('2026-10-01', 'A1', 5, 'fixture', 'v', '{}', 'post', '96126'),
	('2026-11-01', 'A3', -5, 'fixture', 'v', '{}', 'post', '96126'),
	('2026-11-01', 'B2', 5, 'fixture', 'v', '{}', 'post', '114'),
	('2026-12-01', 'B3', -5, 'fixture', 'v', '{}', 'post', '114'),
	('2026-11-01', 'D1', 5, 'fixture', 'v', '{}', 'post', '1000'),
	('2026-12-01', 'D2', -5, 'fixture', 'v', '{}', 'post', '1000'),
	('2026-09-01', 'A2', 5, 'fixture', 'v', '{}', 'post', '96126'),
	('2027-01-01', 'D2', 5, 'fixture', 'v', '{}', 'post', '1000');
	INSERT INTO month_closures (month, action, by_whom) VALUES
	('2026-10-01', 'close', 'alice'), ('2026-11-01', 'close', 'alice')" >/dev/null
check "ledger fixture inserted" [ "$(sql 'SELECT count(*) FROM ledger')" = 8 ]

# Bad options and periods.
run_cmd 2 callqa-rank --ladder
run_cmd 2 callqa-rank --ladder --period 2026-10 --ladder-policy "$TMP/ladder.yaml"
like "$(cat "$ERR")" "bad period '2026-10': the policy's periods are YYYYQn" "a month is not a quarter"
run_cmd 2 callqa-rank --ladder --period 2026Q5 --ladder-policy "$TMP/ladder.yaml"
run_cmd 2 callqa-rank --ladder --period 2026Q4 --ladder-policy "$TMP/nope.yaml"
run_cmd 2 callqa-rank --ladder --period 2026Q4 --approve A1

# The proposals.
run_cmd 0 callqa-rank --ladder --period 2026Q4 --ladder-policy "$TMP/ladder.yaml" --format tsv
cp "$OUT" "$TMP/p1.tsv"
row() { awk -F '\t' -v a="$1" '$4 == a { print $3 " " $17 " " $18 " " $19 " " $20 " " $23 }' "$TMP/p1.tsv"; }
is "$(awk -F '\t' 'NR > 1 { printf "%s ", $4 }' "$TMP/p1.tsv")" \
	"D1 D2 C1 C2 C3 B2 B1 B3 A1 A2 A3 A4 E1 " "top post first, each post by rank"
is "$(row A1)" "1 78.75 promote 114 proposed \\N" "A1: 78.75, promoted to 114"
is "$(row A2)" "2 68.00 stay 96126 proposed \\N" "A2: perfect quality, few calls, no callbacks: 68.00, stays"
is "$(row A3)" "3 53.00 stay 96126 proposed bottom post: not moved down" "A3: last of the bottom post, stays"
is "$(row A4)" "\\N \\N stay 96126 proposed n < 4" "A4: 3 calls < 4, not considered"
is "$(row B2)" "1 86.39 promote 160 proposed \\N" "B2: 86.39, promoted to 160"
is "$(row B1)" "2 73.33 stay 114 proposed \\N" "B1: 73.33, stays"
is "$(row B3)" "3 45.56 demote 96126 proposed \\N" "B3: 45.56, moved down to 96126"
is "$(row C1)|$(row C2)" "1 88.89 promote 1000 proposed tie, tie at the cutoff: all tied move|1 88.89 promote 1000 proposed tie, tie at the cutoff: all tied move" \
	"C1 and C2 tie at 88.89: both promoted (tie: share)"
is "$(row C3)" "3 76.80 demote 114 proposed \\N" "C3: 76.80, moved down to 114"
is "$(row D1)" "1 76.00 stay 1000 proposed top post: not promoted" "D1: first of the top post, stays"
is "$(row D2)" "2 57.37 demote 160 proposed \\N" "D2: 57.37, moved down to 160"
is "$(row E1)" "\\N \\N stay \\N proposed post not on the ladder" "E1: post 999 is not on the ladder"
is "$(awk -F '\t' '$4 == "A1" { print $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 }' "$TMP/p1.tsv")" \
	"5 80.00 5 5.00 10.00 5 80.00 62.50 62.50 100.00 100.00" \
	"A1: every number behind the score (n, raw values, percents)"
is "$(awk -F '\t' '$4 == "C3" { print $9, $10, $14, $15 }' "$TMP/p1.tsv")" "2.00 \\N 50.00 \\N" \
	"C3: records N/A in post 160"
is "$(awk -F '\t' '$4 == "D2" { print $6, $11 }' "$TMP/p1.tsv")" "5 -5" \
	"D2: the January call and ledger entry are outside the quarter"
like "$(cat "$ERR")" "ledger months not closed: 2026-12" "the open ledger month is reported"

is "$(sql "SELECT evidence->'post'->>'weight_sum' || ' ' || (evidence->'post'->'max_abs'->>'callbacks') || ' ' || (evidence->'columns'->'records'->>'calls_with_value') FROM ladder_decisions WHERE agent_id = 'C1'")" \
	"0.9000 4.0000 0" "evidence: the weights used, the post's maxima, the column counts"
is "$(sql "SELECT evidence->'columns'->'callbacks'->>'bad_values' FROM ladder_decisions WHERE agent_id = 'E1'")" 4 \
	"evidence: bad callback values are counted"
is "$(sql "SELECT evidence->'post'->'max_abs'->>'callbacks' FROM ladder_decisions WHERE agent_id = 'A1'")" 8.0000 \
	"A4's 30 callbacks do not set the maximum of 96126"

# The text report.
run_cmd 0 callqa-rank --ladder --period 2026Q4 --ladder-policy "$TMP/ladder.yaml"
like "$(grep ' A1 ' "$OUT")" '^96126 +1 +A1 +5 +80.00 +5 +5.00 +10.00 +5 +80.00 +62.50 +62.50 +100.00 +100.00 +78.75 +promote +114 +proposed' \
	"text row"

# Re-running changes nothing but the run.
fp() { sql "SELECT md5(string_agg((to_jsonb(d) - 'run_id' - 'proposed_at')::text, ',' ORDER BY agent_id)) FROM ladder_decisions d"; }
before=$(fp)
run_cmd 0 callqa-ladder --period 2026Q4 --ladder-policy "$TMP/ladder.yaml" --format tsv
is "$(fp)" "$before" "re-running gives the same proposals"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT run_id) FROM ladder_decisions") $(sql 'SELECT count(*) FROM ladder_runs')" \
	"13 1 3" "13 rows, replaced by the latest of 3 runs"

# Decisions.
run_cmd 0 callqa-rank --ladder --period 2026Q4 --approve A1 --by "Wang Fang" --format tsv
is "$(awk -F '\t' 'NR == 2 { print $4, $18, $20, $21 }' "$OUT")" "A1 promote approved Wang Fang" "A1's promotion approved"
like "$(cat "$ERR")" "2026Q4: A1's move approved by Wang Fang" "the approval is reported"
run_cmd 0 callqa-rank --ladder --period 2026Q4 --reject C3 --by "Li Wei" --note "new in post; review in 2027Q1"
like "$(grep ' C3 ' "$OUT")" 'rejected +by Li Wei at .* UTC: new in post; review in 2027Q1$' "C3's move rejected with a note"
is "$(sql "SELECT string_agg(agent_id || ':' || status || ':' || decided_by || ':' || decided_login || ':' || coalesce(note, '') || ':' || (decided_at IS NOT NULL), ' ' ORDER BY agent_id) FROM ladder_decisions WHERE status <> 'proposed'")" \
	"A1:approved:Wang Fang:callqa::true C3:rejected:Li Wei:callqa:new in post; review in 2027Q1:true" \
	"decisions record who, the login and when"
run_cmd 1 callqa-rank --ladder --period 2026Q4 --reject A1 --by "Zhao Lei"
like "$(cat "$ERR")" "the recommendation for A1 in 2026Q4 was already approved by Wang Fang at 20[0-9-]{8} [0-9:]{8} UTC: decisions are final" \
	"re-deciding is refused, naming the decision"
run_cmd 1 callqa-rank --ladder --period 2026Q4 --approve NOBODY --by "Wang Fang"
like "$(cat "$ERR")" "no ladder recommendation for agent NOBODY in 2026Q4" "an unknown agent is refused"
run_cmd 1 callqa-rank --ladder --period 2026Q3 --approve A1 --by "Wang Fang"
like "$(cat "$ERR")" "no ladder recommendations for period '2026Q3'" "an unknown period is refused"
run_cmd 1 callqa-rank --ladder --period 2026Q4 --approve B1 --by "Wang Fang"
like "$(cat "$ERR")" "B1 stays in 2026Q4 \\(no move to decide\\)" "a stay is not decided"
is "$(sql "SELECT post FROM agents WHERE agent_id = 'A1'")" 96126 "approving moves nobody: A1 is still in 96126"

# A re-run with tie "none" replaces proposals but keeps decisions.
run_cmd 0 callqa-rank --ladder --period 2026Q4 --ladder-policy "$TMP/ladder-none.yaml" --format tsv
cp "$OUT" "$TMP/p2.tsv"
like "$(cat "$ERR")" "2026Q4: 2 decided recommendations kept as decided" "the re-run reports the kept decisions"
is "$(awk -F '\t' '$4 ~ /^C[12]$/ { print $3, $17, $18, $23 }' "$TMP/p2.tsv" | sort -u)" \
	"1 88.89 stay tie, tie at the cutoff: none of the tied move" "tie none: neither C1 nor C2 is promoted"
is "$(awk -F '\t' '$4 == "A1" || $4 == "C3" { print $4, $18, $20 }' "$TMP/p2.tsv" | tr '\n' ' ')" \
	"C3 demote rejected A1 promote approved " "decided rows are untouched"
is "$(sql "SELECT string_agg(DISTINCT run_id || ':' || status, ' ') FROM ladder_decisions")" \
	"3:approved 3:rejected 4:proposed" "decided rows keep the run they were decided on"

# Roles: the pipeline cannot change a status but through ladder_decide(),
# nor touch a decided row; HR reads hr_ladder and writes nothing.
ROLE=callqa_pipeline sql "UPDATE ladder_decisions SET status = 'approved', decided_by = 'x', decided_at = now() WHERE agent_id = 'B2'" >"$OUT" 2>"$ERR"
is "$?" 1 "the pipeline role cannot UPDATE a proposal"
ROLE=callqa_pipeline sql "DELETE FROM ladder_decisions WHERE agent_id = 'A1'" >"$OUT" 2>"$ERR"
is "$?" 1 "the pipeline role cannot delete a decided row"
like "$(cat "$ERR")" "the ladder decision for A1 in 2026Q4 is final" "the trigger says why"
sql "UPDATE ladder_decisions SET note = 'edited' WHERE agent_id = 'C3'" >"$OUT" 2>"$ERR"
is "$?" 1 "not even the owner can edit a decided row"
is "$(ROLE=callqa_hr sql "SELECT agent_id || ' ' || action || ' ' || status || ' ' || comprehensive || ' ' || to_post_name FROM hr_ladder WHERE agent_id = 'A1'")" \
	"A1 promote approved 78.75 114 查号" "HR reads hr_ladder"
ROLE=callqa_hr sql "SELECT count(*) FROM ladder_decisions" >"$OUT" 2>"$ERR"
is "$?" 1 "HR cannot read the table itself"
ROLE=callqa_hr sql "UPDATE hr_ladder SET status = 'approved' WHERE agent_id = 'B2'" >"$OUT" 2>"$ERR"
is "$?" 1 "HR cannot write through hr_ladder"
ROLE=callqa_hr sql "SELECT ladder_decide('2026Q4', 'B2', 'approved', 'hr', NULL)" >"$OUT" 2>"$ERR"
is "$?" 1 "HR cannot call ladder_decide"
ROLE=callqa_manager sql "SELECT count(*) FROM hr_ladder" >"$OUT" 2>"$ERR"
is "$?" 1 "managers cannot read hr_ladder"

# The shipped policy loads and is the one documented.
run_cmd 0 callqa-ladder --period 2026Q4 --ladder-policy "$CALLQA_TOP/rules/ladder.yaml" --format tsv
is "$(awk -F '\t' 'NR > 1 && $18 != "stay"' "$OUT" | wc -l | tr -d ' ')" 2 \
	"rules/ladder.yaml (60 calls needed): only the decided rows move"

done_testing
