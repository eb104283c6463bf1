# lib.sh: shared helpers for the shell tests (sourced).  Each test prints
# TAP for prove(1): "ok N - desc" / "not ok N - desc", and done_testing
# prints the plan and sets the exit status.
#
#   . "${CALLQA_TOP:-.}/tests/lib.sh"
#   run_cmd 0 callqa-ingest -m m.csv      # exit status, stdout in $OUT, stderr in $ERR
#   is "$(col status < "$OUT")" "ok" "the call is ok"
#   done_testing

set -u
: "${CALLQA_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${CALLQA_BIN:=$CALLQA_TOP/bin}"
: "${CALLQA_BUILD:=$CALLQA_TOP/build}"
export CALLQA_TOP CALLQA_BIN CALLQA_BUILD
export LC_ALL=C.UTF-8 TZ=UTC
PATH=$CALLQA_BIN:$PATH

T_N=0
T_FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/callqa-test.XXXXXX")
chmod 755 "$TMP"
OUT=$TMP/stdout
ERR=$TMP/stderr
T_CLEANUP=""
# at_exit CMD: run CMD when the test ends (in reverse order of registration).
at_exit() { T_CLEANUP="$1; $T_CLEANUP"; }
trap 'eval "$T_CLEANUP"; rm -rf "$TMP"' EXIT

ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

not_ok() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
}

# check COND-COMMAND... -- DESC: ok when the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

# like GOT REGEX DESC (extended regular expression)
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"
		printf '#   got:  %s\n#   want match: %s\n' "$1" "$2"
	fi
}

# near GOT WANT TOL DESC: |got - want| <= tol
near() {
	if awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN {
		if (g == "" || g == "\\N") exit 1
		d = g - w; if (d < 0) d = -d; exit !(d <= t) }'; then
		ok "$4"
	else
		not_ok "$4"
		printf '#   got: %s, want: %s +- %s\n' "$1" "$2" "$3"
	fi
}

# run_cmd STATUS PROG ARGS...: run with stdout to $OUT, stderr to $ERR, and
# check the exit status (under valgrind when CALLQA_VALGRIND=1).
run_cmd() {
	want=$1
	shift
	if [ "${CALLQA_VALGRIND:-}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite "$@" >"$OUT" 2>"$ERR"
	else
		"$@" >"$OUT" 2>"$ERR"
	fi
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$* exits $want"
	else
		not_ok "$* exits $want"
		echo "#   exit status $got"
		sed 's/^/#   stderr: /' "$ERR" | head -20
	fi
}

# col NAME [ROW]: print column NAME of a TSV record stream on stdin, for
# every row (or only row ROW, 1-based, when given).
col() {
	awk -F '\t' -v name="$1" -v row="${2:-0}" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		c && (row == 0 || NR - 1 == row) { print $c }'
}

# rowcount: data lines of a TSV stream on stdin.
rowcount() { awk 'NR > 1' | wc -l | tr -d ' '; }

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}
