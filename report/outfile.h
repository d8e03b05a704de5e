/* outfile.h - reports are written atomically: into a temporary file beside
 * the target, renamed over it only when everything was written and flushed.
 * An interrupted run leaves the previous report or none, never half of one.
 *
 * Errors name the file: "PATH: reason". */
#ifndef ASP_OUTFILE_H
#define ASP_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct asp_outfile;

/* Opens PATH.tmp.XXXXXX for writing; *fp is the stream to write to.
 * PATH.tmp.* files an hour old or more (left by killed runs) are removed. */
struct asp_outfile *asp_outfile_open(const char *path, FILE **fp, char **err);
/* Flushes, closes and renames into place; -1 and *err on any write
 * error (the temporary file is removed). Frees h either way. */
int asp_outfile_commit(struct asp_outfile *h, char **err);
/* Closes and removes the temporary file. NULL is a no-op. */
void asp_outfile_abort(struct asp_outfile *h);
/* The temporary path, for libraries that write files by name (libxlsxwriter). */
const char *asp_outfile_tmp_path(const struct asp_outfile *h);

/* Removes what killed runs left in dir: files (or, with dirs, folders of
 * files) named PREFIX + 6 mkstemp characters, last changed an hour ago or
 * more. */
void asp_outfile_sweep(const char *dir, const char *prefix, bool dirs);

/* mkdir -p; "PATH: reason" when it fails or PATH is not a directory */
int asp_mkdir_p(const char *path, char **err);

#endif
