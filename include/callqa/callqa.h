/*
 * callqa.h: what every part of callqa shares: the version, the error
 * record filled by library functions, and the ownership rule.
 *
 * Ownership: a pointer returned by a callqa function belongs to the caller
 * and is released with the matching S_free() (S_free(NULL) does nothing),
 * unless its comment says "borrowed"; a borrowed pointer's comment says how
 * long it stays valid.  A function that fails frees what it allocated and
 * leaves its out-parameters alone.
 *
 * Errors: library code (pipeline/) never prints and never exits.  It
 * returns -1 (or NULL) and fills a caller-owned struct err whose text is
 * printable as it is: "what failed: why", no trailing newline or period.
 * On success the struct err is left untouched.
 */
#ifndef CALLQA_CALLQA_H
#define CALLQA_CALLQA_H

#define CALLQA_VERSION "0.1.0"

struct err {
	char msg[512];
};

/* Fill e (when not NULL) with a printf-style message; returns -1. */
int err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
