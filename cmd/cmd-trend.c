/* cmd-trend.c - `asprof-batch trend [options] RUN...`: the nights RUN...
 * (recordings, summary.json files or output folders, in the order given),
 * per future its own time across them and the nights where it changed
 * (analysis/history.h); history.json, history.md, history.xlsx and
 * charts/ written into the output folder, staged and committed as a
 * batch's reports are (report/outdir.h). */
#include "cmd.h"
#include "batch.h"
#include "analysis/analyze.h"
#include "analysis/history.h"
#include "analysis/ingest/summary.h"
#include "analysis/runname.h"
#include "analysis/util.h"
#include "report/history.h"
#include "report/outdir.h"
#include "report/outfile.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct trend_opts {
	const char *rules_path, *runtimes_path, *out_dir, *runtime;
	bool quiet;
	unsigned lock_wait;
	size_t top;
	const char **labels;
	size_t nlabels;
};

static const struct option trend_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "runtime", required_argument, NULL, 'r' },
	{ "runtimes", required_argument, NULL, 'R' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "top", required_argument, NULL, 't' },
	{ "lock-wait", required_argument, NULL, 'L' },
	{ "label", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* the nights: each argument's runs (a batch's summary.json holds several),
 * read from summaries or analysed; -1 after one line per run that cannot
 * be read */
static int read_nights(const struct trend_opts *o, const struct asp_rules *rules, char **args,
		       size_t nargs, struct asp_result ***out, size_t *nout)
{
	struct asp_result **runs = NULL;
	const char **from = NULL; /* the argument of each */
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < nargs; i++) {
		char *err = NULL;
		char *file = asp_summary_file(args[i]);
		struct asp_result **got = NULL;
		size_t ngot = 0;
		if (file) {
			if (asp_summary_read(file, &got, &ngot, &err) < 0)
				ngot = 0;
		} else {
			struct asp_analyze_opts ao = { .rules = rules, .runtime = o->runtime,
						       .warn = cmd_warn };
			struct asp_result *r = asp_analyze(args[i], &ao, &err);
			if (r) {
				got = xmalloc(sizeof(*got));
				got[ngot++] = r;
			}
		}
		if (err) {
			cmd_error("%s", err);
			free(err);
			rc = -1;
		}
		free(file);
		runs = xreallocarray(runs, n + ngot + 1, sizeof(*runs));
		from = xreallocarray(from, n + ngot + 1, sizeof(*from));
		for (size_t k = 0; k < ngot; k++) {
			from[n] = args[i];
			runs[n++] = got[k];
		}
		free(got);
	}
	/* named as a batch names them (runs/NAME), labelled by --label */
	const char **paths = xcalloc(n + 1, sizeof(*paths));
	const char **given = xcalloc(n + 1, sizeof(*given));
	for (size_t i = 0; i < n; i++) {
		paths[i] = runs[i]->path ? runs[i]->path : from[i];
		given[i] = runs[i]->from_summary ? runs[i]->name : NULL;
	}
	char **names = asp_run_names((const char *const *)paths, (const char *const *)given, n);
	for (size_t i = 0; i < n; i++) {
		free(runs[i]->name);
		runs[i]->name = names[i];
		const char *l = batch_label_for(o->labels, o->nlabels, n, from[i], names[i]);
		if (l) {
			free(runs[i]->label);
			runs[i]->label = xstrdup(l);
		}
	}
	batch_labels_unused(o->labels, o->nlabels, from, names, n);
	free(names);
	free(paths);
	free(given);
	free(from);
	*out = runs;
	*nout = n;
	return rc;
}

static void print_changes(const struct asp_history *h)
{
	printf("History: %zu night%s by each night's %s own poll time: %zu future%s changed\n",
	       h->nnights, h->nnights == 1 ? "" : "s", asp_metric_name(h->metric), h->nchanged,
	       h->nchanged == 1 ? "" : "s");
	for (size_t i = 0; i < h->nfutures; i++)
		for (size_t k = 0; k < h->futures[i].nchanges; k++) {
			const struct asp_history_change *c = &h->futures[i].changes[k];
			char pct[32];
			asp_history_pct(pct, sizeof(pct), c->rel_change);
			char *line = xasprintf("  %s %s: %s at night %zu, %s (label %s)%s%s",
					       c->verdict == ASP_V_VIA ? "via     " : asp_verdict_name(c->verdict),
					       h->futures[i].name, pct, c->night + 1, h->night[c->night],
					       h->label[c->night], c->via ? "; via " : "",
					       c->via ? c->via : "");
			char *shown = asp_show(line, ASP_SHOW_CONTROLS);
			puts(shown);
			free(shown);
			free(line);
		}
}

/* the reports into the stage; -1 after one line */
static int write_reports(const struct trend_opts *o, struct asp_outdir *od,
			 const struct asp_history *h)
{
	const char *stage = asp_outdir_stage(od);
	char *err = NULL;
	static const char *const names[] = { "history.json", "history.md", "history.xlsx" };
	int (*const writers[])(const struct asp_history *, const char *, char **) = {
		asp_history_json_write, asp_history_md_write, asp_history_xlsx_write,
	};
	char *dir = asp_path_join(stage, "charts");
	struct asp_charts *charts = asp_history_charts_start(h, dir, o->top, &err);
	free(dir);
	int rc = charts ? 0 : -1;
	for (size_t i = 0; i < 3 && rc == 0; i++) {
		char *path = asp_path_join(stage, names[i]);
		rc = writers[i](h, path, &err);
		free(path);
	}
	char *skipped = NULL, *cerr = NULL;
	int crc = asp_charts_finish(charts, rc == 0, &skipped, NULL, NULL, &cerr);
	if (skipped) {
		skipped = asp_outdir_unstage(od, skipped);
		cmd_error("%s", skipped);
		free(skipped);
	}
	if (rc == 0 && crc == ASP_CHARTS_GNUPLOT_FAILED) {
		cerr = asp_outdir_unstage(od, cerr);
		cmd_warning("%s", cerr);
	} else if (rc == 0 && crc < 0) {
		rc = -1;
		err = cerr;
		cerr = NULL;
	}
	free(cerr);
	if (rc < 0) {
		err = asp_outdir_unstage(od, err);
		cmd_error("%s", err);
		free(err);
	}
	return rc;
}

static void lock_notice(const char *msg)
{
	cmd_error("%s", msg);
}

static int trend(const struct trend_opts *o, char **args, size_t nargs)
{
	char *err = NULL;
	if (batch_labels_check(o->labels, o->nlabels, args, nargs) < 0)
		return ASP_EXIT_USAGE;
	struct asp_rules *rules = batch_rules(o->rules_path, o->runtimes_path, NULL, o->runtime);
	if (!rules)
		return ASP_EXIT_USAGE;
	struct asp_result **runs = NULL;
	size_t n;
	int status = ASP_EXIT_USAGE;
	struct asp_history *h = NULL;
	struct asp_outdir *od = NULL;
	if (read_nights(o, rules, args, nargs, &runs, &n) < 0)
		goto out;
	h = asp_history_build((const struct asp_result *const *)runs, n, rules);
	if (asp_mkdir_p(o->out_dir, &err) < 0 ||
	    !(od = asp_outdir_open(o->out_dir, o->lock_wait, lock_notice, &err))) {
		cmd_error("%s", err);
		free(err);
		goto out;
	}
	bool fails = h->nregressed && (rules->fail_on & (1u << ASP_FAIL_REGRESSION));
	status = fails ? ASP_EXIT_FINDINGS : ASP_EXIT_OK;
	if (write_reports(o, od, h) < 0 || asp_outdir_commit(od, status, &err) < 0) {
		if (err) {
			cmd_error("%s", err);
			free(err);
		}
		status = ASP_EXIT_USAGE;
		goto out;
	}
	print_changes(h);
	if (!o->quiet)
		cmd_error("reports in %s/ (history.md, history.json, history.xlsx, charts/, manifest.json)",
			  o->out_dir);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_error("stdout: %s", strerror(errno ? errno : EIO));
		status = ASP_EXIT_USAGE;
	}
out:
	asp_outdir_close(od);
	asp_history_free(h);
	for (size_t i = 0; runs && i < n; i++)
		asp_result_free(runs[i]);
	free(runs);
	asp_rules_free(rules);
	return status;
}

static int trend_exec(int argc, char **argv)
{
	struct trend_opts o = { .out_dir = "asprof-trend", .top = 8, .lock_wait = BATCH_LOCK_WAIT_S };
	int c, status = ASP_EXIT_USAGE;
	long v;
	char *end;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:o:r:R:qt:h", trend_longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cmd_help(&cmd_trend_entry);
			status = ASP_EXIT_OK;
			goto out;
		case '?':
		case ':':
			status = cmd_bad_option(&cmd_trend_entry, c, argv);
			goto out;
		case 'c': o.rules_path = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'r': o.runtime = optarg; break;
		case 'R': o.runtimes_path = optarg; break;
		case 'q': o.quiet = true; break;
		case 'l':
			o.labels = xreallocarray(o.labels, o.nlabels + 1, sizeof(*o.labels));
			o.labels[o.nlabels++] = optarg;
			break;
		case 't':
		case 'L':
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < (c == 't' ? 1 : 0) || v > (c == 't' ? 8 : 86400)) {
				cmd_error(c == 't' ? "--top takes a number from 1 to 8, not '%s'"
						   : "--lock-wait takes a number of seconds from 0 to 86400, not '%s'",
					  optarg);
				goto out;
			}
			if (c == 't')
				o.top = (size_t)v;
			else
				o.lock_wait = (unsigned)v;
			break;
		}
	}
	if (optind >= argc) {
		status = cmd_usage_error(&cmd_trend_entry, "no night given (recordings or summary.json)");
		goto out;
	}
	status = trend(&o, argv + optind, (size_t)(argc - optind));
out:
	free(o.labels);
	return status;
}

const struct cmd_entry cmd_trend_entry = {
	.name = "trend",
	.usage = "[-c RULES.yaml] [-o DIR] [-q] [--runtime NAME] [--runtimes FILE] [--top N]\n"
		 "                   [--lock-wait SECS] [--label RUN=LABEL...] [--] RUN...",
	.summary = "a history over nights: per future, own time per night and the nights where it changed",
	.help = "Each RUN is a night, in the order given: a recording, a run's or a batch's\n"
		"summary.json, or an output folder holding one (the old recordings are not\n"
		"needed). Per future, the comparison's metric (compare.metric, p50 by default)\n"
		"of each night's own poll times, and its change points: E-divisive means\n"
		"(Matteson & James 2014) with binary segmentation, a permutation test\n"
		"(history.permutations, history.p_value, seeded by history.seed: the same input\n"
		"gives the same output), segments of at least history.min_nights nights, and a\n"
		"step between the segments' medians of at least compare.min_change and\n"
		"compare.min_abs. A future that changed only through one it awaits is shown\n"
		"via that one. A night is shown by its label (analysis's --label), else its name.\n"
		"Writes OUT/history.md, history.json, history.xlsx (sheets History and Changes)\n"
		"and charts/ (history-FUTURE per future that changed, history-top).\n"
		"\n"
		"  -c, --config FILE      rules file (its compare: and history: sections)\n"
		"  -o, --output DIR       output folder (default: asprof-trend)\n"
		"  -r, --runtime NAME     for recordings: as for the main job\n"
		"  -R, --runtimes FILE    for recordings: more runtime profiles\n"
		"  -t, --top N            futures in charts/history-top (1 to 8, default 8)\n"
		"      --label RUN=LABEL  the label of a night read from a recording (or\n"
		"                         replacing a summary's run.label); may be given again\n"
		"  -q, --quiet            no file locations on stderr\n"
		"      --lock-wait SECS   wait this long for another batch writing in OUT\n"
		"  -h, --help             this text\n"
		"\n"
		"Exit status: 0; 1 when a future's last change of its own is a regression and\n"
		"fail_on has regression; 2 usage or input errors (a night that cannot be read:\n"
		"nothing is written).\n",
	.exec = trend_exec,
};
