/* shortname.h - Rust names shortened for labels (the charts' titles and
 * keys): `<tokio::runtime::task::Harness<T,S> as Future>::poll` and
 * closures, generics and hashes of long paths, cut to a width. */
#ifndef ASP_REPORT_SHORTNAME_H
#define ASP_REPORT_SHORTNAME_H

#include <stddef.h>

/* the run's human-readable short name for chart labels: the future name
 * shortened to its last path segments (at most max chars); malloc'd */
char *asp_short_name(const char *name, size_t max);

/* s cut in place to at most max characters (UTF-8 code points), ending in
 * "…" when cut (written over the tail: the buffer must hold it); max 0:
 * as it is */
void asp_cut_chars(char *s, size_t max);

#endif
