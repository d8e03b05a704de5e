/* outdir.h - the output folder holds one batch's reports, whole.
 *
 * One batch at a time: a batch holds an exclusive lock (flock) on
 * OUT/.asprof.lock from before it writes anything until its reports are in
 * place; the lock file holds its PID. A second batch waits for it, saying
 * so once, and gives up after a time limit.
 *
 * Staged, then committed: every report of the batch is written into a
 * private folder, OUT/.asprof-stage-XXXXXX/, laid out as OUT is (runs/,
 * charts/, summary.json...). Once all are written, the batch writes
 * manifest.json there (the batch's id and every file it wrote, with its
 * size), renames the folder to OUT/.asprof-commit-XXXXXX (the commit
 * point), removes OUT/manifest.json and moves each file into OUT by
 * rename(): runs/, charts/, report.xlsx, then summary.json, junit.xml and
 * index.md, manifest.json last. Files of OUT that the batch did not write
 * (the runs and charts of older batches) are left alone, but for the
 * outputs it was told not to write (asp_outdir_not_written): the files of
 * those that the previous batch's manifest.json lists are removed once the
 * old manifest is, so that they are not taken for this batch's; the new
 * manifest lists them under "removed".
 *
 * So a batch that fails, or is stopped, before its commit point leaves OUT
 * as it was; one killed (SIGKILL, a power cut) while it moves its files
 * leaves OUT without manifest.json, and the next batch to lock OUT moves
 * the rest in before anything else. The next batch also removes whatever
 * temporary files a killed batch left (its stage, and the temporaries of
 * the versions before the stage), whatever their age: holding the lock, it
 * knows no other batch is writing there.
 *
 * Errors are "PATH: reason". */
#ifndef ASP_OUTDIR_H
#define ASP_OUTDIR_H

#include <stddef.h>

struct asp_outdir;

/* Locks out (which exists), waiting up to wait_s seconds for another
 * batch (notice gets one line saying so, when it waits); then finishes or
 * removes what killed batches left and makes the stage. NULL and *err when
 * the wait ran out or out cannot be used. */
struct asp_outdir *asp_outdir_open(const char *out, unsigned wait_s,
				   void (*notice)(const char *msg), char **err);
/* the stage: write the batch's reports here, as into out */
const char *asp_outdir_stage(const struct asp_outdir *d);
/* msg (malloc'd, freed) with the stage's path replaced by out's: messages
 * name the file where it would land */
char *asp_outdir_unstage(const struct asp_outdir *d, char *msg);
/* The outputs this batch does not write, as globs over the paths a
 * manifest lists (asp_outputs[].files): at the commit, what of them the
 * previous batch's manifest.json lists is removed (see above). files and
 * its strings stay the caller's; at most 32. */
void asp_outdir_not_written(struct asp_outdir *d, const char *const *files, size_t n);
/* Writes the stage's manifest.json (status: the batch's exit status) and
 * commits the stage into out; -1 and *err (naming the file) when it fails
 * (before the commit point, out is as it was). */
int asp_outdir_commit(struct asp_outdir *d, int status, char **err);
/* Removes the stage and what is in it, from any thread, without
 * allocating (an interrupt or out-of-memory path): files being written
 * there meanwhile are removed as they appear. */
void asp_outdir_discard(struct asp_outdir *d);
/* what (a path in the stage, or any other) as out-of-memory says it,
 * without allocating: *tail is what follows the part returned */
const char *asp_outdir_unstage_static(const struct asp_outdir *d, const char *what,
				      const char **tail);
/* Unlocks and frees; the stage, unless committed, is discarded. */
void asp_outdir_close(struct asp_outdir *d);

#endif
