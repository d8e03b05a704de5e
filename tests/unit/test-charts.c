/* test-charts.c - the gnuplot charts of a batch: the files of every chart
 * (PNG, SVG, script, data), short names for labels, byte-identical output
 * on a second write, the gnuplot-missing and gnuplot-failing paths, and an
 * unwritable output directory. */
#include "report/batch.h"
#include "report/shortname.h"
#include "analysis/util.h"
#include "tests/unit/batch-fixture.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

static bool have_gnuplot(void)
{
	return system("gnuplot --version >/dev/null 2>&1") == 0;
}

static char *slurp(const char *dir, const char *file, size_t *len)
{
	char *path = asp_path_join(dir, file);
	char *data = asp_read_file(path, len, NULL);
	free(path);
	return data;
}

static bool exists(const char *dir, const char *file)
{
	char *path = asp_path_join(dir, file);
	struct stat st;
	bool ok = stat(path, &st) == 0 && st.st_size > 0;
	free(path);
	return ok;
}

/* the sorted names of files in dir ending in ext, one per line */
static char *listing(const char *dir, const char *ext)
{
	DIR *d = opendir(dir);
	if (!d)
		return xstrdup("");
	char **v = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), el = strlen(ext);
		if (l > el && !strcmp(e->d_name + l - el, ext)) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	struct asp_buf b = { 0 };
	asp_buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		asp_buf_printf(&b, "%s\n", v[i]);
		free(v[i]);
	}
	free(v);
	return b.data;
}

static const char *const charts[] = { "dist-blocking_io", "dist-countdown",
				      "trend-p99", "trend-busy", "hist-regress_base_1",
				      "hist-regress_new_1", "hist-regress_new_2" };

TEST(short_names)
{
	struct {
		const char *in;
		size_t max;
		const char *want;
	} cases[] = {
		{ "tokio_mt::blocking_io::{closure#0}", 0, "blocking_io" },
		{ "<tokio_mt::CountDown as core::future::future::Future>::poll", 0, "CountDown" },
		{ "tokio_mt::CountDown", 0, "CountDown" },
		{ "CountDown", 0, "CountDown" },
		{ "a::b::{closure#0}::{closure#1}", 0, "b::{closure#0}::{closure#1}" },
		{ "legacy::f::{{closure}}::h0123456789abcdef", 0, "f" },
		{ "<futures_util::future::join::Join<tokio_mt::A, tokio_mt::B> as core::future::future::Future>::poll",
		  0, "Join<A, B>" },
		{ "tokio::runtime::task::harness::Harness<tokio_mt::F, S>::poll", 0,
		  "Harness<F, S>::poll" },
		{ "tokio::task::JoinHandle<alloc::vec::Vec<u8>>", 0, "JoinHandle<Vec<\u2026>>" },
		{ "<tokio_mt::Svc as tokio_mt::Handler>::call::{closure#0}", 0, "Svc::call" },
		{ "<futures_lite::future::Or<async_std::task::sleep::{closure#0}, futures_lite::future::Ready<u8>> as core::future::future::Future>::poll",
		  0, "Or<sleep, Ready<\u2026>>" },
		{ "tokio_mt::a_very_long_function_name::{closure#0}", 12, "a_very_long\u2026" },
		{ "tokio_mt::fgh::{closure#0}", 1, "\u2026" },
		{ "x", 1, "x" },
		{ "", 10, "" },
		{ "<unbalanced", 0, "unbalanced" },
	};
	for (size_t i = 0; i < ASP_ARRAY_SIZE(cases); i++) {
		char *s = asp_short_name(cases[i].in, cases[i].max);
		CHECK_STR(s, cases[i].want);
		free(s);
	}
	/* a name of input nested without end: bounded, not a frame per level */
	size_t deep_n = 200000;
	char *deep = xmalloc(deep_n + 1);
	memset(deep, '<', deep_n / 2);
	memset(deep + deep_n / 2, '>', deep_n / 2);
	deep[deep_n] = '\0';
	char *ds = asp_short_name(deep, 40);
	CHECK_STR(ds, "<\u2026>");
	free(ds);
	deep[deep_n / 2] = '\0';
	ds = asp_short_name(deep, 40);
	CHECK_STR(ds, "<\u2026>");
	free(ds);
	free(deep);
	/* a set: names that shorten alike keep more of their path */
	const char *const set[] = { "server::run::{closure#0}", "client::run::{closure#0}",
				    "app::parse::{closure#0}", "x::a::same::{closure#0}",
				    "y::a::same::{closure#0}" };
	const char *const want[] = { "server::run", "client::run", "parse", "x::a::same",
				     "y::a::same" };
	char **got = asp_short_names(set, ASP_ARRAY_SIZE(set), 0);
	for (size_t i = 0; i < ASP_ARRAY_SIZE(set); i++) {
		CHECK_STR(got[i], want[i]);
		free(got[i]);
	}
	free(got);
}

/* the cut in place, in buffers of the string's exact size (ASan sees a
 * byte written past them): "…" is three bytes where it may replace two */
TEST(cut_chars)
{
	struct {
		const char *in;
		size_t max;
		const char *want;
	} cases[] = {
		{ "abcdef", 5, "abc\u2026" }, /* the cut would leave two bytes */
		{ "abcdefg", 5, "abcd\u2026" },
		{ "ab", 1, "a" },
		{ "abc", 1, "\u2026" },
		{ "ab\u00e9\u00e9", 3, "ab\u2026" },
		{ "\u00e9\u00e9ab", 3, "\u00e9\u2026" },
		{ "\u00e9ab", 2, "\u2026" },
		{ "abc", 3, "abc" },
		{ "abc", 0, "abc" },
	};
	for (size_t i = 0; i < ASP_ARRAY_SIZE(cases); i++) {
		char *s = xstrdup(cases[i].in);
		asp_cut_chars(s, cases[i].max);
		CHECK_STR(s, cases[i].want);
		free(s);
	}
}

TEST(all_files)
{
	if (!have_gnuplot()) {
		printf("# gnuplot not installed: only the scripts are checked\n");
		return;
	}
	unsetenv("ASPROF_GNUPLOT");
	struct asp_batch *b = batch_fixture_new();
	char *tmp = tap_tmpdir();
	char *dir = asp_path_join(tmp, "out/charts");
	char *skipped = NULL, *err = NULL;
	CHECK(asp_charts_write(b, dir, &skipped, &err) == 0);
	CHECK(skipped == NULL);
	if (err)
		fprintf(stderr, "# %s\n", err);
	for (size_t i = 0; i < ASP_ARRAY_SIZE(charts); i++) {
		char file[128];
		size_t len = 0;
		snprintf(file, sizeof(file), "%s.png", charts[i]);
		char *png = slurp(dir, file, &len);
		CHECK(png && len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
		if (!png)
			fprintf(stderr, "# missing %s\n", file);
		free(png);
		snprintf(file, sizeof(file), "%s.svg", charts[i]);
		char *svg = slurp(dir, file, &len);
		CHECK(svg && (!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4)));
		free(svg);
		snprintf(file, sizeof(file), "%s.gp", charts[i]);
		CHECK(exists(dir, file));
		snprintf(file, sizeof(file), "%s.dat", charts[i]);
		CHECK(exists(dir, file));
	}
	/* exactly the regressed and the improved future get a distribution
	 * chart (a task's root is its future's row: no chart of its own) */
	char *dists = listing(dir, ".gp");
	CHECK_STR(dists, "dist-blocking_io.gp\ndist-countdown.gp\n"
			 "hist-regress_base_1.gp\nhist-regress_new_1.gp\nhist-regress_new_2.gp\n"
			 "trend-busy.gp\ntrend-p99.gp\n");
	free(dists);
	/* full names and units in the data headers */
	char *dat = slurp(dir, "dist-blocking_io.dat", NULL);
	CHECK(dat && strstr(dat, "# future: " BF_BLOCKING "\n"));
	CHECK(dat && strstr(dat, "\u00b5s"));
	free(dat);
	dat = slurp(dir, "trend-p99.dat", NULL);
	CHECK(dat && strstr(dat, "# column 3: " BF_BLOCKING "\n"));
	CHECK(dat && strstr(dat, "\"regress_new_2\""));
	free(dat);
	/* no temporary files left behind */
	char *tmps = listing(dir, ".tmp");
	CHECK_STR(tmps, "");
	free(tmps);
	free(skipped);
	free(err);
	tap_rmdir(tmp);
	free(dir);
	free(tmp);
	batch_fixture_free(b);
}

TEST(deterministic)
{
	setenv("ASPROF_GNUPLOT", "/nonexistent", 1);
	struct asp_batch *b = batch_fixture_new();
	char *tmp = tap_tmpdir();
	char *d1 = asp_path_join(tmp, "a"), *d2 = asp_path_join(tmp, "b");
	char *s1 = NULL, *s2 = NULL, *err = NULL;
	CHECK(asp_charts_write(b, d1, &s1, &err) == 0);
	CHECK(asp_charts_write(b, d2, &s2, &err) == 0);
	for (size_t i = 0; i < ASP_ARRAY_SIZE(charts); i++)
		for (int k = 0; k < 2; k++) {
			char file[128];
			snprintf(file, sizeof(file), "%s.%s", charts[i], k ? "dat" : "gp");
			size_t l1 = 0, l2 = 0;
			char *a = slurp(d1, file, &l1), *c = slurp(d2, file, &l2);
			CHECK(a && c && l1 == l2 && !memcmp(a, c, l1));
			/* scripts name their files relative to their directory */
			CHECK(a && !strstr(a, tmp));
			free(a);
			free(c);
		}
	free(s1);
	free(s2);
	free(err);
	tap_rmdir(tmp);
	free(d1);
	free(d2);
	free(tmp);
	batch_fixture_free(b);
}

TEST(gnuplot_missing)
{
	setenv("ASPROF_GNUPLOT", "/nonexistent", 1);
	struct asp_batch *b = batch_fixture_new();
	char *tmp = tap_tmpdir();
	char *skipped = NULL, *err = NULL;
	CHECK(asp_charts_write(b, tmp, &skipped, &err) == 0);
	CHECK(err == NULL);
	CHECK(skipped && strstr(skipped, "charts skipped: gnuplot not found"));
	CHECK(skipped && strstr(skipped, tmp));
	CHECK(skipped && !strchr(skipped, '\n'));
	CHECK(exists(tmp, "trend-p99.gp") && exists(tmp, "trend-p99.dat"));
	CHECK(exists(tmp, "dist-blocking_io.gp"));
	char *pngs = listing(tmp, ".png");
	CHECK_STR(pngs, "");
	free(pngs);
	free(skipped);
	free(err);
	tap_rmdir(tmp);
	free(tmp);
	batch_fixture_free(b);
}

TEST(gnuplot_fails)
{
	char *tmp = tap_tmpdir();
	char *fake = asp_path_join(tmp, "fake-gnuplot");
	const char *script = "#!/bin/sh\necho >&2\necho 'boom: cannot draw' >&2\nexit 1\n";
	tap_write(tmp, "fake-gnuplot", script, strlen(script));
	chmod(fake, 0755);
	setenv("ASPROF_GNUPLOT", fake, 1);
	struct asp_batch *b = batch_fixture_new();
	char *dir = asp_path_join(tmp, "charts");
	char *skipped = NULL, *err = NULL;
	CHECK(asp_charts_write(b, dir, &skipped, &err) == -2); /* gnuplot's failure, not the folder's */
	char *want = xasprintf("%s/dist-countdown.gp: gnuplot failed: boom: cannot draw",
			       dir);
	CHECK_STR(err, want);
	free(want);
	free(skipped);
	free(err);
	free(dir);
	free(fake);
	tap_rmdir(tmp);
	free(tmp);
	batch_fixture_free(b);
}

TEST(unwritable_dir)
{
	setenv("ASPROF_GNUPLOT", "/nonexistent", 1);
	struct asp_batch *b = batch_fixture_new();
	char *tmp = tap_tmpdir();
	tap_write(tmp, "file", "x", 1);
	char *dir = asp_path_join(tmp, "file/charts");
	char *skipped = NULL, *err = NULL;
	CHECK(asp_charts_write(b, dir, &skipped, &err) == -1);
	CHECK(err && strstr(err, dir));
	free(err);
	err = NULL;
	if (geteuid() != 0) {
		char *ro = asp_path_join(tmp, "ro");
		mkdir(ro, 0555);
		CHECK(asp_charts_write(b, ro, &skipped, &err) == -1);
		CHECK(err && strstr(err, ro));
		free(ro);
	}
	free(skipped);
	free(err);
	free(dir);
	tap_rmdir(tmp);
	free(tmp);
	batch_fixture_free(b);
}

#define WEIRD "we_ird::Q<\"a\" \\ @b ^c &d 'e'>::{closure#0}"
#define LONG "crate::module::a_function_with_an_extremely_long_name_that_goes_on_and_on_forever::{closure#0}"

/* a run whose futures have hostile names and durations from 0 to ~30 ms */
static struct asp_result *hostile_run(const char *name, unsigned scale)
{
	struct asp_result *r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	r->path = xstrdup(name);
	r->futures = xcalloc(2, sizeof(*r->futures));
	const char *names[] = { WEIRD, LONG };
	uint32_t seed = 7 * scale;
	for (size_t i = 0; i < 2; i++) {
		struct asp_future *f = &r->futures[r->nfutures++];
		f->name = xstrdup(names[i]);
		for (size_t k = 0; k < 3000; k++) {
			seed = seed * 1103515245u + 12345u;
			uint64_t v = k < 5 ? 0 : (uint64_t)pow(10.0, (seed >> 8) % 7000 / 1000.0) * scale;
			asp_durations_add(&f->poll_ns, v);
			f->busy_ns += v;
		}
		asp_durations_finish(&f->poll_ns);
		f->polls = f->poll_ns.n;
	}
	return r;
}

TEST(hostile_names)
{
	unsetenv("ASPROF_GNUPLOT");
	struct asp_batch *b = batch_fixture_new();
	for (size_t i = 0; i < b->nruns; i++)
		asp_result_free(b->runs[i]);
	asp_comparison_free(b->cmp);
	b->runs[0] = hostile_run("base \"1\" @x", 1);
	b->runs[1] = hostile_run("new/1", 4);
	b->runs[2] = hostile_run("new?1", 4);
	b->cmp = asp_compare((const struct asp_result *const *)b->runs, 1,
			     (const struct asp_result *const *)b->runs + 1, 2, b->rules);
	char *tmp = tap_tmpdir();
	char *skipped = NULL, *err = NULL;
	int rc = asp_charts_write(b, tmp, &skipped, &err);
	CHECK(rc == 0);
	if (err)
		fprintf(stderr, "# %s\n", err);
	char *gps = listing(tmp, ".gp");
	CHECK_STR(gps, "dist-a_function_with_an_extremely_long_name_that_goes_on.gp\n"
		       "dist-q-a-b-c-d-e.gp\n"
		       "hist-base-1-x.gp\nhist-new-1-2.gp\nhist-new-1.gp\n"
		       "trend-busy.gp\ntrend-p99.gp\n");
	free(gps);
	char *gp = slurp(tmp, "dist-q-a-b-c-d-e.gp", NULL);
	CHECK(gp && strstr(gp, "set logscale x 10"));
	CHECK(gp && strstr(gp, "noenhanced"));
	free(gp);
	/* 3000 polls a side: thinned to at most 2000 points (and the 0 start) */
	char *dat = slurp(tmp, "dist-q-a-b-c-d-e.dat", NULL);
	CHECK(dat && strstr(dat, "# future: " WEIRD "\n"));
	size_t lines = 0;
	for (char *p = dat; p && *p; p++)
		lines += *p == '\n';
	CHECK(lines > 2000 && lines < 2 * 2001 + 40); /* + the runs and the noise band */
	free(dat);
	if (have_gnuplot()) {
		char *png = slurp(tmp, "hist-base-1-x.png", NULL);
		CHECK(png != NULL);
		free(png);
	}
	free(skipped);
	free(err);
	tap_rmdir(tmp);
	free(tmp);
	batch_fixture_free(b);
}

/* one run: its histogram, and no trend (a column of dots is no trend) */
TEST(single_run)
{
	setenv("ASPROF_GNUPLOT", "/nonexistent", 1);
	struct asp_batch *b = batch_fixture_new();
	asp_comparison_free(b->cmp);
	b->cmp = NULL;
	asp_result_free(b->runs[1]);
	asp_result_free(b->runs[2]);
	b->nruns = 1;
	char *tmp = tap_tmpdir();
	char *skipped = NULL, *err = NULL;
	CHECK(asp_charts_write(b, tmp, &skipped, &err) == 0);
	CHECK(err == NULL);
	char *gps = listing(tmp, ".gp");
	CHECK_STR(gps, "hist-regress_base_1.gp\n");
	free(gps);
	/* a second run brings the trends */
	b->runs[1] = bf_run_("regress_new_1", true, 4242);
	b->nruns = 2;
	free(skipped);
	skipped = NULL;
	char *tmp2 = tap_tmpdir();
	CHECK(asp_charts_write(b, tmp2, &skipped, &err) == 0);
	gps = listing(tmp2, ".gp");
	CHECK_STR(gps, "hist-regress_base_1.gp\nhist-regress_new_1.gp\ntrend-busy.gp\ntrend-p99.gp\n");
	free(gps);
	free(skipped);
	free(err);
	tap_rmdir(tmp);
	tap_rmdir(tmp2);
	free(tmp);
	free(tmp2);
	batch_fixture_free(b);
}

TEST(empty_batch)
{
	setenv("ASPROF_GNUPLOT", "/nonexistent", 1);
	struct asp_batch b = { 0 };
	char *tmp = tap_tmpdir();
	char *skipped = NULL, *err = NULL;
	CHECK(asp_charts_write(&b, tmp, &skipped, &err) == 0);
	CHECK(err == NULL);
	free(skipped);
	tap_rmdir(tmp);
	free(tmp);
}

/* the dist chart of a change shows each run's metric (a point a run, the
 * run not polling the future left out) and the noise band around the base
 * metric; its title the change with its interval, no p-value; run names
 * stay in the data's comments */
TEST(dist_runs_and_noise)
{
	bool gp = have_gnuplot();
	if (gp)
		unsetenv("ASPROF_GNUPLOT");
	else
		setenv("ASPROF_GNUPLOT", "/nonexistent", 1);
	struct asp_batch *b = batch_fixture_new();
	batch_fixture_intervals(b);
	free(b->cmp->base_runs[0]);
	b->cmp->base_runs[0] = xstrdup("base `touch /tmp/x` \"q\" 'q'");
	char *tmp = tap_tmpdir();
	char *skipped = NULL, *err = NULL;
	CHECK(asp_charts_write(b, tmp, &skipped, &err) == 0);
	if (err)
		fprintf(stderr, "# %s\n", err);
	/* one chart a change: no task rows, no chart for the row via another */
	char *gps = listing(tmp, ".gp");
	CHECK_STR(gps, "dist-blocking_io.gp\ndist-countdown.gp\n"
		       "hist-regress_base_1.gp\nhist-regress_new_1.gp\nhist-regress_new_2.gp\n"
		       "trend-busy.gp\ntrend-p99.gp\n");
	free(gps);
	char *g = slurp(tmp, "dist-blocking_io.gp", NULL);
	char *dat = slurp(tmp, "dist-blocking_io.dat", NULL);
	CHECK(g && dat);
	if (!g)
		g = xstrdup("");
	if (!dat)
		dat = xstrdup("");
	/* the band: base p90 80 us x (1 -+ 12 %) */
	CHECK(strstr(g, "set object 1 rect from 70.4, graph 0 to 89.6, graph 1 behind "));
	CHECK(strstr(g, "'noise band: base p90 \u00b112 % (assumed: one run a side)'"));
	CHECK(strstr(g, "index 2 using 1:2 with points pt 7 ps 1.5 lc rgb \"#aec7e8\" title 'base: each run''s p90 (1 of 1)'"));
	CHECK(strstr(g, "index 3 using 1:2 with points pt 7 ps 1.5 lc rgb \"#ffbb78\" title 'new: each run''s p90 (1 of 2)'"));
	CHECK(strstr(g, "+200 % [+180 %, +220 %]; self per poll 50.00 us"));
	CHECK(!strstr(g, "p=") && !strstr(g, "touch"));
	CHECK(strstr(dat, "# index 2: base, each run's p90 (column 2: the level it is drawn at)\n"
			  "# run base `touch /tmp/x` \"q\" 'q'\n80 0.9\n"));
	CHECK(strstr(dat, "# index 3: new, each run's p90 (column 2: the level it is drawn at)\n"
			  "# run regress_new_1\n240 0.9\n\n") ||
	      strstr(dat, "# run regress_new_1\n240 0.9\n") != NULL);
	CHECK(!strstr(dat, "regress_new_2\n"));
	if (gp) {
		size_t len = 0;
		char *png = slurp(tmp, "dist-blocking_io.png", &len);
		CHECK(png && len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
		free(png);
		if (getenv("CHART_KEEP")) {
			char *cmd = xasprintf("cp '%s'/dist-*.png '%s'", tmp, getenv("CHART_KEEP"));
			CHECK(system(cmd) == 0);
			free(cmd);
		}
	}
	free(g);
	free(dat);
	free(skipped);
	free(err);
	tap_rmdir(tmp);
	free(tmp);
	batch_fixture_free(b);
}

int main(void)
{
	return tap_run((struct tap_case[]){ CASE(short_names), CASE(cut_chars), CASE(all_files),
					    CASE(deterministic), CASE(gnuplot_missing),
					    CASE(gnuplot_fails), CASE(unwritable_dir),
					    CASE(hostile_names), CASE(single_run),
					    CASE(empty_batch), CASE(dist_runs_and_noise), { 0 } });
}
