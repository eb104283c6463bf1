/*
 * config.h: the optional configuration file.
 *
 * One file, the first found of: the --config option, $CALLQA_CONFIG,
 * ~/.config/callqa.conf ($XDG_CONFIG_HOME), /etc/callqa.conf.  Lines are
 * "key = value"; '#' starts a comment; blank lines are ignored.  Each key
 * stands for an environment variable (db for CALLQA_DB, ...), and loading
 * the file sets the variables that are not already set, so the order of
 * precedence is the usual one: command-line options, then the environment,
 * then the file.  callqa(1) loads it before running any command; see
 * callqa.conf(5).
 */
#ifndef CALLQA_CONFIG_H
#define CALLQA_CONFIG_H

#include "callqa/callqa.h"

/* The keys, in file order, with their variables and meaning (borrowed). */
struct config_key {
	const char *key, *env, *help;
};
extern const struct config_key config_keys[];

/*
 * Find the file (path: the --config option or NULL) and export its
 * settings.  *used gets the file read (a new string; NULL when there is
 * none).  An explicit file that cannot be read, an unknown key or a line
 * without '=' fails with "FILE:LINE: why".
 */
int config_load(const char *path, char **used, struct err *e);

#endif
