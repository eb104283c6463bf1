/*
 * msg.c: the one place that writes diagnostics.  Each message is formatted
 * whole, its control characters replaced by '?', and written with a single
 * fputs so that lines from parallel stages do not interleave.
 */
#include "callqa/msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "callqa/callqa.h"

static const char *progname = "callqa";
static enum msg_level level = MSG_NORMAL;

int
err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
msg_init(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

void
msg_set_level(enum msg_level l)
{
	level = l;
}

enum msg_level
msg_get_level(void)
{
	return level;
}

const char *
msg_progname(void)
{
	return progname;
}

static void
vreport(const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	int n;
	unsigned char *p;

	n = snprintf(line, sizeof(line), "%s: %s", progname, prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	for (p = (unsigned char *)line; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	n = (int)strlen(line);
	if ((size_t)n + 1 < sizeof(line))
		line[n++] = '\n', line[n] = '\0';
	fputs(line, stderr);
}

void
msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;

	if (level < MSG_NORMAL)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void
msg_warn_hook(const char *msg, void *arg)
{
	(void)arg;
	msg_warn("%s", msg);
}

void
msg_note(const char *fmt, ...)
{
	va_list ap;

	if (level < MSG_VERBOSE)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

int
msg_close_stdout(void)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);

	if (fclose(stdout) != 0)
		failed = 1;
	if (failed) {
		msg_error("write error: %s", strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}
