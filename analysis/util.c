/* util.c - allocation wrappers, error messages, small file and string helpers. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Thread_local const char *asp_oom_what;
static void (*volatile oom_cleanup)(const char *, size_t);

void asp_oom_hook(void (*hook)(const char *what, size_t size))
{
	oom_cleanup = hook;
}

struct thread_start {
	void *(*fn)(void *);
	void *arg;
	const char *what;
};

static void *thread_main(void *arg)
{
	struct thread_start ts = *(struct thread_start *)arg;
	free(arg);
	asp_oom_what = ts.what;
	return ts.fn(ts.arg);
}

int asp_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	struct thread_start *ts = xmalloc(sizeof(*ts));
	*ts = (struct thread_start){ .fn = fn, .arg = arg, .what = asp_oom_what };
	int rc = pthread_create(t, NULL, thread_main, ts);
	if (rc != 0)
		free(ts);
	return rc;
}

/* s on stderr with its control characters as \xNN (as asp_show does,
 * without allocating) */
static void say_inert(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
}

void asp_oom_say(const char *what, const char *what_tail, size_t size)
{
	fputs("asprof-batch: ", stderr);
	if (what) {
		say_inert(what);
		say_inert(what_tail);
		fputs(": ", stderr);
	}
	long count, limit;
	if (asp_maps_exhausted(&count, &limit))
		fprintf(stderr, "out of memory mappings (%ld, the kernel's limit vm.max_map_count is %ld) for %zu bytes\n",
			count, limit, size);
	else
		fprintf(stderr, "out of memory (%zu bytes)\n", size);
}

/* one line and exit status 2, as for any input that cannot be handled
 * (reports are written to temporary files: none is left half-written) */
static void oom(size_t size)
{
	static atomic_flag once = ATOMIC_FLAG_INIT;
	if (atomic_flag_test_and_set(&once))
		for (;;) /* another thread is saying it, then exits */
			pause();
	void (*hook)(const char *, size_t) = oom_cleanup;
	if (hook)
		hook(asp_oom_what, size);
	else
		asp_oom_say(asp_oom_what, NULL, size);
	_exit(2);
}

/* mmap fails with ENOMEM, and so does malloc for a large block, once the
 * process has as many mappings as the kernel allows (vm.max_map_count),
 * however much memory is free: is that what ran out? (No allocation.) */
bool asp_maps_exhausted(long *count, long *limit)
{
	char buf[4096];
	int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*limit = strtol(buf, NULL, 10);
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	long lines = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	*count = lines;
	return *limit > 0 && lines + 16 >= *limit;
}

const char asp_digit_pairs[200] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		oom(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xcalloc_aligned(size_t n, size_t size, size_t align)
{
	size_t bytes;
	if (__builtin_mul_overflow(n ? n : 1, size ? size : 1, &bytes))
		oom(SIZE_MAX);
	void *p;
	if (posix_memalign(&p, align, bytes) != 0)
		oom(bytes);
	memset(p, 0, bytes);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (!p)
		oom(size);
	return p;
}

void *xreallocarray(void *ptr, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(ptr, n * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int asp_fail(char **err, const char *fmt, ...)
{
	if (err && !*err) {
		va_list ap;
		va_start(ap, fmt);
		*err = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* regular: only a regular file; else anything but a directory (a pipe) */
static int open_checked(const char *path, bool regular, const char **why)
{
	int fd = open(path, O_RDONLY | (regular ? O_NONBLOCK : 0) | O_CLOEXEC);
	if (fd < 0) {
		*why = strerror(errno);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode) || (regular && !S_ISREG(st.st_mode))) {
		*why = S_ISDIR(st.st_mode) ? "is a directory, expected a file"
					   : "not a regular file (a FIFO, socket or device)";
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (regular && fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int asp_open_file(const char *path, const char **why) { return open_checked(path, true, why); }

static FILE *fopen_checked(const char *path, bool regular, const char **why)
{
	int fd = open_checked(path, regular, why);
	if (fd < 0)
		return NULL;
	FILE *fp = fdopen(fd, "r");
	if (!fp) {
		*why = strerror(errno);
		close(fd);
	}
	return fp;
}

FILE *asp_fopen_file(const char *path, const char **why) { return fopen_checked(path, true, why); }

ssize_t asp_getline(char **line, size_t *cap, FILE *fp, size_t max, bool *too_long)
{
	size_t n = 0, kept = 0;
	int c;
	*too_long = false;
	while ((c = getc_unlocked(fp)) != EOF) {
		n++;
		if (kept < max) {
			if (kept + 2 > *cap) {
				*cap = *cap ? 2 * *cap : 256;
				*line = xrealloc(*line, *cap);
			}
			(*line)[kept++] = (char)c;
		} else {
			*too_long = true;
		}
		if (c == '\n')
			break;
	}
	if (!n)
		return -1;
	(*line)[kept] = '\0';
	return (ssize_t)kept;
}

/* reads fp to its end, at most max bytes, and closes it */
static char *read_stream(FILE *fp, const char *path, size_t max, size_t *len, char **err)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= max) {
				asp_fail(err, "%s: larger than %zu MiB, too large for a configuration file", path,
					  max >> 20);
				fclose(fp);
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		size_t r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		asp_fail(err, "%s: read error: %s", path, strerror(errno));
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *asp_read_file(const char *path, size_t *len, char **err)
{
	const char *why;
	FILE *fp = asp_fopen_file(path, &why);
	if (!fp) {
		asp_fail(err, "%s: %s", path, why);
		return NULL;
	}
	return read_stream(fp, path, SIZE_MAX, len, err);
}

char *asp_read_config(const char *path, size_t *len, char **err)
{
	if (!*path) {
		asp_fail(err, "empty file name (a rules or runtimes file was expected)");
		return NULL;
	}
	const char *why;
	FILE *fp = fopen_checked(path, false, &why);
	if (!fp) {
		asp_fail(err, "%s: %s", path, why);
		return NULL;
	}
	return read_stream(fp, path, ASP_CONFIG_MAX, len, err);
}

size_t asp_utf8_seq(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	unsigned cp = c & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) { /* a NUL is no continuation byte */
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *asp_utf8_fix(char *s)
{
	for (char *p = s; *p;) {
		size_t n = asp_utf8_seq(p);
		if (!n || (n == 1 && ((unsigned char)*p < 0x20 || *p == 0x7f))) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
	return s;
}

size_t asp_utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n <= max)
		return n;
	n = max;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* a character a terminal or an XML parser would act on or refuse */
static bool show_escaped(const unsigned char *p, size_t n, unsigned flags)
{
	if (!(flags & ASP_SHOW_CONTROLS))
		return false;
	if (n == 1)
		return (p[0] < 0x20 || p[0] == 0x7f) &&
		       !((flags & ASP_SHOW_KEEP_LINES) && (p[0] == '\n' || p[0] == '\t'));
	if (n == 2)
		return p[0] == 0xc2 && p[1] < 0xa0; /* C1: U+0080-U+009F */
	return n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe; /* U+FFFE, U+FFFF */
}

void asp_buf_show(struct asp_buf *b, const char *s, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	asp_buf_append(b, "", 0);
	if (!s)
		return; /* nothing to show: a name a summary left null */
	const char *run = s;
	for (const char *p = s; *p;) {
		size_t n = asp_utf8_seq(p);
		const unsigned char *u = (const unsigned char *)p;
		if (n && !show_escaped(u, n, flags)) {
			p += n;
			continue;
		}
		asp_buf_append(b, run, (size_t)(p - run));
		for (size_t i = 0; i < (n ? n : 1); i++) {
			char x[4] = { '\\', 'x', hex[u[i] >> 4], hex[u[i] & 15] };
			asp_buf_append(b, x, sizeof(x));
		}
		p += n ? n : 1;
		run = p;
	}
	asp_buf_append(b, run, strlen(run));
}

char *asp_show(const char *s, unsigned flags)
{
	struct asp_buf b = { 0 };
	asp_buf_show(&b, s, flags);
	return b.data;
}

char *asp_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	return xasprintf("%.*s/%s", (int)dl, dir, name);
}

void asp_buf_append(struct asp_buf *b, const char *s, size_t n)
{
	if (n == 0 && b->data)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void asp_buf_printf(struct asp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	asp_buf_append(b, p, strlen(p));
	free(p);
}

void asp_buf_free(struct asp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

uint64_t asp_hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* LSD radix sort, a byte per pass, all eight histograms in one read; a
 * byte that is the same in every value costs no pass (durations in ns
 * rarely need more than five) */
void asp_sort_u64(uint64_t *v, size_t n)
{
	if (n < 64) {
		for (size_t i = 1; i < n; i++) {
			uint64_t x = v[i];
			size_t j = i;
			for (; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	size_t (*count)[256] = xcalloc(8, sizeof(*count));
	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];
		for (int b = 0; b < 8; b++)
			count[b][(x >> (8 * b)) & 0xff]++;
	}
	uint64_t *tmp = xmalloc(n * sizeof(*tmp));
	uint64_t *src = v, *dst = tmp;
	for (int b = 0; b < 8; b++) {
		size_t *c = count[b];
		if (c[(src[0] >> (8 * b)) & 0xff] == n)
			continue; /* one value of this byte everywhere */
		size_t sum = 0;
		for (int k = 0; k < 256; k++) {
			size_t here = c[k];
			c[k] = sum;
			sum += here;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t x = src[i];
			dst[c[(x >> (8 * b)) & 0xff]++] = x;
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
	free(count);
}
