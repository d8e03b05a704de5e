/* symbols.c - the modules a recording maps and their symbol files
 * (<module>.sym: "# symbols: N", "# path name:", "# build-id:" header
 * lines, then a symbol a line, module-relative address, nm type and
 * mangled name), loaded when an address first falls into a module; an
 * address resolved to its symbol by binary search. */
#include "ingest-private.h"
#include "demangle.h"
#include "analysis/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct asp_module *get_module(struct asp_trace *t, const char *path, const char *build_id)
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

/* the module's symbol file (ext "sym") or debug file ("dbg": srcline.c),
 * or NULL and *why: what is wrong with DIR/NAME.ext (malloc'd) */
char *module_file(struct asp_trace *t, const struct asp_module *m, const char *ext, char **why)
{
	char *name = xasprintf("%s.%s", m->basename, ext);
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
	/* uftrace names the second module of the same basename NAME-<bid4>.sym
	 * (and .dbg) */
	if (m->build_id && strlen(m->build_id) >= 4)
		name = xasprintf("%s-%.4s.%s", m->basename, m->build_id, ext);
	else {
		uint16_t csum = 0;
		for (const char *p = m->path; *p; p++)
			csum += (uint16_t)(int)*p;
		name = xasprintf("%s-%04x.%s", m->basename, csum, ext);
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

/* a session's program: the mapping of its exename, else one of its name */
struct asp_module *session_program(const struct session *s)
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
/* Symbol file lines: "%016lx %c %s" (0.13) or "%016lx %08x %c %s" (newer).
 * Garbage lines are skipped, as uftrace does. */
static void load_symbols(struct asp_trace *t, struct asp_module *m, char **none)
{
	m->loaded = true;
	char *why_not;
	char *file = module_file(t, m, "sym", &why_not);
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

void load_module(struct asp_trace *t, struct asp_module *m)
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

const struct asp_symbol *module_find(struct asp_trace *t, struct asp_module *m,
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
