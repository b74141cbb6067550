/* libFuzzer harness: device profiles (the table device's reader,
 * plugins/devices/profile_load.c and its tables), on any file. */
#include "fuzz_file.h"
#include "../../plugins/devices/table_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_as_file(data, size, ".json");
	dca_error err = { 0 };
	char *name = NULL, *summary = NULL;
	td_profile *p;

	if (!path)
		return 0;
	if (dcap_td_header_read(path, &name, &summary, &err) == 0) {
		free(name);
		free(summary);
	}
	if ((p = dcap_td_profile_load(path, &err)))
		dcap_td_profile_free(p);
	else
		FUZZ_REQUIRE(err.msg[0] != '\0');     /* a refusal says why */
	return 0;
}
