#!/bin/sh
# The configuration file and its precedence: options, then the
# environment, then the file (--config, $CALLQA_CONFIG, ~/.config, /etc).
. "${CALLQA_TOP:-$(dirname "$0")/..}/tests/lib.sh"
unset CALLQA_RUBRIC CALLQA_DB CALLQA_RECORDINGS CALLQA_CONFIG
export HOME=$TMP/home XDG_CONFIG_HOME=
mkdir -p $HOME/.config $TMP/rec
cat > $TMP/a.conf <<EOF
# callqa.conf for the test
rubric = $TMP/from-file.yaml
recordings = $TMP/rec
EOF
run_cmd 2 callqa -c $TMP/a.conf nightly
is "$(head -1 $ERR)" "callqa: nightly: cannot read rubric '$TMP/from-file.yaml'" \
	"the file's rubric is used"
CALLQA_RUBRIC=$TMP/from-env.yaml run_cmd 2 callqa -c $TMP/a.conf nightly
is "$(head -1 $ERR)" "callqa: nightly: cannot read rubric '$TMP/from-env.yaml'" \
	"the environment wins over the file"
CALLQA_RUBRIC=$TMP/from-env.yaml run_cmd 2 callqa -c $TMP/a.conf nightly -r $TMP/from-opt.yaml
is "$(head -1 $ERR)" "callqa: nightly: cannot read rubric '$TMP/from-opt.yaml'" \
	"the option wins over both"

echo "rubric = $TMP/from-home.yaml" > $HOME/.config/callqa.conf
run_cmd 2 callqa nightly $TMP/rec
is "$(head -1 $ERR)" "callqa: nightly: cannot read rubric '$TMP/from-home.yaml'" \
	"~/.config/callqa.conf is found"
CALLQA_CONFIG=$TMP/a.conf run_cmd 2 callqa nightly $TMP/rec
is "$(head -1 $ERR)" "callqa: nightly: cannot read rubric '$TMP/from-file.yaml'" \
	"\$CALLQA_CONFIG names the file"

printf 'rubric = x.yaml\ncolour = blue\n' > $TMP/bad.conf
run_cmd 2 callqa -c $TMP/bad.conf nightly $TMP/rec
is "$(cat $ERR)" "callqa: $TMP/bad.conf:2: unknown key 'colour'" "unknown key: file:line"
printf 'db = host=x password=secret\n' > $TMP/pw.conf
run_cmd 2 callqa -c $TMP/pw.conf nightly $TMP/rec
is "$(cat $ERR)" "callqa: $TMP/pw.conf:1: no passwords here: use ~/.pgpass or a service file" \
	"passwords refused"
run_cmd 2 callqa -c $TMP/missing.conf nightly $TMP/rec
is "$(cat $ERR)" "callqa: $TMP/missing.conf: No such file or directory" "a named file must exist"
rm $HOME/.config/callqa.conf
run_cmd 2 callqa nightly
like "$(head -1 $ERR)" "give one recording directory or manifest" "no file, no operand: usage"
done_testing
