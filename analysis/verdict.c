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

/* "1 regression and 2 error findings": the counted items of which, joined
 * in words ("", when none) */
static void counted_list(struct asp_buf *b, const size_t *n, const char *const *what,
			 const bool *which, size_t count)
{
	size_t k = 0, total = 0;
	for (size_t i = 0; i < count; i++)
		total += which[i] && n[i];
	for (size_t i = 0; i < count; i++) {
		if (!which[i] || !n[i])
			continue;
		k++;
		asp_buf_printf(b, "%s%zu %s%s", k == 1 ? "" : k == total ? " and " : ", ", n[i],
			       what[i], n[i] == 1 ? "" : "s");
	}
}

/* The reason in plain words: what fails the build (exactly what the
 * reports list as failures), then what was found but the rules' fail_on
 * does not count: "1 regression fails the build; 12 warning findings do
 * not (fail_on in the rules)". */
static char *verdict_reason(const struct asp_rules *rules, const struct asp_batch_verdict *v)
{
	const size_t n[3] = { v->regressions, v->errors, v->warnings };
	/* an error finding fails by fail_on warning too (finding_fails) */
	const unsigned mask[3] = { 1u << ASP_FAIL_REGRESSION,
				   1u << ASP_FAIL_ERROR | 1u << ASP_FAIL_WARNING,
				   1u << ASP_FAIL_WARNING };
	const char *const what[3] = { "regression", "error finding", "warning finding" };
	bool fails[3], passes[3];
	size_t nfail = 0, npass = 0;
	for (int i = 0; i < 3; i++) {
		fails[i] = rules->fail_on & mask[i];
		passes[i] = !fails[i];
		nfail += fails[i] ? n[i] : 0;
		npass += passes[i] ? n[i] : 0;
	}
	struct asp_buf b = { 0 };
	if (v->status == ASP_BATCH_FAIL && nfail) {
		counted_list(&b, n, what, fails, 3);
		asp_buf_printf(&b, " %s the build", nfail == 1 ? "fails" : "fail");
	} else {
		asp_buf_printf(&b, "nothing fails the build");
	}
	if (npass) {
		asp_buf_printf(&b, "; ");
		counted_list(&b, n, what, passes, 3);
		asp_buf_printf(&b, " %s not (fail_on in the rules)", npass == 1 ? "does" : "do");
	}
	return b.data;
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
			if (!judged)
				continue; /* a baseline run's findings fail nothing */
			v->finding_fails[i][k] = finding_fails(rules, &r->findings[k]);
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
	else
		v->reason = verdict_reason(rules, v);
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
