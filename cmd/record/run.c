/* run.c - running uftrace: finding programs in PATH, preparing the -o
 * directory, the child process with its stderr filtered (uftrace's own
 * messages held back, the program's passed on), and what it left behind. */
#include "record.h"
#include "analysis/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static bool is_exec_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* where execvp would find NAME: a malloc'd path, or NULL */
char *find_in_path(const char *name)
{
	if (strchr(name, '/'))
		return is_exec_file(name) ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *cand = n ? xasprintf("%.*s/%s", (int)n, p, name) : xasprintf("./%s", name);
		if (is_exec_file(cand))
			return cand;
		free(cand);
		if (!end)
			return NULL;
		p = end;
	}
}

static int mkdir_parents(const char *dir, char **err)
{
	char *s = xstrdup(dir);
	char *slash = strrchr(s, '/');
	int rc = 0;
	if (slash && slash != s) {
		*slash = '\0';
		for (char *p = s + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			if (mkdir(s, 0777) < 0 && errno != EEXIST) {
				rc = asp_fail(err, "cannot create %s: %s", s, strerror(errno));
				break;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(s);
	return rc;
}

/* check the -o directory: absent, or empty (removed so that uftrace does not
 * keep an empty DIR.old), or non-empty and --force */
int prepare_output(const char *dir, bool force, bool dry_run, struct out_state *os,
			  char **err)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT)
			return asp_fail(err, "%s: %s", dir, strerror(errno));
		return dry_run ? 0 : mkdir_parents(dir, err);
	}
	if (!S_ISDIR(st.st_mode))
		return asp_fail(err, "%s exists and is not a directory", dir);
	DIR *d = opendir(dir);
	if (!d)
		return asp_fail(err, "%s: %s", dir, strerror(errno));
	bool empty = true;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	if (empty) {
		if (!dry_run && rmdir(dir) < 0)
			return asp_fail(err, "cannot replace the empty directory %s: %s", dir, strerror(errno));
		return 0;
	}
	if (!force)
		return asp_fail(err, "%s exists and is not empty: choose another -o, or add --force "
			       "(uftrace then keeps the old one as %s.old)", dir, dir);
	os->replaced = true;
	os->dev = st.st_dev;
	os->ino = st.st_ino;
	return 0;
}

static bool may_be_uftrace(const struct err_filter *f)
{
	const char *s = f->line.data;
	static const char prefix[] = "uftrace: ";
	size_t n = f->line.len < sizeof prefix - 1 ? f->line.len : sizeof prefix - 1;
	return !strncmp(s, prefix, n) || (f->in_block && (s[0] == ' ' || s[0] == '\t'));
}

static char *trimmed(const char *s, size_t n)
{
	while (n && strchr(" \t\r\n", *s)) {
		s++;
		n--;
	}
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* a line of the program's own output: what it says of a panic */
static void program_line(struct err_filter *f, const char *s, size_t n)
{
	if (!f->panic_line && strstr(s, "panicked at "))
		f->panic_line = trimmed(s, n);
	if (strstr(s, "failed to initiate panic"))
		f->panic_failed = true;
}

static void filter_end_line(struct err_filter *f)
{
	const char *s = f->line.data;
	size_t n = f->line.len;
	bool ours = false;
	if (!f->passing) {
		ours = !strncmp(s, "uftrace: ", 9) || (f->in_block && (s[0] == ' ' || s[0] == '\t'));
		f->in_block = ours;
		if (ours) {
			asp_buf_append(&f->held, s, n);
			if (strstr(s, "ERROR:")) {
				free(f->last_error);
				f->last_error = trimmed(s, n);
			}
		} else {
			fwrite(s, 1, n, stderr);
		}
	} else {
		f->in_block = false;
	}
	if (!ours)
		program_line(f, s, n);
	char *t = trimmed(s, n);
	if (*t) {
		free(f->last_line);
		f->last_line = t;
	} else {
		free(t);
	}
	f->line.len = 0;
	f->line.data[0] = '\0';
	f->passing = false;
}

static void filter_feed(struct err_filter *f, const char *data, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t len = nl ? (size_t)(nl - data) + 1 : n;
		asp_buf_append(&f->line, data, len);
		if (f->passing)
			fwrite(data, 1, len, stderr);
		data += len;
		n -= len;
		if (nl) {
			filter_end_line(f);
		} else if (!f->passing && !may_be_uftrace(f)) {
			/* a prompt without newline: show it now */
			fwrite(f->line.data, 1, f->line.len, stderr);
			f->passing = true;
		}
	}
	fflush(stderr);
}

void filter_free(struct err_filter *f)
{
	asp_buf_free(&f->line);
	asp_buf_free(&f->held);
	free(f->last_error);
	free(f->last_line);
	free(f->panic_line);
}

/* run uftrace (argv[0] through PATH); its stdout (the program's) goes to our
 * stderr so that our stdout has only the result; returns its wait status, or
 * -1 if it could not be started */
int run_uftrace(char **argv, struct err_filter *f, char **err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return asp_fail(err, "pipe: %s", strerror(errno));
	/* like system(3): Ctrl-C stops the program, uftrace still writes the
	 * data, and we report */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return asp_fail(err, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "uftrace: cannot run %s\n ERROR: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	int status = 0;
	bool exited = false;
	char buf[4096];
	for (;;) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		int r = poll(&pf, 1, exited ? 0 : 200);
		if (r > 0) {
			ssize_t got = read(pfd[0], buf, sizeof buf);
			if (got > 0) {
				filter_feed(f, buf, (size_t)got);
				continue;
			}
			if (got == 0 || errno != EINTR)
				break;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* uftrace gone and nothing left to read (a daemon the program
		 * left behind may keep the pipe open) */
		if (exited || r < 0)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	close(pfd[0]);
	if (f->line.len) { /* a last line without newline */
		if (f->passing)
			fputc('\n', stderr);
		else
			asp_buf_append(&f->line, "\n", 1);
		filter_end_line(f);
	}
	while (!exited && waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return status;
}

void describe_status(char *buf, size_t n, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, n, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, n, "wait status %d", status);
}

bool recording_written(const char *dir, const struct out_state *os)
{
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (os->replaced && st.st_dev == os->dev && st.st_ino == os->ino)
		return false;
	char *path = asp_path_join(dir, "info");
	bool ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}
