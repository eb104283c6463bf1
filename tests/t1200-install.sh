#!/bin/sh
# make install DESTDIR=... PREFIX=...: the programs, one manual page per
# program plus the file formats, and the default rules; then the installed
# programs run from there and every page formats; make uninstall removes
# what install put there.
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
R=$TMP/root
O=$(dirname "$CALLQA_BIN")
make -s -C "$CALLQA_TOP" O="$O" DESTDIR=$R PREFIX=/opt/callqa install >$TMP/make.out 2>&1
is "$?" 0 "make install DESTDIR PREFIX"
for c in "$CALLQA_TOP"/cmd/*.c; do
	p=$(basename "$c" .c)
	check "$p installed and executable" test -x "$R/opt/callqa/bin/$p"
	v=$("$R/opt/callqa/bin/$p" --version 2>&1)
	like "$v" "^$p(: | )[0-9]+\.[0-9]+\.[0-9]+" "installed $p --version"
	check "$p(1) installed" test -f "$R/opt/callqa/share/man/man1/$p.1"
	man -l "$R/opt/callqa/share/man/man1/$p.1" >$TMP/page 2>$TMP/warn </dev/null
	like "$(head -3 $TMP/page | tr -s ' ')" "$(echo "$p" | tr a-z A-Z)\(1\)" "man -l $p.1 formats"
	is "$(cat $TMP/warn)" "" "$p.1 formats without warnings"
done
for m in "$CALLQA_TOP"/cmd/*.5; do
	n=$(basename "$m")
	check "$n installed" test -f "$R/opt/callqa/share/man/man5/$n"
	man -l "$R/opt/callqa/share/man/man5/$n" >$TMP/page 2>$TMP/warn </dev/null
	like "$(head -3 $TMP/page)" "\(5\)" "man -l $n formats"
done
check "default rubric installed" test -f "$R/opt/callqa/share/callqa/rules/default.yaml"
# The installed driver finds its stages beside itself, not on PATH.
PATH=/usr/bin:/bin run_cmd 0 "$R/opt/callqa/bin/callqa" ingest --version
is "$(cat $OUT)" "$(callqa-ingest --version)" "installed callqa runs the installed stage"
make -s -C "$CALLQA_TOP" O="$O" DESTDIR=$R PREFIX=/opt/callqa uninstall >$TMP/make.out 2>&1
is "$(find $R -type f | wc -l | tr -d ' ')" 0 "make uninstall leaves no file"
done_testing
