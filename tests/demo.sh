#!/bin/sh
# demo.sh (make demo): generate a month of calls for 10 agents, run the
# nightly batch for each day into the private PostgreSQL cluster under
# var/, rank the month and print the board with the best and the worst
# agent and their +5/-5.  Re-running it stores nothing twice.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
MONTH=${DEMO_MONTH:-2026-10}
OUT=${DEMO_DIR:-demo}

echo "== generating a month of calls ($MONTH, 10 agents) in $OUT/calls"
build/callgen month --out "$OUT/calls" --agents 10 --month "$MONTH" \
	--days "${DEMO_DAYS:-30}" --calls-per-day "${DEMO_CALLS:-2}" --seed 1

# One manifest per day, as a recording system would leave them (paths made
# absolute, since these manifests live elsewhere).
rm -rf "$OUT/days"
mkdir -p "$OUT/days"
awk -F, -v OFS=, -v out="$OUT/days" -v calls="$PWD/$OUT/calls" '
	NR == 1 { header = $0; next }
	{ day = substr($3, 1, 10); f = out "/" day ".csv"
	  $4 = calls "/" $4; if ($8 != "") $8 = calls "/" $8
	  if (!(f in seen)) { seen[f] = 1; print header > f }
	  print >> f; close(f) }' "$OUT/calls/manifest.csv"

echo "== nightly batches"
callqa db start
for m in "$OUT"/days/*.csv; do
	day=$(basename "$m" .csv)
	rc=0
	callqa nightly -q -b "$day" "$m" || rc=$?
	# 3 means the batch completed with rejects (all recorded).
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { echo "demo: batch $day failed ($rc)" >&2; exit 1; }
done

echo "== the board for $MONTH"
callqa rank --month "$MONTH" | tee "$OUT/board.txt"

echo "== the board for managers (callqa report; also --format html|md|csv, --lang zh, --hr)"
callqa report --month "$MONTH" --examples 2
callqa report --month "$MONTH" --format html -o "$OUT/board-$MONTH.html"
echo "   (self-contained page with charts: $OUT/board-$MONTH.html)"

echo "== post ladder recommendations for 2026Q4 (proposals for HR to approve)"
callqa rank --ladder --period 2026Q4 | cut -c1-150

echo "== the generator made these the best and the worst of each team:"
awk -F '\t' 'NR > 1 && $5 != "" { print $2, $5, $1 }' "$OUT/calls/agents.tsv" |
	sort >"$OUT/expected.txt"
awk '{ for (i = 4; i <= NF; i++) {
		if ($i == "+5") print $1, "best", $3
		if ($i == "-5") print $1, "worst", $3 } }' \
	"$OUT/board.txt" | sort >"$OUT/got.txt"
sed 's/^/   /' "$OUT/expected.txt"
if cmp -s "$OUT/expected.txt" "$OUT/got.txt"; then
	echo "== the board names exactly these: +5 to each best, -5 to each worst"
else
	echo "demo: the board differs from the generator's best and worst:" >&2
	diff "$OUT/expected.txt" "$OUT/got.txt" >&2
	exit 1
fi
