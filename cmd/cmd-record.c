/* cmd-record.c - `asprof-batch record -o DIR PROGRAM ARGS...`: runs
 * `uftrace record` with what the analysis needs, chosen from the program's
 * ELF symbols: the first argument of the task polls and of the program's own
 * future bodies (-A), the filters that drop only helpers that never poll
 * (-N, --no-libcall; never -t or -D), and dynamic patching (-P .) when the
 * program makes no mcount calls. tests/rust/record.sh and
 * tests/fixtures/README.md say why each option is there; the regexes are
 * theirs, generalised to any crate. uftrace 0.13 matches them against the
 * MANGLED v0 names (_R...) and against its own demangling of legacy ones. */
#include "cmd.h"
#include "../analysis/ingest/ingest.h"
#include "../analysis/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ the patterns */

#define B62 "[0-9A-Za-z]"
/* the optional instantiating crate at the end of a v0 symbol */
#define V0_INST "(B" B62 "*_|Cs" B62 "+_[0-9]+[A-Za-z_][A-Za-z0-9_]*)?"
/* a v0 symbol whose OWN path starts in the crate/module that follows (nested
 * path tags, impl blocks, then the crate root), so that a module named only in
 * a generic argument does not match: dropping Harness<F, Arc<..>>::poll with
 * an unanchored "5alloc4sync" would lose every task poll */
/* a path separator in a legacy name: uftrace 0.13 demangles impl paths as
 * "_<a..b as c..d>::f", libiberty (asprof's reader) as "<a::b as c::d>::f";
 * the legacy patterns accept both */
#define SEP "(\\.\\.|::)"
#define V0_OWN "^_R(I|Y|N[A-Za-z]|[MX](s" B62 "*_)?)*Cs" B62 "+_"

/* tests/rust/record.sh NOTRACE_V0: '@' = a module path anchored with V0_OWN,
 * otherwise a substring ('.*' forces regex matching: uftrace 0.13 compares a
 * pattern without metacharacters as an exact name) */
static const char *const notrace_v0[] = {
	"18precondition_check",
	"@4core4sync6atomic",
	"@4core3ptr8non_null",
	"@4core4iter5range",
	"@4core3ptr13drop_in_place",
	"@4core4cell",
	"4core3ops5deref5Deref5deref",
	"8DerefMut9deref_mut",
	"@5alloc4sync",
	"@5alloc3vec",
	"@3std4sync",
	"@14concurrent_queue",
	"@9value_bag",
	"@3log",
	"@4libc",
	"@15crossbeam_utils",
	"@5tokio7runtime4time",
	"@5tokio4util11linked_list",
	"@5tokio4util4rand",
	"@5tokio4loom3std12atomic_u",
	"@5tokio7runtime4task5state",
	"@5tokio7runtime4task6inject",
	"@5tokio7runtime4task4list",
	"@5tokio7runtime4task4core6Header",
	"@5tokio7runtime4task4core11TaskIdGuard",
	"@5tokio7runtime7context7CONTEXT",
	"@5tokio7runtime7context20set_current_task_id",
	"@5tokio7runtime7context11try_current",
	"@5tokio7runtime4coop6Budget",
	"@5tokio7runtime4coop13poll_proceed",
	"@5tokio7runtime9scheduler12multi_thread5queue",
};

/* tests/rust/record.sh NOTRACE_LEGACY: legacy names as uftrace 0.13 demangles
 * them (impls print as "_<T as Tr>::f") */
static const char *const notrace_legacy[] = {
	"^core::ptr::drop_in_place",
	"^core::sync::atomic::", "^_<core\\.\\.sync\\.\\.atomic",
	"precondition_check",
	"^core::iter::range::", "^_<core\\.\\.ops\\.\\.range\\.\\.",
	"as core\\.\\.iter\\.\\.range\\.\\.Step>",
	"^core::cell::", "^_<core\\.\\.cell\\.\\.",
	"^core::ptr::non_null::", "^_<core\\.\\.ptr\\.\\.non_null",
	"as core\\.\\.ops\\.\\.deref\\.\\.Deref>::deref$",
	"as core\\.\\.ops\\.\\.deref\\.\\.DerefMut>::deref_mut$",
	"^alloc::sync::", "^_<alloc\\.\\.sync\\.\\.",
	"^alloc::vec::", "^_<alloc\\.\\.vec\\.\\.",
	"^std::sync::", "^_<std\\.\\.sync\\.\\.",
	"^tokio::runtime::time::", "^_<tokio\\.\\.runtime\\.\\.time\\.\\.",
	"^tokio::util::linked_list", "^_<tokio\\.\\.util\\.\\.linked_list",
	"^tokio::util::rand::",
	"^tokio::loom::std::atomic_u", "^_<tokio\\.\\.loom\\.\\.std\\.\\.atomic_u",
	"^tokio::runtime::task::state::", "^_<tokio\\.\\.runtime\\.\\.task\\.\\.state",
	"^tokio::runtime::task::inject::",
	"^tokio::runtime::task::list::",
	"^tokio::runtime::task::core::Header::",
	"^tokio::runtime::task::core::TaskIdGuard",
	"^tokio::runtime::context::CONTEXT",
	"^tokio::runtime::context::set_current_task_id",
	"^tokio::runtime::context::try_current",
	"^tokio::runtime::coop::Budget",
	"^tokio::runtime::coop::poll_proceed",
	"^tokio::runtime::scheduler::multi_thread::queue::",
	"^_<tokio\\.\\.runtime\\.\\.scheduler\\.\\.multi_thread\\.\\.queue",
};

enum { RT_TOKIO, RT_ASYNC_STD, RT_SMOL, RT_COUNT };

struct runtime_desc {
	const char *name;              /* the --runtime value */
	const char *tokens[2];         /* length-prefixed crate names that reveal it */
	const char *spec_v0, *spec_legacy; /* -A for its task poll */
};

static const struct runtime_desc runtimes[RT_COUNT] = {
	[RT_TOKIO] = {
		"tokio", { "5tokio", NULL },
		/* <tokio::runtime::task::harness::Harness<F, S>>::poll: the task cell */
		"^_RNvMs" B62 "*_NtNtNtCs" B62 "+_5tokio7runtime4task7harnessINtB" B62
		"+_7Harness.*E4poll" V0_INST "$@arg1",
		"^tokio::runtime::task::harness::Harness<T,S>::poll$@arg1",
	},
	[RT_ASYNC_STD] = {
		"async-std", { "9async_std", NULL },
		/* <SupportTaskLocals<F> as Future>::poll: the task's future */
		"^_RNvXs" B62 "*_NtNtCs" B62 "+_9async_std4task7builderINtB" B62
		"+_17SupportTaskLocals.*6Future4poll" V0_INST "$@arg1",
		"^_?<async_std" SEP "task" SEP "builder" SEP "SupportTaskLocals<.*> as core" SEP
		"future" SEP "future" SEP "Future>::poll$@arg1",
	},
	[RT_SMOL] = {
		/* async-executor's tasks: <async_task::raw::RawTask<F, T, S>>::run(ptr) */
		"smol", { "14async_executor", "4smol" },
		"^_RNvMs" B62 "*_NtCs" B62 "+_10async_task3rawINtB" B62
		"+_7RawTask.*E3run" V0_INST "$@arg1",
		"^async_task::raw::RawTask<.*>::run$@arg1",
	},
};

/* ------------------------------------------------------- the ELF's symbols */

#define MAX_CRATES 8

/* what the symbols of the program say */
struct elf_facts {
	bool elf;       /* starts with the ELF magic */
	bool readable;  /* a 64-bit little-endian ELF whose sections we read */
	bool symbols;   /* it has a symbol table */
	bool mcount;    /* it calls mcount (-pg, -Z instrument-mcount): no -P */
	bool rust;      /* it has Rust symbols */
	bool legacy;    /* ... legacy-mangled ones (_ZN...17h<hash>E) */
	bool rt_v0[RT_COUNT], rt_legacy[RT_COUNT];
	/* the crates defining a top-level `main`: the program's own */
	struct { char *name; bool v0; } crates[MAX_CRATES];
	size_t ncrates;
};

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
static bool has_legacy_hash(const char *name, size_t len)
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
static char *main_crate(const char *name, size_t len, bool *v0)
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
static bool has_token(const char *name, const char *tok)
{
	for (const char *s = name; (s = strstr(s, tok)) != NULL; s++)
		if (s > name && !is_digit(s[-1]))
			return true;
	return false;
}

static void scan_symbol(struct elf_facts *f, const char *name, bool undefined)
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
	for (int r = 0; r < RT_COUNT; r++)
		for (int t = 0; t < 2 && runtimes[r].tokens[t]; t++)
			if (has_token(name, runtimes[r].tokens[t])) {
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
	f->crates[f->ncrates++].v0 = cv0;
}

static void elf_facts_free(struct elf_facts *f)
{
	for (size_t i = 0; i < f->ncrates; i++)
		free(f->crates[i].name);
	f->ncrates = 0;
}

/* read the symbol tables (.symtab and .dynsym) of an ELF file; a file that
 * is not a readable ELF leaves f->readable false and is not an error */
static int elf_scan(const char *path, struct elf_facts *f, char **err)
{
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
			scan_symbol(f, strtab + sym.st_name, sym.st_shndx == SHN_UNDEF);
		}
	}
out:
	munmap(map, size);
	return 0;
}

/* ------------------------------------------------------------ the command */

struct strv {
	char **v;
	size_t n, cap;
};

static void strv_push(struct strv *a, char *s) /* takes s */
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void strv_add(struct strv *a, const char *opt, const char *val)
{
	strv_push(a, xstrdup(opt));
	if (val)
		strv_push(a, xstrdup(val));
}

static void strv_free(struct strv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* s, shell-quoted when it needs to be */
static void put_quoted(FILE *out, const char *s)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_@%+=:,./-";
	if (*s && strspn(s, safe) == strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

static bool is_exec_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* where execvp would find NAME: a malloc'd path, or NULL */
static char *find_in_path(const char *name)
{
	if (strchr(name, '/'))
		return is_exec_file(name) ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *cand = n ? xasprintf("%.*s/%s", (int)n, p, name) : xasprintf("./%s", name);
		if (is_exec_file(cand))
			return cand;
		free(cand);
		if (!end)
			return NULL;
		p = end;
	}
}

static int mkdir_parents(const char *dir, char **err)
{
	char *s = xstrdup(dir);
	char *slash = strrchr(s, '/');
	int rc = 0;
	if (slash && slash != s) {
		*slash = '\0';
		for (char *p = s + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			if (mkdir(s, 0777) < 0 && errno != EEXIST) {
				rc = asp_fail(err, "cannot create %s: %s", s, strerror(errno));
				break;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(s);
	return rc;
}

struct out_state {
	bool replaced;  /* a non-empty directory that uftrace will rename to .old */
	dev_t dev;
	ino_t ino;
};

/* check the -o directory: absent, or empty (removed so that uftrace does not
 * keep an empty DIR.old), or non-empty and --force */
static int prepare_output(const char *dir, bool force, bool dry_run, struct out_state *os,
			  char **err)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT)
			return asp_fail(err, "%s: %s", dir, strerror(errno));
		return dry_run ? 0 : mkdir_parents(dir, err);
	}
	if (!S_ISDIR(st.st_mode))
		return asp_fail(err, "%s exists and is not a directory", dir);
	DIR *d = opendir(dir);
	if (!d)
		return asp_fail(err, "%s: %s", dir, strerror(errno));
	bool empty = true;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	if (empty) {
		if (!dry_run && rmdir(dir) < 0)
			return asp_fail(err, "cannot replace the empty directory %s: %s", dir, strerror(errno));
		return 0;
	}
	if (!force)
		return asp_fail(err, "%s exists and is not empty: choose another -o, or add --force "
			       "(uftrace then keeps the old one as %s.old)", dir, dir);
	os->replaced = true;
	os->dev = st.st_dev;
	os->ino = st.st_ino;
	return 0;
}

/* uftrace's stderr (the program's too): forwarded line by line, except
 * uftrace's own messages ("uftrace: file:line:func" then indented lines),
 * held back so that a failure is reported in one line */
struct err_filter {
	struct asp_buf line; /* the current line */
	bool passing;        /* its start is already forwarded */
	bool in_block;       /* inside a uftrace message */
	struct asp_buf held;
	char *last_error;    /* the last " ERROR: ..." line, trimmed */
	char *last_line;     /* the last non-empty line */
};

static bool may_be_uftrace(const struct err_filter *f)
{
	const char *s = f->line.data;
	static const char prefix[] = "uftrace: ";
	size_t n = f->line.len < sizeof prefix - 1 ? f->line.len : sizeof prefix - 1;
	return !strncmp(s, prefix, n) || (f->in_block && (s[0] == ' ' || s[0] == '\t'));
}

static char *trimmed(const char *s, size_t n)
{
	while (n && strchr(" \t\r\n", *s)) {
		s++;
		n--;
	}
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static void filter_end_line(struct err_filter *f)
{
	const char *s = f->line.data;
	size_t n = f->line.len;
	if (!f->passing) {
		bool ours = !strncmp(s, "uftrace: ", 9) || (f->in_block && (s[0] == ' ' || s[0] == '\t'));
		f->in_block = ours;
		if (ours) {
			asp_buf_append(&f->held, s, n);
			if (strstr(s, "ERROR:")) {
				free(f->last_error);
				f->last_error = trimmed(s, n);
			}
		} else {
			fwrite(s, 1, n, stderr);
		}
	} else {
		f->in_block = false;
	}
	char *t = trimmed(s, n);
	if (*t) {
		free(f->last_line);
		f->last_line = t;
	} else {
		free(t);
	}
	f->line.len = 0;
	f->line.data[0] = '\0';
	f->passing = false;
}

static void filter_feed(struct err_filter *f, const char *data, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t len = nl ? (size_t)(nl - data) + 1 : n;
		asp_buf_append(&f->line, data, len);
		if (f->passing)
			fwrite(data, 1, len, stderr);
		data += len;
		n -= len;
		if (nl) {
			filter_end_line(f);
		} else if (!f->passing && !may_be_uftrace(f)) {
			/* a prompt without newline: show it now */
			fwrite(f->line.data, 1, f->line.len, stderr);
			f->passing = true;
		}
	}
	fflush(stderr);
}

static void filter_free(struct err_filter *f)
{
	asp_buf_free(&f->line);
	asp_buf_free(&f->held);
	free(f->last_error);
	free(f->last_line);
}

/* run uftrace (argv[0] through PATH); its stdout (the program's) goes to our
 * stderr so that our stdout has only the result; returns its wait status, or
 * -1 if it could not be started */
static int run_uftrace(char **argv, struct err_filter *f, char **err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return asp_fail(err, "pipe: %s", strerror(errno));
	/* like system(3): Ctrl-C stops the program, uftrace still writes the
	 * data, and we report */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return asp_fail(err, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "uftrace: cannot run %s\n ERROR: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	int status = 0;
	bool exited = false;
	char buf[4096];
	for (;;) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		int r = poll(&pf, 1, exited ? 0 : 200);
		if (r > 0) {
			ssize_t got = read(pfd[0], buf, sizeof buf);
			if (got > 0) {
				filter_feed(f, buf, (size_t)got);
				continue;
			}
			if (got == 0 || errno != EINTR)
				break;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* uftrace gone and nothing left to read (a daemon the program
		 * left behind may keep the pipe open) */
		if (exited || r < 0)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	close(pfd[0]);
	if (f->line.len) { /* a last line without newline */
		if (f->passing)
			fputc('\n', stderr);
		else
			asp_buf_append(&f->line, "\n", 1);
		filter_end_line(f);
	}
	while (!exited && waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return status;
}

static void describe_status(char *buf, size_t n, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, n, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, n, "wait status %d", status);
}

/* did uftrace write a recording into dir (a new one, not the one --force
 * replaces)? *prog_status gets the program's wait status from info, or -1 */
static bool recording_written(const char *dir, const struct out_state *os, int *prog_status)
{
	*prog_status = -1;
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (os->replaced && st.st_dev == os->dev && st.st_ino == os->ino)
		return false;
	char *path = asp_path_join(dir, "info");
	size_t len;
	char *info = asp_read_file(path, &len, NULL);
	free(path);
	if (!info)
		return false;
	bool ok = len >= 40 && !memcmp(info, "Ftrace!", 8);
	const char *es = ok ? strstr(info + 40, "\nexit_status:") : NULL;
	if (es)
		*prog_status = atoi(es + 13);
	free(info);
	return ok;
}

static void add_notrace(struct strv *a, bool legacy)
{
	for (size_t i = 0; i < ASP_ARRAY_SIZE(notrace_v0); i++) {
		const char *p = notrace_v0[i];
		char *re = p[0] == '@' ? xasprintf(V0_OWN "%s", p + 1) : xasprintf(".*%s", p);
		strv_push(a, xstrdup("-N"));
		strv_push(a, re);
	}
	for (size_t i = 0; legacy && i < ASP_ARRAY_SIZE(notrace_legacy); i++)
		strv_add(a, "-N", notrace_legacy[i]);
}

/* -A for the program's own futures: hand-written Future::poll impls and the
 * bodies of its async fns/blocks (fn::{closure#0}) and methods */
static void add_user_specs(struct strv *a, const struct elf_facts *f, bool v0)
{
	struct asp_buf alt = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < f->ncrates; i++) {
		const char *c = f->crates[i].name;
		if (f->crates[i].v0 != v0)
			continue;
		if (n++)
			asp_buf_append(&alt, "|", 1);
		if (v0) /* v0 puts a '_' between the length and a leading '_' */
			asp_buf_printf(&alt, "%zu%s%s", strlen(c), c[0] == '_' ? "_" : "", c);
		else
			asp_buf_printf(&alt, "%s", c);
	}
	if (n == 0)
		return;
	char *k = n > 1 ? xasprintf("(%s)", alt.data) : xstrdup(alt.data);
	asp_buf_free(&alt);
	if (v0) {
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNvX(s" B62 "*_)?(Nt)*Cs" B62 "+_%s.*NtNtNtCs" B62
				       "+_4core6future6future6Future4poll" V0_INST "$@arg1", k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNCI?Nv(Nt)*Cs" B62 "+_%s([0-9]+[A-Za-z_][A-Za-z0-9_]*)+(.*E)?0"
				       V0_INST "$@arg1", k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNCI?NvM(s" B62 "*_)?(Nt)*Cs" B62 "+_%s.*0" V0_INST "$@arg1", k));
	} else {
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_?<%s" SEP ".* as core" SEP "future" SEP "future" SEP
				       "Future>::poll$@arg1", k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^%s::([A-Za-z0-9_<>,]+::)+_?\\{\\{closure\\}\\}$@arg1", k));
	}
	free(k);
}

static int record_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "uftrace", required_argument, NULL, 'U' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e = &cmd_record_entry;
	const char *out = NULL, *runtime = "auto", *uftrace = "uftrace";
	bool dry_run = false, force = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:o:r:nfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': runtime = optarg; break;
		case 'U': uftrace = optarg; break;
		case 'n': dry_run = true; break;
		case 'f': force = true; break;
		case 'h': cmd_help(e); return ASP_EXIT_OK;
		default: return cmd_bad_option(e, c, argv);
		}
	}
	if (!out)
		return cmd_usage_error(e, "-o DIR is required (where the recording goes, e.g. runs/NAME)");
	if (optind >= argc)
		return cmd_usage_error(e, "no PROGRAM to record");
	int forced = -1;
	if (strcmp(runtime, "auto")) {
		for (int r = 0; r < RT_COUNT; r++)
			if (!strcmp(runtime, runtimes[r].name))
				forced = r;
		if (forced < 0)
			return cmd_usage_error(e, "--runtime takes auto, tokio, async-std or smol, not '%s'",
					       runtime);
	}

	/* the output directory, without trailing slashes (uftrace appends .old) */
	size_t ol = strlen(out);
	while (ol > 1 && out[ol - 1] == '/')
		ol--;
	char *dir = xstrndup(out, ol);
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		free(dir);
		return cmd_usage_error(e, "-o must name a directory of its own (runs/NAME), not '%s'", out);
	}

	int rc = ASP_EXIT_USAGE;
	char *err = NULL, *prog = NULL, *uf_path = NULL;
	struct elf_facts facts = { 0 };
	struct strv cmd = { 0 };
	struct err_filter filt = { 0 };
	struct out_state os = { 0 };

	const char *pname = argv[optind];
	if (!(prog = find_in_path(pname))) {
		struct stat st;
		if (strchr(pname, '/') && stat(pname, &st) == 0)
			cmd_error("%s: %s", pname, S_ISDIR(st.st_mode) ? "is a directory, not a program"
				  : S_ISREG(st.st_mode) ? "is not executable (chmod +x?)"
				  : "is not a regular file");
		else if (strchr(pname, '/'))
			cmd_error("%s: program not found", pname);
		else
			cmd_error("%s: program not found (not in PATH)", pname);
		goto done;
	}
	if (!strcmp(strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog, "env")) {
		cmd_error("uftrace cannot trace through env: set the variables in the shell "
			  "(VAR=value %s record ...), the program inherits them", cmd_progname);
		goto done;
	}
	if (elf_scan(prog, &facts, &err) < 0) {
		cmd_error("%s", err);
		goto done;
	}
	if (!facts.elf) {
		cmd_error("%s is not an ELF executable: uftrace traces compiled programs, not scripts", prog);
		goto done;
	}
	/* --dry-run only prints the command: it works without uftrace */
	if (!dry_run && !(uf_path = find_in_path(uftrace))) {
		if (strcmp(uftrace, "uftrace"))
			cmd_error("uftrace not found (%s): apt-get install uftrace", uftrace);
		else
			cmd_error("uftrace not found: apt-get install uftrace");
		goto done;
	}
	if (prepare_output(dir, force, dry_run, &os, &err) < 0) {
		cmd_error("%s", err);
		goto done;
	}

	/* the command line */
	strv_add(&cmd, uftrace, "record");
	strv_add(&cmd, "-d", dir);
	strv_add(&cmd, "--no-libcall", NULL);
	bool patch = facts.readable && !facts.mcount;
	if (patch)
		strv_add(&cmd, "-P", ".");
	add_notrace(&cmd, facts.legacy);
	struct asp_buf rtnames = { 0 };
	for (int r = 0; r < RT_COUNT; r++) {
		bool v0 = facts.rt_v0[r], lg = facts.rt_legacy[r];
		if (forced >= 0 && r != forced)
			continue;
		/* async-std runs on async-executor: its task poll is its own */
		if (forced < 0 && r == RT_SMOL && (facts.rt_v0[RT_ASYNC_STD] || facts.rt_legacy[RT_ASYNC_STD]))
			continue;
		if (forced == r && !v0 && !lg) {
			cmd_warning("no %s symbols in %s", runtimes[r].name, prog);
			v0 = !facts.legacy;
			lg = facts.legacy;
		}
		if (!v0 && !lg)
			continue;
		if (v0)
			strv_add(&cmd, "-A", runtimes[r].spec_v0);
		if (lg)
			strv_add(&cmd, "-A", runtimes[r].spec_legacy);
		asp_buf_printf(&rtnames, "%s%s", rtnames.len ? "+" : "", runtimes[r].name);
	}
	add_user_specs(&cmd, &facts, true);
	add_user_specs(&cmd, &facts, false);
	strv_add(&cmd, prog, NULL);
	for (int i = optind + 1; i < argc; i++)
		strv_add(&cmd, argv[i], NULL);

	/* the mode, in one line */
	struct asp_buf crates = { 0 };
	for (size_t i = 0; i < facts.ncrates; i++)
		asp_buf_printf(&crates, "%s%s", i ? "," : "", facts.crates[i].name);
	cmd_error("record: %s; %s; runtime %s (%s); crate %s",
		!facts.readable ? "cannot read its ELF symbols: tracing as is"
		: facts.mcount ? "mcount build: tracing its mcount calls, no patching"
		: "no mcount calls: dynamic patching (-P ., uftrace 0.13 patches ~85% of functions)",
		!facts.symbols ? "no symbol table (stripped?)"
		: !facts.rust ? "no Rust symbols"
		: facts.legacy ? "legacy _ZN symbols" : "v0 _R symbols",
		rtnames.len ? rtnames.data : "none", forced >= 0 ? "forced" : "detected",
		crates.len ? crates.data : "none");
	asp_buf_free(&rtnames);
	asp_buf_free(&crates);
	if (os.replaced)
		cmd_error("record: --force: uftrace renames the existing %s to %s.old "
			  "(replacing any older %s.old)", dir, dir, dir);

	if (dry_run) {
		for (size_t i = 0; i < cmd.n; i++) {
			if (i)
				fputc(' ', stdout);
			put_quoted(stdout, cmd.v[i]);
		}
		fputc('\n', stdout);
		rc = ASP_EXIT_OK;
		goto done;
	}

	int status = run_uftrace(cmd.v, &filt, &err);
	if (status == -1 && err) {
		cmd_error("cannot run uftrace: %s", err);
		goto done;
	}
	int prog_status;
	char st_uf[64], st_prog[64];
	describe_status(st_uf, sizeof st_uf, status);
	const char *why = filt.last_error ? filt.last_error : filt.last_line ? filt.last_line : "no message";
	if (!recording_written(dir, &os, &prog_status)) {
		if (status == 0)
			cmd_error("uftrace exited with status 0 but wrote no recording in %s", dir);
		else
			cmd_error("uftrace failed (%s): %s", st_uf, why);
		goto done;
	}
	if (filt.held.len) /* uftrace's messages, now that the data is there */
		fputs(filt.held.data, stderr);
	/* what the analysis reads first (a program that was not instrumented,
	 * or stopped at once, leaves info and nothing else) */
	struct asp_trace *t = asp_trace_open(dir, cmd_warn, NULL, &err);
	if (!t) {
		cmd_error("the recording cannot be analysed: %s", err);
		goto done;
	}
	asp_trace_close(t);
	if (prog_status > 0) {
		describe_status(st_prog, sizeof st_prog, prog_status);
		cmd_warning("%s ended with %s; the recording is still usable", prog, st_prog);
	} else if (status != 0) {
		cmd_warning("uftrace: %s (%s); check the recording", st_uf, why);
	}
	char *shown = asp_show(dir, ASP_SHOW_CONTROLS);
	printf("recorded %s; analyse it with: %s -c rules.yaml ", shown, cmd_progname);
	free(shown);
	put_quoted(stdout, dir);
	fputc('\n', stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_error("writing to standard output failed");
		goto done;
	}
	rc = ASP_EXIT_OK;
done:
	free(err);
	free(prog);
	free(uf_path);
	free(dir);
	elf_facts_free(&facts);
	strv_free(&cmd);
	filter_free(&filt);
	return rc;
}

const struct cmd_entry cmd_record_entry = {
	.name = "record",
	.usage = "-o DIR [--runtime auto|tokio|async-std|smol] [--force] [--dry-run] [--uftrace PATH] [--] PROGRAM [ARGS...]",
	.summary = "run `uftrace record` with the options the analysis needs, into DIR",
	.help = "Records PROGRAM with uftrace into DIR (uftrace's -d), with the task polls'\n"
		"first argument (-A ...@arg1: tokio Harness::poll, async-std\n"
		"SupportTaskLocals::poll, async-task RawTask::run, and the program's own\n"
		"Future::poll impls and async bodies), the -N filters that drop only helpers\n"
		"that never poll, --no-libcall, and dynamic patching (-P .) when PROGRAM\n"
		"makes no mcount calls (not built with -pg or -Z instrument-mcount).\n"
		"Environment variables for PROGRAM must be set for this command (uftrace\n"
		"cannot trace through `env VAR=... PROGRAM`); PROGRAM inherits them and\n"
		"stdin. PROGRAM's output goes to standard error: standard output gets one\n"
		"line, where the recording is and how to analyse it. A PROGRAM that fails\n"
		"still leaves a usable recording (a warning, exit 0).\n"
		"\n"
		"  -o, --output DIR    the recording's directory; must not exist or be empty\n"
		"  -r, --runtime NAME  auto (default: from PROGRAM's symbols), tokio,\n"
		"                      async-std or smol: which task polls to record\n"
		"  -f, --force         replace a non-empty DIR (uftrace keeps it as DIR.old)\n"
		"  -n, --dry-run       print the uftrace command line, do not run it\n"
		"      --uftrace PATH  the uftrace to run (default: uftrace, from PATH)\n"
		"  -h, --help          this text\n",
	.exec = record_exec,
};
