/* srcline.c - the source lines of a recording made with `uftrace record
 * --srcline`: <module>.dbg beside <module>.sym ("# path name:", "#
 * build-id:" header lines, then per function "F: <hex module-relative
 * address> <name>" and "L: <line> <file>", the line its definition starts
 * at; "A:", "R:" and "E:" lines are argument specs and enums, not ours).
 * uftrace 0.13 writes it in utils/dwarf.c (save_debug_entries) for every
 * function of the module its DWARF names, and reads it back as this does:
 * a line of any other shape makes the whole file invalid.
 *
 * A function is found by its address, as symbols.c places it from .sym:
 * the names of .dbg are uftrace's own (legacy Rust names demangled its
 * way), the addresses the same as in .sym. Read once per module, at the
 * first lookup. The file is input: a malformed one (a line of another
 * shape, an L: before any F:, a bad number, a line longer than
 * DBG_LINE_MAX) is warned once, naming the file and line, and gives no
 * source lines; a missing L: leaves its function without one, a repeated
 * F: keeps the first. File names are made UTF-8 as symbol names are. */
#include "ingest-private.h"
#include "analysis/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* longer lines than this are not uftrace's (a mangled name of a few KiB,
 * a file name of at most PATH_MAX) */
#define DBG_LINE_MAX (1u << 20)

struct srcloc {
	uint64_t addr;
	uint32_t line;
	uint32_t file;  /* index in m->files */
	uint32_t order; /* in the file: the first of one address wins */
	char *text;     /* "file:line", made at the first lookup */
};

void module_free_srclines(struct asp_module *m)
{
	for (size_t i = 0; i < m->nlocs; i++)
		free(m->locs[i].text);
	free(m->locs);
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	m->locs = NULL;
	m->files = NULL;
	m->nlocs = m->nfiles = 0;
}

static int loc_cmp(const void *a, const void *b)
{
	const struct srcloc *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* one "L: <line> <file>" (after "L: "): the line and the file, or false */
static bool parse_loc(char *s, uint32_t *line, char **file)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || v > UINT32_MAX || *end != ' ')
		return false;
	*line = (uint32_t)v;
	*file = end + 1;
	return true;
}

/* the file's locations into m; a malformed line: a warning, and none */
static void read_dbg(struct asp_trace *t, struct asp_module *m, const char *file, FILE *fp)
{
	char *line = NULL;
	size_t cap = 0, alloc = 0, falloc = 0;
	ssize_t len;
	bool too_long, have_f = false, have_l = false;
	uint64_t addr = 0;
	unsigned long lineno = 0;
	const char *bad = NULL;
	while ((len = asp_getline(&line, &cap, fp, DBG_LINE_MAX, &too_long)) > 0) {
		lineno++;
		if (too_long) {
			bad = "a line longer than 1 MiB";
			break;
		}
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if ((size_t)len != strlen(line)) {
			bad = "a NUL byte in a line";
			break;
		}
		if (line[0] == '#')
			continue;
		if (len < 3 || line[1] != ':' || line[2] != ' ' || !strchr("FLARE", line[0])) {
			bad = "not an F:, L:, A:, R: or E: line";
			break;
		}
		if (line[0] == 'F') {
			char *end;
			errno = 0;
			addr = strtoull(line + 3, &end, 16);
			if (end == line + 3 || errno || line[3] == '-' || line[3] == '+' ||
			    (*end != ' ' && *end != '\0')) {
				bad = "F: without a hex address";
				break;
			}
			have_f = true;
			have_l = false;
			continue;
		}
		if (line[0] != 'L')
			continue; /* argument specs and enums */
		uint32_t ln;
		char *name;
		if (!have_f) {
			bad = "L: before any F:";
			break;
		}
		if (!parse_loc(line + 3, &ln, &name)) {
			bad = "L: without a line number and a file";
			break;
		}
		/* a second L: of one function, line 0 (none) or no file: no line */
		if (have_l || ln == 0 || !*name)
			continue;
		have_l = true;
		if (!m->nfiles || strcmp(m->files[m->nfiles - 1], name)) {
			if (m->nfiles == falloc) {
				falloc = falloc ? falloc * 2 : 64;
				m->files = xreallocarray(m->files, falloc, sizeof(*m->files));
			}
			/* as symbol names: bytes that are not UTF-8 and controls
			 * become '?' (every writer takes names as UTF-8) */
			m->files[m->nfiles++] = asp_utf8_fix(xstrdup(name));
		}
		if (m->nlocs == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			m->locs = xreallocarray(m->locs, alloc, sizeof(*m->locs));
		}
		if (m->nlocs == UINT32_MAX) {
			bad = "more source lines than can be kept";
			break;
		}
		m->locs[m->nlocs] = (struct srcloc){ .addr = addr, .line = ln,
						     .file = (uint32_t)(m->nfiles - 1),
						     .order = (uint32_t)m->nlocs };
		m->nlocs++;
	}
	if (!bad && ferror(fp))
		bad = "a read error";
	free(line);
	if (bad) {
		warnf(t, "%s:%lu: %s; the file is left out: functions of %s have no source lines",
		      file, lineno, bad, m->path);
		module_free_srclines(m);
		return;
	}
	asp_qsort(m->locs, m->nlocs, sizeof(*m->locs), loc_cmp);
	size_t kept = 0; /* one location an address: its first */
	for (size_t i = 0; i < m->nlocs; i++)
		if (!kept || m->locs[kept - 1].addr != m->locs[i].addr)
			m->locs[kept++] = m->locs[i];
	m->nlocs = kept;
}

static void load_srclines(struct asp_trace *t, struct asp_module *m)
{
	m->dbg_loaded = true;
	char *why = NULL;
	char *file = module_file(t, m, "dbg", &why);
	free(why); /* another module's: no lines, as without one */
	if (!file)
		return;
	const char *err;
	FILE *fp = asp_fopen_file(file, &err);
	if (!fp)
		warnf(t, "%s: %s; functions of %s have no source lines", file, err, m->path);
	else {
		read_dbg(t, m, file, fp);
		fclose(fp);
	}
	free(file);
}

static const char *srcline_of(struct asp_trace *t, const struct asp_symbol *sym)
{
	struct asp_module *m = (struct asp_module *)sym->mod;
	if (!m->dbg_loaded)
		load_srclines(t, m);
	size_t lo = 0, hi = m->nlocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct srcloc *l = &m->locs[mid];
		if (l->addr < sym->addr)
			lo = mid + 1;
		else if (l->addr > sym->addr)
			hi = mid;
		else {
			if (!l->text)
				l->text = xasprintf("%s:%u", m->files[l->file], l->line);
			return l->text;
		}
	}
	return NULL;
}

const char *asp_trace_srcline(struct asp_trace *t, const struct asp_symbol *sym)
{
	if (!sym || !sym->mod)
		return NULL;
	if (!t->threaded)
		return srcline_of(t, sym);
	pthread_mutex_lock(&t->lookup_lock);
	const char *s = srcline_of(t, sym);
	pthread_mutex_unlock(&t->lookup_lock);
	return s;
}
