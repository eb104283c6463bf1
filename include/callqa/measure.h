/*
 * measure.h: the callqa-measure stage over a record stream: read ingest
 * records, measure each call's recording (metrics.h) on a pool of worker
 * threads, and write the records in their input order with the measure
 * columns added.  At most 2 * jobs + 2 records are in flight, so memory
 * does not depend on the length of the stream.
 */
#ifndef CALLQA_MEASURE_H
#define CALLQA_MEASURE_H

#include <stdio.h>

#include "callqa/callqa.h"
#include "callqa/metrics.h"

/* The columns callqa-measure writes, in order (a contract: rubrics,
 * reports and SQL use these names); status is set on rejects. */
extern const char *const measure_columns[];
extern const int measure_ncolumns;

struct progress;

struct measure_opts {
	struct metrics_opts m;
	int jobs; /* worker threads, >= 1 */
	struct progress *progress; /* stepped per record written, or NULL */
};

struct measure_stats {
	long inputs;   /* records read */
	long measured; /* measured now */
	long passed;   /* already rejected upstream, passed through */
	long rejected; /* rejected by this stage */
};

/* Called in the calling thread for each new reject, with its reason. */
typedef void measure_warn_fn(const char *why, void *arg);

/*
 * Run the stage from in (named name in messages) to out (both borrowed).
 * Returns 0 when the whole input was processed (rejects included), -1 when
 * the stream stopped: unreadable header, read or write error, or no
 * memory (e says why; the records before were written).
 */
int measure_stream(FILE *in, const char *name, FILE *out,
		   const struct measure_opts *o, measure_warn_fn *warn,
		   void *arg, struct measure_stats *st, struct err *e);

#endif
