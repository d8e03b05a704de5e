/* runname.c - the names of a batch's runs (runname.h). */
#include "runname.h"
#include "util.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the name of the folder dir names (its parent's for NAME/uftrace.data) */
static char *folder_name(const char *dir)
{
	char *d = xstrdup(dir);
	size_t l = strlen(d);
	while (l > 1 && d[l - 1] == '/')
		d[--l] = '\0';
	char *slash = strrchr(d, '/');
	char *base = slash ? slash + 1 : d;
	if (!strcmp(base, "uftrace.data") && slash && slash != d) {
		*slash = '\0';
		char *s2 = strrchr(d, '/');
		base = s2 ? s2 + 1 : d;
	}
	char *name = xstrdup(base);
	free(d);
	return name;
}

static bool dots(const char *name) { return !strcmp(name, ".") || !strcmp(name, ".."); }

char *asp_run_name(const char *dir)
{
	char *name = folder_name(dir);
	/* RUN/sub/.. and RUN/. are named by the folder they are (a link keeps
	 * its own name); a name is a folder of runs/: never . or .. */
	char *real = dots(name) ? realpath(dir, NULL) : NULL;
	if (real) {
		free(name);
		name = folder_name(real);
		free(real);
	}
	if (!*name || dots(name)) {
		free(name);
		name = xstrdup("run");
	}
	/* reports are UTF-8; a directory name may not be */
	return asp_utf8_fix(name);
}

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

char **asp_run_names(const char *const *dirs, const char *const *given, size_t n)
{
	char **names = xcalloc(n ? n : 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		char *base = given && given[i] ? asp_utf8_fix(xstrdup(given[i])) : asp_run_name(dirs[i]);
		names[i] = unique_name(names, i, base);
		free(base);
	}
	return names;
}
