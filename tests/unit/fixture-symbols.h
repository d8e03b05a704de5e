/* fixture-symbols.h - the Rust function symbols of the fixtures' programs
 * (their .sym files, written by uftrace), and the skeleton of a demangled
 * name that both manglings share, for the tests that check the runtime
 * profiles against v0 and legacy builds (test-manglings,
 * test-record-patterns).
 *
 * Header-only. Link with libasprof.a (util).
 *
 * The skeleton: generic arguments dropped (`Foo<T>` -> `Foo`, `f::<T>` ->
 * `f`), `<X>::f` as `X::f` (X not a trait impl), `{closure#N}` as
 * `{{closure}}`: legacy names erase generic parameters (`Harness<T,S>`),
 * v0 names spell them out, so two names of one function in the two
 * manglings have the same skeleton. */
#ifndef ASP_FIXTURE_SYMBOLS_H
#define ASP_FIXTURE_SYMBOLS_H

#include "analysis/util.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline bool fixsym_opens_generics(const char *t, size_t i)
{
	char p = i ? t[i - 1] : ' ';
	return p == ':' || p == '_' || (p >= '0' && p <= '9') || ((p | 0x20) >= 'a' && (p | 0x20) <= 'z');
}

/* s[i] opens a qualified path, `<X>` or `<X as Trait>`: if it is `<X>`
 * and `then` follows it, the brackets dropped (`<X>::f` as `X::f`) */
static inline void fixsym_unwrap_self(char *s, size_t i, const char *then)
{
	int d = 0;
	bool as = false;
	size_t j = i;
	for (; s[j]; j++) {
		if (s[j] == '<')
			d++;
		else if (s[j] == '>' && !(j && s[j - 1] == '-') && --d == 0)
			break;
		else if (d == 1 && !strncmp(s + j, " as ", 4))
			as = true;
	}
	if (s[j] == '>' && !as && !strncmp(s + j + 1, then, strlen(then))) {
		memmove(s + j, s + j + 1, strlen(s + j + 1) + 1);
		memmove(s + i, s + i + 1, strlen(s + i + 1) + 1);
	}
}

/* the skeleton of a demangled name (malloc'd) */
static inline char *skeleton(const char *dm)
{
	size_t len = strlen(dm);
	char *out = xmalloc(len + 16);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (!strncmp(dm + i, "{closure#", 9)) {
			size_t j = i + 9;
			while (j < len && dm[j] >= '0' && dm[j] <= '9')
				j++;
			if (j < len && dm[j] == '}') {
				memcpy(out + o, "{{closure}}", 11);
				o += 11;
				i = j;
				continue;
			}
		}
		if (dm[i] == '<' && fixsym_opens_generics(dm, i)) {
			int d = 1;
			size_t j = i + 1;
			for (; j < len && d > 0; j++) {
				if (dm[j] == '<')
					d++;
				else if (dm[j] == '>' && dm[j - 1] != '-')
					d--;
			}
			if (d == 0) {
				if (o >= 2 && out[o - 1] == ':' && out[o - 2] == ':')
					o -= 2;
				i = j - 1;
				continue;
			}
		}
		out[o++] = dm[i];
	}
	out[o] = '\0';
	/* `<X>::f`, X not a trait impl: `X::f` */
	if (out[0] == '<')
		fixsym_unwrap_self(out, 0, "");
	return out;
}

/* fn(mangled name, arg) for each Rust function (v0 `_R...` or legacy
 * `_ZN...`) of a .sym file; false if it cannot be opened */
static inline bool fixsym_each_in_file(const char *path, void (*fn)(const char *m, void *arg), void *arg)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[8192];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* ADDR TYPE NAME, or ADDR SIZE TYPE NAME (newer uftrace) */
		char *tok[4];
		int nt = 0;
		char *save = NULL;
		for (char *s = strtok_r(line, " ", &save); s && nt < 4; s = strtok_r(NULL, " ", &save))
			tok[nt++] = s;
		if (nt < 3)
			continue;
		const char *type = nt == 4 ? tok[2] : tok[1], *m = nt == 4 ? tok[3] : tok[2];
		if (!strchr("TtWw", type[0]) || type[1])
			continue;
		if (strncmp(m, "_R", 2) && strncmp(m, "_ZN", 3))
			continue;
		fn(m, arg);
	}
	fclose(f);
	return true;
}

/* fn(mangled name, arg) for each Rust function of the program's own .sym
 * files (not the shared libraries') of fixture directory `name` under
 * $FIXTURES; -1 (and a TAP diagnostic) if it is missing */
static inline int fixsym_each_in_fixture(const char *fixtures, const char *name,
					 void (*fn)(const char *m, void *arg), void *arg)
{
	char *dir = asp_path_join(fixtures, name);
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "# %s: missing\n", dir);
		free(dir);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".sym") || !strncmp(e->d_name, "lib", 3) ||
		    !strncmp(e->d_name, "ld-", 3))
			continue;
		char *p = asp_path_join(dir, e->d_name);
		fixsym_each_in_file(p, fn, arg);
		free(p);
	}
	closedir(d);
	free(dir);
	return 0;
}

#endif
