/* test-xlsx.c - report.xlsx from the synthetic batch: the file is a zip,
 * empty and hostile inputs are written, and failing writes name the path,
 * leave no temporary file and keep a previous report as it was.
 * XLSX_KEEP=PATH writes the fixture's workbook to PATH (for a look at it),
 * XLSX_SUMMARY=PATH its batch summary.json (tests/xlsx-readback.sh checks
 * the one against the other with openpyxl). */
#include "report/batch.h"
#include "tests/unit/batch-fixture.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* names in dir other than keep (NULL: all), counted */
static int count_other(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (keep && !strcmp(e->d_name, keep))
			continue;
		fprintf(stderr, "# in %s: %s\n", dir, e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static bool is_zip(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	char h[4] = { 0 };
	size_t n = fread(h, 1, 4, fp);
	fclose(fp);
	return n == 4 && !memcmp(h, "PK\x03\x04", 4);
}

static char *slurp(const char *path)
{
	size_t len;
	char *err = NULL;
	char *s = asp_read_file(path, &len, &err);
	free(err);
	return s;
}

static void write_old(const char *path)
{
	FILE *fp = fopen(path, "w");
	if (fp) {
		fputs("previous report\n", fp);
		fclose(fp);
	}
}

TEST(writes_a_zip)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.xlsx");
	const char *keep = getenv("XLSX_KEEP");
	struct asp_batch *b = batch_fixture_new();
	batch_fixture_intervals(b); /* intervals, noise, self time, a row via another */
	char *err = NULL;
	const char *target = keep && *keep ? keep : path;
	int rc = asp_xlsx_write(b, target, &err);
	if (rc)
		fprintf(stderr, "# %s\n", err);
	CHECK(rc == 0);
	CHECK(err == NULL);
	CHECK(is_zip(target));
	CHECK(count_other(dir, keep && *keep ? NULL : "report.xlsx") == 0);
	struct stat st;
	CHECK(stat(target, &st) == 0 && st.st_size > 4000);
	const char *summary = getenv("XLSX_SUMMARY");
	if (summary && *summary) {
		CHECK(asp_batch_summary_write(b, summary, &err) == 0);
		CHECK(err == NULL);
	}
	batch_fixture_free(b);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(replaces_a_previous_report)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.xlsx");
	write_old(path);
	struct asp_batch *b = batch_fixture_new();
	char *err = NULL;
	CHECK(asp_xlsx_write(b, path, &err) == 0);
	CHECK(is_zip(path));
	CHECK(count_other(dir, "report.xlsx") == 0);
	batch_fixture_free(b);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(empty_batch)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.xlsx");
	struct asp_batch b = { 0 };
	char *err = NULL;
	CHECK(asp_xlsx_write(&b, path, &err) == 0);
	CHECK(is_zip(path));
	/* a comparison without rows, runs without findings or futures */
	struct asp_batch *fx = batch_fixture_new();
	size_t saved[3][4];
	for (size_t i = 0; i < fx->nruns; i++) {
		struct asp_result *r = fx->runs[i];
		saved[i][0] = r->nfindings, saved[i][1] = r->nfutures, saved[i][2] = r->ntasks;
		saved[i][3] = r->ngroups;
		r->nfindings = r->nfutures = r->ntasks = r->ngroups = 0;
	}
	size_t rows = fx->cmp->nrows;
	fx->cmp->nrows = 0;
	CHECK(asp_xlsx_write(fx, path, &err) == 0);
	CHECK(is_zip(path));
	/* restore the counts so batch_fixture_free releases everything */
	fx->cmp->nrows = rows;
	for (size_t i = 0; i < fx->nruns; i++) {
		struct asp_result *r = fx->runs[i];
		r->nfindings = saved[i][0], r->nfutures = saved[i][1], r->ntasks = saved[i][2];
		r->ngroups = saved[i][3];
	}
	batch_fixture_free(fx);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(hostile_strings)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.xlsx");
	struct asp_batch *b = batch_fixture_new();
	/* control characters, invalid UTF-8, and a name over Excel's cell limit */
	free(b->runs[0]->futures[0].name);
	b->runs[0]->futures[0].name = xstrdup("bad\x01\x1b[31m\xff\xc3(name\x7f\ttab\nnewline");
	size_t big = 40000;
	char *s = xmalloc(big + 1);
	for (size_t i = 0; i < big; i++)
		s[i] = "ab\xc3\xa9:"[i % 5]; /* "é" split across the cut sometimes */
	s[big] = '\0';
	free(b->runs[1]->futures[1].name);
	b->runs[1]->futures[1].name = s;
	free(b->status_reason);
	b->status_reason = xstrdup("=cmd|' /C calc'!A0");
	char *err = NULL;
	int rc = asp_xlsx_write(b, path, &err);
	if (rc)
		fprintf(stderr, "# %s\n", err);
	CHECK(rc == 0);
	CHECK(is_zip(path));
	batch_fixture_free(b);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(missing_directory)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "no/such/dir/report.xlsx");
	struct asp_batch *b = batch_fixture_new();
	char *err = NULL;
	CHECK(asp_xlsx_write(b, path, &err) == -1);
	CHECK(err && !strncmp(err, path, strlen(path)) && err[strlen(path)] == ':');
	if (err)
		fprintf(stderr, "# message: %s\n", err);
	CHECK(count_other(dir, NULL) == 0);
	batch_fixture_free(b);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

TEST(unwritable_directory)
{
	if (geteuid() == 0) {
		fprintf(stderr, "# running as root: directory permissions do not apply\n");
		return;
	}
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.xlsx");
	CHECK(chmod(dir, 0555) == 0);
	struct asp_batch *b = batch_fixture_new();
	char *err = NULL;
	CHECK(asp_xlsx_write(b, path, &err) == -1);
	CHECK(err && !strncmp(err, path, strlen(path)));
	chmod(dir, 0755);
	CHECK(count_other(dir, NULL) == 0);
	batch_fixture_free(b);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

/* the target is a directory: everything is written, the rename fails */
TEST(rename_fails)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.xlsx");
	CHECK(mkdir(path, 0755) == 0);
	char *inside = asp_path_join(path, "keep");
	write_old(inside);
	struct asp_batch *b = batch_fixture_new();
	char *err = NULL;
	CHECK(asp_xlsx_write(b, path, &err) == -1);
	CHECK(err && !strncmp(err, path, strlen(path)) && err[strlen(path)] == ':');
	if (err)
		fprintf(stderr, "# message: %s\n", err);
	CHECK(count_other(dir, "report.xlsx") == 0);
	char *old = slurp(inside);
	CHECK(old && !strcmp(old, "previous report\n"));
	free(old);
	batch_fixture_free(b);
	free(err);
	free(inside);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

/* libxlsxwriter fails half-way (file size limit): the old report stays */
TEST(failed_write_keeps_previous_report)
{
	char *dir = tap_tmpdir();
	char *path = asp_path_join(dir, "report.xlsx");
	write_old(path);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = { 2048, 2048 };
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	struct asp_batch *b = batch_fixture_new();
	char *err = NULL;
	CHECK(asp_xlsx_write(b, path, &err) == -1);
	CHECK(err && !strncmp(err, path, strlen(path)) && err[strlen(path)] == ':');
	if (err)
		fprintf(stderr, "# message: %s\n", err);
	char *old = slurp(path);
	CHECK(old && !strcmp(old, "previous report\n"));
	free(old);
	CHECK(count_other(dir, "report.xlsx") == 0);
	batch_fixture_free(b);
	free(err);
	free(path);
	tap_rmdir(dir);
	free(dir);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(writes_a_zip),
		CASE(replaces_a_previous_report),
		CASE(empty_batch),
		CASE(hostile_strings),
		CASE(missing_directory),
		CASE(unwritable_directory),
		CASE(rename_fails),
		CASE(failed_write_keeps_previous_report),
		{ 0 },
	});
}
