/* test-rules.c - the rules file and runtime profiles: value syntax,
 * defaults against configs/rules.yaml, overrides, profile patterns against
 * real symbols of the fixtures, and the FILE:LINE:COLUMN of every error. */
#include "analysis/rules.h"
#include "analysis/util.h"
#include "tests/unit/tap.h"

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

static char *tmp_rules(const char *dir, const char *name, const char *text)
{
	tap_write(dir, name, text, strlen(text));
	return asp_path_join(dir, name);
}

/* load text as a rules file; returns the error (caller frees) or NULL */
static char *load_err(const char *text, char **pathp)
{
	char *d = tap_tmpdir();
	char *path = tmp_rules(d, "r.yaml", text);
	char *err = NULL;
	struct asp_rules *r = asp_rules_load(path, &err);
	if (r && err)
		fprintf(stderr, "# both rules and an error: %s\n", err);
	asp_rules_free(r);
	tap_rmdir(d);
	free(d);
	if (pathp)
		*pathp = path;
	else
		free(path);
	return err;
}

/* the error for text, with the temp path replaced by "F" */
static char *err_of(const char *text)
{
	char *path;
	char *e = load_err(text, &path);
	if (!e) {
		free(path);
		return xstrdup("(no error)");
	}
	size_t pl = strlen(path);
	char *out = !strncmp(e, path, pl) ? xasprintf("F%s", e + pl) : xstrdup(e);
	free(e);
	free(path);
	return out;
}

#define CHECK_ERR(text, want)                 \
	do {                                  \
		char *e_ = err_of(text);      \
		CHECK_STR(e_, want);          \
		free(e_);                     \
	} while (0)

static struct asp_rules *load_ok(const char *text)
{
	char *d = tap_tmpdir();
	char *path = tmp_rules(d, "r.yaml", text);
	char *err = NULL;
	struct asp_rules *r = asp_rules_load(path, &err);
	if (!r)
		fprintf(stderr, "# unexpected error: %s\n", err);
	free(err);
	tap_rmdir(d);
	free(d);
	free(path);
	return r;
}

static uint64_t dur(const char *s)
{
	uint64_t v = 12345;
	return asp_parse_duration(s, &v) == 0 ? v : 12345;
}

TEST(durations_good)
{
	CHECK_U64(dur("800ns"), 800);
	CHECK_U64(dur("250us"), 250000);
	CHECK_U64(dur("250\xc2\xb5s"), 250000);
	CHECK_U64(dur("250\xce\xbcs"), 250000);
	CHECK_U64(dur("10ms"), 10000000);
	CHECK_U64(dur("1.5s"), 1500000000);
	CHECK_U64(dur("2m"), 120000000000ULL);
	CHECK_U64(dur("0"), 0);
	CHECK_U64(dur("0.0"), 0);
	CHECK_U64(dur("0ms"), 0);
	CHECK_U64(dur("0.5us"), 500);
	CHECK_U64(dur("0.001ms"), 1000);
	CHECK_U64(dur("1.0000000001s"), 1000000000);
	CHECK_U64(dur("18446744073709551615ns"), UINT64_MAX);
	CHECK_U64(dur("18446744073s"), 18446744073000000000ULL);
}

TEST(durations_bad)
{
	uint64_t v;
	const char *bad[] = { "", "10", "1.5", "-5ms", "+5ms", "5 ms", " 5ms", "5ms ", "5xs", "ms",
			      "1.ms", ".5ms", "1e3ms", "10MS", "5h", "5mss", "0x10ms", "1,5s" };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(bad); i++) {
		if (asp_parse_duration(bad[i], &v) == 0) {
			fprintf(stderr, "# accepted '%s'\n", bad[i]);
			CHECK(!"bad duration accepted");
		}
	}
	CHECK(asp_parse_duration(NULL, &v) < 0);
}

TEST(durations_overflow)
{
	uint64_t v;
	CHECK(asp_parse_duration("18446744073709551616ns", &v) < 0);
	CHECK(asp_parse_duration("18446744074s", &v) < 0);
	CHECK(asp_parse_duration("307445734562m", &v) < 0);
	CHECK(asp_parse_duration("18446744073709551615.9ns", &v) < 0);
	CHECK(asp_parse_duration("99999999999999999999999999s", &v) < 0);
	CHECK(asp_parse_duration("18446744073.709551616s", &v) < 0);
	CHECK(asp_parse_duration("18446744073.709551615s", &v) == 0);
	CHECK_U64(v, UINT64_MAX);
}

TEST(ratios)
{
	double v = -1;
	CHECK(asp_parse_ratio("10%", &v) == 0 && v > 0.0999999 && v < 0.1000001);
	CHECK(asp_parse_ratio("0.1", &v) == 0 && v > 0.0999999 && v < 0.1000001);
	CHECK(asp_parse_ratio("150%", &v) == 0 && v > 1.4999999 && v < 1.5000001);
	CHECK(asp_parse_ratio("2.5%", &v) == 0 && v > 0.0249999 && v < 0.0250001);
	CHECK(asp_parse_ratio("0", &v) == 0 && v == 0);
	CHECK(asp_parse_ratio("1e-3", &v) == 0 && v > 0.0009999 && v < 0.0010001);
	CHECK(asp_parse_ratio("2.5E+1%", &v) == 0 && v > 0.2499999 && v < 0.2500001);
	const char *bad[] = { "", "-10%", "-0.1", "abc", "10%%", "%", "1e", "1e-", "e3", "1e3x",
			      "1e999", "nan", "inf", ".5", "5.", "10 %", "0x1" };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(bad); i++) {
		if (asp_parse_ratio(bad[i], &v) == 0) {
			fprintf(stderr, "# accepted '%s'\n", bad[i]);
			CHECK(!"bad ratio accepted");
		}
	}
}

TEST(format_duration)
{
	char b[32];
	CHECK_STR(asp_format_duration(0, b, sizeof(b)), "0 ns");
	CHECK_STR(asp_format_duration(999, b, sizeof(b)), "999 ns");
	CHECK_STR(asp_format_duration(1500, b, sizeof(b)), "1.50 us");
	CHECK_STR(asp_format_duration(1500000, b, sizeof(b)), "1.50 ms");
	CHECK_STR(asp_format_duration(999999, b, sizeof(b)), "1.00 ms");
	CHECK_STR(asp_format_duration(2000000000, b, sizeof(b)), "2.00 s");
}

static bool same_patterns(const struct asp_patterns *a, const struct asp_patterns *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

static void check_same_rules(const struct asp_rules *a, const struct asp_rules *b)
{
	CHECK_STR(a->runtime, b->runtime);
	CHECK_U64(a->warning_ns, b->warning_ns);
	CHECK_U64(a->error_ns, b->error_ns);
	CHECK(a->measure_wall == b->measure_wall);
	CHECK_U64(a->slow_poll_ns, b->slow_poll_ns);
	CHECK(a->rule_on[ASP_RULE_NEVER_YIELDED] == b->rule_on[ASP_RULE_NEVER_YIELDED]);
	CHECK(a->rule_on[ASP_RULE_SELF_WAKE] == b->rule_on[ASP_RULE_SELF_WAKE]);
	CHECK_U64(a->self_wake_min_polls, b->self_wake_min_polls);
	CHECK_U64(a->self_wake_max_gap_ns, b->self_wake_max_gap_ns);
	CHECK_U64(a->sched_long_ns, b->sched_long_ns);
	CHECK(a->sched_severity == b->sched_severity);
	CHECK(a->rule_on[ASP_RULE_SCHED_DELAY] == b->rule_on[ASP_RULE_SCHED_DELAY]);
	CHECK_U64(a->noverrides, b->noverrides);
	CHECK_U64(a->compare.metric, b->compare.metric);
	CHECK(a->compare.min_change == b->compare.min_change);
	CHECK_U64(a->compare.min_abs_ns, b->compare.min_abs_ns);
	CHECK(a->compare.alpha == b->compare.alpha);
	CHECK(a->compare.single_run_noise == b->compare.single_run_noise);
	CHECK_U64(a->compare.bootstrap, b->compare.bootstrap);
	CHECK_U64(a->compare.noverrides, b->compare.noverrides);
	CHECK_U64(a->history.permutations, b->history.permutations);
	CHECK(a->history.p_value == b->history.p_value);
	CHECK_U64(a->history.min_nights, b->history.min_nights);
	CHECK_U64(a->history.seed, b->history.seed);
	CHECK_U64(a->fail_on, b->fail_on);
	CHECK_U64(a->nprofiles, b->nprofiles);
	for (size_t i = 0; i < a->nprofiles && i < b->nprofiles; i++) {
		const struct asp_profile *p = &a->profiles[i], *q = &b->profiles[i];
		CHECK_STR(p->name, q->name);
		CHECK(same_patterns(&p->detect, &q->detect));
		CHECK(same_patterns(&p->task_poll, &q->task_poll));
		CHECK(same_patterns(&p->block_on, &q->block_on));
		CHECK(same_patterns(&p->not_task, &q->not_task));
		CHECK(same_patterns(&p->task_done, &q->task_done));
		CHECK(same_patterns(&p->wake, &q->wake));
		CHECK(same_patterns(&p->combinator, &q->combinator));
		CHECK(same_patterns(&p->plumbing, &q->plumbing));
	}
}

TEST(defaults)
{
	struct asp_rules *r = asp_rules_default();
	CHECK(r->path == NULL);
	CHECK_STR(r->runtime, "auto");
	CHECK_U64(r->warning_ns, 10000000);
	CHECK(!r->measure_wall);
	CHECK_U64(r->error_ns, 100000000);
	CHECK_U64(r->slow_poll_ns, 50000);
	CHECK(r->rule_on[ASP_RULE_BLOCKING_POLL] && r->rule_on[ASP_RULE_NEVER_YIELDED] && r->rule_on[ASP_RULE_SELF_WAKE]);
	CHECK(!r->rule_on[ASP_RULE_SCHED_DELAY]); /* off by default */
	CHECK(r->sched_severity == ASP_SEV_WARNING);
	CHECK_U64(r->self_wake_min_polls, 50);
	CHECK_U64(r->self_wake_max_gap_ns, 200000);
	CHECK_U64(r->sched_long_ns, 1000000);
	CHECK_U64(r->noverrides, 0);
	CHECK_U64(r->compare.metric, ASP_METRIC_P50);
	CHECK(r->compare.min_change > 0.1499999 && r->compare.min_change < 0.1500001);
	CHECK_U64(r->compare.min_abs_ns, 10000);
	CHECK(r->compare.alpha > 0.0499999 && r->compare.alpha < 0.0500001);
	CHECK(r->compare.single_run_noise > 0.2999999 && r->compare.single_run_noise < 0.3000001);
	CHECK_U64(r->compare.bootstrap, 2000);
	CHECK_U64(r->history.permutations, 999);
	CHECK(r->history.p_value == 0.10);
	CHECK_U64(r->history.min_nights, 2);
	CHECK_U64(r->history.seed, 1);
	CHECK_U64(r->fail_on, 1u << ASP_FAIL_ERROR | 1u << ASP_FAIL_REGRESSION);
	CHECK_U64(r->nprofiles, 3);
	if (r->nprofiles == 3) {
		CHECK_STR(r->profiles[0].name, "tokio");
		CHECK_STR(r->profiles[1].name, "async-std");
		CHECK_STR(r->profiles[2].name, "smol");
	}
	CHECK(asp_rules_profile(r, "smol") == &r->profiles[2]);
	CHECK(asp_rules_profile(r, "glommio") == NULL);
	CHECK(asp_rules_override(r, "anything") == NULL);
	CHECK(asp_rules_compare_override(r, "anything") == NULL);
	asp_rules_free(r);
	asp_rules_free(NULL);
}

TEST(defaults_equal_config_file)
{
	const char *src = getenv("TESTS_SRCDIR");
	CHECK(src != NULL);
	if (!src)
		return;
	char *path = xasprintf("%s/../configs/rules.yaml", src);
	char *err = NULL;
	struct asp_rules *f = asp_rules_load(path, &err);
	if (!f)
		fprintf(stderr, "# %s\n", err);
	CHECK(f != NULL);
	struct asp_rules *d = asp_rules_default();
	if (f) {
		CHECK_STR(f->path, path);
		check_same_rules(f, d);
	}
	/* the built-in profiles are configs/runtimes.yaml */
	char *rpath = xasprintf("%s/../configs/runtimes.yaml", src);
	struct asp_rules *e = asp_rules_default();
	CHECK(asp_rules_load_runtimes(e, rpath, &err) == 0);
	if (err)
		fprintf(stderr, "# %s\n", err);
	check_same_rules(e, d);
	asp_rules_free(e);
	asp_rules_free(f);
	asp_rules_free(d);
	free(err);
	free(path);
	free(rpath);
}

TEST(empty_and_comment_only_files_are_defaults)
{
	const char *texts[] = { "", "# nothing\n\n   # at all\n", "---\n", "~\n", "---\n...\n" };
	struct asp_rules *d = asp_rules_default();
	for (size_t i = 0; i < ASP_ARRAY_SIZE(texts); i++) {
		struct asp_rules *r = load_ok(texts[i]);
		CHECK(r != NULL);
		if (r)
			check_same_rules(r, d);
		asp_rules_free(r);
	}
	asp_rules_free(d);
}

TEST(all_keys)
{
	struct asp_rules *r = load_ok("runtime: tokio\n"
				      "blocking: {warning: 1ms, error: 2ms, measure: wall}\n"
				      "slow_poll: 800ns\n"
				      "lints:\n"
				      "  never_yielded: no\n"
				      "  self_wake: {enabled: false, min_polls: 7, max_gap: 1us}\n"
				      "compare:\n"
				      "  metric: busy_per_poll\n"
				      "  min_change: 0.25\n"
				      "  min_abs: 1ms\n"
				      "  alpha: 5%\n"
				      "history: {permutations: 99, p_value: 1%, min_nights: 3, seed: 7}\n"
				      "fail_on: warning\n");
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_STR(r->runtime, "tokio");
	CHECK_U64(r->warning_ns, 1000000);
	CHECK_U64(r->error_ns, 2000000);
	CHECK(r->measure_wall);
	CHECK_U64(r->slow_poll_ns, 800);
	CHECK(!r->rule_on[ASP_RULE_NEVER_YIELDED]);
	CHECK(!r->rule_on[ASP_RULE_SELF_WAKE]);
	CHECK_U64(r->self_wake_min_polls, 7);
	CHECK_U64(r->self_wake_max_gap_ns, 1000);
	CHECK_U64(r->compare.metric, ASP_METRIC_BUSY_PER_POLL);
	CHECK(r->compare.min_change > 0.2499999 && r->compare.min_change < 0.2500001);
	CHECK_U64(r->compare.min_abs_ns, 1000000);
	CHECK(r->compare.alpha > 0.0499999 && r->compare.alpha < 0.0500001);
	CHECK_U64(r->history.permutations, 99);
	CHECK(r->history.p_value > 0.0099999 && r->history.p_value < 0.0100001);
	CHECK_U64(r->history.min_nights, 3);
	CHECK_U64(r->history.seed, 7);
	CHECK_U64(r->fail_on, 1u << ASP_FAIL_WARNING);
	asp_rules_free(r);

	r = load_ok("scheduling: {long_delay: 5ms, severity: error}\nrules: {scheduling-delay: on}\n");
	CHECK(r && r->sched_long_ns == 5000000 && r->sched_severity == ASP_SEV_ERROR &&
	      r->rule_on[ASP_RULE_SCHED_DELAY]);
	asp_rules_free(r);

	r = load_ok("fail_on: [regression, error, warning]\nlints: {self_wake: false}\n");
	CHECK(r && r->fail_on == (1u << ASP_FAIL_WARNING | 1u << ASP_FAIL_ERROR |
				  1u << ASP_FAIL_REGRESSION));
	CHECK(r && !r->rule_on[ASP_RULE_SELF_WAKE] && r->rule_on[ASP_RULE_NEVER_YIELDED]);
	asp_rules_free(r);
	/* rules: switches the registry's rules; lints: sets the same switches */
	r = load_ok("rules: {never-yielded: false, blocking-poll: true}\nlints: {self_wake: false}\n");
	CHECK(r && r->rule_on[ASP_RULE_BLOCKING_POLL] && !r->rule_on[ASP_RULE_NEVER_YIELDED] &&
	      !r->rule_on[ASP_RULE_SELF_WAKE]);
	char *e = NULL;
	CHECK(r && asp_rules_select(r, "self-wake,blocking-poll", &e) == 0);
	CHECK(r && r->rule_on[ASP_RULE_BLOCKING_POLL] && !r->rule_on[ASP_RULE_NEVER_YIELDED] &&
	      r->rule_on[ASP_RULE_SELF_WAKE]);
	CHECK(r && asp_rules_select(r, "", &e) == 0 && !r->rule_on[ASP_RULE_BLOCKING_POLL]);
	CHECK(r && asp_rules_select(r, "all", &e) == 0 && r->rule_on[ASP_RULE_NEVER_YIELDED]);
	CHECK(r && asp_rules_select(r, "self-wake,never_yielded", &e) < 0);
	CHECK_STR(e, "unknown rule 'never_yielded' (known: blocking-poll, never-yielded, self-wake, scheduling-delay; all)");
	free(e);
	asp_rules_free(r);
	r = load_ok("fail_on: never\n");
	CHECK(r && r->fail_on == 1u << ASP_FAIL_NEVER);
	asp_rules_free(r);
	/* empty: an error, not a gate turned off unseen (never says it) */
	CHECK_ERR("fail_on: []\n", "F:1:10: fail_on: missing value (error, warning, regression or never)");
	CHECK_ERR("fail_on:\n", "F:1:9: fail_on: missing value (error, warning, regression or never)");
	/* anchors and aliases are plain YAML */
	r = load_ok("blocking: {warning: &t 20ms, error: *t}\nslow_poll: *t\n");
	CHECK(r && r->warning_ns == 20000000 && r->error_ns == 20000000 &&
	      r->slow_poll_ns == 20000000);
	asp_rules_free(r);
}

TEST(overrides_first_match)
{
	struct asp_rules *r = load_ok("overrides:\n"
				      "  - match: 'app::db::*'\n"
				      "    error: 1s\n"
				      "  - match: 'app::*'\n"
				      "    severity: warning\n"
				      "  - match: 'app::db::slow'\n"
				      "    ignore: true\n"
				      "  - match: '<app::Ticker as *'\n"
				      "    warning: 1ms\n"
				      "    error: 2ms\n"
				      "compare:\n"
				      "  overrides:\n"
				      "    - {match: 'app::cache::*', min_change: 25%}\n"
				      "    - {match: 'app::*', min_abs: 1ms, ignore: yes}\n");
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_U64(r->noverrides, 4);
	const struct asp_override *o = asp_rules_override(r, "app::db::slow");
	CHECK(o == &r->overrides[0]);
	CHECK(o && o->has_error && !o->has_warning && o->error_ns == 1000000000 && !o->ignore &&
	      o->severity == ASP_SEV_NONE);
	CHECK(o && o->line == 2 && o->column == 5);
	o = asp_rules_override(r, "app::web::{closure#0}");
	CHECK(o == &r->overrides[1]);
	CHECK(o && o->severity == ASP_SEV_WARNING && !o->has_error && !o->has_warning);
	CHECK(o && o->line == 4 && o->column == 5);
	o = asp_rules_override(r, "<app::Ticker as core::future::future::Future>::poll");
	CHECK(o == &r->overrides[3]);
	CHECK(o && o->warning_ns == 1000000 && o->error_ns == 2000000);
	CHECK(asp_rules_override(r, "other::app::x") == NULL);
	CHECK(r->overrides[2].ignore);

	const struct asp_compare_override *c = asp_rules_compare_override(r, "app::cache::get");
	CHECK(c == &r->compare.overrides[0]);
	CHECK(c && c->has_min_change && !c->has_min_abs && c->min_change > 0.2499 &&
	      c->min_change < 0.2501 && !c->ignore);
	c = asp_rules_compare_override(r, "app::x");
	CHECK(c == &r->compare.overrides[1]);
	CHECK(c && c->has_min_abs && c->min_abs_ns == 1000000 && c->ignore);
	CHECK(asp_rules_compare_override(r, "lib::x") == NULL);
	asp_rules_free(r);
}

TEST(globs)
{
	struct asp_patterns p = { (char *[]){ "<tokio::*", "app::[!_]*", "x[[:digit:]]y" }, 3 };
	CHECK(asp_patterns_match(&p, "<tokio::time::sleep::Sleep as core::future::future::Future>::poll"));
	CHECK(!asp_patterns_match(&p, "tokio::spawn"));
	CHECK(asp_patterns_match(&p, "app::main::{closure#0}"));
	CHECK(!asp_patterns_match(&p, "app::_private"));
	CHECK(asp_patterns_match(&p, "x7y"));
	struct asp_patterns none = { NULL, 0 };
	CHECK(!asp_patterns_match(&none, "x"));

	struct asp_rules *r = load_ok("overrides:\n"
				      "  - match: 'a[]]b'\n"
				      "  - match: 'c[!]x]d'\n"
				      "  - match: 'e\\[f'\n"
				      "  - match: 'g[[:alpha:]]h'\n");
	CHECK(r && r->noverrides == 4);
	CHECK(r && asp_rules_override(r, "a]b") == &r->overrides[0]);
	CHECK(r && asp_rules_override(r, "cyd") == &r->overrides[1]);
	CHECK(r && asp_rules_override(r, "e[f") == &r->overrides[2]);
	CHECK(r && asp_rules_override(r, "gqh") == &r->overrides[3]);
	asp_rules_free(r);

	CHECK_ERR("overrides:\n  - match: 'app::[x'\n    error: 1s\n",
		  "F:2:12: overrides.match: bad pattern 'app::[x': unbalanced '['");
	CHECK_ERR("overrides:\n  - match: '[[:alpha:'\n",
		  "F:2:12: overrides.match: bad pattern '[[:alpha:': unbalanced '[' in a character "
		  "class name");
	CHECK_ERR("overrides:\n  - match: ''\n",
		  "F:2:12: overrides.match: bad pattern '': empty pattern");
	CHECK_ERR("overrides:\n  - match: 'a\\'\n",
		  "F:2:12: overrides.match: bad pattern 'a\\': trailing backslash");
	CHECK_ERR("runtimes:\n  - name: x\n    plumbing: ['ok::*', 'bad[']\n",
		  "F:3:25: runtimes.plumbing: bad pattern 'bad[': unbalanced '['");
	/* record's lists: regexes for uftrace, names */
	CHECK_ERR("runtimes:\n  - name: x\n    record: {task_poll_v0: ['a@b']}\n",
		  "F:3:29: runtimes.record.task_poll_v0: bad regex 'a@b': '@' starts uftrace's suffix");
	CHECK_ERR("runtimes:\n  - name: x\n    record: {crates: ['a::b']}\n",
		  "F:3:23: runtimes.record.crates: bad name 'a::b' (letters, digits, '_' and '-')");
	CHECK_ERR("runtimes:\n  - name: x\n    record: {tasks: []}\n",
		  "F:3:14: unknown key 'runtimes.record.tasks' (expected crates, task_poll_v0, "
		  "task_poll_legacy, wake_v0, wake_legacy, spawn_v0, spawn_legacy, notrace_v0, "
		  "notrace_legacy, yields_to)");
	struct asp_rules *rr = load_ok("runtimes:\n  - name: tokio\n    record: {task_poll_v0: ['^x$']}\n");
	const struct asp_profile *tk = rr ? asp_rules_profile(rr, "tokio") : NULL;
	CHECK(tk && tk->record.task_poll_v0.n == 1 && !strcmp(tk->record.task_poll_v0.v[0], "^x$") &&
	      tk->record.crates.n == 1 && tk->record.notrace_v0.n == 9);
	CHECK(rr && rr->record_notrace_v0.n == 16 && rr->record_notrace_legacy.n == 16);
	asp_rules_free(rr);
}

/* symbols of tests/fixtures, demangled by libiberty (c++filt -i) */
static const char *const tokio_v0_poll =
	"<tokio::runtime::task::harness::Harness<tokio_mt::worker::{closure#0}, "
	"alloc::sync::Arc<tokio::runtime::scheduler::multi_thread::handle::Handle>>>::poll";
static const char *const tokio_launch_poll =
	"<tokio::runtime::task::harness::Harness<tokio::runtime::blocking::task::BlockingTask<"
	"<tokio::runtime::scheduler::multi_thread::worker::Launch>::launch::{closure#0}>, "
	"tokio::runtime::blocking::schedule::BlockingSchedule>>::poll";
static const char *const asyncstd_poll =
	"<async_std::task::builder::SupportTaskLocals<async_std_demo::worker::{closure#0}> as "
	"core::future::future::Future>::poll";
static const char *const smol_run =
	"<async_task::raw::RawTask<<async_executor::Executor>::spawn<u64, "
	"smol_demo::worker::{closure#0}>::{closure#0}, u64, "
	"<async_executor::Executor>::schedule::{closure#0}>>::run";

TEST(builtin_profiles_on_real_symbols)
{
	struct asp_rules *r = asp_rules_default();
	const struct asp_profile *t = asp_rules_profile(r, "tokio");
	const struct asp_profile *a = asp_rules_profile(r, "async-std");
	const struct asp_profile *s = asp_rules_profile(r, "smol");
	CHECK(t && a && s);
	if (!t || !a || !s) {
		asp_rules_free(r);
		return;
	}
	/* tokio, v0 and legacy */
	CHECK(asp_patterns_match(&t->task_poll, tokio_v0_poll));
	CHECK(asp_patterns_match(&t->task_poll, "tokio::runtime::task::harness::Harness<T,S>::poll"));
	CHECK(!asp_patterns_match(&t->task_poll, "tokio::runtime::task::harness::Harness<T,S>::poll_inner"));
	CHECK(asp_patterns_match(&t->not_task, tokio_launch_poll));
	CHECK(!asp_patterns_match(&t->not_task, tokio_v0_poll));
	CHECK(asp_patterns_match(&t->not_task,
				 "<tokio::runtime::blocking::task::BlockingTask<T> as "
				 "core::future::future::Future>::poll"));
	CHECK(asp_patterns_match(&t->block_on, "<tokio::runtime::park::CachedParkThread>::block_on::"
					       "<tokio_mt::main::{closure#0}>"));
	CHECK(!asp_patterns_match(&t->block_on, "<tokio::runtime::park::CachedParkThread>::block_on::"
						"<tokio_mt::main::{closure#0}>::{closure#0}"));
	CHECK(!asp_patterns_match(&t->block_on, "<tokio::runtime::park::CachedParkThread>::block_on::"
						"<&mut tokio::sync::oneshot::Receiver<()>>"));
	CHECK(asp_patterns_match(&t->block_on, "tokio::runtime::park::CachedParkThread::block_on"));
	CHECK(asp_patterns_match(&t->block_on,
				 "<tokio::runtime::scheduler::current_thread::CoreGuard>::block_on::"
				 "<core::pin::Pin<&mut tokio_ct::main::{closure#0}>>"));
	CHECK(asp_patterns_match(&t->task_done,
				 "<tokio::runtime::task::harness::Harness<tokio_ct::ticker::{closure#0}, "
				 "alloc::sync::Arc<tokio::runtime::scheduler::current_thread::Handle>>>::complete"));
	CHECK(asp_patterns_match(&t->task_done, "tokio::runtime::task::harness::Harness<T,S>::complete"));
	CHECK(asp_patterns_match(&t->combinator, "<tokio::future::maybe_done::MaybeDone<tokio_mt::fetch_a::"
						 "{closure#0}> as core::future::future::Future>::poll"));
	CHECK(asp_patterns_match(&t->combinator, "<tokio::future::poll_fn::PollFn<tokio_mt::selector::"
						 "{closure#0}::{closure#0}> as core::future::future::Future>::poll"));
	CHECK(asp_patterns_match(&t->detect, "tokio::runtime::context::enter_runtime"));
	/* async-std */
	CHECK(asp_patterns_match(&a->task_poll, asyncstd_poll));
	/* its closure too (recordings that patched closures only): inside
	 * the poll itself the analysis keeps it the same task poll */
	CHECK(asp_patterns_match(&a->task_poll, "<async_std::task::builder::SupportTaskLocals<"
						"async_std_demo::worker::{closure#0}> as "
						"core::future::future::Future>::poll::{closure#0}"));
	CHECK(asp_patterns_match(&a->task_poll, "<async_std::task::builder::SupportTaskLocals<F> as "
						"core::future::future::Future>::poll::{{closure}}"));
	CHECK(asp_patterns_match(&a->block_on, "async_global_executor::executor::block_on::{{closure}}"));
	CHECK(!asp_patterns_match(&a->task_poll, "<async_std::task::builder::SupportTaskLocals<"
						 "async_std_demo::worker::{closure#0}> as "
						 "core::future::future::Future>::poll::{closure#0}::{closure#0}"));
	CHECK(asp_patterns_match(&a->block_on, "async_std::task::block_on::block_on::<async_std_demo::"
					       "main::{closure#0}, ()>"));
	CHECK(asp_patterns_match(&a->block_on, "async_global_executor::executor::block_on::<async_std::"
					       "task::builder::SupportTaskLocals<async_std_demo::main::"
					       "{closure#0}>, ()>"));
	CHECK(!asp_patterns_match(&a->block_on, "async_io::driver::block_on::<(), async_global_executor::"
						"threading::thread_main_loop::{closure#2}>"));
	CHECK(asp_patterns_match(&a->combinator, "<futures_util::future::maybe_done::MaybeDone<"
						 "async_std_demo::fetch_a::{closure#0}> as "
						 "core::future::future::Future>::poll"));
	CHECK(asp_patterns_match(&a->detect, "async_std::task::spawn::spawn::<u64>"));
	/* smol */
	CHECK(asp_patterns_match(&s->task_poll, smol_run));
	CHECK(!asp_patterns_match(&s->task_poll, "<async_task::raw::RawTask<<async_executor::Executor>::"
						 "spawn<u64, smol_demo::worker::{closure#0}>::{closure#0}, "
						 "u64, <async_executor::Executor>::schedule::{closure#0}>>::"
						 "run::{closure#0}"));
	CHECK(asp_patterns_match(&s->block_on, "async_io::driver::block_on::<(u64, u64, u64), "
					       "<async_executor::Executor>::run<(u64, u64, u64), "
					       "smol_demo::main::{closure#0}>::{closure#0}>"));
	CHECK(asp_patterns_match(&s->combinator, "<futures_lite::future::Zip<smol_demo::fetch_a::"
						 "{closure#0}, smol_demo::fetch_b::{closure#0}> as "
						 "core::future::future::Future>::poll"));
	CHECK(asp_patterns_match(&s->task_done, "<async_task::raw::RawTask<<async_executor::Executor>::"
						"spawn<u64, smol_demo::worker::{closure#0}>::{closure#0}, "
						"u64, <async_executor::Executor>::schedule::{closure#0}>>::"
						"drop_future"));
	/* plumbing: runtime and std internals yes, user futures and bodies never */
	const struct asp_profile *ps[] = { t, a, s };
	for (size_t i = 0; i < 3; i++) {
		const struct asp_patterns *pl = &ps[i]->plumbing;
		CHECK(asp_patterns_match(pl, "<core::pin::Pin<&mut tokio_ct::main::{closure#0}> as "
					     "core::future::future::Future>::poll"));
		CHECK(asp_patterns_match(pl, "<&mut tokio_mt::CountDown as core::future::future::Future>::poll"));
		CHECK(asp_patterns_match(pl, "std::thread::local::LocalKey<T>::with::{{closure}}"));
		CHECK(asp_patterns_match(pl, "<usize as core::slice::cmp::SliceContains>::slice_contains::"
					     "{{closure}}"));
		CHECK(asp_patterns_match(pl, "<F as core::future::into_future::IntoFuture>::into_future"));
		CHECK(asp_patterns_match(pl, "futures_util::future::poll_fn::poll_fn::<(u64, u64), "
					     "async_std_demo::main::main::{closure#0}::{closure#0}>"));
		const char *user[] = {
			"<tokio_mt::CountDown as core::future::future::Future>::poll",
			"<async_std_demo::CountDown as core::future::future::Future>::poll",
			"<smol_demo::CountDown as core::future::future::Future>::poll",
			"tokio_mt::worker::{closure#0}",
			"tokio_mt::worker::{{closure}}",
			"async_std_demo::main::main::{closure#0}",
			"smol_demo::main::{closure#0}",
			"<u2f::Device as core::future::future::Future>::poll",
			"<strum::X as core::future::future::Future>::poll",
			"<tokio_util_ext::X as core::future::future::Future>::poll",
		};
		for (size_t j = 0; j < ASP_ARRAY_SIZE(user); j++) {
			if (asp_patterns_match(pl, user[j])) {
				fprintf(stderr, "# %s plumbing matches %s\n", ps[i]->name, user[j]);
				CHECK(!"user future taken for plumbing");
			}
		}
	}
	CHECK(asp_patterns_match(&t->plumbing, "<tokio::time::sleep::Sleep as core::future::future::Future>::poll"));
	CHECK(asp_patterns_match(&a->plumbing, "<async_io::Timer as core::future::future::Future>::poll"));
	CHECK(asp_patterns_match(&s->plumbing, "<async_executor::Executor>::run::<(u64, u64, u64), "
					       "smol_demo::main::{closure#0}>::{closure#0}"));
	asp_rules_free(r);
}

TEST(runtimes_replace_and_extend)
{
	struct asp_rules *d = asp_rules_default();
	size_t tokio_task_poll = asp_rules_profile(d, "tokio")->task_poll.n;
	struct asp_rules *r = load_ok("runtime: glommio\n"
				      "runtimes:\n"
				      "  - name: tokio\n"
				      "    plumbing: ['only::*']\n"
				      "    not_task: []\n"
				      "  - name: glommio\n"
				      "    detect: 'glommio::*'\n"
				      "    task_poll: ['<glommio::task::raw::RawTask<*>>::run']\n");
	CHECK(r != NULL);
	if (r) {
		CHECK_STR(r->runtime, "glommio");
		CHECK_U64(r->nprofiles, 4);
		CHECK_STR(r->profiles[0].name, "glommio");
		CHECK_STR(r->profiles[1].name, "tokio");
		const struct asp_profile *t = asp_rules_profile(r, "tokio");
		CHECK(t && t->plumbing.n == 1 && !strcmp(t->plumbing.v[0], "only::*"));
		CHECK(t && t->not_task.n == 0);
		CHECK(t && t->task_poll.n == tokio_task_poll);
		const struct asp_profile *g = asp_rules_profile(r, "glommio");
		CHECK(g && g->detect.n == 1 && g->task_poll.n == 1 && g->block_on.n == 0 &&
		      g->plumbing.n == 0);
		CHECK(g && asp_patterns_match(&g->task_poll, "<glommio::task::raw::RawTask<F, R, S>>::run"));
	}

	/* --runtimes FILE over a rules file: replaces, then adds before */
	char *dir = tap_tmpdir();
	char *rt = tmp_rules(dir, "rt.yaml",
			     "runtimes:\n"
			     "  - name: glommio\n"
			     "    block_on: ['glommio::LocalExecutor::run']\n"
			     "  - name: embassy\n"
			     "    task_poll: ['embassy_executor::*::poll']\n");
	char *err = NULL;
	if (r) {
		CHECK(asp_rules_load_runtimes(r, rt, &err) == 0);
		CHECK_U64(r->nprofiles, 5);
		CHECK_STR(r->profiles[0].name, "embassy");
		const struct asp_profile *g = asp_rules_profile(r, "glommio");
		CHECK(g && g->block_on.n == 1 && g->task_poll.n == 1 && g->detect.n == 1);
	}
	free(rt);
	/* a runtimes file is checked like a rules file, and stays atomic */
	rt = tmp_rules(dir, "bad.yaml",
		       "runtimes:\n  - name: zzz\n    detect: ['z::*']\n  - name: tokio\n    plumbin: []\n");
	CHECK(asp_rules_load_runtimes(d, rt, &err) < 0);
	char *want = xasprintf("%s:5:5: unknown key 'runtimes.plumbin' (expected name, detect, "
			       "task_poll, block_on, not_task, task_done, wake, spawn, task_run, combinator, "
			       "plumbing, record)", rt);
	CHECK_STR(err, want);
	CHECK_U64(d->nprofiles, 3);
	free(want);
	free(err);
	err = NULL;
	free(rt);
	rt = tmp_rules(dir, "top.yaml", "runtime: tokio\n");
	CHECK(asp_rules_load_runtimes(d, rt, &err) < 0);
	want = xasprintf("%s:1:1: unknown key 'runtime' (expected runtimes, record)", rt);
	CHECK_STR(err, want);
	free(want);
	free(err);
	free(rt);
	tap_rmdir(dir);
	free(dir);
	asp_rules_free(r);
	asp_rules_free(d);
}

TEST(errors_keys_and_types)
{
	CHECK_ERR("blockin:\n  warning: 1ms\n",
		  "F:1:1: unknown key 'blockin' (expected runtime, blocking, slow_poll, scheduling, lints, "
		  "rules, overrides, compare, history, fail_on, outputs, runtimes)");
	CHECK_ERR("blocking:\n  warning: 1ms\n  eror: 2ms\n",
		  "F:3:3: unknown key 'blocking.eror' (expected warning, error, measure)");
	CHECK_ERR("blocking:\n  measure: cpu\n",
		  "F:2:12: blocking.measure: 'cpu' is not own or wall");
	CHECK_ERR("lints:\n  self_wake:\n    min_poll: 3\n",
		  "F:3:5: unknown key 'lints.self_wake.min_poll' (expected enabled, min_polls, max_gap)");
	CHECK_ERR("blocking:\n  - 10ms\n  - 100ms\n",
		  "F:2:3: blocking: expected a mapping (key: value lines), found a list");
	CHECK_ERR("compare: 5\n", "F:1:10: compare: expected a mapping (key: value lines), found a value");
	CHECK_ERR("- runtime: auto\n", "F:1:1: expected a mapping (key: value lines) at the top, found a list");
	CHECK_ERR("slow_poll: [1ms]\n", "F:1:12: slow_poll: expected a single value, found a list");
	CHECK_ERR("slow_poll:\n", "F:1:11: slow_poll: missing value");
	CHECK_ERR("overrides: {match: x}\n",
		  "F:1:12: overrides: expected a list of overrides (- match: ...), found a mapping");
	CHECK_ERR("overrides:\n  - 'app::*'\n",
		  "F:2:5: overrides: expected a mapping (match: ...), found a value");
	CHECK_ERR("overrides:\n  - error: 1s\n",
		  "F:2:5: overrides: an override needs a 'match' pattern");
	CHECK_ERR("slow_poll: 1ms\nslow_poll: 2ms\n", "F:2:1: duplicate key 'slow_poll'");
	CHECK_ERR("[a]: 1\n", "F:1:1: a key must be a name, found a list");
	CHECK_ERR("rules:\n  self_wake: false\n",
		  "F:2:3: unknown key 'rules.self_wake' (expected blocking-poll, never-yielded, self-wake, scheduling-delay)");
	CHECK_ERR("rules: {self-wake: maybe}\n",
		  "F:1:20: rules.self-wake: expected true or false, not 'maybe'");
	CHECK_ERR("lints:\n  never_yielded: maybe\n",
		  "F:2:18: lints.never_yielded: expected true or false, not 'maybe'");
	CHECK_ERR("runtime: tokyo\n",
		  "F:1:10: runtime: unknown runtime 'tokyo' (expected auto, tokio, async-std, smol)");
	CHECK_ERR("compare:\n  metric: p95\n",
		  "F:2:11: compare.metric: unknown metric 'p95' (expected p50, p90, p99, max, mean or "
		  "busy_per_poll)");
	CHECK_ERR("fail_on: [error, sometimes]\n",
		  "F:1:18: fail_on: unknown value 'sometimes' (expected error, warning, regression or "
		  "never)");
	CHECK_ERR("fail_on: [error, never]\n",
		  "F:1:10: fail_on: 'never' cannot be combined with other values");
	CHECK_ERR("runtimes:\n  - detect: ['x::*']\n", "F:2:5: runtimes: a profile needs a name");
	CHECK_ERR("runtimes:\n  - name: a\n  - name: a\n", "F:3:11: runtimes: duplicate profile 'a'");
	CHECK_ERR("runtimes: {name: a}\n",
		  "F:1:11: runtimes: expected a list of profiles, found a mapping");
	CHECK_ERR("runtimes:\n  - name: a\n    detect: {x: y}\n",
		  "F:3:13: runtimes.detect: expected a list, found a mapping");
	CHECK_ERR("a: 1\n---\nb: 2\n", "F:2:1: only one YAML document is allowed");
	CHECK_ERR("slow_poll: 1ms\n---\nslow_poll: 2ms\n",
		  "F:2:1: only one YAML document is allowed");
}

TEST(errors_values)
{
	CHECK_ERR("slow_poll: 10xs\n",
		  "F:1:12: slow_poll: bad duration '10xs' (a number and a unit: ns, us, ms, s, m; "
		  "e.g. 250us, 1.5s)");
	CHECK_ERR("blocking:\n  warning: 10\n",
		  "F:2:12: blocking.warning: bad duration '10' (a number and a unit: ns, us, ms, s, "
		  "m; e.g. 250us, 1.5s)");
	CHECK_ERR("blocking:\n  error: 99999999999999999999ns\n",
		  "F:2:10: blocking.error: bad duration '99999999999999999999ns' (a number and a "
		  "unit: ns, us, ms, s, m; e.g. 250us, 1.5s)");
	CHECK_ERR("blocking:\n  warning: -5ms\n", "F:2:12: blocking.warning: negative duration '-5ms'");
	CHECK_ERR("overrides:\n  - match: 'a'\n    severity: fatal\n",
		  "F:3:15: overrides.severity: unknown severity 'fatal' (expected warning or error)");
	CHECK_ERR("scheduling:\n  severity: high\n",
		  "F:2:13: scheduling.severity: unknown severity 'high' (expected warning or error)");
	CHECK_ERR("scheduling:\n  long_delay: 5\n",
		  "F:2:15: scheduling.long_delay: bad duration '5' (a number and a unit: ns, us, ms, s, "
		  "m; e.g. 250us, 1.5s)");
	CHECK_ERR("compare:\n  alpha: 1.5\n",
		  "F:2:10: compare.alpha: must be between 0 and 1 (exclusive), not '1.5'");
	CHECK_ERR("compare:\n  alpha: 0\n",
		  "F:2:10: compare.alpha: must be between 0 and 1 (exclusive), not '0'");
	CHECK_ERR("compare:\n  alpha: -0.5\n", "F:2:10: compare.alpha: negative value '-0.5'");
	CHECK_ERR("compare:\n  min_change: -10%\n", "F:2:15: compare.min_change: negative value '-10%'");
	CHECK_ERR("compare:\n  min_change: lots\n",
		  "F:2:15: compare.min_change: bad ratio 'lots' (e.g. 10% or 0.1)");
	CHECK_ERR("lints:\n  self_wake:\n    min_polls: 0\n",
		  "F:3:16: lints.self_wake.min_polls: must be at least 1, not '0'");
	CHECK_ERR("lints:\n  self_wake:\n    min_polls: -3\n",
		  "F:3:16: lints.self_wake.min_polls: must be at least 1, not '-3'");
	CHECK_ERR("lints:\n  self_wake:\n    min_polls: 2.5\n",
		  "F:3:16: lints.self_wake.min_polls: expected a whole number, not '2.5'");
	CHECK_ERR("blocking:\n  warning: 200ms\n  error: 100ms\n",
		  "F:3:10: blocking: the warning threshold (200.00 ms) is above the error threshold "
		  "(100.00 ms)");
	CHECK_ERR("blocking:\n  warning: 200ms\n",
		  "F:2:12: blocking: the warning threshold (200.00 ms) is above the error threshold "
		  "(100.00 ms)");
	CHECK_ERR("overrides:\n  - {match: x, warning: 2s, error: 1s}\n",
		  "F:2:36: overrides: the warning threshold (2.00 s) is above the error threshold "
		  "(1.00 s)");
}

TEST(errors_yaml_syntax)
{
	CHECK_ERR("blocking: [10ms\n",
		  "F:2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow "
		  "sequence)");
	CHECK_ERR("blocking:\n  warning: 1ms\n error: 2ms\n",
		  "F:3:2: YAML syntax error: did not find expected key (while parsing a block "
		  "mapping)");
	CHECK_ERR("slow_poll: *nothing\n", "F:1:12: YAML syntax error: found undefined alias");
	CHECK_ERR("x: \"abc\n",
		  "F:2:1: YAML syntax error: found unexpected end of stream (while scanning a quoted "
		  "scalar)");
}

TEST(errors_tab_indented)
{
	CHECK_ERR("blocking:\n\twarning: 10ms\n",
		  "F:2:1: YAML syntax error: found character that cannot start any token (while "
		  "scanning for the next token); tabs cannot indent YAML, use spaces");
}

TEST(errors_files)
{
	char *d = tap_tmpdir();
	char *missing = asp_path_join(d, "missing.yaml");
	char *err = NULL;
	CHECK(asp_rules_load(missing, &err) == NULL);
	char *want = xasprintf("%s: No such file or directory", missing);
	CHECK_STR(err, want);
	free(want);
	free(err);
	err = NULL;

	struct asp_rules *r = asp_rules_default();
	CHECK(asp_rules_load_runtimes(r, missing, &err) < 0);
	CHECK(err && strstr(err, "No such file or directory"));
	CHECK_U64(r->nprofiles, 3);
	asp_rules_free(r);
	free(err);
	err = NULL;

	CHECK(asp_rules_load(d, &err) == NULL);
	want = xasprintf("%s: is a directory, expected a file", d);
	CHECK_STR(err, want);
	free(want);
	free(err);
	err = NULL;

	/* root reads anything: only test permissions as another user */
	if (geteuid() != 0) {
		char *p = tmp_rules(d, "secret.yaml", "slow_poll: 1ms\n");
		chmod(p, 0);
		CHECK(asp_rules_load(p, &err) == NULL);
		want = xasprintf("%s: Permission denied", p);
		CHECK_STR(err, want);
		free(want);
		free(err);
		err = NULL;
		free(p);
	}

	/* not UTF-8 */
	char *p = tmp_rules(d, "latin1.yaml", "runtime: caf\xe9\n");
	CHECK(asp_rules_load(p, &err) == NULL);
	want = xasprintf("%s:1:13: incomplete UTF-8 octet sequence (byte 12)", p);
	CHECK_STR(err, want);
	free(want);
	free(err);
	free(p);
	free(missing);
	tap_rmdir(d);
	free(d);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(alias_bomb)
{
	/* billion laughs: 9^9 strings if expanded */
	struct asp_buf b = { 0 };
	asp_buf_printf(&b, "runtimes:\n  - name: lol\n    plumbing: &a [\"lol\"");
	for (int i = 0; i < 8; i++)
		asp_buf_printf(&b, ", \"lol\"");
	asp_buf_printf(&b, "]\n");
	const char *keys[] = { "detect", "task_poll", "block_on", "not_task", "task_done",
			       "combinator" };
	for (int lvl = 0; lvl < 6; lvl++) {
		asp_buf_printf(&b, "    %s: &%c [*%c", keys[lvl], 'b' + lvl, 'a' + lvl);
		for (int i = 0; i < 8; i++)
			asp_buf_printf(&b, ", *%c", 'a' + lvl);
		asp_buf_printf(&b, "]\n");
	}
	double t0 = now();
	char *e = err_of(b.data);
	CHECK(now() - t0 < 2.0);
	/* libyaml keeps no position for an alias: the error points at its anchor */
	CHECK_STR(e, "F:3:15: runtimes.detect: expected a pattern (a string), found a list");
	free(e);
	asp_buf_free(&b);

	/* the same bomb through overrides and a top-level alias */
	t0 = now();
	e = err_of("a: &a [x, x, x, x, x, x, x, x, x]\n");
	CHECK(now() - t0 < 2.0);
	free(e);

	/* fan-out that is valid YAML for the schema: many profiles sharing one big
	 * list; the value budget stops it */
	asp_buf_printf(&b, "runtimes:\n  - name: p0\n    plumbing: &big [");
	for (int i = 0; i < 3000; i++)
		asp_buf_printf(&b, "%s'x%d'", i ? ", " : "", i);
	asp_buf_printf(&b, "]\n");
	for (int i = 1; i < 400; i++)
		asp_buf_printf(&b,
			       "  - {name: p%d, detect: *big, task_poll: *big, block_on: *big, "
			       "plumbing: *big}\n",
			       i);
	t0 = now();
	e = err_of(b.data);
	CHECK(now() - t0 < 5.0);
	CHECK(strstr(e, "too many values (more than 100000, aliases expanded)") != NULL);
	if (!strstr(e, "too many values"))
		fprintf(stderr, "# %s\n", e);
	free(e);
	asp_buf_free(&b);
}

TEST(self_referencing_alias)
{
	/* a node that contains itself must not loop */
	char *e = err_of("lints: &l\n  self_wake: *l\n");
	CHECK_STR(e, "F:2:3: unknown key 'lints.self_wake.self_wake' (expected enabled, min_polls, "
		     "max_gap)");
	free(e);
	e = err_of("overrides: &o\n  - *o\n");
	CHECK_STR(e, "F:1:12: overrides: expected a mapping (match: ...), found a list");
	free(e);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(durations_good),
		CASE(durations_bad),
		CASE(durations_overflow),
		CASE(ratios),
		CASE(format_duration),
		CASE(defaults),
		CASE(defaults_equal_config_file),
		CASE(empty_and_comment_only_files_are_defaults),
		CASE(all_keys),
		CASE(overrides_first_match),
		CASE(globs),
		CASE(builtin_profiles_on_real_symbols),
		CASE(runtimes_replace_and_extend),
		CASE(errors_keys_and_types),
		CASE(errors_values),
		CASE(errors_yaml_syntax),
		CASE(errors_tab_indented),
		CASE(errors_files),
		CASE(alias_bomb),
		CASE(self_referencing_alias),
		{ 0 },
	});
}
