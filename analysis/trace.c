/* trace.c - reads a uftrace data directory: info, task.txt, sid-*.map,
 * *.sym and <tid>.dat, and resolves record addresses to symbols.
 * Format facts follow uftrace's utils/data-file.c, session.c, symbol.c and
 * fstack.c (see shared/DOMAIN.md). */
#include "trace.h"
#include "map.h"
#include "demangle.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define INFO_HEADER_SIZE 40
#define RECORD_SIZE 16
#define RECORD_MAGIC 5
/* A reader maps its file a window at a time (the kernel maps the page
 * cache's pages: no copy), and reads it into a buffer where it cannot be
 * mapped. Measured on 507 MB of .dat, page cache warm, 2 CPUs: the read()
 * copy was ~6% of a whole analysis' CPU. The windows are what a thread
 * holds of its file: MAP_WINDOW_TOTAL shared by the threads, within
 * [READ_BUF_SIZE, MAP_WINDOW_MAX] each. A file cut short while mapped
 * would raise SIGBUS: see map_guard(). */
#define READ_BUF_SIZE (256 * 1024)
#define MAP_WINDOW_MAX (2u << 20)
#define MAP_WINDOW_TOTAL (32u << 20)
/* Every mapping counts against the kernel's limit (vm.max_map_count,
 * 65530 by default), and so does every buffer malloc takes with mmap (from
 * 128 KiB): a recording of more threads than this reads each file into a
 * small buffer of the heap (MAP_WINDOW_TOTAL shared, READ_BUF_MIN at
 * least; it grows for a larger record), and every reader lets go of its
 * window or buffer at the end of its file */
#define READ_MAP_THREADS 1024
#define READ_BUF_MIN 4096
/* up to this many threads, and an eighth of the descriptor limit, each
 * reader keeps its file open; beyond, a reader opens its file for a refill
 * only (a program that ran thousands of threads would need a descriptor per
 * thread while their records merge) */
#define READ_KEEP_FDS 256
#define SYM_CACHE_BITS ASP_SYM_CACHE_BITS
#define SYM_CACHE_SIZE (1u << SYM_CACHE_BITS) /* per trace, direct mapped */

/* one pattern of argspec/retspec, with the layout it gives */
struct arg_filter {
	char *pattern;
	enum { PATT_REGEX, PATT_GLOB, PATT_SIMPLE } kind;
	regex_t re;
	struct asp_fn_args fa;
};

struct map_ent {
	uint64_t start, end;
	struct asp_module *mod;
};

struct session {
	char *sid;
	int pid;
	uint64_t time;
	char *exename;
	struct map_ent *maps; /* sorted by start */
	size_t nmaps;
};

struct task {
	int tid, pid, ppid;
	uint64_t time;
};


struct asp_trace {
	char *dir;
	struct asp_info info;
	struct session *sess; /* sorted by time */
	size_t nsess;
	struct task *tasks;   /* sorted by tid */
	size_t ntasks;
	struct asp_module **mods;
	size_t nmods;
	int *threads;
	char **datpaths;
	uint64_t *datbytes; /* each file's size */
	size_t nthreads;
	bool keep_fds; /* readers keep their files open (see READ_KEEP_FDS) */
	uint64_t data_bytes;
	struct arg_filter *filters;
	size_t nfilters;
	/* merged layouts per symbol live here (symbols point into it) */
	struct asp_fn_args **layouts;
	size_t nlayouts;
	uint32_t next_sym_id;
	struct asp_sym_ent *cache; /* shared by the readers; see reader_lookup */
	/* readers run on threads of their own (asp_trace_threaded): symbol
	 * lookups that miss a reader's cache, and warnings, take these */
	bool threaded;
	bool warned_no_spec; /* data without a layout: said once (atomic) */
	pthread_mutex_t lookup_lock, warn_lock;
	uint64_t time_lo;    /* no record is earlier: see set_time_limit */
	uint64_t time_limit; /* every record is earlier */
	bool has_elapsed;    /* time_limit comes from info's elapsed_time */
	uint64_t dropped;    /* records dropped (atomic: see reader_end) */
	uint64_t *thread_end; /* per thread: its last scheduler event (0: none) */
	asp_warn_fn warn;
	void *warn_ctx;
};

static void warnf(struct asp_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct asp_trace *t, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (t->threaded)
		pthread_mutex_lock(&t->warn_lock);
	if (t->warn)
		t->warn(t->warn_ctx, buf);
	else
		fprintf(stderr, "asprof-batch: warning: %s\n", buf);
	if (t->threaded)
		pthread_mutex_unlock(&t->warn_lock);
}

/* ---------------------------------------------------------------- records */

void asp_decode_record(const uint8_t buf[16], struct asp_raw_record *rec)
{
	uint64_t t, w;
	memcpy(&t, buf, 8);
	memcpy(&w, buf + 8, 8);
	rec->time = t;
	rec->type = w & 3;
	rec->more = (w >> 2) & 1;
	rec->magic = (w >> 3) & 7;
	rec->depth = (w >> 6) & 0x3ff;
	rec->addr = w >> 16;
}

/* ---------------------------------------------------------------- argspec */

/* "%rdi", "%stack+1": the argument's location (uftrace's ARG_TYPE_REG
 * and ARG_TYPE_STACK; merged by register or offset) */
static int spec_location(const char *p, struct asp_arg_spec *a)
{
	p++;
	if (!strncmp(p, "stack", 5)) {
		a->type = ASP_ARGT_STACK;
		a->loc = strtoull(p + 5, NULL, 0);
		return 0;
	}
	size_t n = strlen(p);
	if (n == 0 || n > 8)
		return -1;
	a->type = ASP_ARGT_REG;
	a->loc = 0;
	memcpy(&a->loc, p, n);
	return 0;
}

static int parse_one_spec(const char *s, size_t n, struct asp_arg_spec *a)
{
	char tmp[64];
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *p = tmp, *end;
	memset(a, 0, sizeof(*a));
	a->fmt = ASP_ARG_AUTO;
	a->size = 8;
	if (!strncmp(p, "arg", 3) && isdigit((unsigned char)p[3])) {
		long v = strtol(p + 3, &end, 10);
		if (v < 1 || v > 64)
			return -1;
		a->idx = (int)v;
		p = end;
	} else if (!strncmp(p, "fparg", 5) && isdigit((unsigned char)p[5])) {
		long v = strtol(p + 5, &end, 10);
		if (v < 1 || v > 64)
			return -1;
		a->idx = (int)v;
		a->fmt = ASP_ARG_FLOAT;
		a->type = ASP_ARGT_FLOAT;
		p = end;
	} else if (!strncmp(p, "retval", 6)) {
		a->idx = 0;
		p += 6;
	} else {
		return -1;
	}
	if (*p == '%') /* register or stack location */
		return spec_location(p, a);
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return -1;
	p++;
	switch (*p) {
	case 'd': a->fmt = a->fmt == ASP_ARG_FLOAT ? ASP_ARG_FLOAT : ASP_ARG_AUTO; break;
	case 'i': a->fmt = ASP_ARG_SINT; break;
	case 'u': a->fmt = ASP_ARG_UINT; break;
	case 'x': a->fmt = ASP_ARG_HEX; break;
	case 'o': a->fmt = ASP_ARG_OCT; break;
	case 's': a->fmt = ASP_ARG_STR; break;
	case 'S': a->fmt = ASP_ARG_STD_STRING; break;
	case 'p': a->fmt = ASP_ARG_PTR; break;
	case 'c': a->fmt = ASP_ARG_CHAR; a->size = 1; break;
	case 'f': a->fmt = ASP_ARG_FLOAT; a->type = ASP_ARGT_FLOAT; a->size = 8; break;
	case 'e': a->fmt = ASP_ARG_ENUM; a->size = 4; return 0;
	case 't':
		a->fmt = ASP_ARG_STRUCT;
		a->size = (unsigned)strtoul(p + 1, &end, 0);
		return 0;
	default:
		if (a->fmt == ASP_ARG_FLOAT && isdigit((unsigned char)*p)) {
			p--; /* fparg1/80 */
			break;
		}
		return -1;
	}
	p++;
	if (isdigit((unsigned char)*p)) {
		unsigned long bits = strtoul(p, &end, 10);
		if (bits == 0 || bits > 128 || bits % 8)
			return -1;
		a->size = (unsigned)(bits / 8);
		if (a->fmt == ASP_ARG_FLOAT && bits == 80)
			a->size = 10;
		p = end;
	}
	if (*p == '%')
		return spec_location(p, a);
	return 0;
}

int asp_parse_arg_specs(const char *s, struct asp_fn_args *out)
{
	memset(out, 0, sizeof(*out));
	while (*s) {
		size_t n = strcspn(s, ",");
		struct asp_arg_spec a;
		if (parse_one_spec(s, n, &a) < 0) {
			asp_fn_args_free(out);
			return -1;
		}
		if (a.idx == 0) {
			out->rets = xreallocarray(out->rets, out->nrets + 1, sizeof(a));
			out->rets[out->nrets++] = a;
		} else {
			out->args = xreallocarray(out->args, out->nargs + 1, sizeof(a));
			out->args[out->nargs++] = a;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

void asp_fn_args_free(struct asp_fn_args *fa)
{
	free(fa->args);
	free(fa->rets);
	memset(fa, 0, sizeof(*fa));
}

/* glibc's regcomp copies a repeated element (x+ becomes xx*, x{2,9} nine
 * copies of x), so nested repetition costs exponential memory: "f" and
 * twenty '+' take 700 MB, fifty take all there is. Estimate the expanded
 * size and refuse patterns far beyond any real filter (a few hundred
 * elements). */
static bool regex_too_big(const char *p)
{
	const double limit = 10000;
	double group[32], last = 0; /* sizes: of each open group, of the last element */
	int depth = 0;
	group[0] = 0;
	for (; *p; p++) {
		double mul;
		if (*p == '(') {
			if (++depth == (int)ASP_ARRAY_SIZE(group))
				return true;
			group[depth] = last = 0;
			continue;
		}
		if (*p == ')' && depth > 0) {
			last = group[depth--];
			group[depth] += last;
			continue;
		}
		if (*p == '*' || *p == '?') {
			mul = 1;
		} else if (*p == '+') {
			mul = 2;
		} else if (*p == '{' && isdigit((unsigned char)p[1])) {
			char *end;
			double m = strtod(p + 1, &end), n = m;
			if (*end == ',')
				n = isdigit((unsigned char)end[1]) ? strtod(end + 1, &end) : m + 1;
			mul = (n > m ? n : m) + 1;
			p = *end ? end : end - 1;
		} else {
			if (*p == '\\' && p[1]) {
				p++;
			} else if (*p == '[') { /* a bracket expression is one element */
				p += p[1] == '^' ? 2 : 1;
				if (*p == ']')
					p++;
				while (*p && *p != ']') {
					char close[3] = { p[1], ']', '\0' };
					if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
						const char *e = strstr(p + 2, close);
						if (!e)
							return false;
						p = e + 1;
					}
					p++;
				}
			}
			if (!*p)
				return false; /* malformed: regcomp says so */
			last = 1;
			group[depth] += 1;
			continue;
		}
		group[depth] += last * (mul - 1);
		last *= mul;
		if (group[depth] > limit)
			return true;
	}
	return group[0] > limit;
}

/* "pat@arg1,arg2;pat2@retval" -> filters */
#define MAX_ARG_FILTERS 1024
static void add_filters(struct asp_trace *t, const char *spec_list)
{
	if (!spec_list)
		return;
	char *copy = xstrdup(spec_list);
	char *save = NULL;
	for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *at = strrchr(item, '@');
		if (!at || at == item)
			continue;
		*at = '\0';
		/* each symbol called is matched against every pattern: a bound
		 * (uftrace -A is given a few; an info of 150 000 took minutes) */
		if (t->nfilters == MAX_ARG_FILTERS) {
			warnf(t, "%s/info: more than %d argument specs; the rest are ignored", t->dir,
			      MAX_ARG_FILTERS);
			break;
		}
		struct arg_filter f;
		memset(&f, 0, sizeof(f));
		if (asp_parse_arg_specs(at + 1, &f.fa) < 0) {
			warnf(t, "%s/info: argument spec '%s' not understood; its data is skipped", t->dir,
			      at + 1);
			continue;
		}
		const char *pt = t->info.pattern_type ? t->info.pattern_type : "regex";
		f.kind = !strcmp(pt, "glob") ? PATT_GLOB : !strcmp(pt, "simple") ? PATT_SIMPLE : PATT_REGEX;
		/* uftrace treats a pattern without regex characters as a plain name */
		if (f.kind == PATT_REGEX && !strpbrk(item, ".?*+-^$|()[]{}"))
			f.kind = PATT_SIMPLE;
		if (f.kind == PATT_REGEX &&
		    (regex_too_big(item) || regcomp(&f.re, item, REG_EXTENDED | REG_NOSUB) != 0)) {
			warnf(t, "%s/info: bad pattern '%s' in argument spec", t->dir, item);
			asp_fn_args_free(&f.fa);
			continue;
		}
		f.pattern = xstrdup(item);
		t->filters = xreallocarray(t->filters, t->nfilters + 1, sizeof(f));
		t->filters[t->nfilters++] = f;
	}
	free(copy);
}

static bool filter_match(const struct arg_filter *f, const char *name)
{
	switch (f->kind) {
	case PATT_REGEX: return regexec(&f->re, name, 0, NULL, 0) == 0;
	case PATT_GLOB: return fnmatch(f->pattern, name, 0) == 0;
	default: return strcmp(f->pattern, name) == 0;
	}
}

/* a spec of a matching pattern into a function's layout, as uftrace's
 * add_arg_spec (utils/filter.c, 0.13) does: one of the same type and index
 * (or register, or stack offset) is replaced, unless it came from an exact
 * pattern and this one does not; a new one goes last. The data follows
 * that order: `arg2,arg1` records arg2 first (older uftraces sorted by
 * index; 0.13 does not). */
static void merge_spec(struct asp_arg_spec **v, size_t *n, struct asp_arg_spec a, bool exact)
{
	a.exact = exact;
	for (size_t i = 0; i < *n; i++) {
		struct asp_arg_spec *o = &(*v)[i];
		if (o->type != a.type)
			continue;
		bool same = a.type == ASP_ARGT_INDEX || a.type == ASP_ARGT_FLOAT ? o->idx == a.idx
										 : o->loc == a.loc;
		if (!same)
			continue;
		if (exact || !o->exact)
			*o = a;
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = a;
}

/* the argument layout for a symbol: the specs of every filter that
 * matches, merged in the order of the patterns (merge_spec) */
static const struct asp_fn_args *match_layout(struct asp_trace *t, struct asp_symbol *sym)
{
	struct asp_fn_args merged = { 0 };
	bool any = false;
	for (size_t i = 0; i < t->nfilters; i++) {
		const struct arg_filter *f = &t->filters[i];
		if (!filter_match(f, sym->mangled) && !filter_match(f, asp_symbol_name(sym)))
			continue;
		any = true;
		bool exact = f->kind == PATT_SIMPLE;
		for (size_t k = 0; k < f->fa.nargs; k++)
			merge_spec(&merged.args, &merged.nargs, f->fa.args[k], exact);
		for (size_t k = 0; k < f->fa.nrets; k++)
			merge_spec(&merged.rets, &merged.nrets, f->fa.rets[k], exact);
	}
	if (!any)
		return NULL;
	struct asp_fn_args *fa = xmalloc(sizeof(*fa));
	*fa = merged;
	t->layouts = xreallocarray(t->layouts, t->nlayouts + 1, sizeof(*t->layouts));
	t->layouts[t->nlayouts++] = fa;
	return fa;
}

/* ---------------------------------------------------------------- info */

/* *dst = the rest of the line; a key given twice keeps its last value */
static void set_line(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrndup(s, strcspn(s, "\n"));
}

static int parse_tids(struct asp_info *info, const char *s)
{
	size_t cap = info->ntids;
	while (*s && *s != '\n') {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v <= 0 || v > INT32_MAX)
			return -1;
		if (info->ntids == cap) {
			cap = cap ? 2 * cap : 16;
			info->tids = xreallocarray(info->tids, cap, sizeof(int));
		}
		info->tids[info->ntids++] = (int)v;
		s = end;
		if (*s == ',')
			s++;
	}
	return 0;
}

static int read_info(struct asp_trace *t, char **err)
{
	char *path = asp_path_join(t->dir, "info");
	size_t len;
	char *why = NULL;
	struct stat big;
	/* a few kilobytes, a megabyte with many argument specs */
	if (stat(path, &big) == 0 && S_ISREG(big.st_mode) && big.st_size > (64 << 20)) {
		int rc = asp_fail(err, "%s: %lld bytes, too large for a uftrace info file", path,
				  (long long)big.st_size);
		free(path);
		return rc;
	}
	char *buf = asp_read_file(path, &len, &why);
	if (!buf) {
		struct stat st;
		int rc;
		if (lstat(path, &st) < 0)
			rc = asp_fail(err, "%s: missing; %s is not a uftrace data directory", path, t->dir);
		else
			rc = asp_fail(err, "%s", why);
		free(why);
		free(path);
		return rc;
	}
	int rc = -1;
	struct asp_info *info = &t->info;
	if (len < INFO_HEADER_SIZE) {
		asp_fail(err, "%s: truncated header (%zu of %d bytes)", path, len, INFO_HEADER_SIZE);
		goto out;
	}
	if (memcmp(buf, "Ftrace!\0", 8) != 0) {
		asp_fail(err, "%s: bad magic, not a uftrace data file", path);
		goto out;
	}
	memcpy(&info->version, buf + 8, 4);
	uint16_t hsize;
	memcpy(&hsize, buf + 12, 2);
	info->endian = (uint8_t)buf[14];
	info->elf_class = (uint8_t)buf[15];
	memcpy(&info->feat_mask, buf + 16, 8);
	memcpy(&info->info_mask, buf + 24, 8);
	memcpy(&info->max_stack, buf + 32, 2);
	if (info->version < 3 || info->version > 4) {
		asp_fail(err, "%s: unsupported uftrace data version %u (3 or 4 expected)", path,
			 info->version);
		goto out;
	}
	if (info->endian != 1 || info->elf_class != 2) {
		asp_fail(err, "%s: only little-endian 64-bit recordings are supported", path);
		goto out;
	}
	if (hsize < INFO_HEADER_SIZE || hsize > len) {
		asp_fail(err, "%s: bad header size %u", path, hsize);
		goto out;
	}
	/* text sections: "key:value" lines; multi-line sections start with
	 * "key:lines=N". We keep what asprof uses and skip the rest. */
	for (char *p = buf + hsize; p < buf + len && *p;) {
		char *nl = strchr(p, '\n');
		char *next = nl ? nl + 1 : buf + len;
		if (!strncmp(p, "exename:", 8))
			set_line(&info->exename, p + 8);
		else if (!strncmp(p, "build_id:", 9))
			set_line(&info->build_id, p + 9);
		else if (!strncmp(p, "exit_status:", 12)) {
			info->has_exit_status = true;
			info->exit_status = atoi(p + 12);
		} else if (!strncmp(p, "cmdline:", 8))
			set_line(&info->cmdline, p + 8);
		else if (!strncmp(p, "taskinfo:tids=", 14)) {
			if (parse_tids(info, p + 14) < 0) {
				asp_fail(err, "%s: bad taskinfo tid list", path);
				goto out;
			}
		} else if (!strncmp(p, "argspec:", 8) && strncmp(p + 8, "lines=", 6))
			set_line(&info->argspec, p + 8);
		else if (!strncmp(p, "retspec:", 8))
			set_line(&info->retspec, p + 8);
		else if (!strncmp(p, "argauto:", 8))
			set_line(&info->argauto, p + 8);
		else if (!strncmp(p, "retauto:", 8))
			set_line(&info->retauto, p + 8);
		else if (!strncmp(p, "auto-args:1", 11))
			info->auto_args = true;
		else if (!strncmp(p, "record_date:", 12))
			set_line(&info->record_date, p + 12);
		else if (!strncmp(p, "elapsed_time:", 13))
			set_line(&info->elapsed_time, p + 13);
		else if (!strncmp(p, "pattern_type:", 13))
			set_line(&info->pattern_type, p + 13);
		else if (!strncmp(p, "uftrace_version:", 16))
			set_line(&info->uftrace_version, p + 16);
		p = next;
	}
	rc = 0;
out:
	free(buf);
	free(path);
	return rc;
}

static void free_info(struct asp_info *info)
{
	free(info->exename);
	free(info->build_id);
	free(info->cmdline);
	free(info->record_date);
	free(info->elapsed_time);
	free(info->uftrace_version);
	free(info->pattern_type);
	free(info->argspec);
	free(info->retspec);
	free(info->argauto);
	free(info->retauto);
	free(info->tids);
}

/* ---------------------------------------------------------------- modules */

static struct asp_module *get_module(struct asp_trace *t, const char *path, const char *build_id)
{
	for (size_t i = 0; i < t->nmods; i++) {
		struct asp_module *m = t->mods[i];
		if (!strcmp(m->path, path) &&
		    (!build_id || !m->build_id || !strcmp(build_id, m->build_id)))
			return m;
	}
	struct asp_module *m = xcalloc(1, sizeof(*m));
	m->path = xstrdup(path);
	const char *slash = strrchr(path, '/');
	m->basename = xstrdup(slash ? slash + 1 : path);
	m->build_id = build_id ? xstrdup(build_id) : NULL;
	t->mods = xreallocarray(t->mods, t->nmods + 1, sizeof(*t->mods));
	t->mods[t->nmods++] = m;
	return m;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct asp_symbol *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* reads "# path name:" and "# build-id:" of a symbol file's header */
static void sym_header(const char *file, char *path, size_t psz, char *bid, size_t bsz)
{
	path[0] = bid[0] = '\0';
	const char *why;
	FILE *fp = asp_fopen_file(file, &why);
	if (!fp)
		return;
	char line[4096];
	for (int i = 0; i < 4 && fgets(line, sizeof(line), fp); i++) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "# path name: ", 13))
			snprintf(path, psz, "%.*s", (int)(psz - 1), line + 13);
		else if (!strncmp(line, "# build-id: ", 12))
			snprintf(bid, bsz, "%.*s", (int)(bsz - 1), line + 12);
	}
	fclose(fp);
}

/* the module's symbol file, or NULL and *why: what is wrong with
 * DIR/NAME.sym (malloc'd) */
static char *find_symfile(struct asp_trace *t, const struct asp_module *m, char **why)
{
	char *name = xasprintf("%s.sym", m->basename);
	char *file = asp_path_join(t->dir, name);
	free(name);
	*why = NULL;
	if (access(file, F_OK) == 0) {
		char path[4096], bid[128];
		sym_header(file, path, sizeof(path), bid, sizeof(bid));
		bool other_path = path[0] && strcmp(path, m->path);
		bool other_bid = bid[0] && m->build_id && strcmp(bid, m->build_id);
		if (!other_path && !other_bid)
			return file;
		*why = other_path ? xasprintf("%s: for %s, not this session's module", file, path)
				  : xasprintf("%s: build-id %s, not the mapped module's %s", file, bid,
					      m->build_id);
	} else if (errno != ENOENT) {
		*why = xasprintf("%s: %s", file, strerror(errno));
	}
	free(file);
	/* uftrace names the second module of the same basename NAME-<bid4>.sym */
	if (m->build_id && strlen(m->build_id) >= 4)
		name = xasprintf("%s-%.4s.sym", m->basename, m->build_id);
	else {
		uint16_t csum = 0;
		for (const char *p = m->path; *p; p++)
			csum += (uint16_t)(int)*p;
		name = xasprintf("%s-%04x.sym", m->basename, csum);
	}
	file = asp_path_join(t->dir, name);
	free(name);
	if (access(file, F_OK) == 0) {
		free(*why);
		*why = NULL;
		return file;
	}
	free(file);
	return NULL;
}

/* Symbol file lines: "%016lx %c %s" (0.13) or "%016lx %08x %c %s" (newer).
 * Garbage lines are skipped, as uftrace does. */
/* a session's program: the mapping of its exename, else one of its name */
static struct asp_module *session_program(const struct session *s)
{
	const char *exe = strrchr(s->exename, '/');
	exe = exe ? exe + 1 : s->exename;
	for (size_t k = 0; k < s->nmaps; k++)
		if (!strcmp(s->maps[k].mod->path, s->exename))
			return s->maps[k].mod;
	for (size_t k = 0; k < s->nmaps; k++)
		if (!strcmp(s->maps[k].mod->basename, exe))
			return s->maps[k].mod;
	return NULL;
}

/* m's symbols; when it has none, *none says why (malloc'd) */
static void load_symbols(struct asp_trace *t, struct asp_module *m, char **none)
{
	m->loaded = true;
	char *why_not;
	char *file = find_symfile(t, m, &why_not);
	if (!file) {
		m->missing = true;
		if (why_not)
			*none = xasprintf("%s; functions of %s are shown as addresses", why_not, m->path);
		else
			*none = xasprintf("%s/%s.sym: missing; functions of %s are shown as addresses",
					  t->dir, m->basename, m->path);
		free(why_not);
		return;
	}
	const char *why;
	FILE *fp = asp_fopen_file(file, &why);
	if (!fp) {
		m->missing = true;
		*none = xasprintf("%s: %s; functions of %s are shown as addresses", file, why, m->path);
		free(file);
		return;
	}
	char *line = NULL;
	size_t cap = 0, n = 0, alloc = 0;
	ssize_t len;
	uint64_t prev_addr = UINT64_MAX;
	char prev_type = 'X';
	struct asp_symbol *syms = NULL;
	const char *allowed = "?TtWwPKDdvu";
	bool too_long, warned_long = false;
	int lineno = 0;
	/* the header's "# symbols: N": uftrace writes at least N lines after it */
	long announced = -1, body = 0;
	while ((len = asp_getline(&line, &cap, fp, ASP_LINE_MAX, &too_long)) > 0) {
		lineno++;
		if (too_long) {
			if (!warned_long)
				warnf(t, "%s:%d: a line longer than %u MiB; skipped", file, lineno,
				      ASP_LINE_MAX >> 20);
			warned_long = true;
			continue;
		}
		if (line[0] == '#') {
			if (!strncmp(line, "# symbols: ", 11) && announced < 0)
				announced = strtol(line + 11, NULL, 10);
			continue;
		}
		body++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r') /* CRLF line ends */
			line[--len] = '\0';
		char *pos;
		errno = 0;
		uint64_t addr = strtoull(line, &pos, 16);
		if (pos == line || errno || *pos++ != ' ')
			continue;
		uint64_t size = 0;
		char type = *pos++;
		if (isdigit((unsigned char)type)) {
			size = strtoull(pos - 1, &pos, 16);
			if (*pos++ != ' ')
				continue;
			type = *pos++;
		}
		if (type == '\0' || *pos++ != ' ' || *pos == '\0')
			continue;
		char *name = pos;
		char *tab = strchr(name, '\t');
		if (tab)
			*tab = '\0';
		if (addr == prev_addr && type == prev_type)
			continue; /* aliases: the first name wins */
		if (!strchr(allowed, type))
			continue;
		prev_addr = addr;
		prev_type = type;
		if (type == '?' || !strcmp(name, "__sym_end") || !strcmp(name, "__dynsym_end") ||
		    !strcmp(name, "__func_end")) {
			if (n > 0 && syms[n - 1].size == 0 && addr > syms[n - 1].addr)
				syms[n - 1].size = addr - syms[n - 1].addr;
			continue;
		}
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			syms = xreallocarray(syms, alloc, sizeof(*syms));
		}
		struct asp_symbol *s = &syms[n++];
		memset(s, 0, sizeof(*s));
		s->addr = addr;
		s->size = size;
		s->type = type;
		s->mangled = xstrdup(name);
		if (n > 1 && s[-1].size == 0 && addr > s[-1].addr)
			s[-1].size = addr - s[-1].addr;
	}
	free(line);
	fclose(fp);
	if (n == 0)
		*none = xasprintf("%s: no symbols; functions of %s are shown as addresses", file, m->path);
	else if (body < announced)
		warnf(t, "%s: %ld symbols announced, %ld lines found: the file is cut short, and some functions are shown as addresses",
		      file, announced, body);
	free(file);
	asp_qsort(syms, n, sizeof(*syms), sym_cmp);
	for (size_t i = 0; i < n; i++) {
		/* sizes may be missing where sorting changed neighbours */
		if (syms[i].size == 0 && i + 1 < n)
			syms[i].size = syms[i + 1].addr - syms[i].addr;
		syms[i].mod = m;
		syms[i].id = UINT32_MAX; /* given when first looked up */
	}
	m->syms = syms;
	m->nsyms = n;
	/* argument layouts: at the first lookup (module_find), not here: the
	 * patterns match demangled names too, and demangling every symbol of
	 * a Rust binary costs more than reading the records of most traces */
}

static void load_module(struct asp_trace *t, struct asp_module *m)
{
	char *none = NULL;
	load_symbols(t, m, &none);
	if (none)
		warnf(t, "%s", none);
	free(none);
}

int asp_trace_check_symbols(struct asp_trace *t, char **err)
{
	bool any = false;
	char **why = NULL; /* of the programs loaded here without symbols */
	size_t nwhy = 0;
	for (size_t i = 0; i < t->nsess && !any; i++) {
		struct session *s = &t->sess[i];
		struct asp_module *m = session_program(s);
		if (!m && s->nmaps) /* a map without the program (warned): not ours to judge */
			any = true;
		if (!m) /* no map (warned) */
			continue;
		if (!m->loaded) {
			char *none = NULL;
			load_symbols(t, m, &none);
			if (none) {
				why = xreallocarray(why, nwhy + 1, sizeof(*why));
				why[nwhy++] = none;
			}
		}
		if (m->nsyms)
			any = true;
	}
	if (!any && nwhy) {
		char *cut = strstr(why[0], "; functions of ");
		if (cut)
			*cut = '\0';
		asp_fail(err, "%s: no function of the recorded program has a name: cannot be analysed (copy recordings with their .sym files)",
			 why[0]);
	} else if (!any) {
		asp_fail(err, "%s: no session has a map naming its program (sid-*.map): no function has a name, cannot be analysed",
			 t->dir);
	}
	for (size_t k = 0; k < nwhy; k++) {
		if (any)
			warnf(t, "%s", why[k]);
		free(why[k]);
	}
	free(why);
	return any ? 0 : -1;
}

static const struct asp_symbol *module_find(struct asp_trace *t, struct asp_module *m,
					    uint64_t rel)
{
	if (!m->loaded)
		load_module(t, m);
	size_t lo = 0, hi = m->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct asp_symbol *s = &m->syms[mid];
		if (rel < s->addr)
			hi = mid;
		else if (rel >= s->addr + s->size)
			lo = mid + 1;
		else {
			/* ids are dense in the order of first use, so that per-symbol
			 * tables indexed by id keep the hot symbols close together */
			if (s->id == UINT32_MAX) {
				s->id = t->next_sym_id++;
				char ty = s->type;
				if (t->nfilters && (ty == 'T' || ty == 't' || ty == 'W' || ty == 'w' ||
						    ty == 'P'))
					s->args = match_layout(t, s);
			}
			return s;
		}
	}
	return NULL;
}

const char *asp_symbol_name(const struct asp_symbol *sym)
{
	/* demangled once; a stream's decoder and its consumer may both ask
	 * (argspec matching, warnings): the first to publish wins */
	struct asp_symbol *s = (struct asp_symbol *)sym; /* cache only */
	char *name = __atomic_load_n(&s->name_, __ATOMIC_ACQUIRE);
	if (name)
		return name;
	name = asp_demangle(s->mangled);
	char *expected = NULL;
	if (!__atomic_compare_exchange_n(&s->name_, &expected, name, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		free(name);
		name = expected;
	}
	return name;
}

/* ---------------------------------------------------------------- sessions */

static int parse_ts(const char *s, uint64_t *ns)
{
	/* "S.NNNNNNNNN" */
	char *end;
	errno = 0;
	unsigned long long sec = strtoull(s, &end, 10);
	if (end == s || *end != '.' || errno)
		return -1;
	const char *f = end + 1;
	unsigned long long frac = strtoull(f, &end, 10);
	if (end == f || end - f != 9)
		return -1;
	*ns = sec * 1000000000ULL + frac;
	return 0;
}

static const char *field(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	return p ? p + strlen(key) : NULL;
}

/* *unusable counts the sessions whose map cannot be opened: the first is
 * told, the rest summed up by the caller */
static int read_map(struct asp_trace *t, struct session *s, int *unusable, char **err)
{
	char *name = xasprintf("sid-%s.map", s->sid);
	char *path = asp_path_join(t->dir, name);
	free(name);
	const char *why;
	FILE *fp = asp_fopen_file(path, &why);
	if (!fp) {
		if (!(*unusable)++)
			warnf(t, "%s: %s; no symbols for session %s", path, why, s->sid);
		free(path);
		return 0;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, bad = 0, first_bad = 0;
	bool too_long, long_path = false;
	while (asp_getline(&line, &cap, fp, ASP_LINE_MAX, &too_long) > 0) {
		lineno++;
		if (too_long) { /* malformed: counted below */
			if (!bad++)
				first_bad = lineno;
			continue;
		}
		uint64_t start, end;
		char prot[8], mpath[4096], bid[160];
		bid[0] = '\0';
		int nf = sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*x %*x:%*x %*d %4095s %159s", &start,
				&end, prot, mpath, bid);
		if (nf < 3) {
			if (bad++ == 0)
				first_bad = lineno;
			continue;
		}
		if (nf < 4 || mpath[0] != '/' || end <= start)
			continue; /* [stack], anonymous */
		if (strlen(mpath) == sizeof(mpath) - 1) {
			warnf(t, "%s:%d: path longer than %zu bytes; mapping skipped", path, lineno,
			      sizeof(mpath) - 2);
			long_path = true;
			continue;
		}
		const char *build_id = !strncmp(bid, "build-id:", 9) ? bid + 9 : NULL;
		s->maps = xreallocarray(s->maps, s->nmaps + 1, sizeof(*s->maps));
		s->maps[s->nmaps].start = start;
		s->maps[s->nmaps].end = end;
		s->maps[s->nmaps].mod = get_module(t, mpath, build_id);
		s->nmaps++;
	}
	/* one line however many there are */
	if (bad == 1)
		warnf(t, "%s:%d: malformed map line skipped", path, first_bad);
	else if (bad > 1)
		warnf(t, "%s:%d: malformed map line skipped, and %d more", path, first_bad, bad - 1);
	if (lineno == 0) {
		warnf(t, "%s: empty; no symbols for session %s", path, s->sid);
	} else if (s->exename[0] && !bad && !long_path) {
		/* the program's own functions are the ones that matter (a line
		 * skipped with a warning already said why they are missing) */
		if (!session_program(s))
			warnf(t, "%s: no valid mapping of %s; its functions are shown as addresses",
			      path, s->exename);
	}
	free(line);
	fclose(fp);
	free(path);
	(void)err;
	return 0;
}

static int map_cmp(const void *a, const void *b)
{
	const struct map_ent *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int sess_cmp(const void *a, const void *b)
{
	const struct session *x = a, *y = b;
	return x->time < y->time ? -1 : x->time > y->time;
}

static int task_cmp(const void *a, const void *b)
{
	const struct task *x = a, *y = b;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static struct task *find_task(struct asp_trace *t, int tid)
{
	struct task key = { .tid = tid };
	if (t->ntasks == 0)
		return NULL; /* bsearch's array must not be NULL */
	return bsearch(&key, t->tasks, t->ntasks, sizeof(*t->tasks), task_cmp);
}

/* by tid, found through index (tid -> position) */
static void add_task(struct asp_trace *t, struct asp_u64map *index, size_t *cap, int tid, int pid,
		     int ppid, uint64_t time)
{
	bool added;
	uint64_t *at = asp_u64map_ref(index, (uint64_t)(uint32_t)tid, &added);
	if (!added) {
		if (ppid)
			t->tasks[*at].ppid = ppid;
		return;
	}
	*at = t->ntasks;
	if (t->ntasks == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		t->tasks = xreallocarray(t->tasks, *cap, sizeof(*t->tasks));
	}
	t->tasks[t->ntasks++] = (struct task){ .tid = tid, .pid = pid, .ppid = ppid, .time = time };
}

static int read_task_txt(struct asp_trace *t, char **err)
{
	char *path = asp_path_join(t->dir, "task.txt");
	const char *why;
	FILE *fp = asp_fopen_file(path, &why);
	if (!fp) {
		int rc = asp_fail(err, "%s: %s", path, why);
		free(path);
		return rc;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	struct { uint64_t time; int tid; char sid[64]; uint64_t base; char lib[4096]; } *dl = NULL;
	size_t ndl = 0;
	struct asp_u64map task_index = { 0 };
	size_t task_cap = 0;
	bool too_long;
	while (asp_getline(&line, &cap, fp, ASP_LINE_MAX, &too_long) > 0) {
		lineno++;
		if (too_long) {
			warnf(t, "%s:%d: a line longer than %u MiB; skipped", path, lineno,
			      ASP_LINE_MAX >> 20);
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		const char *ts = field(line, "timestamp=");
		uint64_t time = 0;
		if (!ts || parse_ts(ts, &time) < 0) {
			rc = asp_fail(err, "%s:%d: bad or missing timestamp", path, lineno);
			break;
		}
		if (!strncmp(line, "SESS ", 5)) {
			const char *pid = field(line, " pid="), *sid = field(line, " sid="),
				   *exe = field(line, " exename=\"");
			if (!pid || !sid) {
				rc = asp_fail(err, "%s:%d: SESS line without pid or sid", path, lineno);
				break;
			}
			struct session s = { 0 };
			s.pid = atoi(pid);
			s.sid = xstrndup(sid, strcspn(sid, " "));
			s.time = time;
			s.exename = exe ? xstrndup(exe, strcspn(exe, "\"")) : xstrdup("");
			t->sess = xreallocarray(t->sess, t->nsess + 1, sizeof(s));
			t->sess[t->nsess++] = s;
		} else if (!strncmp(line, "TASK ", 5)) {
			const char *tid = field(line, " tid="), *pid = field(line, " pid=");
			if (!tid || !pid) {
				rc = asp_fail(err, "%s:%d: TASK line without tid or pid", path, lineno);
				break;
			}
			add_task(t, &task_index, &task_cap, atoi(tid), atoi(pid), 0, time);
		} else if (!strncmp(line, "FORK ", 5)) {
			const char *pid = field(line, " pid="), *ppid = field(line, " ppid=");
			if (!pid || !ppid) {
				rc = asp_fail(err, "%s:%d: FORK line without pid or ppid", path, lineno);
				break;
			}
			add_task(t, &task_index, &task_cap, atoi(pid), atoi(pid), atoi(ppid), time);
		} else if (!strncmp(line, "DLOP ", 5)) {
			const char *tid = field(line, " tid="), *sid = field(line, " sid="),
				   *base = field(line, " base="), *lib = field(line, " libname=\"");
			if (!tid || !sid || !base || !lib) {
				rc = asp_fail(err, "%s:%d: DLOP line incomplete", path, lineno);
				break;
			}
			dl = xreallocarray(dl, ndl + 1, sizeof(*dl));
			dl[ndl].time = time;
			dl[ndl].tid = atoi(tid);
			snprintf(dl[ndl].sid, sizeof(dl[ndl].sid), "%.*s", (int)strcspn(sid, " "), sid);
			dl[ndl].base = strtoull(base, NULL, 16);
			snprintf(dl[ndl].lib, sizeof(dl[ndl].lib), "%.*s", (int)strcspn(lib, "\""), lib);
			ndl++;
		} else if (!strncmp(line, "EXEC ", 5)) {
			/* an exec starts a new session, already given by SESS */
		} else {
			warnf(t, "%s:%d: unknown line kind skipped", path, lineno);
		}
	}
	free(line);
	fclose(fp);
	asp_u64map_free(&task_index);
	if (rc == 0 && t->nsess == 0)
		rc = asp_fail(err, "%s: no session (SESS line); the recording is incomplete", path);
	if (rc == 0) {
		int unusable = 0;
		asp_qsort(t->sess, t->nsess, sizeof(*t->sess), sess_cmp);
		asp_qsort(t->tasks, t->ntasks, sizeof(*t->tasks), task_cmp);
		for (size_t i = 0; i < t->nsess; i++)
			read_map(t, &t->sess[i], &unusable, err);
		if (unusable > 1)
			warnf(t, "%s: %d more sessions have no usable map (sid-*.map); no symbols for them",
			      t->dir, unusable - 1);
		/* a dlopen'ed library extends its session's maps from its base
		 * to the end of its last symbol */
		for (size_t i = 0; i < ndl; i++) {
			for (size_t k = 0; k < t->nsess; k++) {
				struct session *s = &t->sess[k];
				if (strcmp(s->sid, dl[i].sid))
					continue;
				struct asp_module *m = get_module(t, dl[i].lib, NULL);
				if (!m->loaded)
					load_module(t, m);
				uint64_t span = m->nsyms ? m->syms[m->nsyms - 1].addr +
								  m->syms[m->nsyms - 1].size
							 : 1;
				s->maps = xreallocarray(s->maps, s->nmaps + 1, sizeof(*s->maps));
				s->maps[s->nmaps++] = (struct map_ent){ dl[i].base, dl[i].base + span, m };
			}
		}
		for (size_t i = 0; i < t->nsess; i++)
			asp_qsort(t->sess[i].maps, t->sess[i].nmaps, sizeof(struct map_ent), map_cmp);
	}
	free(dl);
	free(path);
	return rc;
}

/* the session of tid at time: the newest session of its process started by
 * then, else the first one; a task without a session of its own inherits its
 * parent's (fork) */
static struct session *task_session(struct asp_trace *t, int tid, uint64_t time)
{
	for (int hops = 0; hops < 64; hops++) {
		struct task *tk = find_task(t, tid);
		int pid = tk ? tk->pid : tid;
		struct session *best = NULL, *first = NULL;
		for (size_t i = 0; i < t->nsess; i++) {
			struct session *s = &t->sess[i];
			if (s->pid != pid)
				continue;
			if (!first)
				first = s;
			if (s->time <= time)
				best = s;
		}
		if (best || first)
			return best ? best : first;
		if (!tk)
			break;
		int parent = tk->ppid ? tk->ppid : tk->pid;
		if (parent == 0 || parent == tid)
			break;
		tid = parent;
	}
	return t->nsess == 1 ? &t->sess[0] : NULL;
}

static const struct asp_symbol *session_lookup(struct asp_trace *t, struct session *s,
					       uint64_t addr)
{
	if (!s)
		return NULL;
	size_t lo = 0, hi = s->nmaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < s->maps[mid].start)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* maps[lo-1] is the last map starting at or below addr */
	for (size_t i = lo; i-- > 0;) {
		struct map_ent *me = &s->maps[i];
		if (addr < me->end)
			return module_find(t, me->mod, addr - me->start);
		if (lo - i > 4)
			break;
	}
	return NULL;
}

const struct asp_symbol *asp_trace_lookup(struct asp_trace *t, int tid, uint64_t time,
					  uint64_t addr)
{
	return session_lookup(t, task_session(t, tid, time), addr);
}

/* ---------------------------------------------------------------- threads */

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

/* a thread file's identity, to find one file under two names */
struct dat_id {
	dev_t dev;
	ino_t ino;
	size_t idx; /* in t->threads */
};

static int dat_id_cmp(const void *a, const void *b)
{
	const struct dat_id *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* the <tid>.dat files of the folder, by tid (names spelt as uftrace
 * writes them: "05.dat" is not thread 5's, nor is "0.dat" or one past
 * 2^31 anyone's: left out, and said once) */
static int dat_files(struct asp_trace *t, int **tids, size_t *n, char **err)
{
	DIR *d = opendir(t->dir);
	if (!d)
		return asp_fail(err, "%s: %s", t->dir, strerror(errno));
	struct dirent *de;
	size_t odd = 0;
	char *first_odd = NULL;
	while ((de = readdir(d))) {
		char *end;
		size_t l = strlen(de->d_name);
		if (!isdigit((unsigned char)de->d_name[0]) || l < 5 || strcmp(de->d_name + l - 4, ".dat"))
			continue;
		errno = 0;
		long v = strtol(de->d_name, &end, 10);
		char canon[32];
		snprintf(canon, sizeof(canon), "%ld.dat", v);
		if (errno || v <= 0 || v > INT32_MAX || strcmp(canon, de->d_name)) {
			if (!odd++)
				first_odd = asp_path_join(t->dir, de->d_name);
			continue;
		}
		*tids = xreallocarray(*tids, *n + 1, sizeof(int));
		(*tids)[(*n)++] = (int)v;
	}
	closedir(d);
	if (odd == 1)
		warnf(t, "%s: not a thread's data file name (<tid>.dat, tid 1 to 2^31-1, no leading zero); left out",
		      first_odd);
	else if (odd)
		warnf(t, "%s: not a thread's data file name (<tid>.dat, tid 1 to 2^31-1, no leading zero); left out, as are %zu more",
		      first_odd, odd - 1);
	free(first_odd);
	asp_qsort(*tids, *n, sizeof(int), int_cmp);
	return 0;
}

/* Every thread file is read: those info's taskinfo does not name too (said
 * once), while a tid of info without a file recorded nothing. One file
 * under two names (hard or symbolic links) would be two threads' records:
 * refused. A link that leads out of the run folder is read, and said. */
static int find_threads(struct asp_trace *t, char **err)
{
	int *tids = NULL;
	size_t n = 0;
	if (dat_files(t, &tids, &n, err) < 0)
		return -1;
	size_t nfiles = n, unnamed = 0;
	int first_unnamed = 0;
	if (t->info.ntids) {
		int *named = xreallocarray(NULL, t->info.ntids, sizeof(int));
		memcpy(named, t->info.tids, t->info.ntids * sizeof(int));
		asp_qsort(named, t->info.ntids, sizeof(int), int_cmp);
		for (size_t i = 0; i < nfiles; i++) {
			if (!bsearch(&tids[i], named, t->info.ntids, sizeof(int), int_cmp) && !unnamed++)
				first_unnamed = tids[i];
		}
		free(named);
		tids = xreallocarray(tids, n + t->info.ntids, sizeof(int));
		memcpy(tids + n, t->info.tids, t->info.ntids * sizeof(int));
		n += t->info.ntids;
		asp_qsort(tids, n, sizeof(int), int_cmp);
	}
	if (unnamed)
		warnf(t, "%s/info: taskinfo names %zu thread%s, but %zu more ha%s a data file (%d.dat%s); all are read",
		      t->dir, t->info.ntids, t->info.ntids == 1 ? "" : "s", unnamed,
		      unnamed == 1 ? "s" : "ve", first_unnamed, unnamed == 1 ? "" : ", ...");
	t->threads = xreallocarray(NULL, n, sizeof(int));
	t->datpaths = xreallocarray(NULL, n, sizeof(char *));
	t->datbytes = xreallocarray(NULL, n, sizeof(uint64_t));
	struct dat_id *ids = xreallocarray(NULL, n ? n : 1, sizeof(*ids));
	char *realdir = NULL;
	size_t outside = 0;
	char *first_outside = NULL, *first_target = NULL;
	for (size_t i = 0; i < n; i++) {
		if (i && tids[i] == tids[i - 1])
			continue;
		char *name = xasprintf("%d.dat", tids[i]);
		char *path = asp_path_join(t->dir, name);
		free(name);
		struct stat st, lst;
		if (stat(path, &st) < 0) {
			/* a thread that recorded nothing has no file; uftrace skips it
			 * too. A file that is there but cannot be reached (a broken
			 * link, a loop) is said */
			int e = errno;
			if (e != ENOENT || lstat(path, &st) == 0)
				warnf(t, "%s: %s; this thread is left out", path, strerror(e));
			free(path);
			continue;
		}
		if (S_ISREG(st.st_mode) && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			/* where does it lead? */
			char *target = realpath(path, NULL);
			if (!realdir)
				realdir = realpath(t->dir, NULL);
			char *slash = target ? strrchr(target, '/') : NULL;
			if (slash && realdir &&
			    ((size_t)(slash - target) != strlen(realdir) ||
			     strncmp(target, realdir, (size_t)(slash - target))) &&
			    !(slash == target && !strcmp(realdir, "/"))) {
				if (!outside++) {
					first_outside = xstrdup(path);
					first_target = xstrdup(target);
				}
			}
			free(target);
		}
		ids[t->nthreads] = (struct dat_id){ st.st_dev, st.st_ino, t->nthreads };
		t->data_bytes += (uint64_t)st.st_size;
		t->datbytes[t->nthreads] = (uint64_t)st.st_size;
		t->threads[t->nthreads] = tids[i];
		t->datpaths[t->nthreads++] = path;
	}
	free(tids);
	free(realdir);
	if (outside)
		warnf(t, "%s: a link to %s, outside the run folder%s; read as this run's data",
		      first_outside, first_target,
		      outside > 1 ? " (and more thread files like it)" : "");
	free(first_outside);
	free(first_target);
	asp_qsort(ids, t->nthreads, sizeof(*ids), dat_id_cmp);
	for (size_t i = 1; i < t->nthreads; i++) {
		if (ids[i].dev == ids[i - 1].dev && ids[i].ino == ids[i - 1].ino) {
			asp_fail(err, "%s: the same file as %s (linked): one thread's records cannot be two threads'",
				 t->datpaths[ids[i].idx], t->datpaths[ids[i - 1].idx]);
			free(ids);
			return -1;
		}
	}
	free(ids);
	if (t->nthreads == 0)
		return asp_fail(err, "%s: no thread data files (<tid>.dat); nothing was recorded", t->dir);
	struct rlimit rl;
	t->keep_fds = t->nthreads <= READ_KEEP_FDS &&
		      (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
		       t->nthreads <= rl.rlim_cur / 8);
	return 0;
}

/* ---------------------------------------------------------------- perf-cpu*.dat */

/* uftrace copies the kernel's perf ring buffer of each CPU into
 * perf-cpu<N>.dat as it is: records of a perf_event_header (u32 type, u16
 * misc, u16 size with the header) and a body that ends with the sample id
 * (u32 pid, u32 tid, u64 time: sample_id_all with TID|TIME). Only two kinds
 * matter here: a context switch (in or out) and a thread's exit, each the
 * last sign of life a thread may give after its last function record. */
#define PERF_RECORD_EXIT 4
#define PERF_RECORD_SWITCH 14
#define PERF_HEADER 8
#define PERF_BUF (64 * 1024) /* a record is at most 64 KiB - 1 */

/* the index of thread tid in t->threads (sorted), or t->nthreads */
static size_t thread_index(const struct asp_trace *t, int tid)
{
	size_t a = 0, b = t->nthreads;
	while (a < b) {
		size_t m = (a + b) / 2;
		if (t->threads[m] < tid)
			a = m + 1;
		else
			b = m;
	}
	return a < t->nthreads && t->threads[a] == tid ? a : t->nthreads;
}

static void perf_note(struct asp_trace *t, int tid, uint64_t time, uint64_t lo, uint64_t hi)
{
	if (time < lo || time > hi)
		return; /* not this recording's, or corrupt */
	size_t i = thread_index(t, tid);
	if (i < t->nthreads && time > t->thread_end[i])
		t->thread_end[i] = time;
}

/* the records in p[0..n): the bytes taken (whole records only) */
static size_t perf_records(struct asp_trace *t, const uint8_t *p, size_t n, uint64_t lo,
			   uint64_t hi, bool *bad)
{
	size_t off = 0;
	while (n - off >= PERF_HEADER) {
		uint32_t type;
		uint16_t size;
		memcpy(&type, p + off, 4);
		memcpy(&size, p + off + 6, 2);
		if (size < PERF_HEADER) {
			*bad = true;
			return off;
		}
		if (n - off < size)
			break;
		uint32_t tid;
		uint64_t time;
		if (type == PERF_RECORD_SWITCH && size >= PERF_HEADER + 16) {
			memcpy(&tid, p + off + PERF_HEADER + 4, 4);
			memcpy(&time, p + off + PERF_HEADER + 8, 8);
			perf_note(t, (int)tid, time, lo, hi);
		} else if (type == PERF_RECORD_EXIT && size >= PERF_HEADER + 24) {
			memcpy(&tid, p + off + PERF_HEADER + 8, 4);
			memcpy(&time, p + off + PERF_HEADER + 16, 8);
			perf_note(t, (int)tid, time, lo, hi);
		}
		off += size;
	}
	return off;
}

static void read_perf_file(struct asp_trace *t, const char *path, uint8_t *buf, uint64_t lo,
			   uint64_t hi)
{
	const char *why;
	int fd = asp_open_file(path, &why);
	if (fd < 0) {
		warnf(t, "%s: %s; its scheduler events are left out", path, why);
		return;
	}
	size_t len = 0;
	uint64_t at = 0; /* file offset of buf[0] */
	bool bad = false;
	for (;;) {
		ssize_t got = read(fd, buf + len, PERF_BUF - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			warnf(t, "%s: read error: %s; its later scheduler events are left out", path,
			      strerror(errno));
			break;
		}
		len += (size_t)got;
		size_t used = perf_records(t, buf, len, lo, hi, &bad);
		if (bad) {
			warnf(t, "%s: malformed event at byte %" PRIu64 "; the events after it are left out",
			      path, at + used);
			break;
		}
		if (got == 0) {
			if (len > used)
				warnf(t, "%s: truncated event at byte %" PRIu64 " (the recording was cut)",
				      path, at + used);
			break;
		}
		memmove(buf, buf + used, len - used);
		len -= used;
		at += used;
	}
	close(fd);
}

/* each thread's last scheduler event, when the recording has them and says
 * how long it ran (events outside its times, set_time_limit, are not this
 * recording's) */
static void read_perf_events(struct asp_trace *t)
{
	t->thread_end = xcalloc(t->nthreads ? t->nthreads : 1, sizeof(*t->thread_end));
	if (!t->nsess || !t->has_elapsed)
		return;
	uint64_t lo = t->time_lo, hi = t->time_limit;
	DIR *d = opendir(t->dir);
	if (!d)
		return;
	uint8_t *buf = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		unsigned cpu;
		int used = 0;
		if (sscanf(de->d_name, "perf-cpu%u.dat%n", &cpu, &used) != 1 ||
		    used != (int)strlen(de->d_name))
			continue;
		if (!buf)
			buf = xmalloc(PERF_BUF);
		char *path = asp_path_join(t->dir, de->d_name);
		read_perf_file(t, path, buf, lo, hi);
		free(path);
	}
	free(buf);
	closedir(d);
}

uint64_t asp_trace_thread_end(const struct asp_trace *t, int tid)
{
	size_t i = thread_index(t, tid);
	return i < t->nthreads ? t->thread_end[i] : 0;
}

/* ---------------------------------------------------------------- open/close */

/* The times a record of this recording can have. It starts at its first
 * session (task.txt's SESS line, written at the program's start, before
 * any record of it) and ends with info's elapsed_time (uftrace's own
 * measure of the whole recording, begun before the program started) after
 * that, a second more of slack: a record outside is dropped (judge_time).
 * Without an elapsed_time there is no end; each record's neighbours are
 * the judges then. Scheduler events are read within the same bounds. */
static void set_time_limit(struct asp_trace *t)
{
	t->time_lo = t->nsess ? t->sess[0].time : 0;
	t->time_limit = UINT64_MAX;
	t->has_elapsed = false;
	const char *e = t->info.elapsed_time;
	if (!e)
		return;
	char *end;
	double sec = strtod(e, &end);
	if (end == e || !(sec >= 0) || sec > 1e8)
		return;
	double limit = (double)t->time_lo + (sec + 1) * 1e9;
	if (limit < 1.8e19) {
		t->time_limit = (uint64_t)limit;
		t->has_elapsed = true;
	}
}

struct asp_trace *asp_trace_open(const char *dir, asp_warn_fn warn, void *warn_ctx, char **err)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		asp_fail(err, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		asp_fail(err, "%s: not a directory (expected a uftrace data directory)", dir);
		return NULL;
	}
	struct asp_trace *t = xcalloc(1, sizeof(*t));
	t->dir = xstrdup(dir);
	t->warn = warn;
	t->warn_ctx = warn_ctx;
	if (read_info(t, err) < 0) {
		asp_trace_close(t);
		return NULL;
	}
	/* before task.txt: its DLOP lines load symbols, which take their
	 * argument layouts from the filters */
	if (t->info.feat_mask & (ASP_FEAT_ARGUMENT | ASP_FEAT_RETVAL)) {
		add_filters(t, t->info.argspec);
		add_filters(t, t->info.retspec);
		if (t->info.auto_args) {
			add_filters(t, t->info.argauto);
			add_filters(t, t->info.retauto);
		}
	}
	if (read_task_txt(t, err) < 0 || find_threads(t, err) < 0) {
		asp_trace_close(t);
		return NULL;
	}
	set_time_limit(t);
	read_perf_events(t);
	return t;
}

void asp_trace_close(struct asp_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nmods; i++) {
		struct asp_module *m = t->mods[i];
		for (size_t k = 0; k < m->nsyms; k++) {
			free((char *)m->syms[k].mangled);
			free(m->syms[k].name_);
		}
		free(m->syms);
		free(m->path);
		free(m->basename);
		free(m->build_id);
		free(m);
	}
	free(t->mods);
	for (size_t i = 0; i < t->nsess; i++) {
		free(t->sess[i].sid);
		free(t->sess[i].exename);
		free(t->sess[i].maps);
	}
	free(t->sess);
	free(t->tasks);
	for (size_t i = 0; i < t->nthreads; i++)
		free(t->datpaths[i]);
	free(t->datpaths);
	free(t->datbytes);
	free(t->thread_end);
	free(t->threads);
	for (size_t i = 0; i < t->nfilters; i++) {
		if (t->filters[i].kind == PATT_REGEX)
			regfree(&t->filters[i].re);
		free(t->filters[i].pattern);
		asp_fn_args_free(&t->filters[i].fa);
	}
	free(t->filters);
	for (size_t i = 0; i < t->nlayouts; i++) {
		asp_fn_args_free(t->layouts[i]);
		free(t->layouts[i]);
	}
	free(t->layouts);
	free(t->cache);
	if (t->threaded) {
		pthread_mutex_destroy(&t->lookup_lock);
		pthread_mutex_destroy(&t->warn_lock);
	}
	free_info(&t->info);
	free(t->dir);
	free(t);
}

const char *asp_trace_dir(const struct asp_trace *t) { return t->dir; }
const struct asp_info *asp_trace_info(const struct asp_trace *t) { return &t->info; }
size_t asp_trace_nthreads(const struct asp_trace *t) { return t->nthreads; }
int asp_trace_thread_tid(const struct asp_trace *t, size_t i) { return t->threads[i]; }
uint64_t asp_trace_data_bytes(const struct asp_trace *t) { return t->data_bytes; }
uint64_t asp_trace_dropped(const struct asp_trace *t) { return __atomic_load_n(&t->dropped, __ATOMIC_RELAXED); }
uint64_t asp_trace_thread_bytes(const struct asp_trace *t, size_t i) { return t->datbytes[i]; }
uint64_t asp_trace_start_time(const struct asp_trace *t) { return t->nsess ? t->sess[0].time : 0; }
uint32_t asp_trace_nsymbols(const struct asp_trace *t) { return t->next_sym_id; }

void asp_trace_threaded(struct asp_trace *t)
{
	if (t->threaded)
		return;
	pthread_mutex_init(&t->lookup_lock, NULL);
	pthread_mutex_init(&t->warn_lock, NULL);
	t->threaded = true;
}

/* ---------------------------------------------------------------- reader */

struct asp_reader {
	struct asp_trace *t;
	const char *path;
	int tid;
	int fd;            /* -1 between refills when !keep_fd, and after the end */
	bool keep_fd;
	struct asp_sym_ent *cache; /* the trace's, the reader's own, or shared */
	bool own_cache;
	struct asp_sym_ent miss;   /* a lookup that may not be cached */
	asp_tag_fn tagger;
	void *tag_ctx;
	uint8_t *buf;      /* the mapped window, or own_buf */
	uint8_t *own_buf;  /* read() into it where the file cannot be mapped */
	uint8_t *map;      /* the window (buf), NULL when none is mapped */
	size_t map_len;
	size_t window;     /* bytes to map at a time; 0: read() */
	size_t bufsize;    /* own_buf's size (read() mode) */
	size_t len, pos;   /* bytes in buf, read position */
	uint64_t offset;   /* file offset of buf[0] */
	uint64_t file_pos; /* bytes read from the file */
	bool eof;
	bool sess_known;   /* sess is the session for times in [sess_from, sess_until) */
	bool ended;        /* reader_end was done */
	bool timed;        /* last_time is a record's */
	uint64_t count;
	uint64_t last_time; /* the latest record time taken (the recording's
			       start before the first): see judge_time */
	/* records whose times the recording cannot have (dropped), and those
	 * timed before the record ahead of them (clamped): the first and how
	 * many, said at the end of the file */
	uint64_t ndropped, drop_at, drop_time, drop_prev;
	int drop_why;
	uint64_t nback, back_at;
	struct session *sess;
	uint64_t sess_key;   /* the session part of a cache key; 0: do not cache */
	uint64_t sess_until;
	uint64_t sess_from;
};

/* a reader's buf before its first window and after its last */
static uint8_t no_bytes[RECORD_SIZE];

/* the reader whose buffer this thread reads, for map_fault */
static _Thread_local const struct asp_reader *cur_reader;
static struct sigaction map_old; /* the handler map_fault stands in front of */

static inline void reading(const struct asp_reader *r) { cur_reader = r; }

static void map_fault(int sig, siginfo_t *si, void *uc)
{
	const struct asp_reader *r = cur_reader;
	const uint8_t *at = si ? (const uint8_t *)si->si_addr : NULL;
	if (r && r->map && at >= r->map && at < r->map + r->map_len) {
		static const char pre[] = "asprof-batch: ",
				  post[] = ": the file was cut short while it was read\n";
		ssize_t rc = write(2, pre, sizeof(pre) - 1);
		rc = write(2, r->path, strlen(r->path));
		rc = write(2, post, sizeof(post) - 1);
		(void)rc;
		_exit(2);
	}
	/* not ours: as if we were not here (a fault returned from faults again) */
	if (map_old.sa_flags & SA_SIGINFO) {
		map_old.sa_sigaction(sig, si, uc);
	} else if (map_old.sa_handler != SIG_DFL && map_old.sa_handler != SIG_IGN) {
		map_old.sa_handler(sig);
	} else {
		signal(sig, SIG_DFL);
	}
}

static void map_guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = map_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &map_old);
}

/* A mapped file that shrinks under its reader (another program truncating
 * it) makes the next access raise SIGBUS: said as a read error of that
 * file, with exit status 2, where it would have been a crash. Installed
 * once, in front of the handler there was (a sanitizer's, a fuzzer's):
 * faults outside the reader's window go on to it. */
static void map_guard(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, map_guard_install);
}

struct asp_reader *asp_reader_open(struct asp_trace *t, size_t idx, char **err)
{
	const char *why;
	int fd = asp_open_file(t->datpaths[idx], &why);
	if (fd < 0) {
		asp_fail(err, "%s: %s", t->datpaths[idx], why);
		return NULL;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	struct asp_reader *r = xcalloc(1, sizeof(*r));
	r->t = t;
	r->path = t->datpaths[idx];
	r->tid = t->threads[idx];
	r->fd = fd;
	r->keep_fd = t->keep_fds;
	if (!r->keep_fd) {
		close(fd);
		r->fd = -1;
	}
	r->window = MAP_WINDOW_TOTAL / t->nthreads;
	if (r->window > MAP_WINDOW_MAX)
		r->window = MAP_WINDOW_MAX;
	if (r->window < READ_BUF_SIZE)
		r->window = READ_BUF_SIZE;
	r->bufsize = READ_BUF_SIZE;
	if (t->nthreads > READ_MAP_THREADS) {
		r->window = 0;
		r->bufsize = MAP_WINDOW_TOTAL / t->nthreads;
		if (r->bufsize < READ_BUF_MIN)
			r->bufsize = READ_BUF_MIN;
	}
	r->buf = no_bytes;
	r->last_time = t->time_lo;
	map_guard();
	if (t->threaded) {
		r->cache = xcalloc(SYM_CACHE_SIZE, sizeof(*r->cache)); /* key 0: empty */
		r->own_cache = true;
	} else {
		if (!t->cache)
			t->cache = xcalloc(SYM_CACHE_SIZE, sizeof(*t->cache));
		r->cache = t->cache;
	}
	return r;
}

/* the window or buffer let go (at the end of the file, or on close) */
static void reader_release(struct asp_reader *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
	free(r->own_buf);
	r->own_buf = NULL;
	r->buf = no_bytes;
	r->offset += r->pos;
	r->len = r->pos = 0;
	r->eof = true;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void asp_reader_close(struct asp_reader *r)
{
	if (!r)
		return;
	reader_release(r);
	if (r->own_cache)
		free(r->cache);
	free(r);
}

uint64_t asp_reader_count(const struct asp_reader *r) { return r->count; }

void asp_reader_set_tagger(struct asp_reader *r, asp_tag_fn fn, void *ctx,
			   struct asp_reader *share)
{
	r->tagger = fn;
	r->tag_ctx = ctx;
	if (share && share != r && share->own_cache && share->tagger == fn &&
	    share->tag_ctx == ctx && r->own_cache) {
		free(r->cache);
		r->cache = share->cache;
		r->own_cache = false;
		return;
	}
	memset(r->cache, 0, SYM_CACHE_SIZE * sizeof(*r->cache)); /* tagged from now on */
}

/* the window from the page holding the next byte: at least n bytes of it
 * unless the file ends first (then eof). 1: mapped, 0: mapping is not
 * possible here (the caller reads instead), -1: error */
static int map_window(struct asp_reader *r, size_t n, char **err)
{
	uint64_t at = r->offset + r->pos;
	struct stat st;
	if (fstat(r->fd, &st) < 0)
		return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
	uint64_t size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	if (r->map) {
		munmap(r->map, r->map_len);
		r->map = NULL;
	}
	uint64_t base = at & ~(uint64_t)4095;
	size_t want = r->window;
	if (want < (size_t)(at - base) + n)
		want = (size_t)(at - base) + n;
	if (size <= at) { /* nothing more */
		r->buf = no_bytes;
		r->offset = at;
		r->len = r->pos = 0;
		r->eof = true;
		return 1;
	}
	size_t len = size - base < want ? (size_t)(size - base) : want;
	void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->fd, (off_t)base);
	if (m == MAP_FAILED)
		return 0;
	r->map = r->buf = m;
	reading(r);
	r->map_len = len;
	r->offset = base;
	r->pos = (size_t)(at - base);
	r->len = len;
	r->file_pos = base + len;
	if (base + len >= size)
		r->eof = true;
	return 1;
}

/* make at least n bytes available at buf[pos]; returns bytes available */
static int fill(struct asp_reader *r, size_t n, char **err)
{
	if (r->len - r->pos >= n || r->eof)
		return 0;
	if (r->fd < 0) {
		r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0)
			return asp_fail(err, "%s: %s", r->path, strerror(errno));
		if (!r->window && r->file_pos && lseek(r->fd, (off_t)r->file_pos, SEEK_SET) < 0)
			return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
	}
	if (r->window) {
		int rc = map_window(r, n, err);
		if (rc < 0)
			return -1;
		if (rc == 0) { /* read from here on */
			r->window = 0;
			if (lseek(r->fd, (off_t)(r->offset + r->pos), SEEK_SET) < 0)
				return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
			r->offset += r->pos;
			r->file_pos = r->offset;
			r->buf = no_bytes;
			r->len = r->pos = 0;
			/* below malloc's mmap threshold: the heap, no new mapping
			 * (the mmap may have failed for want of one) */
			if (r->bufsize > READ_BUF_SIZE / 4)
				r->bufsize = READ_BUF_SIZE / 4;
		}
		if (r->window)
			goto done;
	}
	if (!r->own_buf) /* the first read (nothing is in buf) */
		r->buf = r->own_buf = xmalloc(r->bufsize);
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->offset += r->pos;
	r->len -= r->pos;
	r->pos = 0;
	if (n > r->bufsize) { /* a record larger than the buffer */
		r->bufsize = ASP_ALIGN(n, READ_BUF_MIN);
		r->buf = r->own_buf = xreallocarray(r->own_buf, r->bufsize, 1);
	}
	while (r->len < n && !r->eof) {
		ssize_t got = read(r->fd, r->buf + r->len, r->bufsize - r->len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
		}
		if (got == 0)
			r->eof = true;
		r->len += (size_t)got;
		r->file_pos += (uint64_t)got;
	}
done:
	if (r->eof || !r->keep_fd) {
		close(r->fd);
		r->fd = -1;
	}
	return 0;
}

static size_t avail(const struct asp_reader *r) { return r->len - r->pos; }

static void reader_session(struct asp_reader *r, uint64_t time)
{
	struct session *s = task_session(r->t, r->tid, time);
	size_t idx = s ? (size_t)(s - r->t->sess) + 1 : 0xffff;
	r->sess = s;
	r->sess_key = !s || idx < 0xffff ? (uint64_t)idx << 48 : 0;
	r->sess_known = true;
	/* the session stays valid until another session of any pid starts */
	r->sess_from = 0;
	r->sess_until = UINT64_MAX;
	for (size_t i = 0; i < r->t->nsess; i++) {
		uint64_t st = r->t->sess[i].time;
		if (st <= time && st > r->sess_from)
			r->sess_from = st;
		if (st > time && st < r->sess_until)
			r->sess_until = st;
	}
	/* the batch paths send later records to reader_next, which stops */
	if (r->sess_until > r->t->time_limit)
		r->sess_until = r->t->time_limit;
}

/* a cache miss: the lookup (under the lock when readers run on threads of
 * their own) into the entry, or into r->miss when the session has no key */
static __attribute__((noinline)) const struct asp_sym_ent *
reader_lookup_miss(struct asp_reader *r, struct asp_sym_ent *ce, uint64_t key, uint64_t addr)
{
	const struct asp_symbol *sym;
	if (r->t->threaded) {
		pthread_mutex_lock(&r->t->lookup_lock);
		sym = session_lookup(r->t, r->sess, addr);
		pthread_mutex_unlock(&r->t->lookup_lock);
	} else {
		sym = session_lookup(r->t, r->sess, addr);
	}
	if (!r->sess_key)
		ce = &r->miss;
	ce->key = key;
	ce->sym = sym;
	ce->id = sym ? sym->id : 0;
	ce->tag = sym && r->tagger ? r->tagger(r->tag_ctx, sym) : 0;
	return ce;
}

/* per record: a session range check and one probe of a direct-mapped cache,
 * shared by the trace's readers (one per thread would hold the same hot
 * functions several times over, out of the L1 cache), or the reader's own
 * when readers run on threads of their own */
static inline const struct asp_sym_ent *reader_lookup_ent(struct asp_reader *r, uint64_t time,
							    uint64_t addr)
{
	if (__builtin_expect(!r->sess_known || time < r->sess_from || time >= r->sess_until, 0))
		reader_session(r, time);
	uint64_t key = addr | r->sess_key;
	struct asp_sym_ent *ce = &r->cache[(key * 0x9E3779B97F4A7C15ULL) >> (64 - SYM_CACHE_BITS)];
	if (__builtin_expect(ce->key == key, 1))
		return ce;
	return reader_lookup_miss(r, ce, key, addr);
}

static inline const struct asp_symbol *reader_lookup(struct asp_reader *r, uint64_t time,
						     uint64_t addr)
{
	return reader_lookup_ent(r, time, addr)->sym;
}

/* the bulk paths' step: the record at p, when it is an entry or exit without
 * payload in the session the reader is in (before until, key sess_key)
 * and timed in [lo, lo + ASP_JUMP_NS] (lo: the thread's latest time, in
 * the session): its time, its word (type, depth: see asp_decode_record)
 * and its symbol's cache entry; NULL for anything else (reader_next takes
 * it) */
static inline const struct asp_sym_ent *plain_record(struct asp_reader *r, const uint8_t *p,
						       uint64_t lo, uint64_t until,
						       uint64_t sess_key, uint64_t *time,
						       uint64_t *w)
{
	memcpy(time, p, 8);
	memcpy(w, p + 8, 8);
	if ((*w & 0x3e) != (RECORD_MAGIC << 3) || *time - lo > ASP_JUMP_NS || *time >= until)
		return NULL;
	uint64_t addr = *w >> 16, key = addr | sess_key;
	const struct asp_sym_ent *ce =
		&r->cache[(key * 0x9E3779B97F4A7C15ULL) >> (64 - SYM_CACHE_BITS)];
	return ce->key == key ? ce : reader_lookup_ent(r, *time, addr);
}

/* the byte length of the argument data after a record, per its specs;
 * returns -1 when the data is not all in the buffer yet (need more) or
 * is malformed (*bad set) */
/* the offset of specs[n] in the argument data at p (have bytes), past
 * specs[0..n); -1 when a string's length is not in the data */
static int64_t args_offset(const uint8_t *p, size_t have, const struct asp_arg_spec *specs,
			   size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t size = specs[i].size;
		if (specs[i].fmt == ASP_ARG_STR || specs[i].fmt == ASP_ARG_STD_STRING) {
			if (len + 2 > have)
				return -1;
			uint16_t sl;
			memcpy(&sl, p + len, 2);
			len += 2;
			size = sl; /* an empty string still takes ALIGN(2, 4) bytes */
		}
		size_t total = len + size;
		if (total % 4)
			size += 4 - total % 4;
		len += size;
	}
	return (int64_t)len;
}

static int64_t args_length(const uint8_t *p, size_t have, const struct asp_arg_spec *specs,
			   size_t n, bool *bad)
{
	(void)bad;
	int64_t len = args_offset(p, have, specs, n);
	return len < 0 ? -1 : (int64_t)ASP_ALIGN((size_t)len, 8);
}

/* A record's time, judged against what the recording says about itself
 * (every record's but LOST's: uftrace writes 0 there).
 *   - Outside the recording (before its first session started, after its
 *     elapsed_time ended: set_time_limit): dropped.
 *   - Earlier than the thread's record before (times do not go back on a
 *     thread): clamped, taken at that record's time.
 *   - More than ASP_JUMP_NS after the record before: kept when the records
 *     after it (up to JUMP_WITNESSES) do not go back (a real gap: the
 *     thread slept), dropped when one does (a damaged time among times
 *     that agree). A thread's last
 *     record has no record after it: kept when the recording's end is
 *     known (the bound above holds it), dropped past ASP_LONE_JUMP_NS
 *     after the record before it when it is not. A record with a payload
 *     is judged by the bounds alone.
 * A dropped record is handed on as a LOST record of no records: what is
 * open on its thread ends at the record before (never at a time the
 * recording cannot have), and the records after it start afresh. Neither
 * a dropped nor a clamped time ever lengthens a poll past the times of
 * the records around it. Fast paths take a record only when its time is
 * in [last_time, last_time + ASP_JUMP_NS] and before time_limit: what this
 * keeps unchanged. Returns TIME_* or -1 (a read error, *err set). */
#define ASP_LONE_JUMP_NS 1000000000ULL
#define JUMP_WITNESSES 4
enum { TIME_KEEP, TIME_CLAMP, TIME_DROP };
enum { DROP_BEFORE = 1, DROP_AFTER, DROP_JUMP, DROP_LONE };

static int judge_time(struct asp_reader *r, const struct asp_raw_record *rec, int *why,
		      char **err)
{
	const struct asp_trace *t = r->t;
	uint64_t time = rec->time, prev = r->last_time;
	if (time < t->time_lo) {
		*why = DROP_BEFORE;
		return TIME_DROP;
	}
	if (time >= t->time_limit) {
		*why = DROP_AFTER;
		return TIME_DROP;
	}
	if (time < prev)
		return TIME_CLAMP;
	if (time - prev <= ASP_JUMP_NS || rec->more)
		return TIME_KEEP;
	/* the records after it, up to JUMP_WITNESSES of them (two damaged
	 * times in a row must not vouch for each other) and up to the first
	 * that has a payload or is not a record */
	if (fill(r, (1 + JUMP_WITNESSES) * RECORD_SIZE, err) < 0)
		return -1;
	size_t seen = 0;
	for (size_t k = 1; k <= JUMP_WITNESSES && avail(r) >= (k + 1) * RECORD_SIZE; k++) {
		struct asp_raw_record nx;
		asp_decode_record(r->buf + r->pos + k * RECORD_SIZE, &nx);
		if (nx.magic != RECORD_MAGIC || nx.type == ASP_REC_LOST)
			break;
		seen++;
		if (nx.time < time) {
			*why = DROP_JUMP;
			return TIME_DROP;
		}
		if (nx.more)
			break;
	}
	if (seen || avail(r) >= 2 * RECORD_SIZE)
		return TIME_KEEP;
	if (!t->has_elapsed && r->timed && time - prev > ASP_LONE_JUMP_NS) {
		*why = DROP_LONE;
		return TIME_DROP;
	}
	return TIME_KEEP;
}

/* a dropped record, as a LOST record of none (see judge_time) */
static void drop_event(struct asp_event *ev)
{
	ev->time = 0;
	ev->type = ASP_REC_LOST;
	ev->more = false;
	ev->addr = 0;
	ev->sym = NULL;
	ev->data = NULL;
	ev->data_len = 0;
	ev->specs = NULL;
	ev->nspecs = 0;
}

/* the end of the file: what judge_time did, said once per file, and the
 * window or buffer let go (a recording of many threads would otherwise keep
 * a mapping for every file it has finished) */
static void reader_end(struct asp_reader *r)
{
	if (r->ended)
		return;
	r->ended = true;
	reader_release(r);
	const struct asp_trace *t = r->t;
	if (r->ndropped) {
		char more[64] = "";
		if (r->ndropped > 1)
			snprintf(more, sizeof(more), ", and %" PRIu64 " more such record%s", r->ndropped - 1,
				 r->ndropped == 2 ? "" : "s");
		double s;
		const char *what;
		switch (r->drop_why) {
		case DROP_BEFORE:
			s = (double)(t->time_lo - r->drop_time) / 1e9;
			what = "before the recording started";
			break;
		case DROP_AFTER:
			s = (double)(r->drop_time - (t->time_limit - 1000000000ULL)) / 1e9;
			what = "after the recording ended (info's elapsed_time)";
			break;
		case DROP_JUMP:
			s = (double)(r->drop_time - r->drop_prev) / 1e9;
			what = "after the thread's record before it, while a record after it goes back";
			break;
		default:
			s = (double)(r->drop_time - r->drop_prev) / 1e9;
			what = "after the thread's record before it, as its last record, and info has no elapsed_time";
			break;
		}
		warnf(r->t, "%s: the record at offset %" PRIu64 " is timed %.3f s %s (time %" PRIu64 "): dropped%s; what was open on the thread ends at its record before",
		      r->path, r->drop_at, s, what, r->drop_time, more);
		__atomic_add_fetch(&r->t->dropped, r->ndropped, __ATOMIC_RELAXED);
	}
	if (r->nback)
		warnf(r->t, "%s: %" PRIu64 " record%s timed before the record ahead of %s (the first at offset %" PRIu64 "); taken at that record's time",
		      r->path, r->nback, r->nback == 1 ? " is" : "s are", r->nback == 1 ? "it" : "them",
		      r->back_at);
}

static int reader_next_slow(struct asp_reader *r, struct asp_event *ev, char **err)
{
	for (;;) {
		if (fill(r, RECORD_SIZE, err) < 0)
			return -1;
		if (avail(r) == 0) {
			reader_end(r);
			return 0;
		}
		if (avail(r) < RECORD_SIZE) {
			warnf(r->t, "%s: truncated record at offset %" PRIu64 " (%zu of 16 bytes); the rest of this thread is ignored",
			      r->path, r->offset + r->pos, avail(r));
			r->pos = r->len;
			reader_end(r);
			return 0;
		}
		struct asp_raw_record rec;
		asp_decode_record(r->buf + r->pos, &rec);
		uint64_t at = r->offset + r->pos;
		if (rec.magic != RECORD_MAGIC) {
			warnf(r->t, "%s: bad record magic at offset %" PRIu64 "; the rest of this thread is ignored",
			      r->path, at);
			r->pos = r->len;
			r->eof = true;
			reader_end(r);
			return 0;
		}
		int why = 0, verdict = TIME_KEEP;
		if (rec.type != ASP_REC_LOST) {
			verdict = judge_time(r, &rec, &why, err);
			if (verdict < 0)
				return -1;
		}
		if (verdict == TIME_CLAMP) {
			if (!r->nback++)
				r->back_at = at;
			rec.time = r->last_time;
		} else if (verdict == TIME_DROP) {
			if (!r->ndropped++) {
				r->drop_at = at;
				r->drop_time = rec.time;
				r->drop_prev = r->last_time;
				r->drop_why = why;
			}
			rec.time = r->last_time; /* for the payload's symbol */
		}
		r->pos += RECORD_SIZE;
		memset(ev, 0, sizeof(*ev));
		ev->time = rec.time;
		ev->tid = r->tid;
		ev->type = (uint8_t)rec.type;
		ev->more = rec.more;
		ev->depth = (uint16_t)rec.depth;
		ev->addr = rec.addr;
		if (rec.type == ASP_REC_ENTRY || rec.type == ASP_REC_EXIT)
			ev->sym = reader_lookup(r, rec.time, rec.addr);
		if (rec.more) {
			size_t need;
			if (rec.type == ASP_REC_EVENT) {
				if (fill(r, 2, err) < 0)
					return -1;
				if (avail(r) < 2)
					goto truncated;
				uint16_t elen;
				memcpy(&elen, r->buf + r->pos, 2);
				need = ASP_ALIGN((size_t)elen + 2, 8);
				if (fill(r, need, err) < 0)
					return -1;
				if (avail(r) < need)
					goto truncated;
				ev->data = r->buf + r->pos + 2;
				ev->data_len = elen;
			} else if ((rec.type == ASP_REC_ENTRY || rec.type == ASP_REC_EXIT) && ev->sym &&
				   ev->sym->args &&
				   (rec.type == ASP_REC_ENTRY ? ev->sym->args->nargs : ev->sym->args->nrets)) {
				const struct asp_fn_args *fa = ev->sym->args;
				ev->specs = rec.type == ASP_REC_ENTRY ? fa->args : fa->rets;
				ev->nspecs = rec.type == ASP_REC_ENTRY ? fa->nargs : fa->nrets;
				bool bad = false;
				int64_t l;
				/* strings make the length depend on the data: grow until known */
				size_t want = 64;
				for (;;) {
					if (fill(r, want, err) < 0)
						return -1;
					l = args_length(r->buf + r->pos, avail(r), ev->specs, ev->nspecs, &bad);
					if (l >= 0 || avail(r) < want)
						break;
					want *= 2;
				}
				if (l < 0)
					goto truncated;
				need = (size_t)l;
				if (fill(r, need, err) < 0)
					return -1;
				if (avail(r) < need)
					goto truncated;
				ev->data = r->buf + r->pos;
				ev->data_len = (uint32_t)need;
			} else {
				/* data we have no layout for: find the next plausible
				 * record (magic, non-decreasing time) 8 bytes at a time */
				/* once: the cause is info's argspec, whatever the function */
				if (!__atomic_exchange_n(&r->t->warned_no_spec, true, __ATOMIC_RELAXED))
					warnf(r->t, "%s: data after a record of %s at offset %" PRIu64 " has no matching argument spec in %s/info; skipped, as any more such data",
					      r->path, ev->sym ? asp_symbol_name(ev->sym) : "an unknown function", at,
					      r->t->dir);
				need = 0;
				for (;;) {
					if (fill(r, need + RECORD_SIZE, err) < 0)
						return -1;
					if (avail(r) < need + RECORD_SIZE) {
						need = avail(r);
						break;
					}
					struct asp_raw_record nx;
					asp_decode_record(r->buf + r->pos + need, &nx);
					if (nx.magic == RECORD_MAGIC && nx.time >= rec.time &&
					    nx.time - rec.time < 3600ULL * 1000000000ULL)
						break;
					need += 8;
				}
			}
			r->pos += need;
		}
		r->count++;
		if (verdict == TIME_DROP)
			drop_event(ev);
		else if (rec.type != ASP_REC_LOST) {
			r->last_time = rec.time;
			r->timed = true;
		}
		return 1;
	truncated:
		warnf(r->t, "%s: truncated data after the record at offset %" PRIu64 "; the rest of this thread is ignored",
		      r->path, at);
		r->pos = r->len;
		r->count++;
		ev->data = NULL;
		ev->data_len = 0;
		ev->specs = NULL;
		ev->nspecs = 0;
		if (verdict == TIME_DROP)
			drop_event(ev);
		else if (rec.type != ASP_REC_LOST) {
			r->last_time = rec.time;
			r->timed = true;
		}
		return 1;
	}
}

/* the common record, an entry or exit without payload, decoded in place;
 * everything else (payloads, LOST, EVENT, bad magic, refills) goes to
 * reader_next_slow */
static inline int reader_next(struct asp_reader *r, struct asp_event *ev, char **err)
{
	reading(r);
	if (__builtin_expect(r->len - r->pos >= RECORD_SIZE, 1)) {
		uint64_t time, w;
		memcpy(&time, r->buf + r->pos, 8);
		memcpy(&w, r->buf + r->pos + 8, 8);
		/* magic 5, more 0, type ENTRY or EXIT */
		if (__builtin_expect((w & 0x3e) == (RECORD_MAGIC << 3) &&
				     time - r->last_time <= ASP_JUMP_NS && time < r->t->time_limit,
				     1)) {
			r->pos += RECORD_SIZE;
			ev->time = time;
			ev->tid = r->tid;
			ev->type = (uint8_t)(w & 1);
			ev->more = false;
			ev->depth = (uint16_t)((w >> 6) & 0x3ff);
			ev->addr = w >> 16;
			ev->sym = reader_lookup(r, time, w >> 16);
			ev->data = NULL;
			ev->data_len = 0;
			ev->specs = NULL;
			ev->nspecs = 0;
			r->count++;
			r->last_time = time;
			r->timed = true;
			return 1;
		}
	}
	return reader_next_slow(r, ev, err);
}

int asp_reader_next(struct asp_reader *r, struct asp_event *ev, char **err)
{
	return reader_next(r, ev, err);
}

void asp_reader_cursor(struct asp_reader *r, struct asp_cursor *c)
{
	reading(r);
	size_t n = (r->len - r->pos) / RECORD_SIZE;
	c->r = r;
	c->p = r->buf + r->pos;
	c->end = c->p + n * RECORD_SIZE;
	if (n && !r->sess_known) {
		uint64_t time;
		memcpy(&time, c->p, 8);
		reader_session(r, time);
	}
	c->first = r->last_time;
	c->until = r->sess_until;
	c->sess_key = r->sess_key;
	c->cache = r->cache;
	/* nothing to read, or the latest time is not in the session: no
	 * record is plain (reader_next takes the next) */
	if (!r->sess_known || r->last_time < r->sess_from)
		c->first = c->until = 0;
}

void asp_reader_consumed(struct asp_reader *r, const uint8_t *p)
{
	size_t pos = (size_t)(p - r->buf);
	if (pos == r->pos)
		return;
	r->count += (pos - r->pos) / RECORD_SIZE;
	memcpy(&r->last_time, p - RECORD_SIZE, 8);
	r->timed = true;
	r->pos = pos;
}

const struct asp_sym_ent *asp_cursor_miss(struct asp_reader *r, uint64_t time, uint64_t addr)
{
	return reader_lookup_ent(r, time, addr);
}

/* ---------------------------------------------------------------- args */

bool asp_event_arg1(const struct asp_event *ev, uint64_t *val)
{
	if (ev->type != ASP_REC_ENTRY || !ev->data || !ev->nspecs)
		return false;
	/* the integer arg1 (the first register), wherever the layout has it */
	for (size_t i = 0; i < ev->nspecs; i++) {
		const struct asp_arg_spec *s = &ev->specs[i];
		if (s->type != ASP_ARGT_INDEX || s->idx != 1)
			continue;
		int64_t off = args_offset(ev->data, ev->data_len, ev->specs, i);
		if (off < 0 || s->fmt == ASP_ARG_STR || s->fmt == ASP_ARG_STD_STRING ||
		    s->fmt == ASP_ARG_FLOAT || s->fmt == ASP_ARG_STRUCT || s->size > 8 ||
		    (size_t)off + s->size > ev->data_len)
			return false;
		uint64_t v = 0;
		memcpy(&v, ev->data + off, s->size);
		*val = v;
		return true;
	}
	return false;
}

char *asp_event_format_args(const struct asp_event *ev)
{
	if (!ev->data || !ev->nspecs || ev->type == ASP_REC_EVENT)
		return NULL;
	struct asp_buf b = { 0 };
	size_t off = 0;
	for (size_t i = 0; i < ev->nspecs; i++) {
		const struct asp_arg_spec *s = &ev->specs[i];
		size_t size = s->size;
		if (i)
			asp_buf_append(&b, ", ", 2);
		if (s->fmt == ASP_ARG_STR || s->fmt == ASP_ARG_STD_STRING) {
			if (off + 2 > ev->data_len)
				break;
			uint16_t sl;
			memcpy(&sl, ev->data + off, 2);
			off += 2;
			size = sl;
			if (off + size > ev->data_len)
				break;
			asp_buf_append(&b, "\"", 1);
			for (size_t k = 0; k < size; k++) {
				unsigned char c = ev->data[off + k];
				if (c == '"' || c == '\\')
					asp_buf_printf(&b, "\\%c", c);
				else if (c < 0x20 || c >= 0x7f)
					asp_buf_printf(&b, "\\x%02x", c);
				else
					asp_buf_append(&b, (const char *)&c, 1);
			}
			asp_buf_append(&b, "\"", 1);
		} else if (size) {
			if (off + size > ev->data_len)
				break;
			uint64_t v = 0;
			if (s->fmt == ASP_ARG_FLOAT && size == 8) {
				double d;
				memcpy(&d, ev->data + off, 8);
				asp_buf_printf(&b, "%g", d);
			} else if (s->fmt == ASP_ARG_FLOAT && size == 4) {
				float f;
				memcpy(&f, ev->data + off, 4);
				asp_buf_printf(&b, "%g", (double)f);
			} else if (size <= 8) {
				memcpy(&v, ev->data + off, size);
				if (s->fmt == ASP_ARG_SINT || (s->fmt == ASP_ARG_AUTO && size < 8)) {
					int64_t sv = (int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size);
					asp_buf_printf(&b, "%" PRId64, sv);
				} else if (s->fmt == ASP_ARG_UINT)
					asp_buf_printf(&b, "%" PRIu64, v);
				else if (s->fmt == ASP_ARG_OCT)
					asp_buf_printf(&b, "0%" PRIo64, v);
				else if (s->fmt == ASP_ARG_CHAR)
					asp_buf_printf(&b, "'%c'", (v >= 0x20 && v < 0x7f) ? (int)v : '?');
				else
					asp_buf_printf(&b, "%#" PRIx64, v);
			} else {
				asp_buf_printf(&b, "<%zu bytes>", size);
			}
		}
		size_t total = off + size;
		if (total % 4)
			size += 4 - total % 4;
		off += size;
	}
	return b.data ? b.data : xstrdup("");
}

/* ---------------------------------------------------------------- arena */

void asp_arena_keep(struct asp_arena *a, struct asp_event *ev)
{
	if (!ev->data)
		return;
	/* allocated even for an empty payload: no offset from NULL */
	if (!a->p || a->len + ev->data_len > a->cap) {
		a->cap = 2 * (a->len + ev->data_len) + 4096;
		a->p = xrealloc(a->p, a->cap);
	}
	memcpy(a->p + a->len, ev->data, ev->data_len);
	/* an offset + 1 until the arena stops moving */
	ev->data = (const uint8_t *)(uintptr_t)(a->len + 1);
	a->len += ASP_ALIGN(ev->data_len, 8);
}

void asp_arena_fix(const struct asp_arena *a, struct asp_event *ev)
{
	if (ev->data)
		ev->data = a->p + ((uintptr_t)ev->data - 1);
}

/* ---------------------------------------------------------------- merger */

/* heap entries carry their reader's head time: comparisons touch nothing else */
struct heap_ent {
	uint64_t time;
	size_t idx;
};

struct asp_merger {
	struct asp_reader **r;
	struct asp_event *head;
	struct heap_ent *heap; /* readers with a head event, min-heap on (time, idx) */
	size_t n, nheap;
	/* the root's event was handed out: its reader advances on the next
	 * call (so the event and its payload stay valid until then) */
	bool advance;
	/* the smallest head below the root: while the root's reader stays
	 * below it, the heap needs no work */
	struct heap_ent bound;
};

static inline bool heap_less(const struct heap_ent *a, const struct heap_ent *b)
{
	return a->time < b->time || (a->time == b->time && a->idx < b->idx);
}

static void heap_down(struct asp_merger *m, size_t i)
{
	struct heap_ent *h = m->heap;
	for (;;) {
		size_t l = 2 * i + 1, rr = l + 1, s = i;
		if (l < m->nheap && heap_less(&h[l], &h[s]))
			s = l;
		if (rr < m->nheap && heap_less(&h[rr], &h[s]))
			s = rr;
		if (s == i)
			return;
		struct heap_ent tmp = h[i];
		h[i] = h[s];
		h[s] = tmp;
		i = s;
	}
}

static void set_bound(struct asp_merger *m)
{
	if (m->nheap < 2)
		return;
	m->bound = m->heap[1];
	if (m->nheap > 2 && heap_less(&m->heap[2], &m->bound))
		m->bound = m->heap[2];
}

void asp_merger_close(struct asp_merger *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		asp_reader_close(m->r[i]);
	free(m->r);
	free(m->head);
	free(m->heap);
	free(m);
}

struct asp_merger *asp_merger_open(struct asp_trace *t, char **err)
{
	struct asp_merger *m = xcalloc(1, sizeof(*m));
	m->n = asp_trace_nthreads(t);
	m->r = xcalloc(m->n, sizeof(*m->r));
	m->head = xcalloc(m->n, sizeof(*m->head));
	m->heap = xcalloc(m->n, sizeof(*m->heap));
	for (size_t i = 0; i < m->n; i++) {
		m->r[i] = asp_reader_open(t, i, err);
		if (!m->r[i]) {
			asp_merger_close(m);
			return NULL;
		}
		int rc = asp_reader_next(m->r[i], &m->head[i], err);
		if (rc < 0) {
			asp_merger_close(m);
			return NULL;
		}
		if (rc > 0)
			m->heap[m->nheap++] = (struct heap_ent){ m->head[i].time, i };
	}
	for (size_t i = m->nheap; i-- > 0;)
		heap_down(m, i);
	set_bound(m);
	return m;
}

/* the root's reader has a new head, at time */
static inline void root_moved(struct asp_merger *m, uint64_t time)
{
	m->heap[0].time = time;
	if (m->nheap > 1 && heap_less(&m->bound, &m->heap[0])) {
		if (m->nheap <= 3) {
			/* the root's children are leaves: swap with the smaller */
			size_t c = m->nheap == 3 && m->heap[2].idx == m->bound.idx ? 2 : 1;
			struct heap_ent tmp = m->heap[0];
			m->heap[0] = m->heap[c];
			m->heap[c] = tmp;
		} else {
			heap_down(m, 0);
		}
		set_bound(m);
	}
}

/* the root's reader hands out its next record; the heap follows */
static int merger_advance(struct asp_merger *m, char **err)
{
	m->advance = false;
	size_t i = m->heap[0].idx;
	int rc = reader_next(m->r[i], &m->head[i], err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		m->heap[0] = m->heap[--m->nheap];
		heap_down(m, 0);
		set_bound(m);
		return 0;
	}
	root_moved(m, m->head[i].time);
	return 0;
}

int asp_merger_next_ref(struct asp_merger *m, const struct asp_event **ev, char **err)
{
	if (m->advance && merger_advance(m, err) < 0)
		return -1;
	if (m->nheap == 0)
		return 0;
	*ev = &m->head[m->heap[0].idx];
	m->advance = true;
	return 1;
}

int asp_merger_next_batch(struct asp_merger *m, struct asp_rec *recs, size_t max, size_t *n,
			  size_t *thread, const struct asp_event **ev, char **err)
{
	if (m->advance && merger_advance(m, err) < 0)
		return -1;
	if (m->nheap == 0)
		return 0;
	size_t i = m->heap[0].idx;
	const struct asp_event *h = &m->head[i];
	m->advance = true; /* for a batch: the record after it becomes the head */
	if (h->more || h->type > ASP_REC_EXIT || max == 0) {
		*ev = h;
		return 1;
	}
	*ev = NULL;
	*thread = i;
	recs[0] = (struct asp_rec){ h->time, h->sym, h->depth, h->type, 0, 0 };
	/* then the reader's records decoded in place while they are plain and
	 * in the reader's current session (else reader_next takes over) and
	 * below every other thread's head (ties: the lower index first) */
	struct asp_reader *r = m->r[i];
	uint64_t last = UINT64_MAX; /* the latest time before another thread's turn */
	if (m->nheap > 1)
		last = i < m->bound.idx ? m->bound.time : m->bound.time - 1;
	const uint8_t *buf = r->buf;
	reading(r);
	size_t pos = r->pos, k = 1;
	if (max > (r->len - pos) / RECORD_SIZE + 1)
		max = (r->len - pos) / RECORD_SIZE + 1;
	bool switched = false;
	/* in locals: stores to recs could alias them */
	const uint64_t until = r->sess_until, sess_key = r->sess_key;
	uint64_t lo = r->last_time; /* the head's: in the session */
	while (k < max) {
		uint64_t time, w;
		const struct asp_sym_ent *ce =
			plain_record(r, buf + pos, lo, until, sess_key, &time, &w);
		if (!ce)
			break;
		lo = time;
		const struct asp_symbol *sym = ce->sym;
		uint64_t addr = w >> 16;
		pos += RECORD_SIZE;
		if (time > last) {
			/* another thread's turn: this record is the reader's new
			 * head, as merger_advance would make it */
			struct asp_event *hd = &m->head[i];
			hd->time = time;
			hd->type = (uint8_t)(w & 1);
			hd->depth = (uint16_t)((w >> 6) & 0x3ff);
			hd->addr = addr;
			hd->sym = sym;
			/* tid, more, data, specs: as the plain record before */
			switched = true;
			break;
		}
		recs[k++] = (struct asp_rec){ time, sym, (uint16_t)((w >> 6) & 0x3ff), (uint8_t)(w & 1),
					      0, 0 };
	}
	r->pos = pos;
	r->count += k - 1 + switched;
	if (switched) {
		r->last_time = m->head[i].time;
		r->timed = true;
		m->advance = false;
		root_moved(m, m->head[i].time);
	} else if (k > 1) {
		r->last_time = recs[k - 1].time;
		r->timed = true;
	}
	*n = k;
	return 1;
}

int asp_merger_next(struct asp_merger *m, struct asp_event *ev, char **err)
{
	const struct asp_event *e;
	int rc = asp_merger_next_ref(m, &e, err);
	if (rc > 0)
		*ev = *e;
	return rc;
}

/* ---------------------------------------------------------------- stream */

/* asp_merger_next_batch's sequence, produced on a thread of its own: the
 * decoder thread reads, resolves and merges every thread's records into
 * chunks (runs of plain records of one thread, and the other records with
 * their payloads copied) that the caller consumes from a small ring. The
 * decoder is the only thread that touches the readers, the symbol cache and
 * the modules while the stream is open. */

struct segment {
	uint32_t thread;
	uint32_t n;   /* records from the chunk's next unread one on */
	int32_t ev;   /* or: an event, its index in evs; -1 */
};

struct chunk {
	struct asp_rec *recs;
	size_t nrec;
	struct segment *segs;
	size_t nseg;
	struct asp_event *evs;
	size_t nev;
	struct asp_arena arena; /* the events' payloads */
	int rc;               /* the last chunk: 0 at the end, -1 on an error */
	bool last;
	char *err;
};
#define STREAM_RECS 8192
#define STREAM_SEGS 2048
#define STREAM_EVENTS 512
#define STREAM_ARENA (64 * 1024)
#define STREAM_CHUNKS 4

struct asp_stream {
	struct asp_merger *m;
	pthread_t decoder;
	bool running, stop;
	pthread_mutex_t lock;
	pthread_cond_t data, space;
	struct chunk *ring[STREAM_CHUNKS]; /* decoded, in order */
	size_t head, count;
	struct chunk *free[STREAM_CHUNKS];
	size_t nfree;
	struct chunk *cur;   /* the caller's */
	size_t seg, rec;     /* the caller's next segment and record in cur */
};

static struct chunk *chunk_new(void)
{
	struct chunk *c = xcalloc(1, sizeof(*c));
	c->recs = xmalloc(STREAM_RECS * sizeof(*c->recs));
	c->segs = xmalloc(STREAM_SEGS * sizeof(*c->segs));
	c->evs = xmalloc(STREAM_EVENTS * sizeof(*c->evs));
	return c;
}

static void chunk_free(struct chunk *c)
{
	if (!c)
		return;
	free(c->recs);
	free(c->segs);
	free(c->evs);
	free(c->arena.p);
	free(c->err);
	free(c);
}

/* the merger's next batches into c, until c is full or the stream ends */
static void chunk_fill(struct asp_merger *m, struct chunk *c)
{
	c->nrec = c->nseg = c->nev = c->arena.len = 0;
	c->last = false;
	while (c->nseg < STREAM_SEGS && c->nev < STREAM_EVENTS && c->nrec < STREAM_RECS &&
	       c->arena.len <= STREAM_ARENA) {
		size_t n = 0, thread = 0;
		const struct asp_event *ev;
		int rc = asp_merger_next_batch(m, c->recs + c->nrec, STREAM_RECS - c->nrec, &n, &thread,
					       &ev, &c->err);
		if (rc <= 0) {
			c->rc = rc;
			c->last = true;
			break;
		}
		struct segment *sg = &c->segs[c->nseg++];
		sg->thread = (uint32_t)thread;
		if (!ev) {
			sg->n = (uint32_t)n;
			sg->ev = -1;
			c->nrec += n;
			continue;
		}
		struct asp_event *e = &c->evs[c->nev];
		*e = *ev;
		asp_arena_keep(&c->arena, e);
		sg->n = 0;
		sg->ev = (int32_t)c->nev++;
	}
	for (size_t i = 0; i < c->nev; i++)
		asp_arena_fix(&c->arena, &c->evs[i]);
}

static void *decoder_main(void *arg)
{
	struct asp_stream *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->stop && s->nfree == 0)
			pthread_cond_wait(&s->space, &s->lock);
		if (s->stop)
			break;
		struct chunk *c = s->free[--s->nfree];
		pthread_mutex_unlock(&s->lock);
		chunk_fill(s->m, c);
		pthread_mutex_lock(&s->lock);
		s->ring[(s->head + s->count++) % STREAM_CHUNKS] = c;
		pthread_cond_signal(&s->data);
		if (c->last)
			break;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void asp_stream_close(struct asp_stream *s)
{
	if (!s)
		return;
	if (s->running) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_broadcast(&s->space);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->decoder, NULL);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->data);
	pthread_cond_destroy(&s->space);
	for (size_t i = 0; i < s->nfree; i++)
		chunk_free(s->free[i]);
	for (size_t i = 0; i < s->count; i++)
		chunk_free(s->ring[(s->head + i) % STREAM_CHUNKS]);
	chunk_free(s->cur);
	asp_merger_close(s->m);
	free(s);
}

struct asp_stream *asp_stream_open(struct asp_trace *t, char **err)
{
	struct asp_merger *m = asp_merger_open(t, err);
	if (!m)
		return NULL;
	struct asp_stream *s = xcalloc(1, sizeof(*s));
	s->m = m;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->data, NULL);
	pthread_cond_init(&s->space, NULL);
	for (size_t i = 0; i < STREAM_CHUNKS; i++)
		s->free[s->nfree++] = chunk_new();
	if (asp_thread_create(&s->decoder, decoder_main, s) != 0) {
		asp_fail(err, "%s: cannot start a thread", t->dir);
		asp_stream_close(s);
		return NULL;
	}
	s->running = true;
	return s;
}

int asp_stream_next(struct asp_stream *s, const struct asp_rec **recs, size_t *n, size_t *thread,
		    const struct asp_event **ev, char **err)
{
	struct chunk *c = s->cur;
	while (!c || s->seg == c->nseg) {
		if (c && c->last) {
			if (c->rc < 0) {
				*err = c->err;
				c->err = NULL;
			}
			return c->rc;
		}
		pthread_mutex_lock(&s->lock);
		if (c) {
			s->free[s->nfree++] = c;
			pthread_cond_signal(&s->space);
		}
		while (s->count == 0)
			pthread_cond_wait(&s->data, &s->lock);
		c = s->cur = s->ring[s->head];
		s->head = (s->head + 1) % STREAM_CHUNKS;
		s->count--;
		pthread_mutex_unlock(&s->lock);
		s->seg = s->rec = 0;
	}
	const struct segment *sg = &c->segs[s->seg++];
	*thread = sg->thread;
	if (sg->ev >= 0) {
		*ev = &c->evs[sg->ev];
		return 1;
	}
	*ev = NULL;
	*recs = c->recs + s->rec;
	*n = sg->n;
	s->rec += sg->n;
	return 1;
}
