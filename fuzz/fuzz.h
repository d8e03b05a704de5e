/* fuzz.h - shared by the libFuzzer targets in fuzz/: a private scratch
 * directory holding a small valid recording (copied from fuzz/fixed/), into
 * which each target writes its input as one of the files, and a walk that
 * reads everything the way asprof's stages do.
 *
 * The walk aborts (a crash, for libFuzzer) when a message asprof would print
 * spans more than one line or does not name the file it is about. */
#ifndef ASP_FUZZ_H
#define ASP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A fresh scratch directory for this process (under $TMPDIR), holding a
 * copy of fuzz/fixed/NAME/ (NULL: empty) without the file SKIP (NULL: copy
 * all); $FUZZ_FIXED overrides fuzz/fixed. Removed at exit. */
const char *fz_setup(const char *name, const char *skip);
/* create or replace DIR/NAME with the bytes given */
void fz_write(const char *dir, const char *name, const void *data, size_t len);
/* open DIR as a recording, read every thread one by one and then merged,
 * format every event's arguments, resolve names, look up addresses; close */
void fz_walk(const char *dir);
/* abort unless msg is one line that contains what (a path) */
void fz_check_message(const char *msg, const char *what);

#endif
