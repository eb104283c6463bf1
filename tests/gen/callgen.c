/*
 * callgen: realistic sample calls with exact ground truth, for callqa's
 * tests, accuracy suite and demo.  Standalone: libsndfile, libsoxr, libm
 * and the espeak-ng program (run as a child process, never via a shell).
 *
 *   callgen call SCRIPT.tsv OUT.wav [--snr DB] [--seed S] [--clean]
 *          [--leak DB] [--cache DIR] [-j N]
 *   callgen month --out DIR --agents N --month YYYY-MM --days D
 *          --calls-per-day C --seed S [--teams T] [--snr DB] [--leak DB]
 *          [--cache DIR] [-j N]
 *
 * SCRIPT.tsv: header "start speaker voice pitch speed text" (tabs; an
 * optional 7th column "range" = x-low|low|medium|high|x-high is the
 * espeak SSML prosody range: x-low is flat, x-high lively).  speaker is
 * agent, customer or hold; start is seconds, or "+G" (G s after the
 * previous turn ends) or "-O" (O s before it ends: overlap).  For hold the
 * text is the duration in seconds.  Voice "cmn"/"zh" (with an optional
 * "+variant") is given to espeak-ng as "cmn-latn-pinyin": Debian's "cmn"
 * voice reads the pinyin of Han characters as English words.  ASCII digits
 * in a text are spoken one by one (zh: 零幺二三..., en: zero one two ...);
 * the transcript keeps the text as written.
 *
 * Rendering: each espeak clip (22050 Hz) is resampled to 16 kHz (the
 * internal rate), trimmed to its first and last active frame (below),
 * scaled so its active frames have an RMS of -20 dBFS (agent) or -20..-26
 * dBFS (customer), and placed on its party's channel at its start time,
 * rounded to the 10 ms frame grid.  Hold music (sustained chords of
 * harmonic tones with a melody, -20 dBFS) goes on the agent channel.  Then
 * the telephone channel: the other party leaks in at -DB (--leak, default
 * 30; 0 = none), 4th-order Butterworth high-pass 300 Hz and low-pass 3400
 * Hz, band-limited white line noise at --snr dB (default 20) below the
 * band-passed speech level of that channel (RMS over its active speech
 * frames), resampled to 8000 Hz with libsoxr, written as stereo u-law WAV,
 * agent on channel 1.  --clean also writes OUT.agent.clean.wav and
 * OUT.customer.clean.wav: 16 kHz PCM, the clean scaled speech of each
 * party alone (no hold music, no band-pass, no noise, no leak), time-aligned
 * with OUT.wav.
 *
 * Ground truth (OUT.truth.tsv; exact, from the clean signal):
 *  - frames are 10 ms on the call's grid; a frame of a clip is active when
 *    its RMS level is within 35 dB of the clip's loudest frame;
 *  - a party's speech = the union of its clips' active frames, then
 *    pauses shorter than 0.30 s bridged (per party); talk_s = its length;
 *  - overtalk = frames where both speak; hold = the scripted hold music;
 *  - silence = frames where neither speaks and no hold music plays,
 *    between the first and the last speech frame of the call; silence_s =
 *    their total, longest_silence_s = the longest run, silence_events =
 *    runs of at least 3.0 s, listed in silence_list as [[start,end],...];
 *  - an interruption by X: an X speech interval starting in a frame where
 *    Y speaks, with X and Y then both speaking for >= 1.0 s (from X's start
 *    to the end of the first of the two intervals);
 *  - response_latency_s: mean over customer speech intervals whose last
 *    frame the agent is not speaking in and that the agent answers (the
 *    agent's next speech interval starts before the customer's next one) of
 *    agent start - customer end; \N when there is none;
 *  - syllables from the spoken text: one per Han character; per English
 *    word, the number of vowel groups (a e i o u y), less one for a final
 *    silent e (not after a vowel, not in a final consonant+"le"), at least
 *    one; digits as spoken one by one; speech_rate_sps = syllables / talk_s.
 *  - segments: the callqa-measure JSON with the same intervals (silence =
 *    the events of >= 3.0 s), 2 decimals.
 * OUT.transcript.tsv: start, end, speaker, text; times = the placed
 * (trimmed) clip extents.
 *
 * Clips are cached as espeak WAV files in --cache DIR (default
 * $XDG_CACHE_HOME/callqa-callgen, else build/callgen-cache) named by a
 * 64-bit FNV-1a hash of voice, pitch, speed, range and text; -j N (default
 * 2) espeak-ng processes run at once.  Everything is deterministic for a
 * seed.  Month mode: see month_usage below and the agents.tsv it writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sndfile.h>
#include <soxr.h>

extern char **environ;

#define RATE 16000
#define FRAME 160     /* 10 ms at RATE */
#define TEL_RATE 8000
#define BRIDGE 30     /* pauses shorter than 0.30 s are bridged */
#define EVENT_MIN 300 /* silence events: >= 3.0 s */
#define INTERRUPT_MIN 100 /* overlap of an interruption: >= 1.0 s */
#define ACTIVE_DB 35.0
#define TAIL 50 /* 0.5 s after the last turn */

enum { AGENT, CUSTOMER, HOLD };

static const char *prog = "callgen";

/* ---------------------------------------------------------------- util */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		die("out of memory");
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

struct sb {
	char *s;
	size_t n, cap;
};

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		size_t room = b->cap - b->n;

		va_start(ap, fmt);
		k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0)
			die("vsnprintf failed");
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
}

static char *
sb_take(struct sb *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->n = b->cap = 0;
	return s;
}

static void
mkdirs(const char *path)
{
	char *p = xstrdup(path), *q;

	for (q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			die("%s: %s", p, strerror(errno));
		*q = '/';
	}
	if (mkdir(p, 0777) != 0 && errno != EEXIST)
		die("%s: %s", p, strerror(errno));
	free(p);
}

/* ----------------------------------------------------------------- rng */

struct rng {
	uint64_t s;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static double
rng_unif(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static double
rng_range(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unif(r);
}

static int
rng_int(struct rng *r, int n)
{
	return (int)(rng_next(r) % (uint64_t)n);
}

static int
rng_chance(struct rng *r, double p)
{
	return rng_unif(r) < p;
}

static struct rng
rng_sub(uint64_t seed, uint64_t a, uint64_t b)
{
	struct rng r = { mix64(seed * 0x2545f4914f6cdd1dULL ^ mix64(a + 1) ^
		mix64(b + 0x51ed27) * 3) };

	return r;
}

/* -------------------------------------------------------------- text */

static int
is_zh_voice(const char *v)
{
	return strncmp(v, "cmn", 3) == 0 || strncmp(v, "zh", 2) == 0 ||
	       strncmp(v, "yue", 3) == 0;
}

/* The voice name given to espeak-ng: see the header comment. */
static char *
espeak_voice(const char *v)
{
	const char *plus = strchr(v, '+');
	size_t base = plus ? (size_t)(plus - v) : strlen(v);
	struct sb b = { 0 };

	if ((base == 3 && strncmp(v, "cmn", 3) == 0) ||
	    (base == 2 && strncmp(v, "zh", 2) == 0))
		sb_add(&b, "cmn-latn-pinyin%s", plus ? plus : "");
	else
		sb_add(&b, "%s", v);
	return sb_take(&b);
}

static const char *const zh_digit[] = { "零", "幺", "二", "三", "四",
	"五", "六", "七", "八", "九" };
static const char *const en_digit[] = { "zero", "one", "two", "three",
	"four", "five", "six", "seven", "eight", "nine" };

/* The text as spoken: ASCII digits expanded one by one. */
static char *
spoken_text(const char *text, int zh)
{
	struct sb b = { 0 };
	const char *p;

	for (p = text; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (zh)
				sb_add(&b, "%s", zh_digit[*p - '0']);
			else
				sb_add(&b, "%s%s%s",
				    b.n && b.s[b.n - 1] != ' ' ? " " : "",
				    en_digit[*p - '0'],
				    p[1] >= '0' && p[1] <= '9' ? "" : " ");
		} else
			sb_add(&b, "%c", *p);
	}
	return sb_take(&b);
}

static int
is_vowel(int c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	       c == 'y';
}

static long
word_syllables(const char *w, size_t n)
{
	long groups = 0;
	size_t i;
	int prev = 0;

	for (i = 0; i < n; i++) {
		int v = is_vowel(w[i] | 0x20);

		if (v && !prev)
			groups++;
		prev = v;
	}
	if (groups > 1 && n >= 2 && (w[n - 1] | 0x20) == 'e' &&
	    !is_vowel(w[n - 2] | 0x20) &&
	    !(n >= 3 && (w[n - 2] | 0x20) == 'l' &&
		!is_vowel(w[n - 3] | 0x20)))
		groups--;
	return groups ? groups : 1;
}

/* Syllables of a spoken text: see the header comment. */
static long
syllables(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		if (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
			const unsigned char *w = p;

			while (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
			       *p == '\'')
				p++;
			n += word_syllables((const char *)w, (size_t)(p - w));
			continue;
		}
		if ((*p & 0xf0) == 0xe0 && p[1] && p[2]) {
			unsigned cp = (unsigned)(*p & 0x0f) << 12 |
			    (unsigned)(p[1] & 0x3f) << 6 | (unsigned)(p[2] & 0x3f);

			if ((cp >= 0x4e00 && cp <= 0x9fff) ||
			    (cp >= 0x3400 && cp <= 0x4dbf))
				n++;
			p += 3;
			continue;
		}
		p++;
	}
	return n;
}

/* ------------------------------------------------------------ scripts */

struct turn {
	int spk;
	char *voice;
	int pitch, speed;
	char *range; /* SSML prosody range or "" */
	char *text;  /* as in the transcript */
	char *spoken;
	int tmode; /* 0 absolute, 1 +gap, 2 -overlap */
	double tval;
	double hold; /* seconds, for HOLD */
	uint64_t key;
	long start, len; /* frames, once placed */
};

struct script {
	struct turn *t;
	size_t n, cap;
};

static void
turn_add(struct script *sc, int spk, const char *voice, int pitch,
    int speed, const char *range, const char *text, int tmode, double tval)
{
	struct turn *t;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 16;
		sc->t = xrealloc(sc->t, sc->cap * sizeof *sc->t);
	}
	t = &sc->t[sc->n++];
	memset(t, 0, sizeof *t);
	t->spk = spk;
	t->voice = xstrdup(voice);
	t->pitch = pitch;
	t->speed = speed;
	t->range = xstrdup(range ? range : "");
	t->text = xstrdup(text);
	t->tmode = tmode;
	t->tval = tval;
	if (spk == HOLD) {
		t->hold = atof(text);
		t->spoken = xstrdup("");
	} else
		t->spoken = spoken_text(text, is_zh_voice(voice));
}

static void
script_free(struct script *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++) {
		free(sc->t[i].voice);
		free(sc->t[i].range);
		free(sc->t[i].text);
		free(sc->t[i].spoken);
	}
	free(sc->t);
	sc->t = NULL;
	sc->n = sc->cap = 0;
}

static int
parse_num(const char *s, double *v)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	return *end || errno || !isfinite(*v) ? -1 : 0;
}

static void
script_read(const char *path, struct script *sc)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int ncol = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) != -1) {
		char *fld[8] = { 0 }, *p = line;
		int n = 0, spk, tmode = 0;
		double start, pitch = 50, speed = 160;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		for (;;) {
			char *tab = strchr(p, '\t');

			if (n == 8)
				die("%s:%ld: too many fields", path, lineno);
			fld[n++] = p;
			if (!tab)
				break;
			*tab = 0;
			p = tab + 1;
		}
		if (lineno == 1) {
			static const char *const want[] = { "start", "speaker",
				"voice", "pitch", "speed", "text", "range" };
			int i;

			ncol = n;
			for (i = 0; i < n; i++)
				if (i >= 7 || strcmp(fld[i], want[i]) != 0)
					break;
			if (i != n || (n != 6 && n != 7))
				die("%s:1: header must be "
				    "start\\tspeaker\\tvoice\\tpitch\\tspeed"
				    "\\ttext[\\trange]", path);
			continue;
		}
		if (len == 0)
			continue;
		if (n != ncol)
			die("%s:%ld: %d fields where the header has %d", path,
			    lineno, n, ncol);
		if (strcmp(fld[1], "agent") == 0)
			spk = AGENT;
		else if (strcmp(fld[1], "customer") == 0)
			spk = CUSTOMER;
		else if (strcmp(fld[1], "hold") == 0)
			spk = HOLD;
		else
			die("%s:%ld: speaker '%s' is not agent, customer or "
			    "hold", path, lineno, fld[1]);
		if (fld[0][0] == '+' || fld[0][0] == '-')
			tmode = fld[0][0] == '+' ? 1 : 2;
		if (parse_num(fld[0] + (tmode != 0), &start) != 0 || start < 0)
			die("%s:%ld: bad start '%s'", path, lineno, fld[0]);
		if (spk != HOLD) {
			if (parse_num(fld[3], &pitch) != 0 || pitch < 0 ||
			    pitch > 99)
				die("%s:%ld: bad pitch '%s' (0-99)", path,
				    lineno, fld[3]);
			if (parse_num(fld[4], &speed) != 0 || speed < 80 ||
			    speed > 450)
				die("%s:%ld: bad speed '%s' (80-450)", path,
				    lineno, fld[4]);
			if (!*fld[2] || fld[2][0] == '-')
				die("%s:%ld: bad voice '%s'", path, lineno,
				    fld[2]);
			if (!*fld[5])
				die("%s:%ld: empty text", path, lineno);
		} else {
			double h;

			if (parse_num(fld[5], &h) != 0 || h <= 0 || h > 3600)
				die("%s:%ld: hold text must be its duration "
				    "in seconds, not '%s'", path, lineno,
				    fld[5]);
		}
		if (ncol == 7 && *fld[6] && strcmp(fld[6], "x-low") &&
		    strcmp(fld[6], "low") && strcmp(fld[6], "medium") &&
		    strcmp(fld[6], "high") && strcmp(fld[6], "x-high"))
			die("%s:%ld: bad range '%s'", path, lineno, fld[6]);
		turn_add(sc, spk, fld[2], (int)pitch, (int)speed,
		    ncol == 7 ? fld[6] : "", fld[5], tmode, start);
	}
	if (ferror(f))
		die("%s: %s", path, strerror(errno));
	free(line);
	fclose(f);
	if (lineno == 0)
		die("%s: empty script", path);
	if (sc->n == 0)
		die("%s: no turns", path);
}

/* -------------------------------------------------------------- cache */

static char *cache_dir;

static uint64_t
clip_key(const struct turn *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char num[64];
	const char *parts[6];
	int i;

	snprintf(num, sizeof num, "%d/%d", t->pitch, t->speed);
	parts[0] = "callgen-2";
	parts[1] = t->voice;
	parts[2] = num;
	parts[3] = t->range;
	parts[4] = t->spoken;
	parts[5] = NULL;
	for (i = 0; parts[i]; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		do {
			h ^= *p;
			h *= 0x100000001b3ULL;
		} while (*p++);
	}
	return h;
}

static char *
cache_path(uint64_t key, const char *suffix)
{
	struct sb b = { 0 };

	sb_add(&b, "%s/%016llx%s", cache_dir, (unsigned long long)key,
	    suffix);
	return sb_take(&b);
}

static pid_t
espeak_start(const struct turn *t, const char *out)
{
	char pitch[16], speed[16];
	char *voice = espeak_voice(t->voice), *text = NULL;
	const char *argv[16];
	int a = 0, rc;
	pid_t pid;

	snprintf(pitch, sizeof pitch, "%d", t->pitch);
	snprintf(speed, sizeof speed, "%d", t->speed);
	argv[a++] = "espeak-ng";
	argv[a++] = "-b";
	argv[a++] = "1";
	argv[a++] = "-v";
	argv[a++] = voice;
	argv[a++] = "-p";
	argv[a++] = pitch;
	argv[a++] = "-s";
	argv[a++] = speed;
	argv[a++] = "-w";
	argv[a++] = out;
	if (*t->range) {
		struct sb b = { 0 };
		const char *p;

		sb_add(&b, "<speak><prosody range=\"%s\">", t->range);
		for (p = t->spoken; *p; p++) {
			if (*p == '<')
				sb_add(&b, "&lt;");
			else if (*p == '>')
				sb_add(&b, "&gt;");
			else if (*p == '&')
				sb_add(&b, "&amp;");
			else
				sb_add(&b, "%c", *p);
		}
		sb_add(&b, "</prosody></speak>");
		text = sb_take(&b);
		argv[a++] = "-m";
	}
	argv[a++] = "--";
	argv[a++] = text ? text : t->spoken;
	argv[a] = NULL;
	rc = posix_spawnp(&pid, "espeak-ng", NULL, NULL,
	    (char *const *)argv, environ);
	free(voice);
	free(text);
	if (rc != 0)
		die("cannot run espeak-ng: %s", strerror(rc));
	return pid;
}

struct job {
	pid_t pid;
	const struct turn *t;
	char *tmp, *final;
};

static int
key_cmp(const void *a, const void *b)
{
	uint64_t x = (*(const struct turn *const *)a)->key;
	uint64_t y = (*(const struct turn *const *)b)->key;

	return x < y ? -1 : x > y;
}

static void
job_reap(struct job *jobs, int njobs, int *running)
{
	int status, i;
	pid_t pid = wait(&status);

	if (pid < 0)
		die("wait: %s", strerror(errno));
	for (i = 0; i < njobs; i++)
		if (jobs[i].pid == pid)
			break;
	if (i == njobs)
		return;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("espeak-ng failed (status %d) on '%s' (voice %s)", status,
		    jobs[i].t->spoken, jobs[i].t->voice);
	if (rename(jobs[i].tmp, jobs[i].final) != 0)
		die("%s: %s", jobs[i].final, strerror(errno));
	free(jobs[i].tmp);
	free(jobs[i].final);
	jobs[i].pid = 0;
	(*running)--;
}

/* Synthesize the clips of the turns not in the cache yet, up to njobs
 * espeak-ng processes at once.  Returns the number synthesized. */
static long
synth_all(struct turn **ts, size_t n, int njobs)
{
	struct job *jobs = xcalloc((size_t)njobs, sizeof *jobs);
	int running = 0, i;
	size_t k;
	long made = 0;

	qsort(ts, n, sizeof *ts, key_cmp);
	for (k = 0; k < n; k++) {
		char *final;

		if (k > 0 && ts[k]->key == ts[k - 1]->key)
			continue;
		final = cache_path(ts[k]->key, ".wav");
		if (access(final, R_OK) == 0) {
			free(final);
			continue;
		}
		while (running == njobs)
			job_reap(jobs, njobs, &running);
		for (i = 0; jobs[i].pid; i++)
			;
		{
			struct sb b = { 0 };

			sb_add(&b, "%s.tmp%ld", final, (long)getpid());
			jobs[i].tmp = sb_take(&b);
		}
		jobs[i].final = final;
		jobs[i].t = ts[k];
		jobs[i].pid = espeak_start(ts[k], jobs[i].tmp);
		running++;
		made++;
	}
	while (running > 0)
		job_reap(jobs, njobs, &running);
	free(jobs);
	return made;
}

/* Resample x[0..n) from rate rin to rout with libsoxr (high quality), fed
 * in blocks (one-shot calls on long signals are slow).  Returns a new
 * buffer of *outn samples. */
static float *
resample(const float *x, size_t n, double rin, double rout, size_t *outn,
    const char *what)
{
	soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
	soxr_error_t err = NULL;
	soxr_t s = soxr_create(rin, rout, 1, &err, NULL, &q, NULL);
	size_t cap = (size_t)((double)n * rout / rin) + 1024, got = 0, pos = 0;
	float *out = xcalloc(cap, sizeof *out);

	if (!s)
		die("%s: resampling: %s", what, soxr_strerror(err));
	for (;;) {
		size_t take = n - pos > 8192 ? 8192 : n - pos, idone = 0,
		       odone = 0;

		if (cap - got < 4096) {
			cap *= 2;
			out = xrealloc(out, cap * sizeof *out);
		}
		err = soxr_process(s, take ? x + pos : NULL, take, &idone,
		    out + got, cap - got, &odone);
		if (err)
			die("%s: resampling: %s", what, soxr_strerror(err));
		pos += idone;
		got += odone;
		if (!take && !odone)
			break;
	}
	soxr_delete(s);
	*outn = got;
	return out;
}

/* -------------------------------------------------------------- clips */

struct clip {
	float *x;	    /* nf * FRAME samples at RATE */
	unsigned char *act; /* nf */
	long nf;
};

static double
frame_db(const float *x)
{
	double e = 0;
	int i;

	for (i = 0; i < FRAME; i++)
		e += (double)x[i] * x[i];
	return 10 * log10(e / FRAME + 1e-20);
}

static void
clip_load(const struct turn *t, double level_dbfs, struct clip *c)
{
	char *path = cache_path(t->key, ".wav");
	SF_INFO si = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	float *in, *out;
	size_t odone = 0;
	long nf, k, first = -1, last = -1;
	double *db, peak = -1e9, e = 0, g;
	long nact = 0;

	if (!sf)
		die("%s: %s", path, sf_strerror(NULL));
	if (si.channels != 1 || si.frames <= 0)
		die("%s: not a mono espeak clip", path);
	in = xmalloc((size_t)si.frames * sizeof *in);
	if (sf_readf_float(sf, in, si.frames) != si.frames)
		die("%s: short read", path);
	sf_close(sf);
	out = resample(in, (size_t)si.frames, si.samplerate, RATE, &odone,
	    path);
	free(in);
	nf = (long)(odone / FRAME);
	db = xmalloc((size_t)(nf + 1) * sizeof *db);
	for (k = 0; k < nf; k++) {
		db[k] = frame_db(out + k * FRAME);
		if (db[k] > peak)
			peak = db[k];
	}
	for (k = 0; k < nf; k++)
		if (db[k] >= peak - ACTIVE_DB) {
			if (first < 0)
				first = k;
			last = k;
		}
	if (first < 0)
		die("%s: espeak made no sound for '%s'", path, t->spoken);
	c->nf = last - first + 1;
	c->x = xmalloc((size_t)c->nf * FRAME * sizeof *c->x);
	c->act = xmalloc((size_t)c->nf);
	for (k = 0; k < c->nf; k++) {
		c->act[k] = db[first + k] >= peak - ACTIVE_DB;
		if (c->act[k]) {
			long i;

			for (i = 0; i < FRAME; i++) {
				double v = out[(first + k) * FRAME + i];

				e += v * v;
			}
			nact++;
		}
	}
	g = pow(10, level_dbfs / 20) / sqrt(e / ((double)nact * FRAME));
	for (k = 0; k < c->nf * FRAME; k++)
		c->x[k] = (float)(out[first * FRAME + k] * g);
	free(db);
	free(out);
	free(path);
}

/* ---------------------------------------------------------- hold music */

static double
note_hz(int semis_from_a4)
{
	return 440.0 * pow(2, semis_from_a4 / 12.0);
}

/* Sustained chords (C, Am, F, G; 2 s each) of harmonic tones with a
 * melody on top, -20 dBFS RMS, 50 ms fades.  Adds into dst[0..n). */
static void
hold_music(float *dst, long n, uint64_t seed)
{
	static const int chords[4][3] = { { -9, -5, -2 }, { -12, -9, -5 },
		{ -16, -12, -9 }, { -14, -10, -7 } };
	static const int scale[5] = { 3, 5, 7, 10, 12 }; /* C D E G A */
	struct rng r = { seed };
	float *y = xcalloc((size_t)n, sizeof *y);
	double e = 0, g, phase[3][4] = { { 0 } }, mph[4] = { 0 };
	long i, seg = 2 * RATE, note = RATE / 2;
	int mel = scale[rng_int(&r, 5)];

	for (i = 0; i < n; i++) {
		int c = (int)((i / seg + (long)(seed % 4)) % 4), v, k;
		double s = 0, tin = (double)(i % note) / note, env;

		if (i % note == 0)
			mel = scale[rng_int(&r, 5)];
		for (v = 0; v < 3; v++)
			for (k = 0; k < 4; k++) {
				phase[v][k] += 2 * M_PI * (k + 1) *
				    note_hz(chords[c][v]) / RATE;
				s += sin(phase[v][k]) / (k + 1) * 0.25;
			}
		env = tin < 0.05 ? tin / 0.05 : 1 - 0.5 * (tin - 0.05);
		for (k = 0; k < 4; k++) {
			mph[k] += 2 * M_PI * (k + 1) * note_hz(mel) / RATE;
			s += sin(mph[k]) / (k + 1) * 0.35 * env;
		}
		if (i < RATE / 20)
			s *= (double)i / (RATE / 20);
		if (n - i < RATE / 20)
			s *= (double)(n - i) / (RATE / 20);
		y[i] = (float)s;
		e += s * s;
	}
	g = pow(10, -20 / 20.0) / sqrt(e / (double)n + 1e-20);
	for (i = 0; i < n; i++)
		dst[i] += (float)(y[i] * g);
	free(y);
}

/* ------------------------------------------------------------ filters */

struct biquad {
	double b0, b1, b2, a1, a2, z1, z2;
};

static struct biquad
biquad_make(int highpass, double f, double q)
{
	double w = 2 * M_PI * f / RATE, cw = cos(w), al = sin(w) / (2 * q);
	double a0 = 1 + al;
	struct biquad bq = { 0 };

	if (highpass) {
		bq.b0 = (1 + cw) / 2 / a0;
		bq.b1 = -(1 + cw) / a0;
	} else {
		bq.b0 = (1 - cw) / 2 / a0;
		bq.b1 = (1 - cw) / a0;
	}
	bq.b2 = bq.b0;
	bq.a1 = -2 * cw / a0;
	bq.a2 = (1 - al) / a0;
	return bq;
}

/* 4th-order Butterworth band-pass 300-3400 Hz, in place. */
static void
telephone_band(float *x, long n)
{
	struct biquad s[4] = { biquad_make(1, 300, 0.54119610),
		biquad_make(1, 300, 1.30656296), biquad_make(0, 3400, 0.54119610),
		biquad_make(0, 3400, 1.30656296) };
	long i;
	int k;

	for (i = 0; i < n; i++) {
		double v = x[i];

		for (k = 0; k < 4; k++) {
			struct biquad *b = &s[k];
			double y = b->b0 * v + b->z1;

			b->z1 = b->b1 * v - b->a1 * y + b->z2;
			b->z2 = b->b2 * v - b->a2 * y;
			v = y;
		}
		x[i] = (float)v;
	}
}

/* RMS of uniform white noise in [-1,1] after telephone_band (measured
 * once on 20 s of noise with a fixed seed). */
static double
band_rms(void)
{
	static double rms;

	if (rms == 0) {
		long n = 20 * RATE, i;
		float *x = xmalloc((size_t)n * sizeof *x);
		struct rng r = { 12345 };
		double e = 0;

		for (i = 0; i < n; i++)
			x[i] = (float)(rng_unif(&r) * 2 - 1);
		telephone_band(x, n);
		for (i = RATE / 10; i < n; i++)
			e += (double)x[i] * x[i];
		rms = sqrt(e / (n - RATE / 10));
		free(x);
	}
	return rms;
}

/* -------------------------------------------------------------- truth */

struct truth {
	double duration, a_talk, c_talk, sil, longest, over, latency, hold;
	long events, a_int, c_int, a_syl, c_syl;
	char *silence_list, *segments;
};

static void
bridge(unsigned char *m, long n)
{
	long i = 0, last = -1;

	for (i = 0; i < n; i++) {
		if (!m[i])
			continue;
		if (last >= 0 && i - last - 1 > 0 && i - last - 1 < BRIDGE)
			memset(m + last + 1, 1, (size_t)(i - last - 1));
		last = i;
	}
}

/* Runs of m[i] != 0 as [s,e) pairs; returns the count. */
static long
runs(const unsigned char *m, long n, long **out)
{
	long i, k = 0, cap = 16, *r = xmalloc((size_t)cap * 2 * sizeof *r);

	for (i = 0; i < n; i++) {
		long s;

		if (!m[i])
			continue;
		s = i;
		while (i < n && m[i])
			i++;
		if (k == cap) {
			cap *= 2;
			r = xrealloc(r, (size_t)cap * 2 * sizeof *r);
		}
		r[2 * k] = s;
		r[2 * k + 1] = i;
		k++;
	}
	*out = r;
	return k;
}

static void
json_runs(struct sb *b, const char *name, const long *r, long n,
    long minlen)
{
	long i;
	int first = 1;

	if (name)
		sb_add(b, "\"%s\":", name);
	sb_add(b, "[");
	for (i = 0; i < n; i++) {
		if (r[2 * i + 1] - r[2 * i] < minlen)
			continue;
		sb_add(b, "%s[%.2f,%.2f]", first ? "" : ",", r[2 * i] / 100.0,
		    r[2 * i + 1] / 100.0);
		first = 0;
	}
	sb_add(b, "]");
}

static long
interruptions(const long *x, long nx, const long *y, long ny)
{
	long i, j = 0, count = 0;

	for (i = 0; i < nx; i++) {
		long s = x[2 * i];

		while (j < ny && y[2 * j + 1] <= s)
			j++;
		if (j < ny && y[2 * j] <= s) {
			long e = x[2 * i + 1] < y[2 * j + 1] ? x[2 * i + 1] :
							       y[2 * j + 1];

			if (e - s >= INTERRUPT_MIN)
				count++;
		}
	}
	return count;
}

static void
truth_compute(unsigned char *am, unsigned char *cm, const unsigned char *hm,
    long nf, struct truth *tr)
{
	unsigned char *both = xcalloc((size_t)nf, 1);
	unsigned char *sil = xcalloc((size_t)nf, 1);
	long *ar, *cr, *orr, *sr, *hr, na, nc, no, ns, nh, i, j;
	long first = -1, last = -1, lat_n = 0;
	double lat = 0;
	struct sb b = { 0 };

	bridge(am, nf);
	bridge(cm, nf);
	tr->a_talk = tr->c_talk = tr->over = tr->hold = 0;
	for (i = 0; i < nf; i++) {
		tr->a_talk += am[i];
		tr->c_talk += cm[i];
		tr->hold += hm[i];
		both[i] = am[i] && cm[i];
		tr->over += both[i];
		if (am[i] || cm[i]) {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	tr->a_talk /= 100;
	tr->c_talk /= 100;
	tr->over /= 100;
	tr->hold /= 100;
	for (i = first; i >= 0 && i <= last; i++)
		sil[i] = !am[i] && !cm[i] && !hm[i];
	na = runs(am, nf, &ar);
	nc = runs(cm, nf, &cr);
	no = runs(both, nf, &orr);
	ns = runs(sil, nf, &sr);
	nh = runs(hm, nf, &hr);
	tr->sil = tr->longest = 0;
	tr->events = 0;
	for (i = 0; i < ns; i++) {
		long len = sr[2 * i + 1] - sr[2 * i];

		tr->sil += len / 100.0;
		if (len / 100.0 > tr->longest)
			tr->longest = len / 100.0;
		tr->events += len >= EVENT_MIN;
	}
	tr->a_int = interruptions(ar, na, cr, nc);
	tr->c_int = interruptions(cr, nc, ar, na);
	for (i = 0, j = 0; i < nc; i++) {
		long e = cr[2 * i + 1];
		long next_c = i + 1 < nc ? cr[2 * (i + 1)] : nf + 1;

		if (am[e - 1])
			continue;
		while (j < na && ar[2 * j] < e)
			j++;
		if (j < na && ar[2 * j] < next_c) {
			lat += (ar[2 * j] - e) / 100.0;
			lat_n++;
		}
	}
	tr->latency = lat_n ? lat / lat_n : NAN;
	json_runs(&b, NULL, sr, ns, EVENT_MIN);
	tr->silence_list = sb_take(&b);
	sb_add(&b, "{");
	json_runs(&b, "agent", ar, na, 0);
	sb_add(&b, ",");
	json_runs(&b, "customer", cr, nc, 0);
	sb_add(&b, ",");
	json_runs(&b, "overtalk", orr, no, 0);
	sb_add(&b, ",");
	json_runs(&b, "silence", sr, ns, EVENT_MIN);
	sb_add(&b, ",");
	json_runs(&b, "hold", hr, nh, 0);
	sb_add(&b, "}");
	tr->segments = sb_take(&b);
	free(ar);
	free(cr);
	free(orr);
	free(sr);
	free(hr);
	free(both);
	free(sil);
}

static const char truth_cols[] =
    "duration_s\tagent_talk_s\tcustomer_talk_s\tsilence_s\tsilence_events"
    "\tlongest_silence_s\tovertalk_s\tagent_interruptions"
    "\tcustomer_interruptions\tresponse_latency_s\thold_s"
    "\tagent_speech_rate_sps\tcustomer_speech_rate_sps\tagent_syllables"
    "\tcustomer_syllables\tsilence_list\tsegments";

static void
rate_print(FILE *f, long syl, double talk)
{
	if (talk > 0)
		fprintf(f, "\t%.2f", syl / talk);
	else
		fputs("\t\\N", f);
}

static void
truth_print(FILE *f, const struct truth *t)
{
	fprintf(f, "%.3f\t%.3f\t%.3f\t%.3f\t%ld\t%.3f\t%.3f\t%ld\t%ld",
	    t->duration, t->a_talk, t->c_talk, t->sil, t->events, t->longest,
	    t->over, t->a_int, t->c_int);
	if (isnan(t->latency))
		fputs("\t\\N", f);
	else
		fprintf(f, "\t%.3f", t->latency);
	fprintf(f, "\t%.3f", t->hold);
	rate_print(f, t->a_syl, t->a_talk);
	rate_print(f, t->c_syl, t->c_talk);
	fprintf(f, "\t%ld\t%ld\t%s\t%s\n", t->a_syl, t->c_syl,
	    t->silence_list, t->segments);
}

/* ------------------------------------------------------------- render */

struct ropts {
	double snr, leak;
	uint64_t seed;
	int clean;
	double cust_level; /* dBFS of the customer's speech */
};

static void
write_wav(const char *path, const float *x, long frames, int rate,
    int channels, int format)
{
	SF_INFO si = { 0 };
	SNDFILE *sf;

	si.samplerate = rate;
	si.channels = channels;
	si.format = format;
	sf = sf_open(path, SFM_WRITE, &si);
	if (!sf)
		die("%s: %s", path, sf_strerror(NULL));
	if (sf_writef_float(sf, x, frames) != frames)
		die("%s: %s", path, sf_strerror(sf));
	if (sf_close(sf) != 0)
		die("%s: cannot close", path);
}

static char *
with_suffix(const char *wav, const char *suffix)
{
	struct sb b = { 0 };
	size_t n = strlen(wav);

	if (n > 4 && strcmp(wav + n - 4, ".wav") == 0)
		n -= 4;
	sb_add(&b, "%.*s%s", (int)n, wav, suffix);
	return sb_take(&b);
}

static int
start_cmp(const void *a, const void *b)
{
	const struct turn *x = *(const struct turn *const *)a;
	const struct turn *y = *(const struct turn *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Render a script (its clips in the cache) to the telephone WAV, the
 * transcript and (with o->clean) the clean tracks; fill *tr. */
static void
render(struct script *sc, const struct ropts *o, const char *wav,
    const char *transcript, struct truth *tr)
{
	struct clip *clips = xcalloc(sc->n, sizeof *clips);
	struct turn **order = xmalloc(sc->n * sizeof *order);
	long prev_end = 0, nf = 0, ns, i, k;
	size_t t;
	float *ch[2], *bp, *out[2], *stereo;
	unsigned char *mask[2], *hm;
	double level[2];
	struct rng r = { mix64(o->seed ^ 0x6e6f697365ULL) };
	size_t olen, odone[2];
	FILE *f;

	memset(tr, 0, sizeof *tr);
	for (t = 0; t < sc->n; t++) {
		struct turn *u = &sc->t[t];
		long start;

		if (u->spk == HOLD)
			u->len = lround(u->hold * 100);
		else {
			clip_load(u, u->spk == AGENT ? -20 : o->cust_level,
			    &clips[t]);
			u->len = clips[t].nf;
		}
		start = lround(u->tval * 100);
		if (u->tmode == 1)
			start = prev_end + start;
		else if (u->tmode == 2)
			start = prev_end - start;
		u->start = start < 0 ? 0 : start;
		prev_end = u->start + u->len;
		if (prev_end > nf)
			nf = prev_end;
		if (u->spk == AGENT)
			tr->a_syl += syllables(u->spoken);
		else if (u->spk == CUSTOMER)
			tr->c_syl += syllables(u->spoken);
	}
	nf += TAIL;
	ns = nf * FRAME;
	for (k = 0; k < 2; k++) {
		ch[k] = xcalloc((size_t)ns, sizeof *ch[k]);
		mask[k] = xcalloc((size_t)nf, 1);
	}
	hm = xcalloc((size_t)nf, 1);
	for (t = 0; t < sc->n; t++) {
		struct turn *u = &sc->t[t];

		if (u->spk == HOLD) {
			memset(hm + u->start, 1, (size_t)u->len);
			continue;
		}
		for (i = 0; i < u->len * FRAME; i++)
			ch[u->spk][u->start * FRAME + i] += clips[t].x[i];
		for (i = 0; i < u->len; i++)
			mask[u->spk][u->start + i] |= clips[t].act[i];
	}
	if (o->clean) {
		static const char *const sfx[2] = { ".agent.clean.wav",
			".customer.clean.wav" };

		for (k = 0; k < 2; k++) {
			char *p = with_suffix(wav, sfx[k]);

			write_wav(p, ch[k], ns, RATE, 1,
			    SF_FORMAT_WAV | SF_FORMAT_PCM_16);
			free(p);
		}
	}
	/* speech level of each channel after the band-pass */
	bp = xmalloc((size_t)ns * sizeof *bp);
	for (k = 0; k < 2; k++) {
		double e = 0;
		long n = 0;

		memcpy(bp, ch[k], (size_t)ns * sizeof *bp);
		telephone_band(bp, ns);
		for (i = 0; i < nf; i++)
			if (mask[k][i]) {
				long j;

				for (j = 0; j < FRAME; j++)
					e += (double)bp[i * FRAME + j] *
					    bp[i * FRAME + j];
				n++;
			}
		level[k] = n ? sqrt(e / ((double)n * FRAME)) : 0;
	}
	for (k = 0; k < 2; k++)
		if (level[k] == 0)
			level[k] = level[!k] ? level[!k] : pow(10, -1);
	/* leakage of the other party, then hold music on the agent's side */
	if (o->leak > 0) {
		double g = pow(10, -o->leak / 20);

		memcpy(bp, ch[AGENT], (size_t)ns * sizeof *bp);
		for (i = 0; i < ns; i++) {
			ch[AGENT][i] += (float)(g * ch[CUSTOMER][i]);
			ch[CUSTOMER][i] += (float)(g * bp[i]);
		}
	}
	for (t = 0; t < sc->n; t++)
		if (sc->t[t].spk == HOLD)
			hold_music(ch[AGENT] + sc->t[t].start * FRAME,
			    sc->t[t].len * FRAME,
			    mix64(o->seed + (uint64_t)t));
	/* band-pass, line noise, 8 kHz */
	for (k = 0; k < 2; k++) {
		/* white noise added before the band-pass, scaled by the
		 * band's share of white noise power */
		double g = level[k] * pow(10, -o->snr / 20) / band_rms();

		for (i = 0; i < ns; i++)
			ch[k][i] += (float)(g * (rng_unif(&r) * 2 - 1));
		telephone_band(ch[k], ns);
		out[k] = resample(ch[k], (size_t)ns, RATE, TEL_RATE, &odone[k],
		    wav);
	}
	olen = (size_t)ns / 2;
	stereo = xmalloc(olen * 2 * sizeof *stereo);
	for (i = 0; i < (long)olen; i++)
		for (k = 0; k < 2; k++) {
			float v = (size_t)i < odone[k] ? out[k][i] : 0;

			stereo[2 * i + k] = v > 0.999f ? 0.999f :
			    v < -0.999f ? -0.999f : v;
		}
	write_wav(wav, stereo, (long)olen, TEL_RATE, 2,
	    SF_FORMAT_WAV | SF_FORMAT_ULAW);
	tr->duration = nf / 100.0;
	truth_compute(mask[AGENT], mask[CUSTOMER], hm, nf, tr);

	/* transcript */
	for (t = 0; t < sc->n; t++)
		order[t] = &sc->t[t];
	qsort(order, sc->n, sizeof *order, start_cmp);
	f = fopen(transcript, "w");
	if (!f)
		die("%s: %s", transcript, strerror(errno));
	fputs("start\tend\tspeaker\ttext\n", f);
	for (t = 0; t < sc->n; t++) {
		const struct turn *u = order[t];

		if (u->spk == HOLD)
			continue;
		fprintf(f, "%.2f\t%.2f\t%s\t%s\n", u->start / 100.0,
		    (u->start + u->len) / 100.0,
		    u->spk == AGENT ? "agent" : "customer", u->text);
	}
	if (fclose(f) != 0)
		die("%s: %s", transcript, strerror(errno));

	for (t = 0; t < sc->n; t++) {
		free(clips[t].x);
		free(clips[t].act);
	}
	for (k = 0; k < 2; k++) {
		free(ch[k]);
		free(mask[k]);
		free(out[k]);
	}
	free(hm);
	free(bp);
	free(stereo);
	free(clips);
	free(order);
}

static void
truth_free(struct truth *t)
{
	free(t->silence_list);
	free(t->segments);
}

static void
keys_and_synth(struct script *scs, size_t n, int jobs)
{
	size_t i, t, m = 0, cap = 0;
	struct turn **ts = NULL;

	for (i = 0; i < n; i++)
		for (t = 0; t < scs[i].n; t++) {
			struct turn *u = &scs[i].t[t];

			if (u->spk == HOLD)
				continue;
			u->key = clip_key(u);
			if (m == cap) {
				cap = cap ? cap * 2 : 64;
				ts = xrealloc(ts, cap * sizeof *ts);
			}
			ts[m++] = u;
		}
	synth_all(ts, m, jobs);
	free(ts);
}

/* -------------------------------------------------------------- month */

/* Phrases: the scoring rubric matches the greeting, closing, thanks,
 * read-back and forbidden phrases; keep them as they are. */
struct lang {
	const char *greet, *greet_short, *no_greet, *closing, *closing_reply,
	    *thanks, *no_thanks, *bye, *readback, *confirm, *wait,
	    *hold_back;
	const char *open[5], *ask[2], *give, *answer[3], *city[6],
	    *follow[5], *reply[5], *forbid[2];
	const char *agent_voice[4], *cust_voice[6];
	int cust_pitch[6], cust_speed[6];
};

static const struct lang zh = {
	"您好，很高兴为您服务，我是工号%s",
	"您好，很高兴为您服务",
	"喂，说吧",
	"请问还有什么可以帮到您",
	"没有了，谢谢",
	"感谢您的来电，再见",
	"好，就这样",
	"好的，再见",
	"您的单号是",
	"对，没错",
	"请稍等，我帮您查一下",
	"感谢您的耐心等待，",
	{ "你好，我想查一下我的快递到哪里了", "你好，我的包裹好几天了还没收到",
	    "喂，你好，我寄的件一直没有更新物流信息",
	    "你好，我想问一下我的快递什么时候能送到",
	    "你好，我的快递显示已签收，但是我没有收到" },
	{ "好的，请您提供一下快递单号", "请问您的单号是多少" },
	"单号是",
	{ "您的快递已经到达%s分拣中心，预计明天送达",
	    "您的包裹正在派送中，今天下午会送到",
	    "您的快递已经在%s网点，快递员会尽快联系您" },
	{ "上海", "北京", "广州", "深圳", "杭州", "成都" },
	{ "那大概几点能送到呢", "可以帮我改一下收货地址吗",
	    "能不能让快递员先给我打个电话", "如果今天送不到怎么办",
	    "运费可以退吗" },
	{ "一般会在下午六点之前送到，请您保持电话畅通",
	    "可以的，我已经帮您备注了新的地址",
	    "好的，我会通知网点的快递员先联系您",
	    "如果今天送不到，明天会优先为您派送",
	    "这个需要您提供一下付款凭证，我们会尽快处理" },
	{ "这个我不知道", "这不归我管，您去问快递员吧" },
	{ "cmn", "cmn+f2", "cmn+f4", "cmn+m3" },
	{ "cmn+f2", "cmn+f4", "cmn", "cmn+m3", "cmn+f3", "cmn+m1" },
	{ 60, 70, 40, 35, 65, 50 },
	{ 170, 160, 150, 165, 175, 155 },
};

static const struct lang en = {
	"Hello, thank you for calling, this is agent %s",
	"Hello, thank you for calling",
	"Yeah, hello",
	"Is there anything else I can help you with",
	"No, that's all, thanks",
	"Thank you for calling, goodbye",
	"OK, fine",
	"OK, bye",
	"Your tracking number is",
	"Yes, that's right",
	"Please hold on, let me check that for you",
	"Thank you for waiting, ",
	{ "Hi, I want to check where my package is",
	    "Hello, my parcel has not arrived yet",
	    "Hi, the tracking page has not updated for three days",
	    "Hello, when will my delivery arrive",
	    "Hi, it says delivered but I did not get it" },
	{ "Sure, can I have your tracking number please",
	    "What is your tracking number" },
	"It is",
	{ "Your package has arrived at the %s sorting center and should be "
	  "delivered tomorrow",
	    "Your parcel is out for delivery and will arrive this afternoon",
	    "Your package is at the %s depot, the courier will call you soon" },
	{ "Shanghai", "Beijing", "Guangzhou", "Shenzhen", "Hangzhou",
	    "Chengdu" },
	{ "What time will it arrive", "Can you change the delivery address",
	    "Can the courier call me first", "What if nobody is home today",
	    "Can I get a refund for the shipping" },
	{ "It usually arrives before six in the evening, please keep your "
	  "phone on",
	    "Yes, I have added a note with the new address to your order",
	    "Sure, I will ask the courier to call you first",
	    "If it cannot be delivered today, it will be first on the list "
	    "tomorrow",
	    "Please send us the receipt and we will process it quickly" },
	{ "I don't know", "That's not my problem, ask the courier" },
	{ "en-us", "en-us+f3", "en-us+f2", "en-us+m3" },
	{ "en-us+f2", "en-us+f4", "en-us", "en-us+m1", "en-us+f3",
	    "en-us+m2" },
	{ 60, 70, 45, 35, 65, 50 },
	{ 170, 160, 150, 165, 175, 155 },
};

enum { MIDDLE, BEST, WORST };

struct agent {
	char id[16], team[16], post[16], staff[16];
	const struct lang *L;
	char voice[24];
	int pitch, speed, style; /* style: 2 lively, 1 normal, 0 monotone */
	int expected;
	double p_dead, dead_lo, dead_hi, p_interrupt, p_greet, p_close,
	    p_thanks, p_forbid, p_readback, p_lookup, quality;
};

static void
agent_make(struct agent *a, int i, int nagents, int nteams, uint64_t seed)
{
	static const char *const posts[4] = { "96126", "114", "160", "1000" };
	struct rng r = rng_sub(seed, 1, (uint64_t)i);
	int team = i * nteams / nagents;
	int first = (team * nagents + nteams - 1) / nteams;
	int size = ((team + 1) * nagents + nteams - 1) / nteams - first;
	int pos = i - first, best_pos = (team + (int)(seed % 7)) % size;
	int worst_pos = size > 1 ? (best_pos + 1 + (int)(seed / 7 % (size - 1)))
		% size : -1;

	memset(a, 0, sizeof *a);
	snprintf(a->id, sizeof a->id, "A%03d", i + 1);
	snprintf(a->team, sizeof a->team, "T%d", team + 1);
	snprintf(a->post, sizeof a->post, "%s", posts[rng_int(&r, 4)]);
	snprintf(a->staff, sizeof a->staff, "%04d",
	    1000 + (i + 1) * 37 % 9000 + rng_int(&r, 30));
	a->L = rng_chance(&r, 0.25) ? &en : &zh;
	snprintf(a->voice, sizeof a->voice, "%s",
	    a->L->agent_voice[rng_int(&r, 4)]);
	a->expected = pos == best_pos ? BEST : pos == worst_pos ? WORST :
								  MIDDLE;
	a->speed = 150 + 5 * rng_int(&r, 6);
	switch (a->expected) {
	case BEST:
		a->style = 2;
		a->pitch = 50;
		a->p_greet = a->p_close = a->p_thanks = a->p_readback = 1;
		a->p_lookup = 1;
		break;
	case WORST:
		a->style = 0;
		a->speed = 140;
		/* the low male voice: F0 near 90 Hz or below */
		snprintf(a->voice, sizeof a->voice, "%s",
		    a->L == &zh ? "cmn" : "en-us+m3");
		a->pitch = a->L == &zh ? 50 : 45;
		a->p_dead = 0.7;
		a->dead_lo = 5;
		a->dead_hi = 12;
		a->p_interrupt = 0.5;
		a->p_greet = 0;
		a->p_close = 0.1;
		a->p_thanks = 0.1;
		a->p_forbid = 0.4;
		a->p_readback = 0.1;
		a->p_lookup = 0.5;
		break;
	default:
		a->style = 1;
		a->pitch = 40 + 5 * rng_int(&r, 6);
		a->p_dead = rng_range(&r, 0.05, 0.25);
		a->dead_lo = 3;
		a->dead_hi = 6;
		a->p_interrupt = rng_range(&r, 0, 0.15);
		a->p_greet = rng_range(&r, 0.6, 0.95);
		a->p_close = rng_range(&r, 0.6, 0.95);
		a->p_thanks = rng_range(&r, 0.6, 0.95);
		a->p_forbid = rng_range(&r, 0, 0.08);
		a->p_readback = rng_range(&r, 0.4, 0.9);
		a->p_lookup = rng_range(&r, 0.75, 0.95);
		break;
	}
	a->quality = (a->p_greet + a->p_close + a->p_thanks + a->p_readback +
			 a->p_lookup + (1 - a->p_dead * a->dead_hi / 12) +
			 (1 - a->p_interrupt) + (1 - 2 * a->p_forbid) +
			 a->style / 2.0) / 9;
}

struct call {
	char id[32], audio[128], transcript[64], started[64], tracking[16];
	int agent, lookup_ok, hold;
	struct script sc;
};

/* An agent's turn: pitch and speed by the agent's style. */
static void
say(struct script *sc, const struct agent *a, struct rng *r,
    const char *text, int tmode, double tval)
{
	int pitch = a->pitch, speed = a->speed;
	const char *range = "";

	if (a->style == 2) {
		pitch = 25 + 5 * rng_int(r, 12);
		speed = a->speed - 10 + 5 * rng_int(r, 5);
		range = "x-high";
	} else if (a->style == 1) {
		pitch = a->pitch - 5 + 5 * rng_int(r, 3);
	} else
		range = "x-low";
	turn_add(sc, AGENT, a->voice, pitch, speed, range, text, tmode, tval);
}

static double
reply_gap(struct rng *r)
{
	return rng_range(r, 0.4, 1.1);
}

/* The agent answers a customer turn: at a normal gap, after dead air, or
 * interrupting (>= 1.2 s before the customer ends). */
static void
answer(struct script *sc, const struct agent *a, struct rng *r,
    const char *text, int may_interrupt)
{
	if (may_interrupt && rng_chance(r, a->p_interrupt))
		say(sc, a, r, text, 2, rng_range(r, 1.2, 1.8));
	else if (rng_chance(r, a->p_dead))
		say(sc, a, r, text, 1, rng_range(r, a->dead_lo, a->dead_hi));
	else
		say(sc, a, r, text, 1, reply_gap(r));
}

static void
digits_spoken(char *dst, size_t cap, const char *lead, const char *digits,
    const struct lang *L)
{
	struct sb b = { 0 };
	const char *p;

	sb_add(&b, "%s%s", lead, L == &zh ? "" : " ");
	for (p = digits; *p; p++)
		if (L == &zh)
			sb_add(&b, "%s", zh_digit[*p - '0']);
		else
			sb_add(&b, "%s%s", en_digit[*p - '0'], p[1] ? " " : "");
	snprintf(dst, cap, "%s", b.s);
	free(b.s);
}

static void
call_make(struct call *c, const struct agent *a, uint64_t seed, long n)
{
	const struct lang *L = a->L;
	struct rng r = rng_sub(seed, 2, (uint64_t)n);
	struct script *sc = &c->sc;
	int cv = rng_int(&r, 6), len, i, nfollow, cust_interrupts;
	char buf[512];
	const char *city;

	len = 8 + rng_int(&r, 5);
	for (i = 0; i < len; i++)
		c->tracking[i] = (char)('0' + (i == 0 ? 1 + rng_int(&r, 9) :
						     rng_int(&r, 10)));
	c->tracking[len] = 0;
	c->lookup_ok = rng_chance(&r, a->p_lookup);
	city = L->city[rng_int(&r, 6)];

#define CUST(text, mode, val) \
	turn_add(sc, CUSTOMER, L->cust_voice[cv], L->cust_pitch[cv], \
	    L->cust_speed[cv], "", text, mode, val)

	/* greeting */
	if (rng_chance(&r, a->p_greet)) {
		snprintf(buf, sizeof buf, L->greet, a->staff);
		say(sc, a, &r, buf, 0, 0.3);
	} else
		say(sc, a, &r, a->expected == WORST ? L->no_greet :
						      L->greet_short, 0, 0.3);
	CUST(L->open[rng_int(&r, 5)], 1, reply_gap(&r));
	answer(sc, a, &r, L->ask[rng_int(&r, 2)], 1);
	digits_spoken(buf, sizeof buf, L->give, c->tracking, L);
	CUST(buf, 1, reply_gap(&r));
	if (rng_chance(&r, a->p_readback)) {
		digits_spoken(buf, sizeof buf, L->readback, c->tracking, L);
		say(sc, a, &r, buf, 1, reply_gap(&r));
		CUST(L->confirm, 1, reply_gap(&r));
	}
	say(sc, a, &r, L->wait, 1, reply_gap(&r));
	c->hold = rng_chance(&r, a->expected == WORST ? 0.1 : 0.35);
	snprintf(buf, sizeof buf, "%s", "");
	if (c->hold) {
		char h[16];

		snprintf(h, sizeof h, "%.1f", 8 + 0.5 * rng_int(&r, 25));
		turn_add(sc, HOLD, "", 0, 0, "", h, 1, rng_range(&r, 0.3, 0.8));
		snprintf(buf, sizeof buf, "%s", L->hold_back);
	}
	{
		size_t n = strlen(buf);

		int k = rng_int(&r, 3);

		if (strstr(L->answer[k], "%s"))
			snprintf(buf + n, sizeof buf - n, L->answer[k], city);
		else
			snprintf(buf + n, sizeof buf - n, "%s", L->answer[k]);
	}
	if (c->hold)
		say(sc, a, &r, buf, 1, rng_range(&r, 0.3, 0.8));
	else if (rng_chance(&r, a->p_dead))
		say(sc, a, &r, buf, 1, rng_range(&r, a->dead_lo, a->dead_hi));
	else
		say(sc, a, &r, buf, 1, rng_range(&r, 0.8, 2.0));
	nfollow = 2 + rng_int(&r, 3);
	cust_interrupts = rng_chance(&r, 0.2);
	for (i = 0; i < nfollow; i++) {
		int q = rng_int(&r, 5);

		if (cust_interrupts && i == 0)
			CUST(L->follow[q], 2, rng_range(&r, 1.2, 1.8));
		else
			CUST(L->follow[q], 1, reply_gap(&r));
		if (rng_chance(&r, a->p_forbid))
			answer(sc, a, &r, L->forbid[rng_int(&r, 2)], 1);
		else
			answer(sc, a, &r, L->reply[q], 1);
	}
	if (rng_chance(&r, a->p_close)) {
		say(sc, a, &r, L->closing, 1, reply_gap(&r));
		CUST(L->closing_reply, 1, reply_gap(&r));
	}
	if (rng_chance(&r, a->p_thanks))
		say(sc, a, &r, L->thanks, 1, reply_gap(&r));
	else
		say(sc, a, &r, L->no_thanks, 1, reply_gap(&r));
	CUST(L->bye, 1, reply_gap(&r));
#undef CUST
}

static int
days_in(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int
long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static FILE *
xfopen(const char *dir, const char *name)
{
	struct sb b = { 0 };
	FILE *f;

	sb_add(&b, "%s/%s", dir, name);
	f = fopen(b.s, "w");
	if (!f)
		die("%s: %s", b.s, strerror(errno));
	free(b.s);
	return f;
}

static void
xfclose(FILE *f, const char *what)
{
	if (ferror(f) || fclose(f) != 0)
		die("%s: write error", what);
}

struct month_opts {
	const char *out, *month;
	int agents, days, per_day, teams, jobs;
	uint64_t seed;
	double snr, leak;
};

/* Render calls n with n % nw == w, writing "n<TAB>truth row" lines to f. */
static void
render_share(const struct month_opts *mo, const struct call *calls,
    struct script *scs, size_t ncalls, size_t w, size_t nw, FILE *f)
{
	struct sb b = { 0 };
	size_t n;

	for (n = w; n < ncalls; n += nw) {
		const struct call *c = &calls[n];
		struct ropts o = { 0 };
		struct truth tr;
		struct rng r = rng_sub(mo->seed, 4, (uint64_t)n);
		char *wav, *tsv;

		o.snr = mo->snr;
		o.leak = mo->leak;
		o.seed = mix64(mo->seed * 31 + n);
		o.cust_level = rng_range(&r, -26, -20);
		b.n = 0;
		sb_add(&b, "%s/%s", mo->out, c->audio);
		wav = xstrdup(b.s);
		b.n = 0;
		sb_add(&b, "%s/%s", mo->out, c->transcript);
		tsv = xstrdup(b.s);
		render(&scs[n], &o, wav, tsv, &tr);
		fprintf(f, "%zu\t", n);
		truth_print(f, &tr);
		truth_free(&tr);
		free(wav);
		free(tsv);
	}
	free(b.s);
}

/* Render every call, in mo->jobs worker processes when more than one;
 * returns the truth rows (each ending in a newline) by call index. */
static char **
render_parallel(const struct month_opts *mo, const struct call *calls,
    struct script *scs, size_t ncalls)
{
	size_t nw = mo->jobs > 1 ? (size_t)mo->jobs : 1, w, n;
	char **rows = xcalloc(ncalls, sizeof *rows);
	pid_t *pids = xcalloc(nw, sizeof *pids);
	char **paths = xcalloc(nw, sizeof *paths);
	char *line = NULL;
	size_t cap = 0;

	if (nw > ncalls)
		nw = ncalls ? ncalls : 1;
	fflush(NULL);
	for (w = 0; w < nw; w++) {
		struct sb b = { 0 };

		sb_add(&b, "%s/.truth.%zu.tmp", mo->out, w);
		paths[w] = sb_take(&b);
		pids[w] = nw > 1 ? fork() : 0;
		if (pids[w] < 0)
			die("fork: %s", strerror(errno));
		if (pids[w] == 0) {
			FILE *f = fopen(paths[w], "w");

			if (!f)
				die("%s: %s", paths[w], strerror(errno));
			render_share(mo, calls, scs, ncalls, w, nw, f);
			xfclose(f, paths[w]);
			if (nw > 1)
				_exit(0);
		}
	}
	for (w = 0; nw > 1 && w < nw; w++) {
		int status;

		if (waitpid(pids[w], &status, 0) < 0)
			die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("a rendering worker failed (status %d)", status);
	}
	for (w = 0; w < nw; w++) {
		FILE *f = fopen(paths[w], "r");
		ssize_t len;

		if (!f)
			die("%s: %s", paths[w], strerror(errno));
		while ((len = getline(&line, &cap, f)) != -1) {
			char *tab = strchr(line, '\t');

			n = (size_t)strtoul(line, NULL, 10);
			if (!tab || n >= ncalls || rows[n])
				die("%s: damaged", paths[w]);
			rows[n] = xstrdup(tab + 1);
		}
		fclose(f);
		unlink(paths[w]);
		free(paths[w]);
	}
	for (n = 0; n < ncalls; n++)
		if (!rows[n])
			die("call %zu was not rendered", n);
	free(line);
	free(paths);
	free(pids);
	return rows;
}

static void
month_run(const struct month_opts *mo)
{
	int y, m, d, i, k;
	size_t ncalls = (size_t)mo->agents * mo->days * mo->per_day, n = 0;
	struct agent *ag = xcalloc((size_t)mo->agents, sizeof *ag);
	struct call *calls = xcalloc(ncalls, sizeof *calls);
	struct script *scs = xcalloc(ncalls, sizeof *scs);
	FILE *man, *tf, *af;
	struct sb b = { 0 };
	char nrest, **rows;

	if (sscanf(mo->month, "%4d-%2d%c", &y, &m, &nrest) != 2 || y < 1970 ||
	    m < 1 || m > 12 || strlen(mo->month) != 7)
		die("bad --month '%s' (YYYY-MM)", mo->month);
	if (mo->days > days_in(y, m))
		die("--days %d: %s has %d days", mo->days, mo->month,
		    days_in(y, m));
	for (i = 0; i < mo->agents; i++)
		agent_make(&ag[i], i, mo->agents, mo->teams, mo->seed);
	for (d = 1; d <= mo->days; d++)
		for (i = 0; i < mo->agents; i++) {
			struct rng r = rng_sub(mo->seed, 3,
			    (uint64_t)(d * 100000 + i));
			long secs[64];

			for (k = 0; k < mo->per_day; k++)
				secs[k] = 9 * 3600 + rng_int(&r, 9 * 3600 / 60
						- mo->per_day) * 60 + k * 60;
			qsort(secs, (size_t)mo->per_day, sizeof *secs,
			    long_cmp);
			for (k = 0; k < mo->per_day; k++) {
				struct call *c = &calls[n];
				int hh = (int)(secs[k] / 3600),
				    mm = (int)(secs[k] / 60 % 60),
				    ss = (int)(secs[k] % 60);

				snprintf(c->id, sizeof c->id, "C%06zu", n + 1);
				c->agent = i;
				snprintf(c->started, sizeof c->started,
				    "%04d-%02d-%02dT%02d:%02d:%02d+08:00",
				    y, m, d, hh, mm, ss);
				snprintf(c->audio, sizeof c->audio,
				    "audio/%s_%04d%02d%02dT%02d%02d%02d_%s.wav",
				    ag[i].id, y, m, d, hh, mm, ss, c->id);
				snprintf(c->transcript, sizeof c->transcript,
				    "transcripts/%s.tsv", c->id);
				call_make(c, &ag[i], mo->seed, (long)n);
				scs[n] = c->sc;
				n++;
			}
		}
	keys_and_synth(scs, ncalls, mo->jobs);
	sb_add(&b, "%s/audio", mo->out);
	mkdirs(b.s);
	b.n = 0;
	sb_add(&b, "%s/transcripts", mo->out);
	mkdirs(b.s);
	rows = render_parallel(mo, calls, scs, ncalls);
	man = xfopen(mo->out, "manifest.csv");
	tf = xfopen(mo->out, "truth.tsv");
	fputs("call_id,agent_id,started_at,audio,team,post,agent_channel,"
	      "transcript,tracking_no,lookup_correct,language,hold\n", man);
	fprintf(tf, "call_id\t%s\n", truth_cols);
	for (n = 0; n < ncalls; n++) {
		struct call *c = &calls[n];
		const struct agent *a = &ag[c->agent];

		fprintf(man, "%s,%s,%s,%s,%s,%s,1,%s,%s,%s,%s,%s\n", c->id,
		    a->id, c->started, c->audio, a->team, a->post,
		    c->transcript, c->tracking, c->lookup_ok ? "t" : "f",
		    a->L == &zh ? "zh" : "en", c->hold ? "t" : "f");
		fprintf(tf, "%s\t%s", c->id, rows[n]);
		free(rows[n]);
	}
	free(rows);
	for (n = 0; n < ncalls; n++)
		script_free(&scs[n]);
	xfclose(man, "manifest.csv");
	xfclose(tf, "truth.tsv");
	af = xfopen(mo->out, "agents.tsv");
	fputs("agent_id\tteam\tprofile\tquality\texpected\n", af);
	for (i = 0; i < mo->agents; i++) {
		const struct agent *a = &ag[i];

		fprintf(af, "%s\t%s\tlang=%s voice=%s pitch=%d speed=%d "
			    "tone=%s staff=%s post=%s dead_air=%.2f/%.0f-%.0fs "
			    "interrupt=%.2f greet=%.2f close=%.2f thanks=%.2f "
			    "forbidden=%.2f readback=%.2f lookup=%.2f\t%.3f\t%s\n",
		    a->id, a->team, a->L == &zh ? "zh" : "en", a->voice,
		    a->pitch, a->speed,
		    a->style == 2 ? "lively" : a->style ? "normal" : "monotone",
		    a->staff, a->post, a->p_dead, a->dead_lo, a->dead_hi,
		    a->p_interrupt, a->p_greet, a->p_close, a->p_thanks,
		    a->p_forbid, a->p_readback, a->p_lookup, a->quality,
		    a->expected == BEST ? "best" :
		    a->expected == WORST ? "worst" : "");
	}
	xfclose(af, "agents.tsv");
	free(b.s);
	free(scs);
	free(calls);
	free(ag);
}

/* --------------------------------------------------------------- main */

static void
usage(FILE *f)
{
	fputs("usage: callgen call SCRIPT.tsv OUT.wav [--snr DB] [--seed S] "
	      "[--clean]\n"
	      "              [--leak DB] [--cache DIR] [-j N]\n"
	      "       callgen month --out DIR --agents N --month YYYY-MM "
	      "--days D\n"
	      "              --calls-per-day C --seed S [--teams T] "
	      "[--snr DB] [--leak DB]\n"
	      "              [--cache DIR] [-j N]\n",
	    f);
}

static void __attribute__((noreturn))
bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

static double
num_arg(const char *opt, const char *v, double lo, double hi)
{
	double x;

	if (!v)
		bad_usage("%s needs a value", opt);
	if (parse_num(v, &x) != 0 || x < lo || x > hi)
		bad_usage("bad value for %s", opt);
	return x;
}

int
main(int argc, char **argv)
{
	struct month_opts mo = { 0 };
	struct ropts o = { 0 };
	const char *pos[2] = { 0 }, *cache = NULL;
	int npos = 0, i, month, jobs = 2;
	char *xdg = getenv("XDG_CACHE_HOME");
	struct sb b = { 0 };

	/* Keep freed call buffers for the next call: fresh pages are slow. */
	mallopt(M_MMAP_THRESHOLD, 1 << 30);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	if (argc < 2)
		bad_usage("%s", "missing mode: call or month");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "call") != 0 && strcmp(argv[1], "month") != 0)
		bad_usage("unknown mode '%s' (call or month)", argv[1]);
	month = argv[1][0] == 'm';
	o.snr = mo.snr = 20;
	o.leak = mo.leak = 30;
	o.cust_level = -23;
	mo.teams = 2;
	mo.agents = mo.days = mo.per_day = -1;
	mo.seed = 1;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--snr") == 0)
			o.snr = mo.snr = num_arg(a, v, -20, 120), i++;
		else if (strcmp(a, "--leak") == 0)
			o.leak = mo.leak = num_arg(a, v, 0, 200), i++;
		else if (strcmp(a, "--seed") == 0)
			o.seed = mo.seed = (uint64_t)num_arg(a, v, 0, 1e15),
			i++;
		else if (strcmp(a, "--cache") == 0) {
			if (!v)
				bad_usage("%s needs a value", a);
			cache = v;
			i++;
		} else if (strcmp(a, "-j") == 0)
			jobs = (int)num_arg(a, v, 1, 64), i++;
		else if (!month && strcmp(a, "--clean") == 0)
			o.clean = 1;
		else if (month && strcmp(a, "--out") == 0) {
			if (!v)
				bad_usage("%s needs a value", a);
			mo.out = v;
			i++;
		} else if (month && strcmp(a, "--month") == 0) {
			if (!v)
				bad_usage("%s needs a value", a);
			mo.month = v;
			i++;
		} else if (month && strcmp(a, "--agents") == 0)
			mo.agents = (int)num_arg(a, v, 1, 999), i++;
		else if (month && strcmp(a, "--days") == 0)
			mo.days = (int)num_arg(a, v, 1, 31), i++;
		else if (month && strcmp(a, "--calls-per-day") == 0)
			mo.per_day = (int)num_arg(a, v, 1, 60), i++;
		else if (month && strcmp(a, "--teams") == 0)
			mo.teams = (int)num_arg(a, v, 1, 99), i++;
		else if (a[0] == '-' && a[1])
			bad_usage("unknown option '%s'", a);
		else if (!month && npos < 2)
			pos[npos++] = a;
		else
			bad_usage("unexpected argument '%s'", a);
	}
	if (cache)
		sb_add(&b, "%s", cache);
	else if (xdg && *xdg)
		sb_add(&b, "%s/callqa-callgen", xdg);
	else
		sb_add(&b, "build/callgen-cache");
	cache_dir = sb_take(&b);
	mkdirs(cache_dir);
	mo.jobs = jobs;
	if (month) {
		if (!mo.out || !mo.month || mo.agents < 0 || mo.days < 0 ||
		    mo.per_day < 0)
			bad_usage("%s", "month needs --out, --agents, --month, "
					"--days and --calls-per-day");
		if (mo.teams > mo.agents)
			bad_usage("%s", "more teams than agents");
		mkdirs(mo.out);
		month_run(&mo);
	} else {
		struct script sc = { 0 };
		struct truth tr;
		char *tsv, *tp;
		FILE *f;

		if (npos != 2)
			bad_usage("%s", "call needs SCRIPT.tsv and OUT.wav");
		script_read(pos[0], &sc);
		keys_and_synth(&sc, 1, jobs);
		tsv = with_suffix(pos[1], ".transcript.tsv");
		render(&sc, &o, pos[1], tsv, &tr);
		tp = with_suffix(pos[1], ".truth.tsv");
		f = fopen(tp, "w");
		if (!f)
			die("%s: %s", tp, strerror(errno));
		fprintf(f, "%s\n", truth_cols);
		truth_print(f, &tr);
		xfclose(f, tp);
		truth_free(&tr);
		free(tsv);
		free(tp);
		script_free(&sc);
	}
	free(cache_dir);
	return 0;
}
