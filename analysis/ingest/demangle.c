/* demangle.c - wrapper around libiberty's demanglers, with a bound; and
 * a symbol's name, demangled once (asp_symbol_name).
 *
 * A name's back-references (v0) or substitutions (C++) can double its
 * output at each level: a 266-byte v0 name spelled out in gigabytes. The
 * demanglers' callback forms write through us; past DEMANGLE_MAX bytes we
 * leave them with longjmp (they allocate nothing: all their state is on
 * the stack) and keep the mangled name. */
#include "demangle.h"
#include "ingest.h"
#include "analysis/util.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>

/* longer than any real Rust name (nested generic types run to a few KiB) */
#define DEMANGLE_MAX (256u * 1024)

struct out {
	char *p;
	size_t n, cap;
	jmp_buf too_long;
};

static void put(const char *s, size_t len, void *opaque)
{
	struct out *o = opaque;
	if (!len) /* libiberty passes (NULL, 0) for an empty identifier */
		return;
	if (len > DEMANGLE_MAX - o->n)
		longjmp(o->too_long, 1);
	if (o->n + len + 1 > o->cap) {
		while (o->n + len + 1 > o->cap)
			o->cap = o->cap ? 2 * o->cap : 256;
		o->p = xrealloc(o->p, o->cap);
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
	o->p[o->n] = '\0';
}

/* the demangled name, or NULL (not of that kind, or too long) */
static char *demangle_with(bool rust, const char *mangled, int options)
{
	struct out o = { 0 };
	/* volatile: o.p is read after longjmp, and put() may have moved it */
	struct out *volatile op = &o;
	if (setjmp(o.too_long)) {
		free(op->p);
		return NULL;
	}
	int ok = rust ? rust_demangle_callback(mangled, options, put, &o)
		      : cplus_demangle_v3_callback(mangled, options, put, &o);
	if (!ok || !o.p) {
		free(o.p);
		return NULL;
	}
	return o.p;
}

char *asp_demangle(const char *mangled)
{
	char *d = NULL;

	if (mangled[0] == '_' && (mangled[1] == 'R' || mangled[1] == 'Z'))
		d = demangle_with(true, mangled, DMGL_PARAMS | DMGL_ANSI);
	if (!d && mangled[0] == '_' && mangled[1] == 'Z')
		d = demangle_with(false, mangled, DMGL_PARAMS | DMGL_ANSI);
	/* names go into JSON, XML and XLSX, which need UTF-8: a symbol file
	 * may hold any bytes */
	return asp_utf8_fix(d ? d : xstrdup(mangled));
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
