/*
 * ingest.c: file discovery, file-name metadata, timestamp checks and the
 * shard hash for callqa-ingest.
 */
#include "callqa/ingest.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callqa/audio.h"
#include "callqa/csv.h"
#include "callqa/strbuf.h"

static const char *const audio_ext[] = {
	"wav", "flac", "ogg", "oga", "opus", "mp3", "au", "aif", "aiff",
	"caf", "w64", "rf64", NULL
};

static const char *
basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int
valid_datetime(int y, int mo, int d, int h, int mi, int s)
{
	return y >= 1970 && y <= 2200 && mo >= 1 && mo <= 12 && d >= 1 &&
	       d <= days_in_month(y, mo) && h >= 0 && h <= 23 && mi >= 0 &&
	       mi <= 59 && s >= 0 && s <= 60;
}

int
ingest_parse_name(const char *path, struct ingest_name *out, struct err *e)
{
	const char *base = basename_of(path), *dot = strrchr(base, '.');
	size_t len = dot ? (size_t)(dot - base) : strlen(base), i;
	int y, mo, d, h, mi, s;

	snprintf(out->call_id, sizeof(out->call_id), "%.*s", (int)len, base);
	out->agent_id[0] = '\0';
	out->started_at[0] = '\0';
	/* Find "_YYYYMMDDTHHMMSS_" with a non-empty agent before it. */
	for (i = 1; i + 17 < len; i++) {
		const char *p = base + i;

		if (p[0] != '_' || p[16] != '_' || p[9] != 'T' ||
		    !all_digits(p + 1, 8) || !all_digits(p + 10, 6))
			continue;
		if (len - i - 17 >= INGEST_ID_MAX || i >= INGEST_ID_MAX)
			break;
		sscanf(p + 1, "%4d%2d%2d", &y, &mo, &d);
		sscanf(p + 10, "%2d%2d%2d", &h, &mi, &s);
		if (!valid_datetime(y, mo, d, h, mi, s))
			return err_set(e, "%s: bad date and time in file name",
				       path);
		snprintf(out->agent_id, sizeof(out->agent_id), "%.*s",
			 (int)i, base);
		snprintf(out->call_id, sizeof(out->call_id), "%.*s",
			 (int)(len - i - 17), p + 17);
		snprintf(out->started_at, sizeof(out->started_at),
			 "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
		return 0;
	}
	return err_set(e, "%s: file name is not AGENT_YYYYMMDDTHHMMSS_CALLID "
		       "and there is no manifest", path);
}

int
ingest_norm_time(const char *in, char *out, size_t outlen, struct err *e)
{
	int y, mo, d, h, mi, s = 0, n = 0, oh, om;
	const char *rest;

	if (sscanf(in, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi,
		   &n) != 5 || n == 0)
		return err_set(e, "bad timestamp '%.40s' (want "
			       "YYYY-MM-DDTHH:MM:SS)", in);
	rest = in + n;
	if (*rest == ':') {
		int m = 0;

		if (sscanf(rest, ":%2d%n", &s, &m) != 1)
			return err_set(e, "bad timestamp '%.40s'", in);
		rest += m;
		if (*rest == '.') /* fractions of a second are dropped */
			for (rest++; isdigit((unsigned char)*rest); rest++)
				;
	}
	if (!valid_datetime(y, mo, d, h, mi, s))
		return err_set(e, "bad timestamp '%.40s': no such date or time",
			       in);
	n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d,
		     h, mi, s);
	if (*rest == '\0')
		return 0;
	if (strcmp(rest, "Z") == 0) {
		snprintf(out + n, outlen - n, "Z");
		return 0;
	}
	if ((rest[0] == '+' || rest[0] == '-') &&
	    sscanf(rest + 1, "%2d:%2d", &oh, &om) == 2 && strlen(rest) == 6 &&
	    oh <= 14 && om < 60) {
		snprintf(out + n, outlen - n, "%s", rest);
		return 0;
	}
	return err_set(e, "bad timestamp '%.40s': unexpected '%.10s'", in,
		       rest);
}

int
ingest_is_audio_name(const char *name)
{
	const char *base = basename_of(name), *dot = strrchr(base, '.');
	int i;

	if (dot == NULL || base[0] == '.')
		return 0;
	for (i = 0; audio_ext[i]; i++)
		if (strcasecmp(dot + 1, audio_ext[i]) == 0)
			return 1;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk_dir(const char *dir, ingest_walk_fn *fn, void *arg, int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > 32)
		return fn(dir, "directories nested too deep", arg);
	if ((d = opendir(dir)) == NULL)
		return fn(dir, strerror(errno), arg);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? 2 * cap : 64) *
							  sizeof(*names));
			if (p == NULL) {
				rc = fn(dir, "out of memory", arg);
				goto out;
			}
			names = p;
		}
		if ((names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2)) ==
		    NULL) {
			rc = fn(dir, "out of memory", arg);
			goto out;
		}
		snprintf(names[n], strlen(dir) + strlen(de->d_name) + 2, "%s/%s",
			 dir, de->d_name);
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && rc == 0; i++) {
		struct stat lst, st;

		if (lstat(names[i], &lst) < 0) {
			rc = fn(names[i], strerror(errno), arg);
			continue;
		}
		if (S_ISDIR(lst.st_mode)) {
			rc = walk_dir(names[i], fn, arg, depth + 1);
			continue;
		}
		if (!ingest_is_audio_name(names[i]))
			continue;
		if (S_ISLNK(lst.st_mode) && stat(names[i], &st) < 0)
			rc = fn(names[i], errno == ELOOP ? "symbolic link loop"
				: "broken symbolic link", arg);
		else
			rc = fn(names[i], NULL, arg);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int
ingest_walk(const char *path, ingest_walk_fn *fn, void *arg)
{
	struct stat st, lst;

	if (lstat(path, &lst) < 0)
		return fn(path, strerror(errno), arg);
	if (stat(path, &st) < 0)
		return fn(path, errno == ELOOP ? "symbolic link loop"
			  : "broken symbolic link", arg);
	if (S_ISDIR(st.st_mode))
		return walk_dir(path, fn, arg, 0);
	return fn(path, NULL, arg);
}

unsigned
ingest_shard(const char *call_id, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)call_id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return n ? (unsigned)(h % n) : 0;
}

char *
ingest_sidecar(const char *audio_path)
{
	static const char *const ext[] = { "vtt", "srt", "tsv", NULL };
	const char *dot = strrchr(audio_path, '.');
	size_t stem = dot && dot > strrchr(audio_path, '/') ?
			      (size_t)(dot - audio_path) : strlen(audio_path);
	char *p;
	int i;

	for (i = 0; ext[i]; i++) {
		if ((p = malloc(stem + 5)) == NULL)
			return NULL;
		snprintf(p, stem + 5, "%.*s.%s", (int)stem, audio_path, ext[i]);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

char *
ingest_abspath(const char *path, const char *base_dir)
{
	char cwd[PATH_MAX];
	struct strbuf sb = STRBUF_INIT;

	if (path[0] == '/')
		return strdup(path);
	if (base_dir == NULL || base_dir[0] == '\0') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return strdup(path);
		base_dir = cwd;
	}
	if (base_dir[0] != '/') {
		char *absbase = ingest_abspath(base_dir, NULL), *r;

		if (absbase == NULL)
			return NULL;
		r = ingest_abspath(path, absbase);
		free(absbase);
		return r;
	}
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (strcmp(path, ".") == 0)
		path = "";
	if (strbuf_addf(&sb, "%s%s%s", base_dir,
			path[0] && strcmp(base_dir, "/") != 0 ? "/" : "",
			path) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

int
ingest_check_audio(const char *path, const struct audio_info *info,
		   struct err *e)
{
	if (info->channels > 2)
		return err_set(e, "%s: %d channels: a call recording is mono "
			       "or two channels (agent and customer)", path,
			       info->channels);
	if (info->rate < 8000)
		return err_set(e, "%s: sample rate %d Hz is below telephone "
			       "quality (8000 Hz)", path, info->rate);
	return 0;
}

static int
count_one(const char *path, const char *why, void *arg)
{
	(void)path;
	(void)why;
	++*(long *)arg;
	return 0;
}

long
ingest_count(const char *manifest, const char *dir)
{
	struct csv *c;
	struct err e;
	FILE *fp;
	long n = 0;
	int rc;

	if (manifest == NULL) {
		ingest_walk(dir, count_one, &n);
		return n;
	}
	if ((fp = fopen(manifest, "r")) == NULL)
		return -1;
	if ((c = csv_new(fp, manifest, &e)) == NULL) {
		fclose(fp);
		return -1;
	}
	while ((rc = csv_read(c, &e)) != 0 && rc != -2)
		n++;
	csv_free(c);
	fclose(fp);
	return rc == -2 ? -1 : n;
}
