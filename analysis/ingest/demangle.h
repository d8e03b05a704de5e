/* demangle.h - symbol names as people read them, via libiberty.
 * Rust legacy (_ZN...17h<hash>E, hash dropped) and v0 (_R...) first, then
 * C++; anything else is returned unchanged. */
#ifndef ASP_DEMANGLE_H
#define ASP_DEMANGLE_H

/* Returns a malloc'd string (the caller frees). */
char *asp_demangle(const char *mangled);

#endif
