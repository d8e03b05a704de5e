/* runname.c - the names of a batch's runs (runname.h). */
#include "runname.h"
#include "analyze.h"
#include "util.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the run's folder name in runs/: its own, or NAME-2, NAME-3... when an
 * earlier run has it, NAME shortened (on a character boundary) so that the
 * whole still fits in a file name */
static char *unique_name(char **names, size_t n, const char *base)
{
	char *name = xstrdup(base);
	for (int k = 2;; k++) {
		bool clash = false;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(names[i], name))
				clash = true;
		if (!clash)
			return name;
		free(name);
		char suffix[16];
		int sl = snprintf(suffix, sizeof(suffix), "-%d", k);
		name = xasprintf("%.*s%s", (int)asp_utf8_cut(base, NAME_MAX - (size_t)sl), base, suffix);
	}
}

char **asp_run_names(const char *const *dirs, size_t n)
{
	char **names = xcalloc(n ? n : 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		char *base = asp_run_name(dirs[i]);
		names[i] = unique_name(names, i, base);
		free(base);
	}
	return names;
}
