/* main.c - asprof-batch: dispatch to a subcommand (cmd_table), or run the
 * batch analysis when the first argument is not a subcommand name. */
#include "config.h"
#include "cmd.h"
#include "batch.h"
#include "analysis/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <sys/resource.h>
#include <unistd.h>

const char *cmd_progname = "asprof-batch";

const struct cmd_entry *const cmd_table[] = {
	&cmd_analyze_entry,
	&cmd_diff_entry,
	&cmd_dump_entry,
	&cmd_record_entry,
	&cmd_trend_entry,
	NULL,
};

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i]; i++)
		if (!strcmp(name, cmd_table[i]->name))
			return cmd_table[i];
	return NULL;
}

/* the main job's options before a command name (`asprof-batch -q -o OUT
 * diff A B`): where the command word is, after the options and their
 * values (batch_longopts, batch_shortopts), or 0; `--` ends the options */
static int command_after_options(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			return 0;
		if (a[0] != '-' || !a[1])
			return cmd_find(a) ? i : 0;
		if (a[1] == '-') { /* --name, --name=VALUE, --name VALUE */
			if (strchr(a, '='))
				continue;
			for (const struct option *o = batch_longopts; o->name; o++)
				if (!strcmp(a + 2, o->name) && o->has_arg == required_argument)
					i++;
			continue;
		}
		/* -q, -qo OUT, -oOUT */
		for (const char *c = a + 1; *c; c++) {
			const char *s = strchr(batch_shortopts, *c);
			if (*c != ':' && s && s[1] == ':') {
				if (!c[1])
					i++;
				break;
			}
		}
	}
	return 0;
}

/* "asprof-batch: " and the message, shown as every writer shows text
 * (asp_buf_show): names and paths from input carry no control character or
 * escape sequence to the terminal; one line */
static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	char *shown = asp_show(msg ? msg : fmt, ASP_SHOW_CONTROLS);
	fprintf(stderr, "%s: %s%s\n", cmd_progname, prefix, shown);
	free(shown);
	free(msg);
}

void cmd_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void cmd_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void cmd_warn(void *ctx, const char *msg)
{
	(void)ctx;
	cmd_warning("%s", msg);
}

void cmd_help_to(FILE *out, const struct cmd_entry *e)
{
	fprintf(out, "usage: %s %s %s\n\n%s\n", cmd_progname, e->name, e->usage, e->summary);
	if (e->help)
		fprintf(out, "\n%s", e->help);
	if (e->help_names)
		e->help_names(out);
}

void cmd_help(const struct cmd_entry *e)
{
	cmd_help_to(stdout, e);
}

int cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;
	char *what = xasprintf("%s: %s (see '%s %s --help')", e->name, fmt, cmd_progname, e->name);
	va_start(ap, fmt);
	vmessage("", what, ap);
	va_end(ap);
	free(what);
	return ASP_EXIT_USAGE;
}

int cmd_bad_option(const struct cmd_entry *e, int c, char **argv)
{
	extern int optind, optopt;
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	if (c == ':')
		return cmd_usage_error(e, "option '%s' needs a value", arg);
	if (optopt && optopt != '?')
		return cmd_usage_error(e, "unknown option '-%c'", optopt);
	return cmd_usage_error(e, "unknown option '%s'", arg);
}

void cmd_usage_to(FILE *out)
{
	fprintf(out,
		"usage: %s [-c RULES.yaml] [-o DIR] RUN...\n"
		"       %s COMMAND [OPTIONS] ARGS\n"
		"\n"
		"Reconstructs what a Rust async runtime (tokio, async-std, smol) did from\n"
		"uftrace recordings (uftrace.data directories).\n"
		"\n"
		"Commands:\n",
		cmd_progname, cmd_progname);
	for (size_t i = 0; cmd_table[i]; i++)
		fprintf(out, "  %-8s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(out,
		"\n"
		"Run '%s COMMAND --help' for a command's options.\n"
		"  --help       this text\n"
		"  --man        this text and every command's, as a man page (roff)\n"
		"  --version    the version\n",
		cmd_progname);
}

/* While the threads' records merge, each reader keeps its thread's file
 * open when the descriptor limit allows (see READ_KEEP_FDS in analysis/ingest/trace.c;
 * beyond, readers reopen their files per refill, which costs a little): the
 * soft limit goes up to the hard one, as in many tools that open a file per
 * input. Not for `record`, whose program runs with the limits it was given. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* stdin, stdout or stderr closed (`2>&-`): the first file opened would take
 * its number, and a report would get the warnings or the summary text */
static void standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
			if (n >= 0 && n != fd) { /* a lower one was free: cannot happen */
				close(n);
				_exit(ASP_EXIT_USAGE);
			}
		}
}

int main(int argc, char **argv)
{
	standard_fds();
	opterr = 0; /* commands print their own one-line messages */
	if (argc < 2) {
		cmd_usage_to(stderr);
		return ASP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cmd_usage_to(stdout);
		return ASP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--man")) {
		cmd_man(stdout);
		return fflush(stdout) || ferror(stdout) ? ASP_EXIT_USAGE : ASP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s %s\n", cmd_progname, PACKAGE_VERSION);
		return ASP_EXIT_OK;
	}
	/* options first, then the command (`-q -o OUT diff A B`): the command
	 * word moves to the front, the options after it, as if written
	 * `COMMAND OPTIONS ARGS` */
	int at = cmd_find(argv[1]) ? 1 : command_after_options(argc, argv);
	if (at > 1) {
		char *word = argv[at];
		memmove(argv + 2, argv + 1, (size_t)(at - 1) * sizeof(*argv));
		argv[1] = word;
	}
	if (strcmp(argv[1], "record"))
		raise_fd_limit();
	if (at > 0)
		return cmd_find(argv[1])->exec(argc - 1, argv + 1);
	/* not a command name: the batch analysis, `asprof-batch [OPTIONS] RUN...`;
	 * a word that is neither an option nor a directory is a mistyped command */
	if (argv[1][0] != '-' && strchr(argv[1], '/') == NULL && access(argv[1], F_OK) != 0) {
		cmd_error("unknown command '%s', and no recording of that name (see '%s --help')",
			  argv[1], cmd_progname);
		return ASP_EXIT_USAGE;
	}
	return cmd_analyze_entry.exec(argc, argv);
}
