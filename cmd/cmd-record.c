/* cmd-record.c - `asprof-batch record -o DIR PROGRAM ARGS...`: runs
 * `uftrace record` with what the analysis needs, chosen from the program's
 * ELF symbols: the first argument of the task polls and of the program's own
 * future bodies (-A), the filters that drop only helpers that never poll
 * (-N, --no-libcall; never -t or -D), and dynamic patching (-P .) when the
 * program makes no mcount calls. Its rooms are in cmd/record/: elf.c and
 * mangling.c read the program, cmdline.c builds the uftrace command line,
 * run.c runs it. */
#include "cmd.h"
#include "record/record.h"
#include "../analysis/ingest/ingest.h"
#include "../analysis/analyze.h"
#include "../analysis/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* PROGRAM as execvp finds it (malloc'd), or NULL and one line saying why */
static char *find_program(const char *pname)
{
	char *prog = find_in_path(pname);
	if (!prog) {
		struct stat st;
		if (strchr(pname, '/') && stat(pname, &st) == 0)
			cmd_error("%s: %s", pname, S_ISDIR(st.st_mode) ? "is a directory, not a program"
				  : S_ISREG(st.st_mode) ? "is not executable (chmod +x?)"
				  : "is not a regular file");
		else if (strchr(pname, '/'))
			cmd_error("%s: program not found", pname);
		else
			cmd_error("%s: program not found (not in PATH)", pname);
		return NULL;
	}
	if (!strcmp(strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog, "env")) {
		cmd_error("uftrace cannot trace through env: set the variables in the shell "
			  "(VAR=value %s record ...), the program inherits them", cmd_progname);
		free(prog);
		return NULL;
	}
	return prog;
}

/* a profile `record` can force: one with a task poll to record */
static bool recordable(const struct asp_profile *p)
{
	return p->record.task_poll_v0.n || p->record.task_poll_legacy.n;
}

/* "auto, tokio, async-std or smol": what --runtime takes (malloc'd) */
static char *recordable_names(const struct asp_rules *rules)
{
	struct asp_buf b = { 0 };
	size_t n = 0, last = 0;
	for (size_t r = 0; r < rules->nprofiles; r++)
		if (recordable(&rules->profiles[r])) {
			n++;
			last = r;
		}
	asp_buf_printf(&b, "auto");
	for (size_t r = 0; r < rules->nprofiles; r++)
		if (recordable(&rules->profiles[r]))
			asp_buf_printf(&b, "%s%s", r == last ? " or " : ", ", rules->profiles[r].name);
	(void)n;
	return b.data;
}

/* -A for the task polls of the runtimes found in the program (or the one
 * forced, a profile index; -1: auto), their names into rtnames */
static void add_runtimes(struct strv *cmd, const struct asp_rules *rules, const struct elf_facts *f,
			 int forced, const char *prog, struct asp_buf *rtnames)
{
	for (size_t r = 0; r < rules->nprofiles; r++) {
		const struct asp_profile *pr = &rules->profiles[r];
		bool v0 = f->rt_v0[r], lg = f->rt_legacy[r];
		if (forced >= 0 && (int)r != forced)
			continue;
		/* one that runs on another found (yields_to: smol's executor
		 * under async-std) leaves its tasks to that one's task poll */
		if (forced < 0 && runtime_yields(rules, f, pr))
			continue;
		if (forced == (int)r && !v0 && !lg) {
			cmd_warning("no %s symbols in %s", pr->name, prog);
			v0 = !f->legacy;
			lg = f->legacy;
		}
		if (!v0 && !lg)
			continue;
		add_runtime_specs(cmd, pr, v0, lg);
		asp_buf_printf(rtnames, "%s%s", rtnames->len ? "+" : "", pr->name);
	}
}

/* the mode, in one line on stderr */
static void say_mode(const struct elf_facts *f, const char *rtnames, bool forced)
{
	struct asp_buf crates = { 0 };
	for (size_t i = 0; i < f->ncrates; i++)
		asp_buf_printf(&crates, "%s%s", i ? "," : "", f->crates[i].name);
	cmd_error("record: %s; %s; runtime %s (%s); crate %s",
		!f->readable ? "cannot read its ELF symbols: tracing as is"
		: f->mcount ? "mcount build: tracing its mcount calls, no patching"
		: "no mcount calls: dynamic patching (-P ., uftrace 0.13 patches ~85% of functions)",
		!f->symbols ? "no symbol table (stripped?)"
		: !f->rust ? "no Rust symbols"
		: f->legacy ? "legacy _ZN symbols" : "v0 _R symbols",
		rtnames ? rtnames : "none", forced ? "forced" : "detected",
		crates.len ? crates.data : "none");
	asp_buf_free(&crates);
}

/* once, when the recording will have no source lines of the program */
static void say_srclines(const struct elf_facts *f, const char *prog)
{
	if (!f->readable)
		return;
	if (!f->line_tables)
		cmd_error("record: %s has no line tables (DWARF): no source lines; for them build "
			  "with debug info (cargo profile: debug = 1, \"limited\"; C: -g)", prog);
	else if (f->ncrates && !f->linkage_names)
		cmd_error("record: %s has line tables without linkage names (cargo debug = "
			  "\"line-tables-only\"?): uftrace 0.13 finds no source line for its "
			  "functions; build with debug = 1 (\"limited\")", prog);
}

/* uftrace is done (its wait status): the recording checked as the analysis
 * will read it, the program's end and where the recording is told; the
 * exit status */
static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* the place of the program's panic line ("thread 'main' (12) panicked at
 * src/main.rs:34:9:"): "src/main.rs:34:9", shown inert (malloc'd) */
static char *panic_place(const char *line)
{
	const char *at = strstr(line, "panicked at");
	char *p = xstrdup(at ? at + strlen("panicked at") + (at[11] == ' ') : line);
	size_t n = strlen(p);
	if (n && p[n - 1] == ':')
		p[n - 1] = '\0';
	char *shown = asp_show(p, ASP_SHOW_CONTROLS);
	free(p);
	return shown;
}

/* How the program ended, as the analysis reads the recording
 * (analysis/end.c), with what its own output said: a panic line tells a
 * panic the recording cannot show (an mcount build), "failed to initiate
 * panic" that the abort was the unwinder's under uftrace's hooks. One
 * warning; NULL from the analysis: the wait status only. */
static void warn_end(const char *dir, const char *prog, int prog_status,
		     const struct err_filter *filt, const struct asp_rules *rules, const char *runtime)
{
	char st_prog[64], *err = NULL;
	describe_status(st_prog, sizeof st_prog, prog_status);
	bool sig = WIFSIGNALED(prog_status);
	bool panic_status = WIFEXITED(prog_status) && WEXITSTATUS(prog_status) == 101;
	struct asp_result *r = NULL;
	if (sig || panic_status) {
		struct asp_analyze_opts o = { .rules = rules, .runtime = runtime, .warn = quiet };
		r = asp_analyze(dir, &o, &err);
		free(err);
	}
	struct asp_buf b = { 0 };
	char *place = filt->panic_line ? panic_place(filt->panic_line) : NULL;
	bool shown_panic = r && (r->end == ASP_END_PANICKED || r->end == ASP_END_TRACER_CRASH);
	if (place && filt->panic_failed && sig && WTERMSIG(prog_status) == SIGABRT && !shown_panic)
		asp_buf_printf(&b, "the program panicked at %s (its output says so), and the panic "
				   "failed to start unwinding (\"failed to initiate panic\"): the process "
				   "aborted (signal %d) because uftrace's return hooks hide the frames "
				   "from the unwinder; the panic is the program's own end, the abort the "
				   "tracer's. " ASP_PANIC_UNWIND_ADVICE,
			       place, SIGABRT);
	else if (r && r->end_text)
		asp_buf_printf(&b, "%s", r->end_text);
	else
		asp_buf_printf(&b, "%s ended with %s", prog, st_prog);
	if (place && !(filt->panic_failed && sig && WTERMSIG(prog_status) == SIGABRT && !shown_panic))
		asp_buf_printf(&b, "%s its output says it panicked at %s", shown_panic ? ";" : "; and",
			       place);
	free(place);
	char *shown = asp_show(b.data, ASP_SHOW_CONTROLS);
	cmd_warning("%s; the recording is still usable", shown);
	free(shown);
	asp_buf_free(&b);
	asp_result_free(r);
}

static int after_run(const char *dir, const char *prog, const struct out_state *os, int status,
		     const struct err_filter *filt, const char *runtime, const char *runtimes_path,
		     const struct asp_rules *rules)
{
	int prog_status;
	char *err = NULL;
	char st_uf[64];
	describe_status(st_uf, sizeof st_uf, status);
	const char *why = filt->last_error ? filt->last_error : filt->last_line ? filt->last_line : "no message";
	if (!recording_written(dir, os)) {
		if (status == 0)
			cmd_error("uftrace exited with status 0 but wrote no recording in %s", dir);
		else
			cmd_error("uftrace failed (%s): %s", st_uf, why);
		return ASP_EXIT_USAGE;
	}
	if (filt->held.len) /* uftrace's messages, now that the data is there */
		fputs(filt->held.data, stderr);
	/* what the analysis reads first (a program that was not instrumented,
	 * or stopped at once, leaves info and nothing else) */
	struct asp_trace *t = asp_trace_open(dir, cmd_warn, NULL, &err);
	if (!t) {
		cmd_error("the recording cannot be analysed: %s", err);
		free(err);
		return ASP_EXIT_USAGE;
	}
	/* the program's wait status, as info keeps it (-1: uftrace stopped first) */
	const struct asp_info *info = asp_trace_info(t);
	prog_status = info->has_exit_status ? info->exit_status : -1;
	asp_trace_close(t);
	if (prog_status > 0) {
		warn_end(dir, prog, prog_status, filt, rules, runtime);
	} else if (status != 0) {
		cmd_warning("uftrace: %s (%s); check the recording", st_uf, why);
	}
	char *shown = asp_show(dir, ASP_SHOW_CONTROLS);
	/* a command that works as pasted: the runtime and the profiles this
	 * recording was made with, no rules file (record takes none) */
	printf("recorded %s; analyse it with: %s ", shown, cmd_progname);
	free(shown);
	if (runtimes_path) {
		fputs("--runtimes ", stdout);
		put_quoted(stdout, runtimes_path);
		fputc(' ', stdout);
	}
	if (runtime && strcmp(runtime, "auto")) {
		fputs("--runtime ", stdout);
		put_quoted(stdout, runtime);
		fputc(' ', stdout);
	}
	/* a folder named like an option or a command is read as one */
	if (!strchr(dir, '/') && (dir[0] == '-' || cmd_find(dir)))
		fputs("./", stdout);
	put_quoted(stdout, dir);
	fputc('\n', stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_error("writing to standard output failed");
		return ASP_EXIT_USAGE;
	}
	return ASP_EXIT_OK;
}

static int record_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "runtimes", required_argument, NULL, 'R' },
		{ "uftrace", required_argument, NULL, 'U' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e = &cmd_record_entry;
	const char *out = NULL, *runtime = "auto", *uftrace = "uftrace", *runtimes_path = NULL;
	bool dry_run = false, force = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:o:r:R:nfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': runtime = optarg; break;
		case 'R': runtimes_path = optarg; break;
		case 'U': uftrace = optarg; break;
		case 'n': dry_run = true; break;
		case 'f': force = true; break;
		case 'h': cmd_help(e); return ASP_EXIT_OK;
		default: return cmd_bad_option(e, c, argv);
		}
	}
	if (!out)
		return cmd_usage_error(e, "-o DIR is required (where the recording goes, e.g. runs/NAME)");
	if (optind >= argc)
		return cmd_usage_error(e, "no PROGRAM to record");
	/* the runtimes: the built-in profiles, and --runtimes FILE's */
	char *err = NULL;
	struct asp_rules *rules = asp_rules_default();
	if (runtimes_path && asp_rules_load_runtimes(rules, runtimes_path, &err) < 0) {
		cmd_error("%s", err);
		free(err);
		asp_rules_free(rules);
		return ASP_EXIT_USAGE;
	}
	int forced = -1;
	if (strcmp(runtime, "auto")) {
		for (size_t r = 0; r < rules->nprofiles; r++)
			if (recordable(&rules->profiles[r]) && !strcmp(runtime, rules->profiles[r].name))
				forced = (int)r;
		if (forced < 0) {
			char *known = recordable_names(rules);
			int rc = cmd_usage_error(e, "--runtime takes %s, not '%s'", known, runtime);
			free(known);
			asp_rules_free(rules);
			return rc;
		}
	}

	/* the output directory, without trailing slashes (uftrace appends .old) */
	size_t ol = strlen(out);
	while (ol > 1 && out[ol - 1] == '/')
		ol--;
	char *dir = xstrndup(out, ol);
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		free(dir);
		asp_rules_free(rules);
		return cmd_usage_error(e, "-o must name a directory of its own (runs/NAME), not '%s'", out);
	}

	int rc = ASP_EXIT_USAGE;
	char *prog = NULL, *uf_path = NULL;
	struct elf_facts facts = { 0 };
	struct strv cmd = { 0 };
	struct err_filter filt = { 0 };
	struct out_state os = { 0 };

	if (!(prog = find_program(argv[optind])))
		goto done;
	if (elf_scan(prog, rules, &facts, &err) < 0) {
		cmd_error("%s", err);
		goto done;
	}
	if (!facts.elf) {
		cmd_error("%s is not an ELF executable: uftrace traces compiled programs, not scripts", prog);
		goto done;
	}
	/* --dry-run only prints the command: it works without uftrace */
	if (!dry_run && !(uf_path = find_in_path(uftrace))) {
		if (strcmp(uftrace, "uftrace"))
			cmd_error("uftrace not found (%s): apt-get install uftrace", uftrace);
		else
			cmd_error("uftrace not found: apt-get install uftrace");
		goto done;
	}
	if (prepare_output(dir, force, dry_run, &os, &err) < 0) {
		cmd_error("%s", err);
		goto done;
	}

	/* the command line */
	strv_add(&cmd, uftrace, "record");
	strv_add(&cmd, "-d", dir);
	strv_add(&cmd, "--no-libcall", NULL);
	bool patch = facts.readable && !facts.mcount;
	if (patch)
		strv_add(&cmd, "-P", ".");
	/* source lines (<prog>.dbg) when the program has line tables */
	if (facts.line_tables)
		strv_add(&cmd, "--srcline", NULL);
	add_notrace(&cmd, rules, facts.legacy);
	struct asp_buf rtnames = { 0 };
	add_runtimes(&cmd, rules, &facts, forced, prog, &rtnames);
	add_user_specs(&cmd, &facts, true);
	add_user_specs(&cmd, &facts, false);
	strv_add(&cmd, prog, NULL);
	for (int i = optind + 1; i < argc; i++)
		strv_add(&cmd, argv[i], NULL);
	int fit = fit_cmdline(&cmd);

	say_mode(&facts, rtnames.len ? rtnames.data : NULL, forced >= 0);
	asp_buf_free(&rtnames);
	if (fit > 0)
		cmd_error("record: the command line is long: recording only the first argument of "
			  "the program's futures (self pointers of polls returning large values "
			  "may be wrong; docs/self-pointer.md)");
	else if (fit < 0)
		cmd_error("record: the command line is %zu bytes, more than uftrace 0.13 reads back "
			  "(4095): uftrace replay will not read %s, asprof-batch will",
			  uftrace_cmdline_length(&cmd), dir);
	say_srclines(&facts, prog);
	if (os.replaced)
		cmd_error("record: --force: uftrace renames the existing %s to %s.old "
			  "(replacing any older %s.old)", dir, dir, dir);

	if (dry_run) {
		for (size_t i = 0; i < cmd.n; i++) {
			if (i)
				fputc(' ', stdout);
			put_quoted(stdout, cmd.v[i]);
		}
		fputc('\n', stdout);
		rc = ASP_EXIT_OK;
		goto done;
	}

	int status = run_uftrace(cmd.v, &filt, &err);
	if (status == -1 && err) {
		cmd_error("cannot run uftrace: %s", err);
		goto done;
	}
	rc = after_run(dir, prog, &os, status, &filt, runtime, runtimes_path, rules);
done:
	free(err);
	free(prog);
	free(uf_path);
	free(dir);
	elf_facts_free(&facts);
	strv_free(&cmd);
	filter_free(&filt);
	asp_rules_free(rules);
	return rc;
}

const struct cmd_entry cmd_record_entry = {
	.name = "record",
	.usage = "-o DIR [--runtime auto|tokio|async-std|smol] [--runtimes FILE] [--force] [--dry-run]\n"
		 "                     [--uftrace PATH] [--] PROGRAM [ARGS...]",
	.summary = "run `uftrace record` with the options the analysis needs, into DIR",
	.help = "Records PROGRAM with uftrace into DIR (uftrace's -d), with the task polls'\n"
		"first argument (-A ...@arg1: tokio Harness::poll, async-std\n"
		"SupportTaskLocals::poll, async-task RawTask::run, and the program's own\n"
		"Future::poll impls and async bodies), the -N filters that drop only helpers\n"
		"that never poll, --no-libcall, and dynamic patching (-P .) when PROGRAM\n"
		"makes no mcount calls (not built with -pg or -Z instrument-mcount).\n"
		"Environment variables for PROGRAM must be set for this command (uftrace\n"
		"cannot trace through `env VAR=... PROGRAM`); PROGRAM inherits them and\n"
		"stdin. PROGRAM's output goes to standard error: standard output gets one\n"
		"line, where the recording is and how to analyse it. A PROGRAM that fails\n"
		"still leaves a usable recording (a warning, exit 0); the warning says how\n"
		"it ended: exited, panicked, crashed, killed, or a panic whose unwinding\n"
		"uftrace's hooks crashed (docs/program-end.md).\n"
		"\n"
		"  -o, --output DIR    the recording's directory; must not exist or be empty\n"
		"  -r, --runtime NAME  auto (default: from PROGRAM's symbols), tokio,\n"
		"                      async-std, smol or a profile of --runtimes: which\n"
		"                      task polls to record\n"
		"  -R, --runtimes FILE more runtime profiles (configs/runtimes.yaml's shape;\n"
		"                      their record: says what to record)\n"
		"  -f, --force         replace a non-empty DIR (uftrace keeps it as DIR.old)\n"
		"  -n, --dry-run       print the uftrace command line, do not run it\n"
		"      --uftrace PATH  the uftrace to run (default: uftrace, from PATH)\n"
		"  -h, --help          this text\n",
	.exec = record_exec,
};
