/* shortname.h - Rust names shortened for labels (the charts' titles and
 * keys): `<tokio::runtime::task::Harness<T,S> as Future>::poll` and
 * closures, generics and hashes of long paths, cut to a width. */
#ifndef ASP_REPORT_SHORTNAME_H
#define ASP_REPORT_SHORTNAME_H

#include <stddef.h>

/* the run's human-readable short name for chart labels: the future name
 * shortened to its last path segments (at most max chars); malloc'd */
char *asp_short_name(const char *name, size_t max);

/* the short names of a set of labels (one chart's), each one as short as
 * asp_short_name makes it unless another name of the set shortens to the
 * same: then both keep more of their path, up to the whole name, so the
 * labels tell the futures apart; malloc'd array of n malloc'd strings */
char **asp_short_names(const char *const *names, size_t n, size_t max);

/* s cut in place to at most max characters (UTF-8 code points), ending in
 * "…" when cut (written over the tail: the buffer must hold it); max 0:
 * as it is */
void asp_cut_chars(char *s, size_t max);

#endif
