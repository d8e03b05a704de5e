/* elf.c - the program's symbol tables (.symtab and .dynsym), read once:
 * whether it calls mcount, whether it is Rust and how its names are
 * mangled, which runtimes it links and which crates define a `main`. */
#include "record.h"
#include "analysis/util.h"

#include <elf.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void elf_facts_add(struct elf_facts *f, const char *name, bool undefined)
{
	static const char *const mcount_names[] = {
		"mcount", "_mcount", "__fentry__", "__gnu_mcount_nc", "__cyg_profile_func_enter",
	};
	size_t len = strlen(name);
	f->symbols = true;
	for (size_t i = 0; i < ASP_ARRAY_SIZE(mcount_names); i++)
		if (!strcmp(name, mcount_names[i]))
			f->mcount = true;
	if (undefined)
		return;
	bool v0 = !strncmp(name, "_R", 2), legacy = has_legacy_hash(name, len);
	if (!v0 && !legacy)
		return;
	f->rust = true;
	f->legacy |= legacy;
	for (size_t r = 0; r < f->nrt; r++)
		for (size_t t = 0; t < f->tokens[r].n; t++)
			if (has_token(name, f->tokens[r].v[t])) {
				if (v0)
					f->rt_v0[r] = true;
				else
					f->rt_legacy[r] = true;
			}
	bool cv0;
	char *krate = main_crate(name, len, &cv0);
	if (!krate)
		return;
	for (size_t i = 0; i < f->ncrates; i++)
		if (f->crates[i].v0 == cv0 && !strcmp(f->crates[i].name, krate)) {
			free(krate);
			return;
		}
	if (f->ncrates == MAX_CRATES) {
		free(krate);
		return;
	}
	f->crates[f->ncrates].name = krate;
	f->crates[f->ncrates].sym = xstrdup(name);
	f->crates[f->ncrates++].v0 = cv0;
}

void elf_facts_free(struct elf_facts *f)
{
	for (size_t i = 0; i < f->ncrates; i++) {
		free(f->crates[i].name);
		free(f->crates[i].sym);
	}
	f->ncrates = 0;
	for (size_t r = 0; r < f->nrt; r++) {
		for (size_t t = 0; t < f->tokens[r].n; t++)
			free(f->tokens[r].v[t]);
		free(f->tokens[r].v);
	}
	free(f->tokens);
	free(f->rt_v0);
	free(f->rt_legacy);
	f->tokens = NULL;
	f->rt_v0 = f->rt_legacy = NULL;
	f->nrt = 0;
}

/* the runtimes to look for: each profile's crates as mangled names hold
 * them, length-prefixed */
void elf_facts_init(struct elf_facts *f, const struct asp_rules *rules)
{
	f->nrt = rules->nprofiles;
	f->rt_v0 = xcalloc(f->nrt ? f->nrt : 1, sizeof(*f->rt_v0));
	f->rt_legacy = xcalloc(f->nrt ? f->nrt : 1, sizeof(*f->rt_legacy));
	f->tokens = xcalloc(f->nrt ? f->nrt : 1, sizeof(*f->tokens));
	for (size_t r = 0; r < f->nrt; r++) {
		const struct asp_patterns *c = &rules->profiles[r].record.crates;
		f->tokens[r].v = xcalloc(c->n ? c->n : 1, sizeof(char *));
		for (size_t t = 0; t < c->n; t++)
			f->tokens[r].v[t] = xasprintf("%zu%s", strlen(c->v[t]), c->v[t]);
		f->tokens[r].n = c->n;
	}
}

/* section i's header, and its name (NULL when the names are unreadable) */
static const char *section(const unsigned char *p, size_t size, const Elf64_Ehdr *eh, size_t i,
			   Elf64_Shdr *sh)
{
	Elf64_Shdr names;
	memcpy(sh, p + eh->e_shoff + i * sizeof *sh, sizeof *sh);
	if (eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	memcpy(&names, p + eh->e_shoff + eh->e_shstrndx * sizeof names, sizeof names);
	if (names.sh_offset > size || names.sh_size > size - names.sh_offset ||
	    sh->sh_name >= names.sh_size)
		return NULL;
	const char *n = (const char *)p + names.sh_offset + sh->sh_name;
	return memchr(n, '\0', names.sh_size - sh->sh_name) ? n : NULL;
}

/* the DWARF --srcline needs: line tables, and linkage names (a crate's
 * main in .debug_str; compressed strings are not searched: taken as
 * there) */
static void scan_dwarf(struct elf_facts *f, const unsigned char *p, size_t size,
		       const Elf64_Ehdr *eh)
{
	for (size_t i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr sh;
		const char *name = section(p, size, eh, i, &sh);
		if (!name || sh.sh_type == SHT_NOBITS || sh.sh_size == 0)
			continue;
		if (!strcmp(name, ".debug_line") || !strcmp(name, ".zdebug_line"))
			f->line_tables = true;
		if (strcmp(name, ".debug_str") || sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
			continue;
		if (sh.sh_flags & SHF_COMPRESSED) {
			f->linkage_names = true;
			continue;
		}
		for (size_t c = 0; c < f->ncrates && !f->linkage_names; c++)
			f->linkage_names = memmem(p + sh.sh_offset, sh.sh_size, f->crates[c].sym,
						  strlen(f->crates[c].sym) + 1) != NULL;
	}
}

/* read the symbol tables (.symtab and .dynsym) of an ELF file; a file that
 * is not a readable ELF leaves f->readable false and is not an error */
int elf_scan(const char *path, const struct asp_rules *rules, struct elf_facts *f, char **err)
{
	elf_facts_init(f, rules);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return asp_fail(err, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return asp_fail(err, "cannot read %s: %s", path, strerror(e));
	}
	size_t size = (size_t)st.st_size;
	if (size < sizeof(Elf64_Ehdr)) {
		close(fd);
		return 0;
	}
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return asp_fail(err, "cannot read %s: %s", path, strerror(e));
	const unsigned char *p = map;
	Elf64_Ehdr eh;
	memcpy(&eh, p, sizeof eh);
	f->elf = memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0;
	if (!f->elf || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > size ||
	    eh.e_shnum > (size - eh.e_shoff) / sizeof(Elf64_Shdr))
		goto out;
	f->readable = true;
	for (size_t i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh, str;
		memcpy(&sh, p + eh.e_shoff + i * sizeof sh, sizeof sh);
		if ((sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) || sh.sh_link >= eh.e_shnum)
			continue;
		memcpy(&str, p + eh.e_shoff + sh.sh_link * sizeof str, sizeof str);
		if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset ||
		    str.sh_offset > size || str.sh_size > size - str.sh_offset)
			continue;
		const char *strtab = (const char *)p + str.sh_offset;
		size_t nsyms = sh.sh_size / sizeof(Elf64_Sym);
		for (size_t j = 1; j < nsyms; j++) {
			Elf64_Sym sym;
			memcpy(&sym, p + sh.sh_offset + j * sizeof sym, sizeof sym);
			if (sym.st_name == 0 || sym.st_name >= str.sh_size ||
			    !memchr(strtab + sym.st_name, '\0', str.sh_size - sym.st_name))
				continue;
			elf_facts_add(f, strtab + sym.st_name, sym.st_shndx == SHN_UNDEF);
		}
	}
	scan_dwarf(f, p, size, &eh);
out:
	munmap(map, size);
	return 0;
}

/* ------------------------------------------------------------ the command */
