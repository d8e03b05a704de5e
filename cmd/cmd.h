/* cmd.h - the subcommands of asprof-batch, one file each (cmd-*.c), listed
 * in cmd_table[] in main.c. A command parses its own options and returns
 * the process exit status. */
#ifndef ASP_CMD_H
#define ASP_CMD_H

#include <stdbool.h>
#include <stdio.h>

/* exit statuses shared by every command */
enum {
	ASP_EXIT_OK = 0,
	ASP_EXIT_FINDINGS = 1, /* regressions or error-severity findings */
	ASP_EXIT_USAGE = 2,    /* usage or input error */
};

struct cmd_entry {
	const char *name;
	const char *usage;   /* after "asprof-batch NAME " */
	const char *summary; /* one line for --help */
	const char *help;    /* the options, for NAME --help */
	void (*help_names)(FILE *out); /* NULL, or prints the names its options take */
	int (*exec)(int argc, char **argv);
};

extern const struct cmd_entry cmd_dump_entry;
extern const struct cmd_entry cmd_analyze_entry;
extern const struct cmd_entry cmd_diff_entry;
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_trend_entry;
/* every command, NULL-terminated */
extern const struct cmd_entry *const cmd_table[];
/* asprof-batch --help, written to out */
void cmd_usage_to(FILE *out);
/* the command of that name, or NULL */
const struct cmd_entry *cmd_find(const char *name);

/* print "asprof-batch: MSG" on stderr, one line; the message is shown as
 * every writer shows text (control characters, escape sequences and bytes
 * that are not UTF-8 as \xNN): use these for every line that can hold a
 * name or a path */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "asprof-batch: warning: MSG", the same way */
void cmd_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the analysis's warnings (an asp_warn_fn), through cmd_warning */
void cmd_warn(void *ctx, const char *msg);
/* NAME --help: usage, summary and options on stdout */
void cmd_help(const struct cmd_entry *e);
/* the same text, written to out */
void cmd_help_to(FILE *out, const struct cmd_entry *e);
/* asprof-batch(1), in roff, from the texts of --help and of every
 * command's --help: the man page cannot drift from them */
void cmd_man(FILE *out);
/* a usage mistake: one line on stderr that points to --help; returns
 * ASP_EXIT_USAGE */
int cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* the one-line message for getopt's '?' or ':' at argv[optind - 1] */
int cmd_bad_option(const struct cmd_entry *e, int c, char **argv);
extern const char *cmd_progname;

#endif
