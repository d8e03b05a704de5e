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

/* "N thing(s)" */
static void counted(struct asp_buf *b, bool *first, size_t n, const char *what)
{
	if (!n)
		return;
	asp_buf_printf(b, "%s%zu %s%s", *first ? "" : ", ", n, what, n == 1 ? "" : "s");
	*first = false;
}

/* the reason counts exactly what fails the rules (what the reports list as
 * failures), then what was found but fail_on lets pass */
static char *verdict_reason(const struct asp_rules *rules, const struct asp_batch_verdict *v)
{
	const size_t n[3] = { v->regressions, v->errors, v->warnings };
	/* an error finding fails by fail_on warning too (finding_fails) */
	const unsigned mask[3] = { 1u << ASP_FAIL_REGRESSION,
				   1u << ASP_FAIL_ERROR | 1u << ASP_FAIL_WARNING,
				   1u << ASP_FAIL_WARNING };
	const char *what[3] = { "regression", "error finding", "warning finding" };
	struct asp_buf b = { 0 };
	bool first = true;
	asp_buf_printf(&b, "%s", v->status == ASP_BATCH_FAIL ? "fails the rules: " : "nothing fails the rules");
	for (int i = 0; i < 3; i++)
		if (rules->fail_on & mask[i])
			counted(&b, &first, n[i], what[i]);
	bool passing = false;
	for (int i = 0; i < 3; i++)
		passing |= n[i] && !(rules->fail_on & mask[i]);
	if (passing) {
		asp_buf_printf(&b, "%s", "; fail_on lets pass: ");
		first = true;
		for (int i = 0; i < 3; i++)
			if (!(rules->fail_on & mask[i]))
				counted(&b, &first, n[i], what[i]);
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
