/* gnuplot.c - the gnuplot processes: started warm ahead of the charts
 * (asp_gnuplots_start), one per core drawing the stage's scripts in turn,
 * each watched for a time limit, its outputs checked whole. */
#include "report/charts/chart.h"
#include "report/outfile.h"
#include "analysis/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* a gnuplot that finishes no chart for this long is stuck (in fontconfig's
 * lock, say): it is killed and its charts are told failed.
 * ASPROF_GNUPLOT_TIMEOUT (seconds) changes it, for tests. */
#define GNUPLOT_TIMEOUT_S 60
/* printed by gnuplot (on stderr) after each chart: its progress */
#define CHART_DONE "asprof: chart drawn"

/* ------------------------------------------------------------ gnuplot */

static char *find_in_path(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = n ? xasprintf("%.*s/%s", (int)n, p, prog) : xasprintf("./%s", prog);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (!colon)
			return NULL;
		p = colon + 1;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* the line of gnuplot's stderr that says what went wrong: gnuplot echoes
 * the command and a caret before `"FILE" line N: message`; else the first line */
static char *error_line(const char *text)
{
	const char *first = NULL;
	size_t first_n = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *s = p;
		while (n && (*s == ' ' || *s == '\t' || *s == '^')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
			n--;
		if (n == strlen(CHART_DONE) && !memcmp(s, CHART_DONE, n))
			n = 0; /* our progress marks */
		if (n && *s == '"' && memmem(s, n, "\" line ", 7))
			return xstrndup(s, n);
		if (n && !first) {
			first = s;
			first_n = n;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return first ? xstrndup(first, first_n) : NULL;
}

/* gnuplot exits 0 even when it could not write its output (a full disk):
 * a whole PNG ends with its IEND chunk, a whole SVG with </svg> */
static bool output_whole(const char *path, const char *fmt)
{
	static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
	unsigned char tail[16];
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	size_t n = 0;
	if (fseek(fp, -(long)sizeof(tail), SEEK_END) == 0)
		n = fread(tail, 1, sizeof(tail), fp);
	fclose(fp);
	if (n != sizeof(tail))
		return false;
	if (!strcmp(fmt, "png"))
		return !memcmp(tail + 4, iend, sizeof(iend));
	return memmem(tail, n, "</svg>", 6) != NULL;
}

static const char *const chart_fmts[] = { "png", "svg" };

/* a gnuplot reading commands on its stdin, a socket (a write after it died
 * fails with EPIPE, not a SIGPIPE), its stderr on a pipe */
struct gp_proc {
	pid_t pid;
	int in, err;
};

/* the gnuplots running, for asp_gnuplots_kill_all */
static pid_t gp_live[256];
static pthread_mutex_t gp_live_lock = PTHREAD_MUTEX_INITIALIZER;

static void gp_live_set(pid_t old, pid_t new)
{
	pthread_mutex_lock(&gp_live_lock);
	for (size_t i = 0; i < ASP_ARRAY_SIZE(gp_live); i++)
		if (gp_live[i] == old) {
			gp_live[i] = new;
			break;
		}
	pthread_mutex_unlock(&gp_live_lock);
}

/* waits for a gnuplot killed or done */
static pid_t gp_wait(pid_t pid, int *status, int flags)
{
	pid_t w = waitpid(pid, status, flags);
	if (w == pid)
		gp_live_set(pid, 0);
	return w;
}

void asp_gnuplots_kill_all(void)
{
	pthread_mutex_lock(&gp_live_lock);
	for (size_t i = 0; i < ASP_ARRAY_SIZE(gp_live); i++)
		if (gp_live[i] > 0)
			kill(gp_live[i], SIGKILL);
	pthread_mutex_unlock(&gp_live_lock);
}

/* started in cwd (NULL: ours) */
static int gp_spawn(const char *prog, const char *cwd, struct gp_proc *p, char **why)
{
	int sv[2] = { -1, -1 }, pe[2] = { -1, -1 };
	pid_t parent = getpid();
	/* close-on-exec: another gnuplot must not hold our ends open */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(pe, O_CLOEXEC) != 0 || (p->pid = fork()) < 0) {
		*why = xasprintf("cannot run gnuplot: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (sv[i] >= 0)
				close(sv[i]);
			if (pe[i] >= 0)
				close(pe[i]);
		}
		return -1;
	}
	if (p->pid == 0) {
#ifdef __linux__
		/* a gnuplot stuck (say in its fonts, short of memory) does not
		 * outlive us: it ends with the thread that started it, which
		 * waits for it or lives as long as the batch */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
#endif
		/* a batch blocks its interrupt signals for a thread of its own
		 * to handle; gnuplot gets them as any program does */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(sv[1], 0);
		if (null >= 0)
			dup2(null, 1);
		dup2(pe[1], 2);
		if (cwd && chdir(cwd) != 0) {
			dprintf(2, "cannot enter %s: %s\n", cwd, strerror(errno));
			_exit(126);
		}
		char *argv[] = { (char *)prog, NULL };
		execv(prog, argv);
		dprintf(2, "cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	gp_live_set(0, p->pid);
	close(sv[1]);
	close(pe[1]);
	p->in = sv[0];
	p->err = pe[0];
	return 0;
}

/* s[0..n) to gnuplot's stdin: false when gnuplot is gone (its stderr and
 * exit status say why) */
static bool gp_write(struct gp_proc *p, const char *s, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = send(p->in, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += (size_t)w;
	}
	return true;
}

/* the first text a gnuplot draws pays for its fonts and the cairo terminal
 * (a third of a small chart's time): a warm one has drawn, to nowhere */
static const char gp_warmup[] = "set terminal pngcairo size 320,240\nset output '/dev/null'\n"
				"unset key\nplot [0:1] [0:1] x\nset output\n";

struct asp_gnuplots {
	char *prog;
	struct gp_proc *p;
	size_t n, next;
	pthread_mutex_t lock;
};

/* seconds without a chart drawn before a gnuplot is taken for stuck */
static int gnuplot_timeout(void)
{
	const char *env = getenv("ASPROF_GNUPLOT_TIMEOUT");
	char *end;
	long v = env ? strtol(env, &end, 10) : 0;
	return env && *env && !*end && v > 0 && v <= 86400 ? (int)v : GNUPLOT_TIMEOUT_S;
}

/* the gnuplot to run: ASPROF_GNUPLOT, else gnuplot on PATH; NULL when
 * there is none */
char *gnuplot_prog(void)
{
	const char *env = getenv("ASPROF_GNUPLOT");
	return find_in_path(env && *env ? env : "gnuplot");
}

struct asp_gnuplots *asp_gnuplots_start(size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores >= 1 && n > (size_t)cores)
		n = (size_t)cores;
	char *prog = n ? gnuplot_prog() : NULL;
	if (!prog)
		return NULL;
	struct asp_gnuplots *g = xcalloc(1, sizeof(*g));
	g->prog = prog;
	g->p = xcalloc(n, sizeof(*g->p));
	pthread_mutex_init(&g->lock, NULL);
	for (; g->n < n; g->n++) {
		char *why = NULL;
		struct gp_proc *p = &g->p[g->n];
		if (gp_spawn(prog, NULL, p, &why) < 0) {
			free(why); /* the charts start their own, and tell */
			break;
		}
		/* the socket's buffer takes it; a gnuplot gone tells at the charts */
		gp_write(p, gp_warmup, sizeof(gp_warmup) - 1);
	}
	return g;
}

/* a warm gnuplot of prog that can be sent to stage, if one is left */
static bool gp_take(struct asp_gnuplots *g, const char *prog, const char *stage,
		    struct gp_proc *p)
{
	if (!g || strcmp(g->prog, prog) || strpbrk(stage, "\n\r"))
		return false;
	pthread_mutex_lock(&g->lock);
	bool got = g->next < g->n;
	if (got)
		*p = g->p[g->next++];
	pthread_mutex_unlock(&g->lock);
	return got;
}

void asp_gnuplots_stop(struct asp_gnuplots *g)
{
	if (!g)
		return;
	for (size_t i = g->next; i < g->n; i++) {
		struct gp_proc *p = &g->p[i];
		close(p->in);
		close(p->err);
		kill(p->pid, SIGKILL);
		while (gp_wait(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_destroy(&g->lock);
	free(g->p);
	free(g->prog);
	free(g);
}

/* one gnuplot (warm, from g, or started now) drawing the stage's charts
 * names[0..n) in turn; per chart, errs[i] when it failed. The first chart
 * left without whole outputs gets gnuplot's error (any chart without them
 * loses what it has) */
static void run_gnuplot(struct asp_gnuplots *g, const char *prog, const struct charts *c,
			char **names, size_t n, char **errs, bool *disk)
{
	char *why = NULL;
	bool failed = true;
	struct gp_proc gp;
	struct asp_buf cmd = { 0 };
	if (gp_take(g, prog, c->stage, &gp)) {
		asp_buf_append(&cmd, "cd ", 3);
		gp_quote(&cmd, c->stage);
		asp_buf_append(&cmd, "\n", 1);
	} else if (gp_spawn(prog, c->stage, &gp, &why) < 0) {
		goto outputs;
	}
	for (size_t i = 0; i < n; i++) {
		char *script = xasprintf("%s.gp", names[i]);
		asp_buf_append(&cmd, "load ", 5);
		gp_quote(&cmd, script);
		static const char mark[] = "\nprint \"" CHART_DONE "\"\n";
		asp_buf_append(&cmd, mark, sizeof(mark) - 1);
		free(script);
	}
	gp_write(&gp, cmd.data, cmd.len); /* a gnuplot gone says why on stderr */
	close(gp.in);
	pid_t pid = gp.pid;

	/* the time limit runs from the last chart drawn (a mark split between
	 * two reads is missed: the limit then runs from the one before) */
	struct asp_buf out = { 0 };
	int limit = gnuplot_timeout();
	double deadline = now_s() + limit;
	bool timed_out = false;
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p = { .fd = gp.err, .events = POLLIN };
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char buf[4096];
		ssize_t got = read(gp.err, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (memmem(buf, (size_t)got, CHART_DONE, strlen(CHART_DONE)))
			deadline = now_s() + limit;
		if (out.len < 65536)
			asp_buf_append(&out, buf, (size_t)got);
	}
	close(gp.err);
	int status = 0;
	if (timed_out)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t w = gp_wait(pid, &status, timed_out ? 0 : WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0) {
			if (now_s() >= deadline) {
				timed_out = true;
				kill(pid, SIGKILL);
				continue;
			}
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
		if (timed_out)
			kill(pid, SIGKILL);
	}
	if (timed_out) {
		why = xasprintf("no chart finished for %d s (stuck?); killed", limit);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		why = out.data ? error_line(out.data) : NULL;
		if (!why)
			why = WIFSIGNALED(status) ? xasprintf("killed by signal %d", WTERMSIG(status))
						  : xstrdup("exit status not 0");
	} else {
		failed = false;
	}
	asp_buf_free(&out);

outputs:
	for (size_t i = 0; i < n; i++) {
		const char *bad = NULL;
		for (size_t k = 0; k < ASP_ARRAY_SIZE(chart_fmts) && !bad; k++) {
			char *path = xasprintf("%s/%s.%s", c->stage, names[i], chart_fmts[k]);
			if (!output_whole(path, chart_fmts[k]))
				bad = chart_fmts[k];
			free(path);
		}
		if (!bad)
			continue;
		for (size_t k = 0; k < ASP_ARRAY_SIZE(chart_fmts); k++) { /* no half-drawn charts */
			char *path = xasprintf("%s/%s.%s", c->stage, names[i], chart_fmts[k]);
			unlink(path);
			free(path);
		}
		if (why) {
			errs[i] = xasprintf("%s/%s.gp: gnuplot failed: %s", c->dir, names[i], why);
			free(why);
			why = NULL;
		} else if (!failed) {
			errs[i] = xasprintf("%s/%s.%s: gnuplot could not write it whole (is the disk full?)",
					    c->dir, names[i], bad);
			disk[i] = true;
		}
	}
	if (why && n) /* every chart drawn, and still an error */
		errs[n - 1] = xasprintf("%s/%s.gp: gnuplot failed: %s", c->dir, names[n - 1], why);
	free(why);
	asp_buf_free(&cmd);
}

/* the charts drawn by one gnuplot per core (each one's start-up, a tenth
 * of a chart's time, is paid once), spread by expected cost: a histogram
 * has several panels; the error reported is that of the first chart (in
 * order) that failed */
struct gnuplot_group {
	char **names;    /* in the charts' order */
	size_t *index;   /* into the charts */
	size_t n, cost;
};

struct gnuplot_pool {
	struct asp_gnuplots *warm;
	const char *prog;
	const struct charts *c;
	struct gnuplot_group *g;
	size_t ng, next;
	char **errs;     /* per chart */
	bool *disk;      /* per chart: its error is the output folder's */
	pthread_mutex_t lock;
};

static void *gnuplot_worker(void *arg)
{
	struct gnuplot_pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->ng)
			return NULL;
		struct gnuplot_group *g = &p->g[i];
		char **errs = xcalloc(g->n, sizeof(*errs));
		bool *disk = xcalloc(g->n, sizeof(*disk));
		run_gnuplot(p->warm, p->prog, p->c, g->names, g->n, errs, disk);
		for (size_t k = 0; k < g->n; k++) {
			p->errs[g->index[k]] = errs[k];
			p->disk[g->index[k]] = disk[k];
		}
		free(errs);
		free(disk);
	}
}

int run_gnuplot_all(struct asp_gnuplots *warm, const char *prog, const struct charts *c,
			   char **err)
{
	size_t n = c->used.n;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t ng = cores > 1 ? (size_t)cores : 1;
	if (ng > n)
		ng = n;
	struct gnuplot_pool p = { .warm = warm, .prog = prog, .c = c, .ng = ng };
	p.g = xcalloc(ng, sizeof(*p.g));
	p.errs = xcalloc(n, sizeof(*p.errs));
	p.disk = xcalloc(n, sizeof(*p.disk));
	for (size_t k = 0; k < ng; k++) {
		p.g[k].names = xcalloc(n, sizeof(*p.g[k].names));
		p.g[k].index = xcalloc(n, sizeof(*p.g[k].index));
	}
	/* the costly ones first, each to the least loaded group; then each
	 * group's in the charts' order */
	size_t *group = xcalloc(n, sizeof(*group));
	for (size_t cost = 2; cost >= 1; cost--)
		for (size_t i = 0; i < n; i++) {
			if ((strncmp(c->used.v[i], "hist-", 5) ? 1u : 2u) != cost)
				continue;
			for (size_t k = 1; k < ng; k++)
				if (p.g[k].cost < p.g[group[i]].cost)
					group[i] = k;
			p.g[group[i]].cost += cost;
		}
	for (size_t i = 0; i < n; i++) {
		struct gnuplot_group *g = &p.g[group[i]];
		g->index[g->n] = i;
		g->names[g->n++] = c->used.v[i];
	}
	free(group);
	pthread_mutex_init(&p.lock, NULL);
	pthread_t *t = xcalloc(ng ? ng : 1, sizeof(*t));
	size_t started = 0;
	for (size_t i = 1; i < ng; i++) {
		if (asp_thread_create(&t[i], gnuplot_worker, &p) != 0)
			break;
		started = i;
	}
	gnuplot_worker(&p);
	for (size_t i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.lock);
	/* a chart gnuplot could not write whole is the output folder's error
	 * (-1); else gnuplot's own failures are told */
	int rc = 0;
	for (size_t pass = 0; pass < 2 && rc == 0; pass++)
		for (size_t i = 0; i < n && rc == 0; i++)
			if (p.errs[i] && (pass || p.disk[i])) {
				asp_fail(err, "%s", p.errs[i]);
				rc = pass ? ASP_CHARTS_GNUPLOT_FAILED : -1;
			}
	for (size_t i = 0; i < n; i++)
		free(p.errs[i]);
	for (size_t k = 0; k < ng; k++) {
		free(p.g[k].names);
		free(p.g[k].index);
	}
	free(p.g);
	free(p.errs);
	free(p.disk);
	return rc;
}
