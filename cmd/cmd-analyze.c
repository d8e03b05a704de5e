/* cmd-analyze.c - the main job: `asprof-batch [-c rules.yaml] [-o DIR]
 * [-j N] [--baseline RUN...] RUN...` analyses every run (per-run reports in
 * runs/<name>/), compares against the baseline group when given, and writes
 * the batch reports. */
#include "cmd.h"
#include "batch.h"
#include "analysis/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* arg as a whole decimal number from min to max */
static int number(const char *arg, long min, long max, long *v)
{
	char *end;
	*v = strtol(arg, &end, 10);
	return *arg == '\0' || *end || *v < min || *v > max ? -1 : 0;
}

/* the options both the main job and diff take; returns -1 on a bad one,
 * 1 for --help, 0 otherwise */
int batch_common_opt(int c, const char *arg, struct batch_opts *o)
{
	long v;
	switch (c) {
	case 'c': o->rules_path = arg; return 0;
	case 'o': o->out_dir = arg; return 0;
	case 'r': o->runtime = arg; return 0;
	case 'R': o->runtimes_path = arg; return 0;
	case 'O': o->outputs = arg; return 0;
	case 'U': o->rule_list = arg; return 0;
	case 'q': o->quiet = true; return 0;
	case 'l':
		o->labels = xreallocarray(o->labels, o->nlabels + 1, sizeof(*o->labels));
		o->labels[o->nlabels++] = arg;
		return 0;
	case 'j':
		if (batch_parse_jobs(arg, &o->jobs) < 0) {
			cmd_error("-j takes a number of parallel jobs from 1 to 256, not '%s'", arg);
			return -1;
		}
		return 0;
	case 'L':
		if (number(arg, 0, 86400, &v) < 0) {
			cmd_error("--lock-wait takes a number of seconds from 0 to 86400, not '%s'", arg);
			return -1;
		}
		o->lock_wait = (unsigned)v;
		o->lock_wait_set = true;
		return 0;
	case 't':
		if (number(arg, 1, 1000, &v) < 0) {
			cmd_error("--top takes a number from 1 to 1000, not '%s'", arg);
			return -1;
		}
		o->top = (size_t)v;
		return 0;
	}
	return -1;
}

const struct option batch_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "runtime", required_argument, NULL, 'r' },
	{ "runtimes", required_argument, NULL, 'R' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "top", required_argument, NULL, 't' },
	{ "lock-wait", required_argument, NULL, 'L' },
	{ "outputs", required_argument, NULL, 'O' },
	{ "rules", required_argument, NULL, 'U' },
	{ "label", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
/* options anywhere among the runs (GNU order); `--` ends them */
const char batch_shortopts[] = ":c:o:r:R:j:qt:h";

static int analyze_exec(int argc, char **argv)
{
	struct batch_opts o = { .out_dir = "asprof-out", .top = 10 };
	char **base = NULL;
	size_t nbase = 0;
	if (batch_take_list(&argc, argv, "--baseline", true, &base, &nbase) < 0) {
		return cmd_usage_error(&cmd_analyze_entry, "--baseline needs at least one run");
	}
	int c, status = ASP_EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, batch_shortopts, batch_longopts, NULL)) != -1) {
		if (c == 'h') {
			cmd_help(&cmd_analyze_entry);
			status = ASP_EXIT_OK;
			goto out;
		}
		if (c == '?' || c == ':') {
			status = cmd_bad_option(&cmd_analyze_entry, c, argv);
			goto out;
		}
		if (batch_common_opt(c, optarg, &o) < 0)
			goto out;
	}
	if (optind >= argc) {
		status = cmd_usage_error(&cmd_analyze_entry, nbase ? "--baseline given, but no run to compare with it"
								    : "no recording given (uftrace data directories)");
		goto out;
	}
	o.base = base;
	o.nbase = nbase;
	o.runs = argv + optind;
	o.nruns = (size_t)(argc - optind);
	status = batch_run(&o);
out:
	free(base);
	free(o.labels);
	return status;
}

const struct cmd_entry cmd_analyze_entry = {
	.name = "analyze",
	.usage = "[-c RULES.yaml] [-o DIR] [-j N] [-q] [--runtime NAME] [--runtimes FILE]\n"
		 "                     [--rules LIST] [--outputs LIST] [--top N] [--lock-wait SECS]\n"
		 "                     [--label LABEL | --label RUN=LABEL...] [--baseline RUN...] [--] RUN...",
	.summary = "analyse recordings (the default command): tasks, futures, blocking polls, reports",
	.help = "Each RUN is a uftrace data directory. Per run, OUT/runs/NAME/ gets trace.json\n"
		"(Chrome Trace Event Format) and summary.json; the batch gets OUT/summary.json,\n"
		"report.html, report.xlsx, charts/, index.md and junit.xml. A short summary of\n"
		"each run goes to stdout. A RUN may also be a run's or a batch's summary.json (a\n"
		"*.json file), or a folder holding one (OUT/, OUT/runs/NAME/): its runs are read,\n"
		"not analysed again, and get no trace.json.\n"
		"\n"
		"  -c, --config FILE      rules file (YAML; default: the built-in configs/rules.yaml)\n"
		"  -o, --output DIR       output folder (default: asprof-out)\n"
		"  -j, --jobs N           runs analysed in parallel (default: the number of cores)\n"
		"      --baseline RUN...  compare the runs with this baseline group; given once\n"
		"                         per run (--baseline A --baseline B N1), the runs after\n"
		"                         the last one's value are the new runs\n"
		"  -r, --runtime NAME     auto (default), or a runtime profile (the names below,\n"
		"                         or one of the rules file's)\n"
		"  -R, --runtimes FILE    more runtime profiles (configs/runtimes.yaml's shape)\n"
		"      --rules LIST       the rules that run, comma-separated (names below);\n"
		"                         all; '' for none\n"
		"                         (default: the rules file's `rules:`, all but\n"
		"                         scheduling-delay)\n"
		"      --label LABEL      the run's label (a commit id), kept in its summary.json\n"
		"                         (run.label) and shown for it in a history (trend);\n"
		"                         RUN=LABEL for one of several runs (RUN: as given, or\n"
		"                         its name); may be given again\n"
		"  -t, --top N            rows of each table in the stdout summary (default 10)\n"
		"  -q, --quiet            no progress and no file locations on stderr\n"
		"      --lock-wait SECS   wait this long for another batch writing in OUT\n"
		"                         (default 600; 0: refuse at once, exit 2)\n"
		"      --outputs LIST     the outputs to write, comma-separated: all, or of the names\n"
		"                         below (default: the rules file's outputs:, all)\n"
		"  -h, --help             this text\n"
		"\n"
		"Exit status: 0 clean; 1 regressions or findings that fail the rules (fail_on);\n"
		"2 usage or input errors (a run that cannot be read is skipped and reported).\n"
		"Stopped by SIGTERM, SIGINT or SIGHUP, it removes its temporary files and ends\n"
		"by that signal (143, 130, 129 in a shell); OUT keeps the previous reports.\n",
	.help_names = batch_help_names,
	.exec = analyze_exec,
};
