/* demangle.c - wrapper around libiberty's cplus_demangle. */
#include "demangle.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>

char *asp_demangle(const char *mangled)
{
	char *d = NULL;

	if (mangled[0] == '_' && (mangled[1] == 'R' || mangled[1] == 'Z'))
		d = cplus_demangle(mangled, DMGL_PARAMS | DMGL_ANSI | DMGL_RUST);
	if (!d && mangled[0] == '_' && mangled[1] == 'Z')
		d = cplus_demangle(mangled, DMGL_PARAMS | DMGL_ANSI | DMGL_GNU_V3);
	/* libiberty allocates with malloc; hand it on as ours. Names go into
	 * JSON, XML and XLSX, which need UTF-8: a symbol file may hold any bytes */
	return asp_utf8_fix(d ? d : xstrdup(mangled));
}
