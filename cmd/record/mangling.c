/* mangling.c - what a Rust symbol's mangled name says, without demangling
 * it: v0 (_R...) or legacy (_ZN...17h<hash>E), the crate of a top-level
 * `main`, and whether a crate's length-prefixed name is one of its path
 * segments. */
#include "record.h"
#include "analysis/util.h"

#include <string.h>

static bool is_b62(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident(const char *s, size_t n)
{
	if (n == 0 || is_digit(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(is_b62(s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* a decimal length, in v0 a '_' separator when the identifier starts with
 * '_' or a digit, then that many bytes: the identifier, or NULL */
static const char *take_ident(const char **p, size_t *n, bool v0)
{
	const char *s = *p;
	size_t len = 0;
	if (!is_digit(*s))
		return NULL;
	while (is_digit(*s)) {
		len = len * 10 + (size_t)(*s++ - '0');
		if (len > 255)
			return NULL;
	}
	if (v0 && *s == '_')
		s++;
	if (strnlen(s, len) < len)
		return NULL;
	*p = s + len;
	*n = len;
	return s;
}

/* legacy hash suffix "17h" + 16 hex + "E" ending the name */
bool has_legacy_hash(const char *name, size_t len)
{
	if (len < 3 + 20 || strncmp(name, "_ZN", 3) != 0 || name[len - 1] != 'E')
		return false;
	const char *h = name + len - 20;
	if (strncmp(h, "17h", 3) != 0)
		return false;
	for (int i = 3; i < 19; i++)
		if (!strchr("0123456789abcdef", h[i]))
			return false;
	return true;
}

/* `krate::main`: v0 _RNvC[s<b62>_]<len>[_]krate4main, legacy
 * _ZN<len>krate4main17h<hash>E; the crate name, or NULL */
char *main_crate(const char *name, size_t len, bool *v0)
{
	const char *p;
	size_t n;
	const char *id;
	if (!strncmp(name, "_RNvC", 5)) {
		p = name + 5;
		if (*p == 's') {
			while (is_b62(*++p))
				;
			if (*p++ != '_')
				return NULL;
		}
		if (!(id = take_ident(&p, &n, true)))
			return NULL;
		if (strcmp(p, "4main") != 0 || !is_ident(id, n))
			return NULL;
		*v0 = true;
		return xstrndup(id, n);
	}
	if (!strncmp(name, "_ZN", 3) && has_legacy_hash(name, len)) {
		p = name + 3;
		if (!(id = take_ident(&p, &n, false)) || !is_ident(id, n))
			return NULL;
		if (strncmp(p, "4main17h", 8) != 0 || p + 8 + 16 + 1 != name + len)
			return NULL;
		*v0 = false;
		return xstrndup(id, n);
	}
	return NULL;
}

/* does the length-prefixed token occur as a whole path segment? */
bool has_token(const char *name, const char *tok)
{
	for (const char *s = name; (s = strstr(s, tok)) != NULL; s++)
		if (s > name && !is_digit(s[-1]))
			return true;
	return false;
}
