/*
 * ingest.c: file discovery, file-name metadata, timestamp checks and the
 * shard hash for callqa-ingest; and the stage itself: the manifest and its
 * column plan, the batch's duplicate call_id table, record building and
 * the accounting of rejects.
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
#include "callqa/record.h"
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

/* ---- the ingest stage ---- */

/* Columns every ingest record has, in this order, before manifest extras. */
static const char *const meta_cols[] = {
	"call_id", "agent_id", "started_at", "audio", "team", "post",
	"agent_channel", "transcript"
};
#define NMETA (int)(sizeof(meta_cols) / sizeof(meta_cols[0]))
static const char *const own_cols[] = {
	"batch_id", "audio_format", "sample_rate", "channels", "duration_s",
	"status"
};
#define NOWN (int)(sizeof(own_cols) / sizeof(own_cols[0]))

struct ingest {
	struct ingest_opts o;
	struct record_writer *w;
	long inputs, rejected;
	char **seen; /* call ids seen, open addressing */
	char **seen_where;
	size_t seen_cap, seen_len;
	int failed;	   /* a write error: stop */
	struct err werr;   /* what it was */
	/* The manifest, and how its columns map to record columns. */
	FILE *mfp;
	struct csv *csv;
	const char *name;
	char *dir;	   /* the manifest's directory, for relative paths */
	int col[NMETA];	   /* csv column of each meta column, or -1 */
	int *extra;	   /* record column of each csv column, or -1 */
	struct strbuf extra_names; /* the extra column names, NUL-separated */
	int nextra;
};

/*
 * Remember call_id; returns NULL when new, or where it was first seen.
 * The table grows by doubling; ids and places are owned by it.
 */
static const char *
seen_add(struct ingest *in, const char *id, const char *where)
{
	size_t h, i;

	if (in->seen_len * 2 >= in->seen_cap) {
		size_t ncap = in->seen_cap ? in->seen_cap * 2 : 1024, j;
		char **ns = calloc(ncap, sizeof(*ns));
		char **nw = calloc(ncap, sizeof(*nw));

		if (ns == NULL || nw == NULL) {
			free(ns);
			free(nw);
			return NULL;
		}
		for (j = 0; j < in->seen_cap; j++) {
			if (in->seen[j] == NULL)
				continue;
			h = ingest_shard(in->seen[j], (unsigned)ncap);
			while (ns[h])
				h = (h + 1) % ncap;
			ns[h] = in->seen[j];
			nw[h] = in->seen_where[j];
		}
		free(in->seen);
		free(in->seen_where);
		in->seen = ns;
		in->seen_where = nw;
		in->seen_cap = ncap;
	}
	h = ingest_shard(id, (unsigned)in->seen_cap);
	for (i = h; in->seen[i]; i = (i + 1) % in->seen_cap)
		if (strcmp(in->seen[i], id) == 0)
			return in->seen_where[i];
	in->seen[i] = strdup(id);
	in->seen_where[i] = strdup(where);
	in->seen_len++;
	return NULL;
}

static void
seen_free(struct ingest *in)
{
	size_t i;

	for (i = 0; i < in->seen_cap; i++) {
		free(in->seen[i]);
		free(in->seen_where[i]);
	}
	free(in->seen);
	free(in->seen_where);
}

/* Set the audio columns from a probe, or reject the call. */
static void
probe_audio(struct ingest *in, const char *path)
{
	struct audio_info info;
	struct err e;

	if (audio_probe(path, &info, &e) < 0 ||
	    ingest_check_audio(path, &info, &e) < 0) {
		record_reject(in->w, "ingest", "%s", e.msg);
		return;
	}
	record_set(in->w, record_writer_col(in->w, "audio_format"),
		   info.format);
	record_setf(in->w, record_writer_col(in->w, "sample_rate"), "%d",
		    info.rate);
	record_setf(in->w, record_writer_col(in->w, "channels"), "%d",
		    info.channels);
	record_set_num(in->w, record_writer_col(in->w, "duration_s"),
		       info.duration_s, 3);
}

/* Finish the row: status, accounting, duplicate check, write. */
static void
emit(struct ingest *in, const char *where)
{
	int st = record_writer_col(in->w, "status");
	const char *id = record_peek(in->w, 0), *first;

	record_set(in->w, record_writer_col(in->w, "batch_id"), in->o.batch);
	if (id != NULL && (first = seen_add(in, id, where)) != NULL &&
	    record_status_ok(record_peek(in->w, st)))
		record_reject(in->w, "ingest", "%s: duplicate call_id '%s' "
			      "(first at %s)", where, id, first);
	if (record_status_ok(record_peek(in->w, st)))
		record_set(in->w, st, "ok");
	else {
		if (in->o.warn)
			in->o.warn(record_peek(in->w, st) +
					   strlen("rejected:ingest:"),
				   in->o.arg);
		in->rejected++;
	}
	in->inputs++;
	if (record_write(in->w, &in->werr) < 0)
		in->failed = 1;
}

static int
in_shard(const struct ingest *in, const char *call_id)
{
	return in->o.shard_n == 0 || call_id == NULL ||
	       ingest_shard(call_id, in->o.shard_n) == in->o.shard_k;
}

static int
ingest_file(const char *path, const char *why, void *arg)
{
	struct ingest *in = arg;
	struct ingest_name nm;
	struct err e;
	char *abs, *side;
	int bad;

	bad = ingest_parse_name(path, &nm, &e) < 0;
	if (!in_shard(in, nm.call_id))
		return 0;
	abs = ingest_abspath(path, NULL);
	record_set(in->w, 0, nm.call_id);
	record_set(in->w, 1, nm.agent_id[0] ? nm.agent_id : NULL);
	record_set(in->w, 2, nm.started_at[0] ? nm.started_at : NULL);
	record_set(in->w, 3, abs ? abs : path);
	record_set(in->w, 6, "1");
	if (why)
		record_reject(in->w, "ingest", "%s: %s", path, why);
	else if (bad)
		record_reject(in->w, "ingest", "%s", e.msg);
	else {
		side = ingest_sidecar(abs ? abs : path);
		record_set(in->w, 7, side);
		free(side);
		probe_audio(in, path);
	}
	free(abs);
	emit(in, path);
	return in->failed;
}

/* One manifest row; damaged: the row is ragged or not UTF-8 (why says). */
static void
ingest_row(struct ingest *in, int damaged, const char *why)
{
	char where[512], ts[64];
	const char *v;
	char *path = NULL;
	struct err e;
	int i;

	snprintf(where, sizeof(where), "%s", why ? why : "");
	for (i = 0; i < NMETA; i++) {
		v = csv_get(in->csv, in->col[i]);
		record_set(in->w, i, v && *v ? v : NULL);
	}
	for (i = 0; i < csv_ncols(in->csv); i++)
		if (in->extra[i] >= 0)
			record_set(in->w, in->extra[i], csv_get(in->csv, i));
	v = record_peek(in->w, 0);
	if (v == NULL) {
		char id[64];

		snprintf(id, sizeof(id), "%s-line%ld", in->o.batch,
			 csv_lineno(in->csv));
		record_set(in->w, 0, id);
	}
	if (!in_shard(in, record_peek(in->w, 0)))
		return;
	if (damaged) {
		record_reject(in->w, "ingest", "%s", why);
		goto out;
	}
	snprintf(where, sizeof(where), "%s:%ld", in->name,
		 csv_lineno(in->csv));
	if (v == NULL) {
		record_reject(in->w, "ingest", "%s: no call_id", where);
		goto out;
	}
	if (record_peek(in->w, 1) == NULL) {
		record_reject(in->w, "ingest", "%s: no agent_id", where);
		goto out;
	}
	v = record_peek(in->w, 2);
	if (v == NULL || ingest_norm_time(v, ts, sizeof(ts), &e) < 0) {
		record_reject(in->w, "ingest", "%s: %s", where,
			      v ? e.msg : "no started_at");
		goto out;
	}
	record_set(in->w, 2, ts);
	v = record_peek(in->w, 6);
	if (v && strcmp(v, "1") != 0 && strcmp(v, "2") != 0) {
		record_reject(in->w, "ingest", "%s: agent_channel '%.20s' is "
			      "not 1 or 2", where, v);
		goto out;
	}
	if ((v = record_peek(in->w, 7)) != NULL) {
		char *t = ingest_abspath(v, in->dir);

		record_set(in->w, 7, t);
		free(t);
	}
	v = record_peek(in->w, 3);
	if (v == NULL) {
		record_reject(in->w, "ingest", "%s: no audio", where);
		goto out;
	}
	path = ingest_abspath(v, in->dir);
	if (path == NULL) {
		record_reject(in->w, "ingest", "out of memory");
		goto out;
	}
	record_set(in->w, 3, path);
	probe_audio(in, path);
out:
	emit(in, where);
	free(path);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/*
 * Open the manifest and plan the record columns: the meta columns, the
 * manifest's other columns in their order, then ingest's own.
 */
static int
manifest_open(struct ingest *in, const char *path, struct err *e)
{
	static const char *const required[] = { "call_id", "agent_id",
						"started_at", "audio" };
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int i, j;

	if (fp == NULL)
		return err_set(e, "%s: cannot open manifest: %s", path,
			       strerror(errno));
	in->mfp = fp;
	in->name = path;
	if ((in->csv = csv_new(fp, path, e)) == NULL)
		return -1;
	for (i = 0; i < 4; i++)
		if (csv_col(in->csv, required[i]) < 0)
			return err_set(e, "%s:1: missing column '%s' (need "
				       "call_id,agent_id,started_at,audio)",
				       path, required[i]);
	for (i = 0; i < NMETA; i++)
		in->col[i] = csv_col(in->csv, meta_cols[i]);
	in->extra = calloc(csv_ncols(in->csv), sizeof(int));
	in->dir = strcmp(path, "-") == 0 ? NULL : dir_of(path);
	if (in->extra == NULL)
		return err_set(e, "out of memory");
	in->nextra = 0;
	for (i = 0; i < csv_ncols(in->csv); i++) {
		const char *c = csv_colname(in->csv, i);
		const char *p;
		int meta = 0;

		for (j = 0; j < NMETA; j++)
			meta |= strcmp(c, meta_cols[j]) == 0;
		for (j = 0; j < NOWN; j++)
			meta |= strcmp(c, own_cols[j]) == 0;
		in->extra[i] = -1;
		if (meta)
			continue;
		for (p = c; *p; p++)
			if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') ||
			      (p > c && *p >= '0' && *p <= '9')))
				return err_set(e, "%s:1: column name '%.40s' "
					       "is not a plain identifier",
					       path, c);
		in->extra[i] = NMETA + in->nextra++;
		strbuf_adds(&in->extra_names, c);
		strbuf_addch(&in->extra_names, '\0');
	}
	return 0;
}

struct ingest *
ingest_new(const struct ingest_opts *o, struct err *e)
{
	struct ingest *in = calloc(1, sizeof(*in));

	if (in == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	in->o = *o;
	strbuf_init(&in->extra_names);
	if (o->manifest && manifest_open(in, o->manifest, e) < 0) {
		ingest_free(in);
		return NULL;
	}
	return in;
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	record_writer_free(in->w);
	seen_free(in);
	csv_free(in->csv);
	free(in->extra);
	free(in->dir);
	strbuf_release(&in->extra_names);
	if (in->mfp && in->mfp != stdin)
		fclose(in->mfp);
	free(in);
}

int
ingest_start(struct ingest *in, FILE *out, struct err *e)
{
	const char **cols;
	const char *p = in->extra_names.buf;
	int i, rc = 0;

	if (in->w != NULL)
		return err_set(e, "ingest: started twice");
	cols = calloc(NMETA + in->nextra + NOWN, sizeof(*cols));
	if (cols == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < NMETA; i++)
		cols[i] = meta_cols[i];
	for (i = 0; i < in->nextra; i++, p += strlen(p) + 1)
		cols[NMETA + i] = p;
	for (i = 0; i < NOWN; i++)
		cols[NMETA + in->nextra + i] = own_cols[i];
	in->w = record_writer_new(out, NULL, cols, NMETA + in->nextra + NOWN);
	if (in->w == NULL)
		rc = err_set(e, "out of memory");
	else if (record_writer_flush_header(in->w, e) < 0)
		rc = -1;
	free(cols);
	return rc;
}

/* The write error that stopped the stage, or one for a misuse. */
static int
stopped(const struct ingest *in, struct err *e)
{
	if (in->w == NULL)
		return err_set(e, "ingest: not started");
	*e = in->werr;
	return -1;
}

int
ingest_manifest(struct ingest *in, struct err *e)
{
	struct err why;
	int rc;

	if (in->w == NULL || in->failed)
		return stopped(in, e);
	if (in->csv == NULL)
		return 0;
	while (!in->failed && (rc = csv_read(in->csv, &why)) != 0) {
		if (rc == -2) {
			*e = why;
			return -2;
		}
		ingest_row(in, rc < 0, rc < 0 ? why.msg : NULL);
	}
	return in->failed ? stopped(in, e) : 0;
}

int
ingest_path(struct ingest *in, const char *path, struct err *e)
{
	if (in->w == NULL || in->failed)
		return stopped(in, e);
	ingest_walk(path, ingest_file, in);
	return in->failed ? stopped(in, e) : 0;
}

void
ingest_stats(const struct ingest *in, struct ingest_stats *st)
{
	st->inputs = in->inputs;
	st->rejected = in->rejected;
}
