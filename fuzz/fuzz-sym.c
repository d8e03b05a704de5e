/* fuzz-sym.c - libFuzzer target: the input is the executable's symbol file (*.sym,
 * both the 0.13 and the sized format) of a synthetic recording. */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("synthetic", "prog.sym");
	fz_write(dir, "prog.sym", data, size);
	fz_walk(dir);
	return 0;
}
