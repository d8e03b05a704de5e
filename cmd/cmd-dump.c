/* cmd-dump.c - `asprof-batch dump RUN`: one line per record, to inspect a
 * recording and to check the reader against `uftrace dump`. */
#include "cmd.h"
#include "../analysis/ingest/ingest.h"
#include "../analysis/util.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(unsigned type)
{
	static const char *const names[] = { "entry", "exit", "lost", "event" };
	return names[type & 3];
}

/* s as it is when it is printable ASCII (every name of a real
 * recording), else as every writer shows text from input (asp_show): no
 * control character of a recording reaches the terminal */
static void put_inert(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p < 0x7f)
		p++;
	if (!*p) {
		fputs(s, out);
		return;
	}
	char *t = asp_show(s, ASP_SHOW_CONTROLS);
	fputs(t, out);
	free(t);
}

static void print_event(FILE *out, const struct asp_event *ev, bool mangled)
{
	fprintf(out, "%" PRIu64 " %d %s %u ", ev->time, ev->tid, type_name(ev->type), ev->depth);
	if (ev->type == ASP_REC_LOST)
		fprintf(out, "%" PRIu64, ev->addr);
	else if (ev->type == ASP_REC_EVENT)
		fprintf(out, "event-%" PRIu64, ev->addr);
	else if (ev->sym)
		put_inert(out, mangled ? ev->sym->mangled : asp_symbol_name(ev->sym));
	else
		fprintf(out, "<%" PRIx64 ">", ev->addr);
	char *args = asp_event_format_args(ev);
	if (args) {
		fputs(ev->type == ASP_REC_EXIT ? "\tretval: " : "\targs: ", out);
		put_inert(out, args);
		free(args);
	}
	fputc('\n', out);
}

static int dump_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "merge", no_argument, NULL, 'm' },
		{ "mangled", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool merge = false, mangled = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":mMh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': merge = true; break;
		case 'M': mangled = true; break;
		case 'h': cmd_help(&cmd_dump_entry); return ASP_EXIT_OK;
		default: return cmd_bad_option(&cmd_dump_entry, c, argv);
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error(&cmd_dump_entry,
				       "takes exactly one recording (a uftrace data directory)");
	char *err = NULL;
	struct asp_trace *t = asp_trace_open(argv[optind], cmd_warn, NULL, &err);
	if (!t) {
		cmd_error("%s", err);
		free(err);
		return ASP_EXIT_USAGE;
	}
	int rc = ASP_EXIT_OK;
	struct asp_event ev;
	int got;
	if (merge) {
		struct asp_merger *m = asp_merger_open(t, &err);
		if (!m)
			goto fail;
		while ((got = asp_merger_next(m, &ev, &err)) > 0)
			print_event(stdout, &ev, mangled);
		asp_merger_close(m);
		if (got < 0)
			goto fail;
	} else {
		for (size_t i = 0; i < asp_trace_nthreads(t); i++) {
			struct asp_reader *r = asp_reader_open(t, i, &err);
			if (!r)
				goto fail;
			while ((got = asp_reader_next(r, &ev, &err)) > 0)
				print_event(stdout, &ev, mangled);
			asp_reader_close(r);
			if (got < 0)
				goto fail;
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_error("writing to standard output failed");
		rc = ASP_EXIT_USAGE;
	}
	asp_trace_close(t);
	return rc;
fail:
	cmd_error("%s", err);
	free(err);
	asp_trace_close(t);
	return ASP_EXIT_USAGE;
}

const struct cmd_entry cmd_dump_entry = {
	.name = "dump",
	.usage = "[--merge] [--mangled] RUN",
	.summary = "print every record: time_ns tid entry|exit depth function [TAB args: ...]",
	.help = "Prints one line per record of every thread, thread by thread (or merged in\n"
		"time order with --merge), to inspect a recording and to check the reader\n"
		"against `uftrace dump`. Recorded arguments follow a TAB as 'args: ...',\n"
		"return values as 'retval: ...'; lost records print 'lost' and their count.\n"
		"\n"
		"  -m, --merge     every thread merged in timestamp order\n"
		"  -M, --mangled   symbol names as recorded (not demangled)\n"
		"  -h, --help      this text\n",
	.exec = dump_exec,
};
