/* test-trace.c - the data-directory reader on small hand-made directories:
 * info header, task.txt sessions, sid maps, symbol lookup at boundaries,
 * argument data, lost records, truncated and missing files. */
#include "analysis/ingest/ingest.h"
#include "analysis/util.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <stdint.h>

static void put_info(const char *dir, uint64_t feat, const char *text, const char *magic)
{
	uint8_t h[40] = { 0 };
	memcpy(h, magic, 8);
	uint32_t version = 4;
	uint16_t hsize = 40;
	memcpy(h + 8, &version, 4);
	memcpy(h + 12, &hsize, 2);
	h[14] = 1;
	h[15] = 2;
	memcpy(h + 16, &feat, 8);
	uint64_t mask = 0x3fff;
	memcpy(h + 24, &mask, 8);
	size_t tl = strlen(text);
	uint8_t *buf = malloc(40 + tl);
	memcpy(buf, h, 40);
	memcpy(buf + 40, text, tl);
	tap_write(dir, "info", buf, 40 + tl);
	free(buf);
}

static size_t rec(uint8_t *p, uint64_t time, unsigned type, unsigned more, unsigned depth,
		  uint64_t addr)
{
	uint64_t w = (uint64_t)type | (uint64_t)more << 2 | 5ULL << 3 | (uint64_t)depth << 6 |
		     addr << 16;
	memcpy(p, &time, 8);
	memcpy(p + 8, &w, 8);
	return 16;
}

#define BASE 0x555500000000ULL

/* a session with one module "prog" mapped at BASE; symbols a@0x1000 (size
 * from the next symbol), b@0x1100, c@0x1200 ending at __func_end 0x1300 */
static char *make_dir(const char *argspec)
{
	char *d = tap_tmpdir();
	char text[512];
	snprintf(text, sizeof(text), "exename:/bin/prog\ntaskinfo:lines=2\ntaskinfo:nr_tid=1\ntaskinfo:tids=100\n%s%spattern_type:regex\n",
		 argspec ? "argspec:lines=2\nargspec:" : "", argspec ? argspec : "");
	put_info(d, argspec ? (ASP_FEAT_TASK_SESSION | ASP_FEAT_ARGUMENT) : ASP_FEAT_TASK_SESSION,
		 text, "Ftrace!");
	const char *task = "SESS timestamp=1.000000000 pid=100 sid=abcd exename=\"/bin/prog\"\n"
			   "TASK timestamp=1.000000100 tid=100 pid=100\n";
	tap_write(d, "task.txt", task, strlen(task));
	const char *map = "555500000000-555500002000 r-xp 00000000 00:00 0 /bin/prog build-id:aaaa\n"
			  "7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0 [stack]\n";
	tap_write(d, "sid-abcd.map", map, strlen(map));
	const char *sym = "# symbols: 4\n# path name: /bin/prog\n# build-id: aaaa\n"
			  "0000000000000100 d data_thing\n"
			  "0000000000001000 T a\n"
			  "0000000000001100 t _RNvCs1234_7mycrate3foo\n"
			  "0000000000001200 T c\n"
			  "garbage line without address\n"
			  "0000000000001300 ? __func_end\n";
	tap_write(d, "prog.sym", sym, strlen(sym));
	return d;
}

static struct asp_trace *open_ok(const char *dir)
{
	char *err = NULL;
	struct asp_trace *t = asp_trace_open(dir, NULL, NULL, &err);
	if (!t)
		fprintf(stderr, "# open failed: %s\n", err);
	free(err);
	return t;
}

static char *open_err(const char *dir)
{
	char *err = NULL;
	struct asp_trace *t = asp_trace_open(dir, NULL, NULL, &err);
	asp_trace_close(t);
	return t ? NULL : err;
}

TEST(info_and_tasks)
{
	char *d = make_dir(NULL);
	uint8_t buf[16];
	tap_write(d, "100.dat", buf, rec(buf, 2000000000ULL, 0, 0, 0, BASE + 0x1000));
	struct asp_trace *t = open_ok(d);
	CHECK(t != NULL);
	if (t) {
		const struct asp_info *info = asp_trace_info(t);
		CHECK_STR(info->exename, "/bin/prog");
		CHECK_U64(info->ntids, 1);
		CHECK_U64(info->tids[0], 100);
		CHECK_U64(asp_trace_nthreads(t), 1);
		CHECK_U64(asp_trace_start_time(t), 1000000000ULL);
		CHECK_U64(asp_trace_data_bytes(t), 16);
	}
	asp_trace_close(t);
	tap_rmdir(d);
	free(d);
}

TEST(symbol_lookup_boundaries)
{
	char *d = make_dir(NULL);
	uint8_t buf[16];
	tap_write(d, "100.dat", buf, rec(buf, 2000000000ULL, 0, 0, 0, BASE + 0x1000));
	struct asp_trace *t = open_ok(d);
	CHECK(t != NULL);
	if (!t)
		return;
	const uint64_t ts = 2000000000ULL;
	const struct asp_symbol *s;
	s = asp_trace_lookup(t, 100, ts, BASE + 0x1000);
	CHECK(s && !strcmp(s->mangled, "a"));
	s = asp_trace_lookup(t, 100, ts, BASE + 0x10ff);
	CHECK(s && !strcmp(s->mangled, "a"));
	s = asp_trace_lookup(t, 100, ts, BASE + 0x1100);
	CHECK(s && !strcmp(asp_symbol_name(s), "mycrate::foo"));
	s = asp_trace_lookup(t, 100, ts, BASE + 0x12ff);
	CHECK(s && !strcmp(s->mangled, "c"));
	CHECK(asp_trace_lookup(t, 100, ts, BASE + 0x1300) == NULL); /* past __func_end */
	CHECK(asp_trace_lookup(t, 100, ts, BASE + 0x0fff) == NULL || 
	      strcmp(asp_trace_lookup(t, 100, ts, BASE + 0x0fff)->mangled, "a"));
	CHECK(asp_trace_lookup(t, 100, ts, BASE + 0x2000) == NULL); /* outside the map */
	CHECK(asp_trace_lookup(t, 100, ts, 0x1000) == NULL);
	/* the name is demangled once and cached */
	s = asp_trace_lookup(t, 100, ts, BASE + 0x1100);
	CHECK(asp_symbol_name(s) == asp_symbol_name(s));
	asp_trace_close(t);
	tap_rmdir(d);
	free(d);
}

/* an exec: the same process starts a second session with other maps */
TEST(exec_sessions)
{
	char *d = make_dir(NULL);
	const char *task = "SESS timestamp=1.000000000 pid=100 sid=abcd exename=\"/bin/prog\"\n"
			   "TASK timestamp=1.000000100 tid=100 pid=100\n"
			   "SESS timestamp=3.000000000 pid=100 sid=ef01 exename=\"/bin/other\"\n";
	tap_write(d, "task.txt", task, strlen(task));
	const char *map = "555500000000-555500002000 r-xp 00000000 00:00 0 /bin/other\n";
	tap_write(d, "sid-ef01.map", map, strlen(map));
	const char *sym = "# symbols: 1\n# path name: /bin/other\n"
			  "0000000000001000 T other_main\n0000000000001080 ? __func_end\n";
	tap_write(d, "other.sym", sym, strlen(sym));
	uint8_t buf[16];
	tap_write(d, "100.dat", buf, rec(buf, 2000000000ULL, 0, 0, 0, BASE + 0x1000));
	struct asp_trace *t = open_ok(d);
	CHECK(t != NULL);
	if (t) {
		const struct asp_symbol *s = asp_trace_lookup(t, 100, 2000000000ULL, BASE + 0x1000);
		CHECK(s && !strcmp(s->mangled, "a"));
		s = asp_trace_lookup(t, 100, 4000000000ULL, BASE + 0x1000);
		CHECK(s && !strcmp(s->mangled, "other_main"));
		s = asp_trace_lookup(t, 100, 4000000000ULL, BASE + 0x1100);
		CHECK(s == NULL); /* past other_main's end in the new image */
	}
	asp_trace_close(t);
	tap_rmdir(d);
	free(d);
}

TEST(records_entry_exit_lost)
{
	char *d = make_dir(NULL);
	uint8_t buf[16 * 5], *p = buf;
	p += rec(p, 2000000100ULL, 0, 0, 0, BASE + 0x1000);
	p += rec(p, 2000000200ULL, 0, 0, 1, BASE + 0x1100);
	p += rec(p, 0, 2, 0, 0, 17);
	p += rec(p, 2000000400ULL, 1, 0, 1, BASE + 0x1100);
	p += rec(p, 2000000500ULL, 1, 0, 0, BASE + 0x1000);
	tap_write(d, "100.dat", buf, (size_t)(p - buf));
	struct asp_trace *t = open_ok(d);
	CHECK(t != NULL);
	if (!t)
		return;
	char *err = NULL;
	struct asp_reader *r = asp_reader_open(t, 0, &err);
	struct asp_event ev;
	CHECK(asp_reader_next(r, &ev, &err) == 1);
	CHECK_U64(ev.type, ASP_REC_ENTRY);
	CHECK_U64(ev.tid, 100);
	CHECK(ev.sym && !strcmp(ev.sym->mangled, "a"));
	CHECK(asp_reader_next(r, &ev, &err) == 1);
	CHECK_U64(ev.depth, 1);
	CHECK(asp_reader_next(r, &ev, &err) == 1);
	CHECK_U64(ev.type, ASP_REC_LOST);
	CHECK_U64(ev.addr, 17);
	CHECK(ev.sym == NULL);
	CHECK(asp_reader_next(r, &ev, &err) == 1);
	CHECK_U64(ev.type, ASP_REC_EXIT);
	CHECK(asp_reader_next(r, &ev, &err) == 1);
	CHECK_U64(ev.time, 2000000500ULL);
	CHECK(asp_reader_next(r, &ev, &err) == 0);
	CHECK_U64(asp_reader_count(r), 5);
	asp_reader_close(r);
	asp_trace_close(t);
	tap_rmdir(d);
	free(d);
}

/* a recording in d of one call of a (100.dat: its entry with args, n bytes
 * of argument data, and its exit), opened, its reader past the entry */
struct one_call {
	struct asp_trace *t;
	struct asp_reader *r;
	struct asp_event ev;
	char *err;
};

static bool one_call(char *d, const void *args, size_t n, struct one_call *c)
{
	uint8_t buf[256], *p = buf;
	p += rec(p, 2000000100ULL, 0, 1, 0, BASE + 0x1000);
	memcpy(p, args, n);
	p += n;
	p += rec(p, 2000000200ULL, 1, 0, 0, BASE + 0x1000);
	tap_write(d, "100.dat", buf, (size_t)(p - buf));
	memset(c, 0, sizeof(*c));
	c->t = open_ok(d);
	CHECK(c->t != NULL);
	if (!c->t)
		return false;
	c->r = asp_reader_open(c->t, 0, &c->err);
	CHECK(c->r && asp_reader_next(c->r, &c->ev, &c->err) == 1);
	return c->r != NULL;
}

static void one_call_done(struct one_call *c, char *d)
{
	asp_reader_close(c->r);
	asp_trace_close(c->t);
	tap_rmdir(d);
	free(d);
}

TEST(argument_data_decoded_and_skipped)
{
	/* a has arg1 (8 bytes) and arg2/s; c has no spec */
	char *d = make_dir("^a$@arg1,arg2/s\n");
	uint8_t args[16] = { 0 };
	uint64_t self = 0x7ffd12345678ULL;
	memcpy(args, &self, 8);
	uint16_t sl = 5;
	memcpy(args + 8, &sl, 2);
	memcpy(args + 10, "hello", 5);
	/* 2 + 5 -> 7, padded to 8 (4-byte alignment, then 8 overall) */
	struct one_call c;
	if (!one_call(d, args, sizeof(args), &c))
		return;
	uint64_t v = 0;
	CHECK(asp_event_arg1(&c.ev, &v));
	CHECK_U64(v, self);
	CHECK(!asp_event_arg(&c.ev, 2, &v)); /* a string is no integer */
	CHECK(!asp_event_arg(&c.ev, 3, &v)); /* not recorded */
	char *s = asp_event_format_args(&c.ev);
	CHECK_STR(s, "0x7ffd12345678, \"hello\"");
	free(s);
	CHECK(asp_reader_next(c.r, &c.ev, &c.err) == 1);
	CHECK_U64(c.ev.type, ASP_REC_EXIT);
	CHECK_U64(c.ev.time, 2000000200ULL);
	CHECK(asp_reader_next(c.r, &c.ev, &c.err) == 0);
	one_call_done(&c, d);
}

/* the first three arguments of a poll, as `record` asks for them (self is
 * arg1 or arg2: analysis/attribute.c), in the order the spec wrote them */
TEST(integer_arguments_by_index)
{
	char *d = make_dir("^a$@arg3,arg1,arg2/i32\n");
	uint8_t args[24] = { 0 }; /* 8 + 8 + 4, padded to 8 */
	uint64_t a3 = 0x7ffd00000010ULL, a1 = 0x7ffd00000020ULL;
	int32_t a2 = -7;
	memcpy(args, &a3, 8);
	memcpy(args + 8, &a1, 8);
	memcpy(args + 16, &a2, 4);
	struct one_call c;
	if (!one_call(d, args, sizeof(args), &c))
		return;
	uint64_t v = 0;
	CHECK(asp_event_arg(&c.ev, 1, &v));
	CHECK_U64(v, a1);
	CHECK(asp_event_arg1(&c.ev, &v));
	CHECK_U64(v, a1);
	CHECK(asp_event_arg(&c.ev, 2, &v));
	CHECK_U64(v, (uint32_t)a2); /* its 4 bytes */
	CHECK(asp_event_arg(&c.ev, 3, &v));
	CHECK_U64(v, a3);
	CHECK(!asp_event_arg(&c.ev, 4, &v));
	CHECK(asp_reader_next(c.r, &c.ev, &c.err) == 1);
	CHECK(!asp_event_arg(&c.ev, 1, &v)); /* an exit */
	one_call_done(&c, d);
}

static void count_warning(void *ctx, const char *msg)
{
	(void)msg;
	(*(int *)ctx)++;
}

TEST(truncated_dat_is_a_warning)
{
	char *d = make_dir(NULL);
	uint8_t buf[32], *p = buf;
	p += rec(p, 2000000100ULL, 0, 0, 0, BASE + 0x1000);
	p += 8; /* half a record */
	tap_write(d, "100.dat", buf, (size_t)(p - buf));
	int warnings = 0;
	char *err = NULL;
	struct asp_trace *t = asp_trace_open(d, count_warning, &warnings, &err);
	CHECK(t != NULL);
	struct asp_reader *r = asp_reader_open(t, 0, &err);
	struct asp_event ev;
	CHECK(asp_reader_next(r, &ev, &err) == 1);
	CHECK(asp_reader_next(r, &ev, &err) == 0);
	CHECK_U64(warnings, 1);
	asp_reader_close(r);
	asp_trace_close(t);
	tap_rmdir(d);
	free(d);
}

/* a file cut short while it is mapped: the next read of the lost pages
 * raises SIGBUS, which is said as that file's read error, exit 2 (in a
 * child: the status is the test) */
TEST(dat_cut_while_mapped_is_a_read_error)
{
	char *d = make_dir(NULL);
	enum { N = 8192 };
	uint8_t *buf = malloc(N * 16), *p = buf;
	for (int i = 0; i < N; i++)
		p += rec(p, 2000000100ULL + (uint64_t)i, (unsigned)(i & 1), 0, 0, BASE + 0x1000);
	tap_write(d, "100.dat", buf, N * 16);
	free(buf);
	char *err = NULL;
	struct asp_trace *t = open_ok(d);
	CHECK(t != NULL);
	if (!t)
		return;
	struct asp_reader *r = asp_reader_open(t, 0, &err);
	struct asp_event ev;
	CHECK(asp_reader_next(r, &ev, &err) == 1); /* the file is mapped */
	char path[4200], out[4200];
	snprintf(path, sizeof(path), "%s/100.dat", d);
	snprintf(out, sizeof(out), "%s/stderr", d);
	CHECK(truncate(path, 4096) == 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		int n = 0;
		while (asp_reader_next(r, &ev, &err) > 0)
			n++;
		_exit(n == N - 1 ? 0 : 1); /* not reached: the pages are gone */
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	char msg[8400] = { 0 }, want[4300];
	FILE *fp = fopen(out, "r");
	CHECK(fp != NULL);
	if (fp) {
		CHECK(fgets(msg, sizeof(msg), fp) != NULL);
		fclose(fp);
	}
	snprintf(want, sizeof(want), "asprof-batch: %s: the file was cut short while it was read\n", path);
	CHECK_STR(msg, want);
	asp_reader_close(r);
	asp_trace_close(t);
	tap_rmdir(d);
	free(d);
}

TEST(missing_sym_is_a_warning)
{
	char *d = make_dir(NULL);
	uint8_t buf[16];
	tap_write(d, "100.dat", buf, rec(buf, 2000000000ULL, 0, 0, 0, BASE + 0x1000));
	char path[4200];
	snprintf(path, sizeof(path), "%s/prog.sym", d);
	unlink(path);
	int warnings = 0;
	char *err = NULL;
	struct asp_trace *t = asp_trace_open(d, count_warning, &warnings, &err);
	CHECK(t != NULL);
	CHECK(asp_trace_lookup(t, 100, 2000000000ULL, BASE + 0x1000) == NULL);
	CHECK(asp_trace_lookup(t, 100, 2000000000ULL, BASE + 0x1100) == NULL);
	CHECK_U64(warnings, 1); /* once per module, not per lookup */
	asp_trace_close(t);
	tap_rmdir(d);
	free(d);
}

TEST(bad_directories)
{
	char *d = tap_tmpdir();
	char *e = open_err(d); /* empty */
	CHECK(e && strstr(e, "/info") && strstr(e, "not a uftrace data directory"));
	free(e);
	put_info(d, 0, "exename:/x\n", "Fxxxxx!");
	e = open_err(d);
	CHECK(e && strstr(e, "bad magic"));
	free(e);
	tap_write(d, "info", "Ftrace!\0\4\0", 10);
	e = open_err(d);
	CHECK(e && strstr(e, "truncated header"));
	free(e);
	put_info(d, 0, "exename:/x\n", "Ftrace!");
	e = open_err(d);
	CHECK(e && strstr(e, "task.txt"));
	free(e);
	char file[4200];
	snprintf(file, sizeof(file), "%s/info", d);
	e = open_err(file);
	CHECK(e && strstr(e, "not a directory"));
	free(e);
	snprintf(file, sizeof(file), "%s/nonexistent", d);
	e = open_err(file);
	CHECK(e && strstr(e, "No such file"));
	free(e);
	tap_rmdir(d);
	free(d);
}

TEST(no_dat_files)
{
	char *d = make_dir(NULL);
	char *e = open_err(d);
	CHECK(e && strstr(e, "no thread data files"));
	free(e);
	tap_rmdir(d);
	free(d);
}

/* on every real fixture: the merger yields every record of every thread, in
 * timestamp order, and its batched form yields the same sequence */
/* a running hash of the merged sequence, as the merger, batches and the
 * stream hand it out */
static uint64_t seq_hash(uint64_t h, uint64_t time, int tid, unsigned type, unsigned depth)
{
	return h * 31 + time + (uint64_t)tid * 7 + type + depth;
}

TEST(merger_orders_and_batches_fixtures)
{
	const char *fixtures = getenv("FIXTURES");
	if (!fixtures) {
		TAP_SKIP("FIXTURES not set");
	}
	static const char *const runs[] = { "tokio_mt", "async_std_args", "smol", "tokio_mt_legacy" };
	for (size_t k = 0; k < ASP_ARRAY_SIZE(runs); k++) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/%s", fixtures, runs[k]);
		struct asp_trace *t = open_ok(dir);
		CHECK(t != NULL);
		if (!t)
			continue;
		char *err = NULL;
		/* per thread record counts, the reference */
		uint64_t total = 0;
		for (size_t i = 0; i < asp_trace_nthreads(t); i++) {
			struct asp_reader *r = asp_reader_open(t, i, &err);
			struct asp_event ev;
			while (asp_reader_next(r, &ev, &err) > 0)
				total++;
			asp_reader_close(r);
		}
		/* one by one */
		struct asp_merger *m = asp_merger_open(t, &err);
		struct asp_event ev;
		uint64_t n = 0, last = 0, hash = 0;
		bool ordered = true;
		while (asp_merger_next(m, &ev, &err) > 0) {
			if (ev.time && ev.time < last)
				ordered = false;
			if (ev.time)
				last = ev.time;
			hash = seq_hash(hash, ev.time, ev.tid, ev.type, ev.depth);
			n++;
		}
		asp_merger_close(m);
		CHECK(ordered);
		CHECK_U64(n, total);
		/* in batches */
		m = asp_merger_open(t, &err);
		struct asp_rec recs[64];
		size_t got, thread;
		const struct asp_event *one;
		uint64_t n2 = 0, hash2 = 0;
		while (asp_merger_next_batch(m, recs, 64, &got, &thread, &one, &err) > 0) {
			if (one) {
				hash2 = seq_hash(hash2, one->time, one->tid, one->type, one->depth);
				n2++;
				continue;
			}
			int tid = asp_trace_thread_tid(t, thread);
			for (size_t i = 0; i < got; i++, n2++)
				hash2 = seq_hash(hash2, recs[i].time, tid, recs[i].type, recs[i].depth);
		}
		asp_merger_close(m);
		CHECK_U64(n2, total);
		CHECK_U64(hash2, hash);
		/* read ahead on the decoder thread: the same sequence, payloads
		 * included (argument values go through the chunk's copy) */
		struct asp_stream *st = asp_stream_open(t, &err);
		CHECK(st != NULL);
		const struct asp_rec *srecs;
		uint64_t n3 = 0, hash3 = 0, args = 0;
		while (st && asp_stream_next(st, &srecs, &got, &thread, &one, &err) > 0) {
			if (one) {
				hash3 = seq_hash(hash3, one->time, one->tid, one->type, one->depth);
				uint64_t v;
				if (one->type == ASP_REC_ENTRY && asp_event_arg1(one, &v))
					args += v;
				n3++;
				continue;
			}
			int tid = asp_trace_thread_tid(t, thread);
			for (size_t i = 0; i < got; i++, n3++)
				hash3 = seq_hash(hash3, srecs[i].time, tid, srecs[i].type, srecs[i].depth);
		}
		asp_stream_close(st);
		CHECK_U64(n3, total);
		CHECK_U64(hash3, hash);
		/* the argument values, read directly */
		uint64_t args_ref = 0;
		m = asp_merger_open(t, &err);
		while (asp_merger_next(m, &ev, &err) > 0) {
			uint64_t v;
			if (ev.type == ASP_REC_ENTRY && asp_event_arg1(&ev, &v))
				args_ref += v;
		}
		asp_merger_close(m);
		CHECK_U64(args, args_ref);
		if (!strcmp(runs[k], "async_std_args"))
			CHECK(args_ref != 0);
		asp_trace_close(t);
	}
}

/* the process's memory mappings: each counts against vm.max_map_count */
static size_t maps_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = 0;
	int c;
	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A recording of many threads must not keep a mapping per file (66 000
 * threads hit the kernel's limit of 65 530 mappings, said as "out of
 * memory"): beyond READ_MAP_THREADS, files are read into the heap, and a
 * file that is done lets go of its window or buffer at once */
TEST(many_threads_keep_few_mappings)
{
	static const size_t sizes[] = { 300, 3000 };
	for (size_t k = 0; k < 2; k++) {
		size_t n = sizes[k];
		char *d = make_dir(NULL);
		uint8_t buf[32 * 16];
		for (size_t i = 0; i < n; i++) {
			uint8_t *p = buf;
			for (unsigned j = 0; j < 32; j++)
				p += rec(p, 1000000200ULL + i * 1000 + j * 10, j & 1, 0, 0, BASE + 0x1000);
			char name[32];
			snprintf(name, sizeof(name), "%zu.dat", 1000 + i);
			tap_write(d, name, buf, (size_t)(p - buf));
		}
		/* info names them all */
		struct asp_buf text = { 0 };
		asp_buf_printf(&text, "exename:/bin/prog\ntaskinfo:lines=2\ntaskinfo:nr_tid=%zu\ntaskinfo:tids=", n);
		for (size_t i = 0; i < n; i++)
			asp_buf_printf(&text, "%s%zu", i ? "," : "", 1000 + i);
		asp_buf_printf(&text, "\npattern_type:regex\n");
		put_info(d, ASP_FEAT_TASK_SESSION, text.data, "Ftrace!");
		free(text.data);
		int warnings = 0;
		char *err = NULL;
		struct asp_trace *t = asp_trace_open(d, count_warning, &warnings, &err);
		CHECK(t != NULL);
		if (!t)
			return;
		CHECK_U64(asp_trace_nthreads(t), n);
		size_t base = maps_count();
		struct asp_merger *m = asp_merger_open(t, &err);
		CHECK(m != NULL);
		size_t peak = maps_count();
		struct asp_event ev;
		uint64_t got = 0;
		while (asp_merger_next(m, &ev, &err) > 0)
			got++;
		size_t after = maps_count();
		CHECK_U64(got, 32 * n);
		/* the many: no mapping per file while reading */
		printf("# %zu threads: %zu mappings before, %zu with every file open, %zu when every file is done\n",
		       n, base, peak, after);
		fflush(stdout);
		/* (a tenth of the files: room for a sanitizer's allocator) */
		if (n > 1024)
			CHECK(peak < base + n / 10);
		/* every file done: none of its windows is left */
		CHECK(after < base + n / 10);
		asp_merger_close(m);
		asp_trace_close(t);
		tap_rmdir(d);
		free(d);
	}
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(info_and_tasks),
		CASE(symbol_lookup_boundaries),
		CASE(exec_sessions),
		CASE(records_entry_exit_lost),
		CASE(argument_data_decoded_and_skipped),
		CASE(integer_arguments_by_index),
		CASE(truncated_dat_is_a_warning),
		CASE(dat_cut_while_mapped_is_a_read_error),
		CASE(missing_sym_is_a_warning),
		CASE(bad_directories),
		CASE(no_dat_files),
		CASE(merger_orders_and_batches_fixtures),
		CASE(many_threads_keep_few_mappings),
		{ 0 },
	});
}
