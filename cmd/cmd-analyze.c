/* cmd-analyze.c - the main job: `asprof-batch [-c rules.yaml] [-o DIR] RUN...`
 * analyses every run and writes runs/<name>/{trace.json,summary.json} under
 * the output folder, with a short human summary of each run on stdout. */
#include "cmd.h"
#include "analysis/analyze.h"
#include "analysis/rules.h"
#include "analysis/util.h"
#include "report/outfile.h"
#include "report/report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct analyze_opts {
	const char *rules_path, *runtimes_path, *out_dir, *runtime;
	bool quiet;
	size_t top;
};

static void warn_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s: warning: %s\n", cmd_progname, msg);
}

/* run names must be unique inside one output folder */
static char *unique_name(char **names, size_t n, const char *base)
{
	char *name = xstrdup(base);
	for (int k = 2;; k++) {
		bool clash = false;
		for (size_t i = 0; i < n; i++)
			if (names[i] && !strcmp(names[i], name))
				clash = true;
		if (!clash)
			return name;
		free(name);
		name = xasprintf("%s-%d", base, k);
	}
}

/* 1 when the run has findings that fail by the rules' fail_on */
static int run_one(const char *dir, const char *name, const struct asp_rules *rules,
		   const struct analyze_opts *o, bool *failed)
{
	char *err = NULL;
	char *rundir = xasprintf("%s/runs/%s", o->out_dir, name);
	if (asp_mkdir_p(rundir, &err) < 0) {
		cmd_error("%s", err);
		free(err);
		free(rundir);
		return -2; /* output problems stop the batch */
	}
	char *trace_path = asp_path_join(rundir, "trace.json");
	char *summary_path = asp_path_join(rundir, "summary.json");
	int rc = 0;
	struct asp_chrome *chrome = asp_chrome_open(trace_path, &err);
	if (!chrome) {
		cmd_error("%s", err);
		rc = -2;
		goto out;
	}
	struct asp_span_sink sink = asp_chrome_sink(chrome);
	struct asp_analyze_opts ao = {
		.rules = rules, .runtime = o->runtime, .sink = &sink, .warn = warn_stderr,
	};
	struct asp_result *r = asp_analyze(dir, &ao, &err);
	if (!r) {
		asp_chrome_abort(chrome);
		cmd_error("%s: skipped: %s", dir, err);
		rc = -1;
		goto out;
	}
	if (asp_chrome_finish(chrome, r, &err) < 0 ||
	    asp_summary_write(summary_path, r, rules, &err) < 0) {
		cmd_error("%s", err);
		asp_result_free(r);
		rc = -2;
		goto out;
	}
	asp_summary_print(stdout, r, o->top);
	if (!o->quiet)
		printf("  -> %s/\n\n", rundir);
	for (size_t i = 0; i < r->nfindings; i++) {
		enum asp_severity s = r->findings[i].severity;
		if ((s == ASP_SEV_ERROR && (rules->fail_on & (1u << ASP_FAIL_ERROR))) ||
		    (s >= ASP_SEV_WARNING && (rules->fail_on & (1u << ASP_FAIL_WARNING))))
			*failed = true;
	}
	asp_result_free(r);
out:
	free(err);
	free(trace_path);
	free(summary_path);
	free(rundir);
	return rc;
}

static int analyze_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "runtimes", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct analyze_opts o = { .out_dir = "asprof-out", .top = 10 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:r:R:qt:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.rules_path = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'r': o.runtime = optarg; break;
		case 'R': o.runtimes_path = optarg; break;
		case 'q': o.quiet = true; break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 1000) {
				cmd_error("--top takes a number from 1 to 1000, not '%s'", optarg);
				return ASP_EXIT_USAGE;
			}
			o.top = (size_t)v;
			break;
		}
		case 'h': cmd_usage(&cmd_analyze_entry); return ASP_EXIT_OK;
		default: cmd_usage(&cmd_analyze_entry); return ASP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cmd_error("no recording given (uftrace data directories)");
		cmd_usage(&cmd_analyze_entry);
		return ASP_EXIT_USAGE;
	}
	char *err = NULL;
	struct asp_rules *rules = o.rules_path ? asp_rules_load(o.rules_path, &err) : asp_rules_default();
	if (!rules || (o.runtimes_path && asp_rules_load_runtimes(rules, o.runtimes_path, &err) < 0)) {
		cmd_error("%s", err);
		free(err);
		asp_rules_free(rules);
		return ASP_EXIT_USAGE;
	}
	if (o.runtime && strcmp(o.runtime, "auto") && !asp_rules_profile(rules, o.runtime)) {
		cmd_error("--runtime: unknown runtime '%s'", o.runtime);
		asp_rules_free(rules);
		return ASP_EXIT_USAGE;
	}
	if (asp_mkdir_p(o.out_dir, &err) < 0 || access(o.out_dir, W_OK) < 0) {
		if (!err)
			err = xasprintf("%s: not writable", o.out_dir);
		cmd_error("%s", err);
		free(err);
		asp_rules_free(rules);
		return ASP_EXIT_USAGE;
	}
	size_t n = (size_t)(argc - optind);
	char **names = xcalloc(n, sizeof(char *));
	int status = ASP_EXIT_OK;
	bool failed = false, skipped = false;
	for (size_t i = 0; i < n; i++) {
		const char *dir = argv[optind + (int)i];
		char *base = asp_run_name(dir);
		names[i] = unique_name(names, i, base);
		free(base);
		int rc = run_one(dir, names[i], rules, &o, &failed);
		if (rc == -1)
			skipped = true;
		if (rc == -2) {
			status = ASP_EXIT_USAGE;
			break;
		}
	}
	if (status == ASP_EXIT_OK)
		status = skipped ? ASP_EXIT_USAGE : failed ? ASP_EXIT_FINDINGS : ASP_EXIT_OK;
	if (fflush(stdout) != 0)
		status = ASP_EXIT_USAGE;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	asp_rules_free(rules);
	return status;
}

const struct cmd_entry cmd_analyze_entry = {
	.name = "analyze",
	.usage = "[-c RULES.yaml] [-o DIR] [--runtime auto|tokio|async-std|smol] [-q] RUN...",
	.summary = "analyse recordings: tasks, futures, blocking polls (the default command)",
	.exec = analyze_exec,
};
