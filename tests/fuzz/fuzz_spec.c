/*
 * fuzz_spec: libFuzzer target for the spec loader. Any byte string is
 * loaded as a spec file (twice, so that spec_set_check compares two pools
 * when the input is valid) and every diagnostic is formatted; the loader
 * must neither crash, leak nor read out of bounds, and must either add a
 * pool or explain why not. Run with `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "specs/spec.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec_set set;
	struct strbuf sb = STRBUF_INIT;
	int rc;

	spec_set_init(&set);
	rc = spec_set_load_buffer(&set, "fuzz.yaml", (const char *)data, size);
	if ((rc == 0) != (set.n_diags == 0) || (rc == 0) != (set.n_pools == 1))
		abort(); /* a verdict without a reason, or a reason without a verdict */
	if (rc == 0) {
		spec_set_load_buffer(&set, "again.yaml", (const char *)data, size);
		if (spec_set_check(&set) == 0 || set.n_pools != 1)
			abort(); /* the same pool twice must be refused */
	}
	for (size_t i = 0; i < set.n_diags; i++) {
		strbuf_reset(&sb);
		spec_diag_format(&set.diags[i], &sb);
	}
	strbuf_release(&sb);
	spec_set_release(&set);
	return 0;
}
