/* util.h - allocation that dies on out-of-memory, and the recoverable error
 * convention used by every stage.
 *
 * Errors: functions that can fail on user input take `char **err` and, on
 * failure, set *err to a malloc'd one-line message (caller frees) and return
 * a negative value or NULL. Only cmd/ turns messages into exit codes. */
#ifndef ASP_UTIL_H
#define ASP_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>

#define ASP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ASP_ALIGN(x, a) (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* zeroed, aligned to align (a power of two, a multiple of sizeof(void *));
 * free() it */
void *xcalloc_aligned(size_t n, size_t size, size_t align);
void *xrealloc(void *ptr, size_t size);
/* realloc an array of n elements of size, checking n * size for overflow */
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Out of memory, the x* functions print one line and exit with status 2:
 * "asprof-batch: WHAT: out of memory (N bytes)", WHAT the calling thread's
 * asp_oom_what (the file it is writing; none when NULL). A hook set with
 * asp_oom_hook is called instead to print it (it must not allocate, and
 * may remove the temporary files first). */
extern _Thread_local const char *asp_oom_what;
void asp_oom_hook(void (*hook)(const char *what, size_t size));
/* pthread_create (default attributes) whose thread starts with the
 * caller's asp_oom_what: what it allocates is for the same file */
int asp_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);
/* the line asprof prints out of memory (what may be NULL) */
void asp_oom_say(const char *what, const char *what_tail, size_t size);
/* malloc'd printf; dies on out-of-memory */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the same, of a va_list */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* the decimal digits of v written backwards, ending just before end;
 * returns the first (at most 20 digits), two digits a division */
extern const char asp_digit_pairs[200];
static inline char *asp_u64_dec(char *end, uint64_t v)
{
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		end[0] = asp_digit_pairs[2 * r];
		end[1] = asp_digit_pairs[2 * r + 1];
	}
	if (v >= 10) {
		end -= 2;
		end[0] = asp_digit_pairs[2 * v];
		end[1] = asp_digit_pairs[2 * v + 1];
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/* Set *err (if err is not NULL and *err is NULL) to a formatted message.
 * Always returns -1 so callers can `return asp_fail(err, ...)`. */
int asp_fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open path for reading when it is a regular file: a FIFO would block the
 * open until a writer comes, and a device such as /dev/zero never ends.
 * Returns a descriptor (or a stdio stream, "r"), or -1 (NULL) with *why set
 * to a static reason: strerror(errno), "is a directory, expected a file" or
 * "not a regular file (a FIFO, socket or device)". */
int asp_open_file(const char *path, const char **why);
/* has the process as many memory mappings as the kernel allows
 * (vm.max_map_count)? Then mmap and large mallocs fail with ENOMEM however
 * much memory is free: *count and *limit say how many. Allocates nothing. */
bool asp_maps_exhausted(long *count, long *limit);
FILE *asp_fopen_file(const char *path, const char **why);
/* getline() with a bound: a line (with its newline) longer than max bytes is
 * read to its end and not kept; it comes back as its first max bytes with
 * *too_long set. -1 at the end of the file */
#define ASP_LINE_MAX (16u << 20)
ssize_t asp_getline(char **line, size_t *cap, FILE *fp, size_t max, bool *too_long);

/* Read a whole (small) regular file into a NUL-terminated malloc'd buffer.
 * Returns NULL and sets *err ("PATH: why") on failure. *len gets the byte
 * count. */
char *asp_read_file(const char *path, size_t *len, char **err);

/* The same for a file the user names as configuration (rules, runtimes):
 * any file but a directory, so `-c <(generate-rules)` works, and at most
 * ASP_CONFIG_MAX bytes, so -c /dev/zero ends. */
#define ASP_CONFIG_MAX ((size_t)64 << 20)
char *asp_read_config(const char *path, size_t *len, char **err);

/* Make s valid UTF-8 without control characters, in place: every byte that
 * is not part of a valid sequence, and every C0 control or DEL, becomes
 * '?'. For names read from files that end up in JSON, XML and XLSX. */
char *asp_utf8_fix(char *s);
/* the length of s cut to at most max bytes on a character boundary (s is
 * valid UTF-8: a cut never leaves half a character) */
size_t asp_utf8_cut(const char *s, size_t max);

/* The length (1 to 4) of the valid UTF-8 sequence s starts with, or 0 when
 * s[0] starts none (a stray or cut byte, an overlong form, a surrogate,
 * beyond U+10FFFF). */
size_t asp_utf8_seq(const char *s);

/* path join into a malloc'd string */
char *asp_path_join(const char *dir, const char *name);

/* A growable array of bytes; used for strings built piecewise. */
struct asp_buf {
	char *data;
	size_t len, cap;
};
void asp_buf_append(struct asp_buf *b, const char *s, size_t n);
void asp_buf_printf(struct asp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void asp_buf_free(struct asp_buf *b);

/* Names from input shown where their bytes could act or be refused: the
 * text every writer shows, before its own quoting. Each byte that is not
 * part of valid UTF-8 is written \xNN (so the output is valid UTF-8); with
 * ASP_SHOW_CONTROLS so is every C0 control, DEL, C1 control (U+0080-U+009F)
 * and U+FFFE/U+FFFF (the terminal, XML, charts, Markdown), and with
 * ASP_SHOW_KEEP_LINES but newline and tab, which the writer handles
 * itself. A backslash stays one backslash. NULL shows as nothing (a name a
 * summary.json leaves null). */
#define ASP_SHOW_CONTROLS 1u
#define ASP_SHOW_KEEP_LINES 2u
void asp_buf_show(struct asp_buf *b, const char *s, unsigned flags);
/* the same as a malloc'd string */
char *asp_show(const char *s, unsigned flags);

/* qsort that accepts an empty (NULL) array, which plain qsort may not */
static inline void asp_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* sorts n integers ascending (a radix sort: linear time) */
void asp_sort_u64(uint64_t *v, size_t n);

/* FNV-1a, for the small hash tables */
uint64_t asp_hash_bytes(const void *p, size_t n);
static inline uint64_t asp_hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#endif
