/* config.c: see config.h. */
#include "callqa/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/strbuf.h"

const struct config_key config_keys[] = {
	{ "db", "CALLQA_DB", "PostgreSQL conninfo or URI (no password)" },
	{ "rubric", "CALLQA_RUBRIC", "the rubric YAML file for scoring" },
	{ "recordings", "CALLQA_RECORDINGS",
	  "the directory callqa nightly reads when given none" },
	{ "var", "CALLQA_VAR", "the private cluster's directory" },
	{ "jobs", "CALLQA_JOBS", "measure worker threads" },
	{ "dead_air", "CALLQA_DEAD_AIR", "shortest silence counted, seconds" },
	{ "interrupt_min", "CALLQA_INTERRUPT_MIN",
	  "shortest overlap counted as an interruption, seconds" },
	{ "ranking", "CALLQA_RANKING", "the ranking policy YAML file" },
	{ NULL, NULL, NULL }
};

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int
parse(FILE *fp, const char *path, struct err *e)
{
	char line[4096], *key, *val, *eq;
	long lineno = 0;
	int i;

	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp))
			return err_set(e, "%s:%ld: line too long", path,
				       lineno);
		key = trim(line);
		if (*key == '#' || *key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL)
			return err_set(e, "%s:%ld: expected 'key = value'",
				       path, lineno);
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		for (i = 0; config_keys[i].key; i++)
			if (strcmp(config_keys[i].key, key) == 0)
				break;
		if (config_keys[i].key == NULL)
			return err_set(e, "%s:%ld: unknown key '%s'", path,
				       lineno, key);
		if (strstr(val, "password") != NULL)
			return err_set(e, "%s:%ld: no passwords here: use "
				       "~/.pgpass or a service file", path,
				       lineno);
		/* The environment wins over the file. */
		if (setenv(config_keys[i].env, val, 0) < 0)
			return err_set(e, "%s:%ld: %s", path, lineno,
				       strerror(errno));
	}
	if (ferror(fp))
		return err_set(e, "%s: %s", path, strerror(errno));
	return 0;
}

int
config_load(const char *path, char **used, struct err *e)
{
	struct strbuf home = STRBUF_INIT;
	const char *cands[4];
	const char *env = getenv("CALLQA_CONFIG"), *xdg, *h;
	int n = 0, i, rc = 0, explicit = path != NULL || (env && *env);
	FILE *fp = NULL;

	*used = NULL;
	if (path)
		cands[n++] = path;
	else if (env && *env)
		cands[n++] = env;
	else {
		if ((xdg = getenv("XDG_CONFIG_HOME")) && *xdg)
			strbuf_addf(&home, "%s/callqa.conf", xdg);
		else if ((h = getenv("HOME")) && *h)
			strbuf_addf(&home, "%s/.config/callqa.conf", h);
		if (home.buf && home.len)
			cands[n++] = home.buf;
		cands[n++] = "/etc/callqa.conf";
	}
	for (i = 0; i < n; i++) {
		if ((fp = fopen(cands[i], "r")) != NULL)
			break;
		if (explicit || errno != ENOENT) {
			rc = err_set(e, "%s: %s", cands[i], strerror(errno));
			goto out;
		}
	}
	if (fp == NULL)
		goto out;
	rc = parse(fp, cands[i], e);
	fclose(fp);
	if (rc == 0 && (*used = strdup(cands[i])) == NULL)
		rc = err_set(e, "out of memory");
out:
	strbuf_release(&home);
	return rc;
}
