/* fuzz-task.c - libFuzzer target: the input is task.txt (SESS, TASK, FORK, DLOP, EXEC
 * lines) of a synthetic recording. */
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *dir;
	if (!dir)
		dir = fz_setup("synthetic", "task.txt");
	fz_write(dir, "task.txt", data, size);
	fz_walk(dir);
	return 0;
}
