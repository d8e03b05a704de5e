/* fuzz-dbg.c - libFuzzer target: the input is the executable's debug file
 * (prog.dbg, uftrace record --srcline: F: address name, L: line file) of a
 * synthetic recording, read at the first source line looked up. */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("synthetic", "prog.dbg");
	fz_write(dir, "prog.dbg", data, size);
	fz_walk(dir);
	return 0;
}
