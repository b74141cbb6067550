/* libFuzzer harness: the experiment file parser (core/experiment.c), on
 * any text, without a registry (names unresolved; every value checked).
 * Beside no crash or sanitizer report: a refusal says why, and what it
 * accepts it can write back as config.json. */
#include "../../core/experiment.c"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_as_text(data, size);
	dca_experiment exp;
	dca_error err = { 0 };

	if (text && dca_experiment_parse(&exp, text, "fuzz.json", NULL, &err) == 0) {
		json_t *j = dca_experiment_to_json(&exp);   /* what config.json writes */

		FUZZ_REQUIRE(j != NULL);
		json_decref(j);
	} else if (text) {
		FUZZ_REQUIRE(err.msg[0] != '\0');
	}
	free(text);
	return 0;
}
