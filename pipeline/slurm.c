/*
 * slurm.c: a shard-aware command as a Slurm job array.  We write two
 * small sh(1) scripts and hand them to sbatch(1); Slurm does the
 * scheduling, the retries are plain resubmissions of single tasks.
 */
#include "callqa/slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callqa/strbuf.h"

/* Characters sbatch cannot take in a path of a #SBATCH line. */
static const char unsafe[] = " \t\n\r\"'%\\$`";

static int
check_word(const char *what, const char *s, struct err *e)
{
	size_t bad;

	if (s == NULL || *s == '\0')
		return err_set(e, "slurm: empty %s", what);
	bad = strcspn(s, unsafe);
	if (s[bad] != '\0')
		return err_set(e, "slurm: %s '%s' has a character sbatch "
			       "cannot take (white space, quote, %%, \\, $ or "
			       "`)", what, s);
	return 0;
}

/* Append s to sb quoted for sh(1). */
static void
add_quoted(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	strbuf_addch(sb, '\'');
	for (i = 0; i < len; i++) {
		if (s[i] == '\'')
			strbuf_adds(sb, "'\\''");
		else
			strbuf_addch(sb, s[i]);
	}
	strbuf_addch(sb, '\'');
}

/*
 * Append one argument as a shell word: quoted, with "{K}" as "$k" (the
 * task's index, outside the quotes) and "{N}" as the number of tasks.
 */
static void
add_word(struct strbuf *sb, const char *arg, int tasks)
{
	const char *p = arg, *k, *n, *next;

	if (*arg == '\0') {
		strbuf_adds(sb, "''");
		return;
	}
	while (*p) {
		k = strstr(p, "{K}");
		n = strstr(p, "{N}");
		next = k && (n == NULL || k < n) ? k : n;
		if (next == NULL) {
			add_quoted(sb, p, strlen(p));
			break;
		}
		if (next > p)
			add_quoted(sb, p, next - p);
		if (next == k)
			strbuf_adds(sb, "\"$k\"");
		else
			strbuf_addf(sb, "%d", tasks);
		p = next + 3;
	}
}

static void
add_argv(struct strbuf *sb, const char *const *argv, int tasks)
{
	int i;

	for (i = 0; argv[i]; i++) {
		if (i > 0)
			strbuf_addch(sb, ' ');
		add_word(sb, argv[i], tasks);
	}
}

static int
mkdir_p(const char *dir, struct err *e)
{
	char path[PATH_MAX];
	char *p;
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return err_set(e, "slurm: %s: path too long", dir);
	memcpy(path, dir, len + 1);
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		{
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				return err_set(e, "slurm: cannot make %s: %s",
					       path, strerror(errno));
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	return 0;
}

/* Write text to dir/name (mode 0755) through a temporary file. */
static int
write_file(const char *dir, const char *name, const struct strbuf *text,
	   struct err *e)
{
	struct strbuf path = STRBUF_INIT, tmp = STRBUF_INIT;
	FILE *fp = NULL;
	int rval = -1;

	strbuf_addf(&path, "%s/%s", dir, name);
	strbuf_addf(&tmp, "%s/.%s.tmp", dir, name);
	if ((fp = fopen(tmp.buf, "w")) == NULL) {
		err_set(e, "slurm: cannot write %s: %s", tmp.buf,
			strerror(errno));
		goto out;
	}
	fwrite(text->buf, 1, text->len, fp);
	if (fchmod(fileno(fp), 0755) < 0 || fflush(fp) != 0 || ferror(fp)) {
		err_set(e, "slurm: cannot write %s: %s", tmp.buf,
			strerror(errno));
		goto out;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		err_set(e, "slurm: cannot write %s: %s", tmp.buf,
			strerror(errno));
		goto out;
	}
	fp = NULL;
	if (rename(tmp.buf, path.buf) < 0) {
		err_set(e, "slurm: cannot rename %s: %s", tmp.buf,
			strerror(errno));
		goto out;
	}
	rval = 0;
out:
	if (fp) {
		fclose(fp);
		unlink(tmp.buf);
	}
	strbuf_release(&path);
	strbuf_release(&tmp);
	return rval;
}

/* The #SBATCH lines both scripts share. */
static void
add_common(struct strbuf *sb, const struct slurm_array *a, const char *cwd)
{
	int i;

	strbuf_addf(sb, "#SBATCH --chdir=%s\n", cwd);
	for (i = 0; a->sbatch_opts && a->sbatch_opts[i]; i++)
		strbuf_addf(sb, "#SBATCH %s\n", a->sbatch_opts[i]);
}

static void
task_script(struct strbuf *sb, const struct slurm_array *a, const char *dir,
	    const char *cwd, const char *ok)
{
	strbuf_addf(sb,
		    "#!/bin/sh\n"
		    "# %s: one task of a Slurm job array of %d, written by "
		    "callqa.\n"
		    "# Task K runs shard K of %d; resubmit it alone with\n"
		    "#   sbatch --array=K %s/task.sh\n"
		    "#SBATCH --job-name=%s\n"
		    "#SBATCH --array=0-%d\n"
		    "#SBATCH --output=%s/task-%%a.out\n"
		    "#SBATCH --error=%s/task-%%a.log\n",
		    a->name, a->tasks, a->tasks, dir, a->name, a->tasks - 1,
		    dir, dir);
	add_common(sb, a, cwd);
	strbuf_addf(sb,
		    "k=${SLURM_ARRAY_TASK_ID:?run with sbatch --array}\n"
		    "n=%d\n"
		    "dir=",
		    a->tasks);
	add_quoted(sb, dir, strlen(dir));
	strbuf_adds(sb, "\n"
			"rm -f \"$dir/task-$k.status\"\n");
	add_argv(sb, a->argv, a->tasks);
	strbuf_adds(sb, "\n"
			"s=$?\n"
			"echo \"$s\" >\"$dir/task-$k.status.tmp\" &&\n"
			"\tmv -f \"$dir/task-$k.status.tmp\" "
			"\"$dir/task-$k.status\"\n"
			"case ");
	add_quoted(sb, ok, strlen(ok));
	strbuf_adds(sb, " in\n"
			"*\" $s \"*) exit 0 ;;\n"
			"esac\n"
			"exit \"$s\"\n");
}

static void
final_script(struct strbuf *sb, const struct slurm_array *a, const char *dir,
	     const char *cwd, const char *ok)
{
	strbuf_addf(sb,
		    "#!/bin/sh\n"
		    "# %s: after every task of the array has ended, check "
		    "that each is done\n"
		    "# and sum up; written by callqa.\n"
		    "#SBATCH --job-name=%s-finalise\n"
		    "#SBATCH --output=%s/finalise-%%j.log\n",
		    a->name, a->name, dir);
	add_common(sb, a, cwd);
	strbuf_adds(sb, "name=");
	add_quoted(sb, a->name, strlen(a->name));
	strbuf_adds(sb, "\ndir=");
	add_quoted(sb, dir, strlen(dir));
	strbuf_addf(sb, "\nn=%d\nok=", a->tasks);
	add_quoted(sb, ok, strlen(ok));
	strbuf_adds(
		sb,
		"\n"
		"# This job's report is also the latest one, finalise.log.\n"
		"finish() {\n"
		"\tcp \"$dir/finalise-$SLURM_JOB_ID.log\" "
		"\"$dir/.finalise.log.$$\" &&\n"
		"\t\tmv -f \"$dir/.finalise.log.$$\" \"$dir/finalise.log\"\n"
		"\texit \"$1\"\n"
		"}\n"
		"bad= nbad=0 worst=0 inputs=0 stored=0 rejected=0 counted=0 "
		"k=0\n"
		"while [ \"$k\" -lt \"$n\" ]; do\n"
		"\tif [ -f \"$dir/task-$k.status\" ]; then\n"
		"\t\ts=$(cat \"$dir/task-$k.status\")\n"
		"\t\tcase \"$ok\" in\n"
		"\t\t*\" $s \"*) what=\"done (exit status $s)\"\n"
		"\t\t\t[ \"$s\" -gt \"$worst\" ] && worst=$s ;;\n"
		"\t\t*) what=\"failed (exit status $s)\"; s= ;;\n"
		"\t\tesac\n"
		"\telse\n"
		"\t\ts= what='not done (killed, or not run)'\n"
		"\tfi\n"
		"\tif [ -z \"$s\" ]; then\n"
		"\t\tbad=\"$bad${bad:+,}$k\" nbad=$((nbad + 1))\n"
		"\tfi\n"
		"\t# The store's summary line, when the task ran it.\n"
		"\tc=$(sed -n 's/^callqa-store: batch .*: \\([0-9][0-9]*\\) "
		"inputs, "
		"\\([0-9][0-9]*\\) stored, \\([0-9][0-9]*\\) rejected.*/"
		"\\1 \\2 \\3/p' \\\n"
		"\t\t\"$dir/task-$k.log\" 2>/dev/null | tail -n 1)\n"
		"\tif [ -n \"$c\" ] && [ -n \"$s\" ]; then\n"
		"\t\tset -- $c\n"
		"\t\tinputs=$((inputs + $1)) stored=$((stored + $2))\n"
		"\t\trejected=$((rejected + $3)) counted=$((counted + 1))\n"
		"\t\twhat=\"$what: $1 inputs, $2 stored, $3 rejected\"\n"
		"\tfi\n"
		"\techo \"$name: task $k of $n: $what\"\n"
		"\tk=$((k + 1))\n"
		"done\n"
		"if [ \"$nbad\" -gt 0 ]; then\n"
		"\techo \"$name: $nbad of $n tasks not done ($bad); resubmit "
		"them with:\"\n"
		"\techo \"  callqa slurm -D $dir --retry $bad\"\n"
		"\tfinish 1\n"
		"fi\n"
		"if [ \"$counted\" -gt 0 ]; then\n"
		"\techo \"$name: all $n tasks done: $inputs inputs, $stored "
		"stored, $rejected rejected\"\n"
		"else\n"
		"\techo \"$name: all $n tasks done\"\n"
		"fi\n");
	if (a->final_argv && a->final_argv[0]) {
		add_argv(sb, a->final_argv, a->tasks);
		strbuf_adds(sb, " || finish $?\n");
	}
	/* The most telling status of the tasks: 3 "done with rejects". */
	strbuf_adds(sb, "finish \"$worst\"\n");
}

int
slurm_write(const struct slurm_array *a, struct err *e)
{
	struct strbuf sb = STRBUF_INIT, okb = STRBUF_INIT;
	char cwd[PATH_MAX];
	char *dir = NULL;
	int k, rval = -1;

	if (a->tasks < 1 || a->argv == NULL || a->argv[0] == NULL)
		return err_set(e, "slurm: no tasks or no command");
	if (a->chdir == NULL && getcwd(cwd, sizeof(cwd)) == NULL)
		return err_set(e, "slurm: getcwd: %s", strerror(errno));
	if (check_word("job name", a->name, e) < 0 ||
	    check_word("work directory", a->dir, e) < 0 ||
	    check_word("working directory", a->chdir ? a->chdir : cwd, e) < 0)
		return -1;
	if (mkdir_p(a->dir, e) < 0)
		return -1;
	if ((dir = realpath(a->dir, NULL)) == NULL)
		return err_set(e, "slurm: %s: %s", a->dir, strerror(errno));
	if (check_word("work directory", dir, e) < 0)
		goto out;
	strbuf_addf(&okb, " %s ", a->ok_status ? a->ok_status : "0");
	task_script(&sb, a, dir, a->chdir ? a->chdir : cwd, okb.buf);
	if (write_file(dir, "task.sh", &sb, e) < 0)
		goto out;
	strbuf_reset(&sb);
	final_script(&sb, a, dir, a->chdir ? a->chdir : cwd, okb.buf);
	if (write_file(dir, "finalise.sh", &sb, e) < 0)
		goto out;
	/* A new array in an old directory: no status of an earlier run. */
	for (k = 0; k < a->tasks; k++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/task-%d.status", dir, k);
		if (unlink(sb.buf) < 0 && errno != ENOENT) {
			err_set(e, "slurm: cannot remove %s: %s", sb.buf,
				strerror(errno));
			goto out;
		}
	}
	rval = 0;
out:
	strbuf_release(&sb);
	strbuf_release(&okb);
	free(dir);
	return rval;
}

int
slurm_tasks(const char *dir, struct err *e)
{
	struct strbuf path = STRBUF_INIT;
	char line[256];
	FILE *fp;
	int n = -1;

	strbuf_addf(&path, "%s/task.sh", dir);
	if ((fp = fopen(path.buf, "r")) == NULL) {
		err_set(e, "slurm: %s: %s", path.buf, strerror(errno));
		strbuf_release(&path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "n=", 2) == 0) {
			n = atoi(line + 2);
			break;
		}
	fclose(fp);
	if (n < 1)
		err_set(e, "slurm: %s: not a task script of callqa",
			path.buf);
	strbuf_release(&path);
	return n < 1 ? -1 : n;
}

/*
 * Run sbatch with argv (NULL-terminated, argv[0] "sbatch"), stdout to a
 * pipe, and read the job id it prints first (--parsable: "ID" or
 * "ID;cluster").  *pid and *fp stay open for sbatch_end().
 */
static int
sbatch_start(const char *const *argv, pid_t *pid, FILE **fp, long *id,
	     struct err *e)
{
	int fd[2];
	char line[256];
	char *end;

	if (pipe(fd) < 0)
		return err_set(e, "slurm: pipe: %s", strerror(errno));
	if ((*pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return err_set(e, "slurm: fork: %s", strerror(errno));
	}
	if (*pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "callqa: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	if ((*fp = fdopen(fd[0], "r")) == NULL) {
		close(fd[0]);
		waitpid(*pid, NULL, 0);
		return err_set(e, "slurm: fdopen: %s", strerror(errno));
	}
	*id = -1;
	if (fgets(line, sizeof(line), *fp) != NULL) {
		errno = 0;
		*id = strtol(line, &end, 10);
		if (errno || end == line || (*end != '\n' && *end != ';' &&
					     *end != '\0'))
			*id = -1;
	}
	return 0;
}

/* Wait for sbatch; its exit status, or -1 when it was killed. */
static int
sbatch_end(pid_t pid, FILE *fp)
{
	char buf[256];
	int status;

	while (fgets(buf, sizeof(buf), fp) != NULL)
		;
	fclose(fp);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
note_job(const char *dir, const char *what, long id, const char *tasks)
{
	struct strbuf path = STRBUF_INIT;
	FILE *fp;

	strbuf_addf(&path, "%s/jobs", dir);
	if ((fp = fopen(path.buf, "a")) != NULL) {
		fprintf(fp, "%s %ld%s%s\n", what, id, tasks ? " " : "",
			tasks ? tasks : "");
		fclose(fp);
	}
	strbuf_release(&path);
}

int
slurm_submit(const char *dir, const char *only, int wait, long *array_job,
	     long *final_job, int *final_status, struct err *e)
{
	struct strbuf task = STRBUF_INIT, fin = STRBUF_INIT;
	struct strbuf arr = STRBUF_INIT, dep = STRBUF_INIT;
	const char *argv[8];
	FILE *fp;
	pid_t pid;
	long id, fid;
	int k, s, rval = -1;

	strbuf_addf(&task, "%s/task.sh", dir);
	strbuf_addf(&fin, "%s/finalise.sh", dir);
	if (access(task.buf, R_OK) != 0 || access(fin.buf, R_OK) != 0) {
		err_set(e, "slurm: %s: no task.sh and finalise.sh of callqa",
			dir);
		goto out;
	}
	if (only && (*only == '\0' ||
		     only[strspn(only, "0123456789,-")] != '\0')) {
		err_set(e, "slurm: bad task list '%s' (want e.g. 2 or 1,3 "
			"or 0-3)", only);
		goto out;
	}
	k = 0;
	argv[k++] = "sbatch";
	argv[k++] = "--parsable";
	if (only) {
		strbuf_addf(&arr, "--array=%s", only);
		argv[k++] = arr.buf;
	}
	argv[k++] = task.buf;
	argv[k] = NULL;
	if (sbatch_start(argv, &pid, &fp, &id, e) < 0)
		goto out;
	s = sbatch_end(pid, fp);
	if (s != 0 || id < 0) {
		err_set(e, "slurm: sbatch %s failed (exit status %d)",
			task.buf, s);
		goto out;
	}
	note_job(dir, "array", id, only ? only : "all");
	strbuf_addf(&dep, "--dependency=afterany:%ld", id);
	k = 0;
	argv[k++] = "sbatch";
	argv[k++] = "--parsable";
	argv[k++] = dep.buf;
	if (wait)
		argv[k++] = "--wait";
	argv[k++] = fin.buf;
	argv[k] = NULL;
	if (sbatch_start(argv, &pid, &fp, &fid, e) < 0)
		goto out;
	if (fid >= 0)
		note_job(dir, "finalise", fid, NULL);
	s = sbatch_end(pid, fp);
	if (fid < 0 || (!wait && s != 0) || s < 0) {
		err_set(e, "slurm: sbatch %s failed (exit status %d); the "
			"tasks are job %ld", fin.buf, s, id);
		goto out;
	}
	*array_job = id;
	*final_job = fid;
	if (wait)
		*final_status = s;
	rval = 0;
out:
	strbuf_release(&task);
	strbuf_release(&fin);
	strbuf_release(&arr);
	strbuf_release(&dep);
	return rval;
}
