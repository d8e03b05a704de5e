/* verdict.c - the batch's verdict by fail_on (verdict.h): a finding fails
 * by its severity, a comparison row when it regressed; the status is an
 * error when an input is missing, a failure when anything judged fails. */
#include "verdict.h"
#include "util.h"

#include <stdlib.h>

static bool finding_fails(const struct asp_rules *rules, const struct asp_finding *f)
{
	return (f->severity == ASP_SEV_ERROR && (rules->fail_on & (1u << ASP_FAIL_ERROR))) ||
	       (f->severity >= ASP_SEV_WARNING && (rules->fail_on & (1u << ASP_FAIL_WARNING)));
}

void asp_batch_verdict_judge(const struct asp_batch_input *in, struct asp_batch_verdict *v)
{
	const struct asp_rules *rules = in->rules;
	*v = (struct asp_batch_verdict){ 0 };
	bool findings_failed = false;
	v->nruns = in->nruns;
	v->finding_fails = xcalloc(in->nruns ? in->nruns : 1, sizeof(*v->finding_fails));
	for (size_t i = 0; i < in->nruns; i++) {
		const struct asp_result *r = in->runs[i];
		bool judged = !in->judged || in->judged[i];
		v->finding_fails[i] = xcalloc(r->nfindings ? r->nfindings : 1, sizeof(bool));
		for (size_t k = 0; k < r->nfindings; k++) {
			enum asp_severity s = r->findings[k].severity;
			v->finding_fails[i][k] = finding_fails(rules, &r->findings[k]);
			if (!judged)
				continue;
			if (s == ASP_SEV_ERROR)
				v->errors++;
			else if (s == ASP_SEV_WARNING)
				v->warnings++;
			findings_failed |= v->finding_fails[i][k];
		}
	}
	bool fail_regressions = rules->fail_on & (1u << ASP_FAIL_REGRESSION);
	if (in->cmp) {
		v->regressions = in->cmp->counts[ASP_V_REGRESSED];
		v->nrows = in->cmp->nrows;
		v->row_fails = xcalloc(v->nrows ? v->nrows : 1, sizeof(*v->row_fails));
		for (size_t i = 0; i < v->nrows; i++)
			v->row_fails[i] = fail_regressions && in->cmp->rows[i].verdict == ASP_V_REGRESSED;
		v->row_failures = fail_regressions ? v->regressions : 0;
	}
	bool regress_fail = v->regressions && fail_regressions;
	if (in->nskipped || in->cmp_missing)
		v->status = ASP_BATCH_ERROR;
	else if (findings_failed || regress_fail)
		v->status = ASP_BATCH_FAIL;
	else
		v->status = ASP_BATCH_PASS;
	if (v->status == ASP_BATCH_ERROR)
		v->reason = xasprintf("%zu run%s could not be read", in->nskipped,
				      in->nskipped == 1 ? "" : "s");
	else if (v->status == ASP_BATCH_FAIL)
		v->reason = xasprintf("%zu regression%s, %zu error and %zu warning finding%s (fail_on decides)",
				      v->regressions, v->regressions == 1 ? "" : "s", v->errors,
				      v->warnings, v->warnings == 1 ? "" : "s");
	else
		v->reason = xasprintf("%zu regressions, %zu error and %zu warning findings",
				      v->regressions, v->errors, v->warnings);
}

void asp_batch_verdict_free(struct asp_batch_verdict *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nruns; i++)
		free(v->finding_fails[i]);
	free(v->finding_fails);
	free(v->row_fails);
	free(v->reason);
	*v = (struct asp_batch_verdict){ 0 };
}
