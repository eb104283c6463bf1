/*
 * msg.h: diagnostics on stderr, one line each, prefixed by the program
 * name: "callqa-score: rec.tsv:12: unknown criterion 'pace'".  Control
 * characters from untrusted text (file names, transcripts) are shown as
 * '?'.  Callers never pass the trailing newline.
 */
#ifndef CALLQA_MSG_H
#define CALLQA_MSG_H

enum msg_level {
	MSG_QUIET = 0,	/* errors only */
	MSG_NORMAL = 1, /* errors and warnings */
	MSG_VERBOSE = 2 /* and notes */
};

/* Set the program name used as prefix (borrowed: must outlive all calls). */
void msg_init(const char *progname);
void msg_set_level(enum msg_level level);
enum msg_level msg_get_level(void);
/* The program name given to msg_init (borrowed). */
const char *msg_progname(void);

void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * msg_warn("%s", msg), shaped as the library's warning hooks (ingest,
 * measure, score and store options take a function and its argument).
 */
void msg_warn_hook(const char *msg, void *arg);

/*
 * Finish writing stdout: fflush, ferror and fclose.  Returns 0, or -1 after
 * printing "write error: ..." (the caller then exits 1).
 */
int msg_close_stdout(void);

#endif
