# sql2c.awk: turn the schema migrations pipeline/sql/NNN_name.sql into C
# string constants, so that the programs carry their schema with them.
function esc(s,    n, part, i, out) {
	# Backslashes doubled by split and join: gsub's replacement text
	# treats backslashes differently in mawk (Debian's awk) and gawk.
	n = split(s, part, "\\")
	out = part[1]
	for (i = 2; i <= n; i++)
		out = out "\\\\" part[i]
	s = out
	gsub(/"/, "\\\"", s)
	gsub(/\t/, "\\t", s)
	return s
}
FNR == 1 {
	n++
	name = FILENAME
	sub(/.*\//, "", name)
	names[n] = name
}
{ body[n] = body[n] "\t\"" esc($0) "\\n\"\n" }
END {
	print "/* Generated from pipeline/sql/ by tests/sql2c.awk: do not edit. */"
	print "#include <stddef.h>"
	print "const char *const callqa_migration_names[] = {"
	for (i = 1; i <= n; i++) print "\t\"" names[i] "\","
	print "\tNULL\n};"
	print "const char *const callqa_migration_sql[] = {"
	for (i = 1; i <= n; i++) printf "%s\t,\n", body[i]
	print "\tNULL\n};"
}
