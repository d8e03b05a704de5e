/* runname.h - the names of a batch's runs: each run's folder in runs/ and
 * its name in every report (asp_analyze_opts.name). A run is named by the
 * folder of its recording (asp_run_name); within a batch the
 * names are made unique in argument order.
 *
 * Ownership: the array and each name are malloc'd, the caller's. */
#ifndef ASP_RUNNAME_H
#define ASP_RUNNAME_H

#include <stddef.h>

/* the run name: the directory's basename, or its parent's when the directory
 * is called uftrace.data; valid UTF-8, never . or .. (malloc'd) */
char *asp_run_name(const char *dir);

/* NAME, or NAME-2, NAME-3... when an earlier run has it, each a valid file
 * name (NAME shortened on a character boundary to fit); NAME is given[i]
 * when given and given[i] are not NULL (a run read from its summary.json
 * keeps its name: a file name already), else asp_run_name(dirs[i]) */
char **asp_run_names(const char *const *dirs, const char *const *given, size_t n);

#endif
