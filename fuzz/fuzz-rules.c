/* fuzz-rules.c - libFuzzer target: the rules file (YAML, libyaml), loaded
 * with asp_rules_load and as a runtimes file with asp_rules_load_runtimes;
 * then every query the analysis makes of it. Errors must be one line
 * starting with the file name. */
#include "fuzz/fuzz.h"
#include "analysis/rules.h"
#include "analysis/util.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void query(const struct asp_rules *r)
{
	static const char *const names[] = {
		"tokio::runtime::task::harness::Harness<T,S>::poll",
		"<my_app::Handler as core::future::future::Future>::poll",
		"async_std::task::block_on", "", "[", "*",
	};
	for (size_t i = 0; i < ASP_ARRAY_SIZE(names); i++) {
		sink += asp_rules_override(r, names[i]) != NULL;
		sink += asp_rules_compare_override(r, names[i]) != NULL;
		for (size_t k = 0; k < r->nprofiles; k++) {
			const struct asp_profile *p = &r->profiles[k];
			sink += asp_patterns_match(&p->task_poll, names[i]) +
				asp_patterns_match(&p->detect, names[i]) +
				asp_patterns_match(&p->plumbing, names[i]);
		}
	}
	sink += asp_rules_profile(r, r->runtime) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	static char *path;
	if (!dir) {
		dir = fz_setup(NULL, NULL);
		path = asp_path_join(dir, "rules.yaml");
	}
	fz_write(dir, "rules.yaml", data, size);
	char *err = NULL;
	struct asp_rules *r = asp_rules_load(path, &err);
	if (r) {
		query(r);
		asp_rules_free(r);
	} else {
		fz_check_message(err, path);
		if (strncmp(err, path, strlen(path))) /* "FILE:LINE:COL: msg" */
			abort();
		free(err);
		err = NULL;
	}
	r = asp_rules_default();
	if (asp_rules_load_runtimes(r, path, &err) == 0) {
		query(r);
	} else {
		fz_check_message(err, path);
		free(err);
	}
	asp_rules_free(r);
	/* the value parsers on the raw text */
	char *s = xstrndup((const char *)data, size);
	uint64_t ns;
	double v;
	char buf[64];
	if (asp_parse_duration(s, &ns) == 0)
		sink += strlen(asp_format_duration(ns, buf, sizeof(buf)));
	if (asp_parse_ratio(s, &v) == 0)
		sink += v > 1;
	free(s);
	return 0;
}
