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
/* The same for one large file written in order with asp_outfile_write
 * (trace.json): no FILE; the bytes are gathered in blocks of 1 MiB and
 * written around the page cache (O_DIRECT) where the file system takes
 * that, the tail through it. A buffered write of a fresh file costs the
 * kernel a page of memory per 4 KiB written, and on a virtual machine
 * that hands freed memory back to its host (free page reporting) each of
 * those pages is a fault in the host too: 164 MB of trace.json cost 0.4 s
 * of kernel time there, against 0.03 s written directly. */
struct asp_outfile *asp_outfile_open_direct(const char *path, char **err);
/* Appends (on a handle from asp_outfile_open_direct only); the first
 * error is kept for asp_outfile_commit, later bytes are dropped. */
void asp_outfile_write(struct asp_outfile *h, const void *p, size_t n);
/* asp_outfile_write for a caller that formats into a buffer of its own
 * from asp_outfile_block_buffer: while nothing is gathered, the whole
 * blocks at the head of p[0..n) are written from p itself (no copy; any
 * other buffer is copied). Returns how many bytes it took from the head
 * (all of them when it gathered them instead); the caller keeps the rest. */
size_t asp_outfile_write_blocks(struct asp_outfile *h, const void *p, size_t n);
/* the blocks: a caller of asp_outfile_write_blocks hands them over once it
 * has this much */
#define ASP_OUTFILE_BLOCK (1u << 20)
/* a zeroed buffer of size bytes whose blocks asp_outfile_write_blocks
 * writes without a copy (aligned as direct writes need); free() frees it */
void *asp_outfile_block_buffer(size_t size);
/* Flushes, closes and renames into place; -1 and *err on any write
 * error (the temporary file is removed). Frees h either way. */
int asp_outfile_commit(struct asp_outfile *h, char **err);
/* Closes and removes the temporary file. NULL is a no-op. */
void asp_outfile_abort(struct asp_outfile *h);
/* The temporary path, for libraries that write files by name (libxlsxwriter). */
const char *asp_outfile_tmp_path(const struct asp_outfile *h);

/* Removes what killed runs left in dir: files (or, with dirs, folders of
 * files) named PREFIX + 6 mkstemp characters, last changed min_age seconds
 * ago or more (0: any; a writer that holds the folder's lock knows no other
 * is writing there, see outdir.h). */
void asp_outfile_sweep(const char *dir, const char *prefix, bool dirs, long min_age);
/* NAME is PREFIX and the six characters mkstemp/mkdtemp put for XXXXXX */
bool asp_outfile_temp_name(const char *name, const char *prefix);
/* what asp_outfile_open sweeps beside its file: an hour old, older than
 * any live run's temporary file */
#define ASP_OUTFILE_STALE_SECS 3600

/* mkdir -p; "PATH: reason" when it fails or PATH is not a directory */
int asp_mkdir_p(const char *path, char **err);

#endif
