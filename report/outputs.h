/* outputs.h - the registry of what a batch writes: one entry per output
 * (a file or folder of the output folder), in the order the driver
 * (cmd/batch.c) writes them. The rules file's `outputs:` and the command
 * line's --outputs choose among them by name; the default is all.
 *
 * Adding a batch report: its writer in a file of report/ (the shape of
 * asp_output_write_fn, declared in batch.h, reading struct asp_batch only)
 * and one entry in asp_outputs[] (outputs.c). The per-run outputs and the
 * charts (drawn in the background while the last runs are written) are the
 * driver's own and have no write function. */
#ifndef ASP_REPORT_OUTPUTS_H
#define ASP_REPORT_OUTPUTS_H

#include "report/batch.h"
#include "analysis/rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum asp_output_scope {
	ASP_OUTPUT_RUN,    /* one per run, in runs/NAME/ (the driver writes it) */
	ASP_OUTPUT_BATCH,  /* one per batch, written by write */
	ASP_OUTPUT_DRAWN,  /* the charts: started once every run is analysed
			    * (asp_charts_start), finished at this place */
};

/* a batch report: written whole to path (in the stage); "PATH: reason" */
typedef int asp_output_write_fn(const struct asp_batch *b, const char *path, char **err);

struct asp_output {
	const char *name;  /* in `outputs:` and --outputs */
	const char *path;  /* in the output folder (per run: in runs/NAME/) */
	const char *files; /* its files as manifest.json lists them (a glob) */
	enum asp_output_scope scope;
	asp_output_write_fn *write; /* ASP_OUTPUT_BATCH only */
};

extern const struct asp_output asp_outputs[];
extern const size_t asp_noutputs;

/* a choice of outputs: bit i is asp_outputs[i] */
typedef uint32_t asp_output_set;
asp_output_set asp_outputs_all(void);
/* the outputs of that scope (ASP_OUTPUT_RUN: those in runs/NAME/) */
asp_output_set asp_outputs_in(enum asp_output_scope scope);
/* the output of that name; NULL for none */
const struct asp_output *asp_output_find(const char *name);
/* the bit of the output of that name; 0 for none */
asp_output_set asp_output_bit(const char *name);
/* the output of that name is in set */
bool asp_output_on(asp_output_set set, const char *name);

/* The outputs to write: list (the command line's, "summary,junit" or
 * "all") when not NULL, else the rules file's `outputs:`, else all. An
 * unknown or missing name is -1 and *err: "--outputs: ..." for list,
 * "FILE:LINE:COLUMN: outputs: ..." for the rules file. */
int asp_outputs_choose(const struct asp_rules *rules, const char *list, asp_output_set *set,
		       char **err);

#endif
