/* fuzz-summary.c - libFuzzer target: a run's or a batch's summary.json
 * (json-c), read with asp_summary_read; every run read is then used as a
 * batch uses it: compared with itself, its summary written again and its
 * text summary printed. Errors must be one line starting with the file
 * name. */
#include "fuzz/fuzz.h"
#include "analysis/compare.h"
#include "analysis/ingest/summary.h"
#include "analysis/rules.h"
#include "analysis/util.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	static char *path;
	static struct asp_rules *rules;
	static FILE *null;
	if (!dir) {
		dir = fz_setup(NULL, NULL);
		path = asp_path_join(dir, "summary.json");
		rules = asp_rules_default();
		rules->compare.bootstrap = 100; /* fast; the same code */
		null = fopen("/dev/null", "w");
	}
	fz_write(dir, "summary.json", data, size);
	struct asp_result **runs;
	size_t n;
	char *err = NULL;
	if (asp_summary_read(path, &runs, &n, &err) < 0) {
		fz_check_message(err, path);
		free(err);
		return 0;
	}
	const struct asp_result *const *rs = (const struct asp_result *const *)runs;
	struct asp_comparison *c = asp_compare(rs, n, rs, n, rules);
	asp_comparison_print(null, c, 10);
	asp_comparison_free(c);
	for (size_t i = 0; i < n; i++) {
		json_object *o = asp_summary_json(runs[i], rules);
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
		json_object_put(o);
		asp_summary_print(null, runs[i], 10);
		asp_result_free(runs[i]);
	}
	free(runs);
	return 0;
}
