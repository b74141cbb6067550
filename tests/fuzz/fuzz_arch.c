/* libFuzzer harness: a space's arch strings (NAS-Bench-201's) or genotypes
 * (DARTS's), parsed and formatted back; the space's sources are compiled
 * in (FUZZ_SPACE names it; tests/fuzz/run.sh arch-nb201 | arch-darts). */
#include <string.h>

#include <dcanas/dcanas.h>

#include "fuzz_file.h"

const dca_module_info *dca_module_entry(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const dca_space *sp;
	static dca_registry *reg;
	dca_error err = { 0 };
	char *text;
	dca_arch *a;

	if (!sp) {
		reg = dca_registry_new();
		if (!reg || dca_module_entry()->register_plugins(reg, &err) ||
		    !(sp = dca_registry_space(reg, FUZZ_SPACE, &err)))
			abort();
	}
	if (!(text = fuzz_as_text(data, size)))
		return 0;
	if (!(a = sp->arch_parse(text, &err)))
		FUZZ_REQUIRE(err.msg[0] != '\0');     /* a refusal says why */
	else {
		char *back = sp->arch_format(a);
		dca_arch *again = back ? sp->arch_parse(back, &err) : NULL;

		/* what it prints, it reads back */
		FUZZ_REQUIRE(back != NULL && again != NULL);
		if (again)
			sp->arch_free(again);
		free(back);
		sp->arch_free(a);
	}
	free(text);
	return 0;
}
