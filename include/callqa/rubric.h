/*
 * rubric.h: a QA rubric loaded from YAML (the language is documented in
 * callqa-rubric(5)): sections with weights, items with points, each item of
 * one kind (metric threshold, graded bands, phrase said, phrase never said,
 * read-back of a field, outcome field, manual mark), optionally critical,
 * plus eligibility rules.  Every section and item keeps the line and
 * column of its definition, so scores and errors point back to the file.
 *
 * Loading uses libyaml's event parser and refuses, with FILE:LINE:COL,
 * anchors and aliases (alias bombs), nesting deeper than RUBRIC_MAX_DEPTH,
 * files over RUBRIC_MAX_BYTES, and numbers that are not finite or exceed
 * RUBRIC_MAX_NUMBER in size.  The struct is read-only after loading.
 */
#ifndef CALLQA_RUBRIC_H
#define CALLQA_RUBRIC_H

#include <stddef.h>

#include "callqa/callqa.h"
#include "callqa/strbuf.h"

#define RUBRIC_MAX_BYTES ((size_t)1 << 20)
#define RUBRIC_MAX_DEPTH 16
#define RUBRIC_MAX_NUMBER 1e9
#define RUBRIC_MAX_POINTS 1000

enum rubric_kind {
	RUBRIC_METRIC,	   /* metric column against a threshold */
	RUBRIC_BANDS,	   /* metric column graded by bands */
	RUBRIC_SAID,	   /* one of the phrases said */
	RUBRIC_NEVER_SAID, /* none of the phrases said */
	RUBRIC_READBACK,   /* a field's value read back in the transcript */
	RUBRIC_FIELD,	   /* a field equals one of the accepted values */
	RUBRIC_MANUAL	   /* from the inspector's marks */
};

enum rubric_op { RUBRIC_LT, RUBRIC_LE, RUBRIC_GT, RUBRIC_GE, RUBRIC_EQ,
		 RUBRIC_NE, RUBRIC_RANGE };

/* A condition on a number: "OP N" or the inclusive range "A..B". */
struct rubric_cond {
	enum rubric_op op;
	double a, b;
	char text[96]; /* canonical form, e.g. ">= 2" or "3..6.5" */
};

struct rubric_band {
	struct rubric_cond when;
	double points;
};

enum rubric_speaker { RUBRIC_ANY = 0, RUBRIC_AGENT = 1, RUBRIC_CUSTOMER = 2 };
enum rubric_window { RUBRIC_WHOLE = 0, RUBRIC_FIRST, RUBRIC_LAST };

struct rubric_item {
	char *id;
	char *label;	    /* the inspector's label, or the id */
	enum rubric_kind kind;
	int section;	    /* index into rubric.sections */
	int line, col;	    /* where the item starts in the file */
	double points;	    /* possible points (0 only for critical items) */
	int critical;	    /* a failure fails the whole call */
	int missing_fails;  /* if_missing: fail (default: the item is N/A) */
	char *column;	    /* metric or field column */
	struct rubric_cond pass;	   /* RUBRIC_METRIC */
	struct rubric_band *bands;	   /* RUBRIC_BANDS, first match wins */
	size_t nbands;
	enum rubric_speaker speaker;	   /* phrases and read-back */
	enum rubric_window window;
	double window_s;
	char **phrases;	    /* as written in the rubric */
	char **norm;	    /* textnorm() of each phrase */
	size_t nphrases;
	char **values;	    /* RUBRIC_FIELD: accepted values */
	size_t nvalues;
};

struct rubric_section {
	char *id, *label;
	double weight;
	int line, col;
	size_t first, nitems; /* items[first .. first + nitems) */
};

struct rubric {
	char *path;
	char *name;	    /* "rubric:" */
	char *title;	    /* or NULL */
	char version[65];   /* hex SHA-256 of the file's bytes */
	struct rubric_section *sections;
	size_t nsections;
	struct rubric_item *items;
	size_t nitems;
	char **fields;	    /* manifest columns declared in "fields:" */
	size_t nfields;
	/* eligibility; NaN or 0 when not set */
	double min_duration_s;
	int need_stereo;
	int need_transcript;
	double min_points;
};

/*
 * Load and check the rubric at path.  On success returns the rubric; on
 * failure returns NULL and appends one line per problem, each
 * "PATH:LINE:COL: message\n", to problems (as many as can be found; an
 * unreadable file gives "PATH: why").
 */
struct rubric *rubric_load(const char *path, struct strbuf *problems);
/* The same from memory; path is used in messages and kept. */
struct rubric *rubric_parse(const char *path, const char *buf, size_t len,
			    struct strbuf *problems);
void rubric_free(struct rubric *rb);

/* Index of the item with this id, or -1. */
int rubric_item_index(const struct rubric *rb, const char *id);
/* True if v satisfies c. */
int rubric_cond_eval(const struct rubric_cond *c, double v);
/* Parse a condition ("< 15", ">= 2", "3..6.5"); -1 with why set. */
int rubric_cond_parse(const char *s, struct rubric_cond *c, const char **why);
/* The name of a kind as written in rubrics and items JSON ("metric"...). */
const char *rubric_kind_name(enum rubric_kind k);
/* True if name is a column written by callqa-measure or callqa-ingest. */
int rubric_known_metric(const char *name);

#endif
