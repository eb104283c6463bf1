/*
 * measure.c: the measure stage's record loop with ordered parallelism.
 *
 * The reading thread fills a ring of slots with records in input order;
 * worker threads take the oldest pending slot, measure its recording and
 * mark it done; the reading thread writes done slots from the head of the
 * ring, so the output order is the input order whatever the number of
 * workers, and a long call holds back at most the ring's other slots.
 */
#include "callqa/measure.h"
#include "callqa/progress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/record.h"

const char *const measure_columns[] = {
	"duration_s",
	"mono",
	"agent_talk_s",
	"customer_talk_s",
	"silence_s",
	"silence_events",
	"longest_silence_s",
	"overtalk_s",
	"agent_interruptions",
	"customer_interruptions",
	"response_latency_s",
	"agent_pitch_median_hz",
	"agent_pitch_sd_st",
	"customer_pitch_median_hz",
	"customer_pitch_sd_st",
	"agent_loudness_dbfs",
	"customer_loudness_dbfs",
	"agent_speech_rate_sps",
	"customer_speech_rate_sps",
	"hold_s",
	"segments",
	"status",
};
const int measure_ncolumns =
	(int)(sizeof(measure_columns) / sizeof(measure_columns[0]));

enum slot_state { SLOT_FREE, SLOT_PENDING, SLOT_RUNNING, SLOT_DONE };

struct slot {
	enum slot_state state;
	char **vals; /* input fields (NULL for \N) */
	int nvals;
	int todo;    /* measure it (else pass through) */
	int failed;  /* measuring failed: reject with why */
	char *path;
	int agent_channel;
	struct metrics m;
	struct err why;
};

struct stage {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct slot *slots;
	int nslots;
	long head, tail; /* sequence numbers: head to write, tail to fill */
	long next;	 /* next sequence a worker may take */
	int quit;
	struct metrics_opts mo;
};

static void
slot_clear(struct slot *s)
{
	int i;

	for (i = 0; i < s->nvals; i++)
		free(s->vals[i]);
	free(s->vals);
	free(s->path);
	metrics_release(&s->m);
	memset(s, 0, sizeof(*s));
}

static void *
worker(void *arg)
{
	struct stage *st = arg;
	struct slot *s;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		/* Slots before head are written (and maybe reused). */
		if (st->next < st->head)
			st->next = st->head;
		while (st->next < st->tail &&
		       st->slots[st->next % st->nslots].state != SLOT_PENDING)
			st->next++;
		if (st->next == st->tail) {
			if (st->quit)
				break;
			pthread_cond_wait(&st->work, &st->mu);
			continue;
		}
		s = &st->slots[st->next++ % st->nslots];
		s->state = SLOT_RUNNING;
		pthread_mutex_unlock(&st->mu);
		s->failed = metrics_measure_file(s->path, s->agent_channel,
						 &st->mo, &s->m,
						 &s->why) < 0;
		pthread_mutex_lock(&st->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&st->done);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

static void
set_metrics(struct record_writer *w, const struct metrics *m)
{
#define COL(name) record_writer_col(w, name)
	int mono = m->mono;

	record_set_num(w, COL("duration_s"), m->duration_s, 3);
	record_set(w, COL("mono"), mono ? "t" : "f");
	record_set_num(w, COL("agent_talk_s"), m->agent.talk_s, 3);
	record_set_num(w, COL("customer_talk_s"), m->customer.talk_s, 3);
	record_set_num(w, COL("silence_s"), m->silence_s, 3);
	record_setf(w, COL("silence_events"), "%ld", m->silence_events);
	record_set_num(w, COL("longest_silence_s"), m->longest_silence_s, 3);
	record_set_num(w, COL("overtalk_s"), m->overtalk_s, 3);
	if (!mono) {
		record_setf(w, COL("agent_interruptions"), "%ld",
			    m->agent_interruptions);
		record_setf(w, COL("customer_interruptions"), "%ld",
			    m->customer_interruptions);
	}
	record_set_num(w, COL("response_latency_s"), m->response_latency_s,
		       3);
	record_set_num(w, COL("agent_pitch_median_hz"),
		       m->agent.pitch_median_hz, 1);
	record_set_num(w, COL("agent_pitch_sd_st"), m->agent.pitch_sd_st, 2);
	record_set_num(w, COL("customer_pitch_median_hz"),
		       m->customer.pitch_median_hz, 1);
	record_set_num(w, COL("customer_pitch_sd_st"),
		       m->customer.pitch_sd_st, 2);
	record_set_num(w, COL("agent_loudness_dbfs"), m->agent.loudness_dbfs,
		       1);
	record_set_num(w, COL("customer_loudness_dbfs"),
		       m->customer.loudness_dbfs, 1);
	record_set_num(w, COL("agent_speech_rate_sps"),
		       m->agent.speech_rate_sps, 2);
	record_set_num(w, COL("customer_speech_rate_sps"),
		       m->customer.speech_rate_sps, 2);
	record_set_num(w, COL("hold_s"), m->hold_s, 3);
	record_set(w, COL("segments"), m->segments);
	record_set(w, COL("status"), "ok");
#undef COL
}

/* Write the slot at the head of the ring (the lock is not held). */
static int
emit(struct record_writer *w, struct slot *s, measure_warn_fn *warn,
     void *arg, struct measure_stats *stats, struct progress *pg,
     struct err *e)
{
	int i;

	progress_step(pg, s->todo && !s->failed ? s->m.duration_s : 0);
	for (i = 0; i < s->nvals; i++)
		record_set(w, i, s->vals[i]);
	if (s->todo && !s->failed) {
		set_metrics(w, &s->m);
		stats->measured++;
	} else if (s->todo) {
		record_reject(w, "measure", "%s", s->why.msg);
		if (warn)
			warn(s->why.msg, arg);
		stats->rejected++;
	} else if (s->failed) {
		/* a damaged input line */
		record_reject(w, "measure", "%s", s->why.msg);
		if (warn)
			warn(s->why.msg, arg);
		stats->rejected++;
	} else {
		stats->passed++;
	}
	return record_write(w, e);
}

/* Fill a slot from the reader's current record. */
static int
fill(struct slot *s, const struct record_reader *r, int damaged,
     const struct err *why)
{
	int i, n = record_reader_ncols(r);
	const char *status, *path, *ach;

	s->vals = calloc(n, sizeof(*s->vals));
	if (s->vals == NULL)
		return -1;
	s->nvals = n;
	for (i = 0; i < n; i++) {
		const char *v = record_get(r, i);

		if (v && (s->vals[i] = strdup(v)) == NULL)
			return -1;
	}
	if (damaged) {
		s->failed = 1;
		s->why = *why;
		return 0;
	}
	status = record_get_by_name(r, "status");
	if (!record_status_ok(status))
		return 0;
	path = record_get_by_name(r, "audio");
	ach = record_get_by_name(r, "agent_channel");
	if (path == NULL || *path == '\0') {
		s->failed = 1;
		err_set(&s->why, "%s:%ld: no audio path",
			record_reader_name(r), record_reader_lineno(r));
		return 0;
	}
	if (ach && strcmp(ach, "1") != 0 && strcmp(ach, "2") != 0) {
		s->failed = 1;
		err_set(&s->why, "%s:%ld: agent_channel '%.20s' is not 1 or 2",
			record_reader_name(r), record_reader_lineno(r), ach);
		return 0;
	}
	s->agent_channel = ach && strcmp(ach, "2") == 0 ? 2 : 1;
	if ((s->path = strdup(path)) == NULL)
		return -1;
	s->todo = 1;
	return 0;
}

int
measure_stream(FILE *in, const char *name, FILE *out,
	       const struct measure_opts *o, measure_warn_fn *warn, void *arg,
	       struct measure_stats *stats, struct err *e)
{
	struct record_reader *r;
	struct record_writer *w = NULL;
	struct stage st;
	pthread_t *tids = NULL;
	int i, nt = 0, rc = -1, jobs = o->jobs < 1 ? 1 : o->jobs;
	struct err rerr;

	memset(stats, 0, sizeof(*stats));
	if ((r = record_reader_new(in, name, e)) == NULL)
		return -1;
	memset(&st, 0, sizeof(st));
	st.mo = o->m;
	st.nslots = 2 * jobs + 2;
	pthread_mutex_init(&st.mu, NULL);
	pthread_cond_init(&st.work, NULL);
	pthread_cond_init(&st.done, NULL);
	st.slots = calloc(st.nslots, sizeof(*st.slots));
	tids = calloc(jobs, sizeof(*tids));
	w = record_writer_new(out, r, measure_columns, measure_ncolumns);
	if (st.slots == NULL || tids == NULL || w == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	for (nt = 0; nt < jobs; nt++)
		if (pthread_create(&tids[nt], NULL, worker, &st) != 0) {
			err_set(e, "cannot start worker threads");
			goto out;
		}
	if (record_writer_flush_header(w, e) < 0)
		goto out;
	for (;;) {
		int got = record_read(r, &rerr);
		struct slot *s;

		if (got == -2) {
			*e = rerr;
			goto out;
		}
		pthread_mutex_lock(&st.mu);
		/* Write what is done; wait while the ring is full. */
		for (;;) {
			struct slot *h = &st.slots[st.head % st.nslots];

			if (st.head < st.tail && h->state == SLOT_DONE) {
				pthread_mutex_unlock(&st.mu);
				if (emit(w, h, warn, arg, stats, o->progress, e) < 0)
					goto out;
				slot_clear(h);
				pthread_mutex_lock(&st.mu);
				st.head++;
				continue;
			}
			if (st.tail - st.head < st.nslots &&
			    (got != 0 || st.head == st.tail))
				break;
			pthread_cond_wait(&st.done, &st.mu);
		}
		pthread_mutex_unlock(&st.mu);
		if (got == 0)
			break;
		stats->inputs++;
		s = &st.slots[st.tail % st.nslots];
		if (fill(s, r, got < 0, &rerr) < 0) {
			err_set(e, "out of memory");
			goto out;
		}
		pthread_mutex_lock(&st.mu);
		s->state = s->todo ? SLOT_PENDING : SLOT_DONE;
		st.tail++;
		pthread_cond_broadcast(&st.work);
		pthread_mutex_unlock(&st.mu);
	}
	rc = 0;
out:
	pthread_mutex_lock(&st.mu);
	st.quit = 1;
	/* Let the workers finish what they took; drop the rest. */
	for (i = 0; i < st.nslots && st.slots; i++)
		if (st.slots[i].state == SLOT_PENDING)
			st.slots[i].state = SLOT_DONE;
	pthread_cond_broadcast(&st.work);
	pthread_mutex_unlock(&st.mu);
	for (i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < st.nslots && st.slots; i++)
		slot_clear(&st.slots[i]);
	free(st.slots);
	free(tids);
	pthread_mutex_destroy(&st.mu);
	pthread_cond_destroy(&st.work);
	pthread_cond_destroy(&st.done);
	record_writer_free(w);
	record_reader_free(r);
	return rc;
}
