/* fuzz-argspec.c - libFuzzer target: uftrace argument specs. The input's
 * first line is a spec list ("arg1/s,arg2/x16,retval/f"), parsed with
 * asp_parse_arg_specs; the bytes after it are the recorded payload, which
 * is formatted as an entry's arguments and as an exit's return value. */
#include "fuzz/fuzz.h"
#include "analysis/ingest/ingest-private.h"
#include "analysis/util.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void format(const uint8_t *payload, size_t len, unsigned type,
		   const struct asp_arg_spec *specs, size_t n)
{
	/* an exact-size copy, so that ASan sees any read past the payload */
	uint8_t *copy = xmalloc(len);
	memcpy(copy, payload, len);
	struct asp_event ev = {
		.type = (uint8_t)type, .more = true, .data = len ? copy : NULL,
		.data_len = (uint32_t)len, .specs = specs, .nspecs = n,
	};
	free(asp_event_format_args(&ev));
	uint64_t v;
	asp_event_arg1(&ev, &v);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t slen = nl ? (size_t)(nl - data) : size;
	char *spec = xstrndup((const char *)data, slen);
	const uint8_t *payload = nl ? nl + 1 : data + size;
	size_t plen = (size_t)(data + size - payload);
	struct asp_fn_args fa;
	if (asp_parse_arg_specs(spec, &fa) == 0) {
		format(payload, plen, ASP_REC_ENTRY, fa.args, fa.nargs);
		format(payload, plen, ASP_REC_EXIT, fa.rets, fa.nrets);
		asp_fn_args_free(&fa);
	}
	free(spec);
	return 0;
}
