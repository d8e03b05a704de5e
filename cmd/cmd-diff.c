/* cmd-diff.c - `asprof-batch diff [-c rules.yaml] BASE NEW` or
 * `asprof-batch diff --base RUN... --new RUN...`: compare one run or a group
 * of runs with another; the same reports as the main job, comparison first. */
#include "cmd.h"
#include "batch.h"

#include <getopt.h>
#include <stdlib.h>

static int diff_exec(int argc, char **argv)
{
	struct batch_opts o = { .out_dir = "asprof-diff", .top = 10 };
	char **base = NULL, **news = NULL;
	size_t nbase = 0, nnew = 0;
	int status = ASP_EXIT_USAGE;
	if (batch_take_list(&argc, argv, "--base", false, &base, &nbase) < 0 ||
	    batch_take_list(&argc, argv, "--new", false, &news, &nnew) < 0) {
		cmd_usage_error(&cmd_diff_entry, "--base and --new each need at least one run");
		goto out;
	}
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, batch_shortopts, batch_longopts, NULL)) != -1) {
		if (c == 'h') {
			cmd_help(&cmd_diff_entry);
			status = ASP_EXIT_OK;
			goto out;
		}
		if (c == '?' || c == ':') {
			status = cmd_bad_option(&cmd_diff_entry, c, argv);
			goto out;
		}
		if (batch_common_opt(c, optarg, &o) < 0)
			goto out;
	}
	int rest = argc - optind;
	if (!nbase && !nnew && rest == 2) {
		o.base = argv + optind;
		o.nbase = 1;
		o.runs = argv + optind + 1;
		o.nruns = 1;
	} else if (nbase && nnew && rest == 0) {
		o.base = base;
		o.nbase = nbase;
		o.runs = news;
		o.nruns = nnew;
	} else {
		cmd_usage_error(&cmd_diff_entry, "compares two sides: BASE NEW, or --base RUN... --new RUN...");
		goto out;
	}
	status = batch_run(&o);
out:
	free(base);
	free(news);
	free(o.labels);
	return status;
}

const struct cmd_entry cmd_diff_entry = {
	.name = "diff",
	.usage = "[-c RULES.yaml] [-o DIR] [-j N] [-q] [--runtime NAME] [--runtimes FILE]\n"
		 "                  [--rules LIST] [--outputs LIST] [--top N] [--lock-wait SECS] [--label RUN=LABEL...]\n"
		 "                  (BASE NEW | --base RUN... --new RUN...)",
	.summary = "compare two runs or two groups of runs: regressed / improved / via / unchanged / new / gone",
	.help = "Per future (a task's root is its future's row): p50/p90/p99/max poll, busy and\n"
		"self time per poll, polls and idle on each side, each run's metric, the change\n"
		"with its interval (+129 % [+118 %, +141 %]) and the run-to-run noise allowed\n"
		"for, and a verdict by the rules file's `compare` section; a future that grew\n"
		"only through one it awaits is shown under that one (via), not as a regression.\n"
		"Writes the same reports as the main job (default folder: asprof-diff). A run\n"
		"may be a recording or its summary.json, as for the main job.\n"
		"\n"
		"  --base RUN...  --new RUN...   the two groups (or give BASE NEW)\n"
		"  -c, -o, -j, -r, -R, -t, -q, --rules, --lock-wait, --outputs, --label\n"
		"                                as for the main job (asprof-batch analyze --help)\n",
	.help_names = batch_help_names,
	.exec = diff_exec,
};
