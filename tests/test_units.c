/* Budgets with units. */
#include "config.h"
#include "check_main.h"
#include "testutil.h"

static double parse_ok(dca_unit u, const char *text)
{
	dca_error err = { 0 };
	double v = -1;
	ck_assert_msg(dca_unit_parse(u, text, &v, &err) == 0, "%s: %s", text, err.msg);
	return v;
}

static const char *parse_bad(dca_unit u, const char *text)
{
	static dca_error err;
	double v;
	dca_error_clear(&err);
	ck_assert_int_eq(dca_unit_parse(u, text, &v, &err), DCA_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, text));
	return err.msg;
}

START_TEST(counts)
{
	ck_assert_double_eq(parse_ok(DCA_UNIT_COUNT, "3.5M"), 3.5e6);
	ck_assert_double_eq(parse_ok(DCA_UNIT_COUNT, "600M"), 600e6);
	ck_assert_double_eq(parse_ok(DCA_UNIT_COUNT, "1.2G"), 1.2e9);
	ck_assert_double_eq(parse_ok(DCA_UNIT_COUNT, "500k"), 5e5);
	ck_assert_double_eq(parse_ok(DCA_UNIT_COUNT, "3349342"), 3349342);
}
END_TEST

START_TEST(bytes_time_energy)
{
	ck_assert_double_eq(parse_ok(DCA_UNIT_BYTES, "256KiB"), 262144);
	ck_assert_double_eq(parse_ok(DCA_UNIT_BYTES, "1.5MB"), 1.5e6);
	ck_assert_double_eq(parse_ok(DCA_UNIT_BYTES, "2MiB"), 2097152);
	ck_assert_double_eq(parse_ok(DCA_UNIT_SECONDS, "20ms"), 20);
	ck_assert_double_eq(parse_ok(DCA_UNIT_SECONDS, "0.5s"), 500);
	ck_assert_double_eq(parse_ok(DCA_UNIT_SECONDS, "250us"), 0.25);
	ck_assert_double_eq(parse_ok(DCA_UNIT_JOULES, "5mJ"), 5);
}
END_TEST

START_TEST(bad_units)
{
	const char *m;
	m = parse_bad(DCA_UNIT_COUNT, "3,5M");
	ck_assert_ptr_nonnull(strstr(m, "decimal point"));
	m = parse_bad(DCA_UNIT_COUNT, "20ms");
	ck_assert_ptr_nonnull(strstr(m, "3.5M"));
	m = parse_bad(DCA_UNIT_SECONDS, "20");
	ck_assert_ptr_nonnull(strstr(m, "missing"));
	parse_bad(DCA_UNIT_SECONDS, "20 parsecs");
	parse_bad(DCA_UNIT_BYTES, "lots");
	parse_bad(DCA_UNIT_BYTES, "-5KiB");
	parse_bad(DCA_UNIT_COUNT, "0");
	parse_bad(DCA_UNIT_COUNT, "nan");
	/* finite as written, infinite once scaled: refused, never dropped */
	m = parse_bad(DCA_UNIT_COUNT, "1e308G");
	ck_assert_ptr_nonnull(strstr(m, "too large"));
	parse_bad(DCA_UNIT_BYTES, "1e308GiB");
	parse_bad(DCA_UNIT_COUNT, "2e299G");
}
END_TEST

START_TEST(formatting)
{
	char buf[32];
	ck_assert_str_eq(dca_unit_format(DCA_UNIT_COUNT, 3349342, buf, sizeof buf), "3.34934M");
	ck_assert_str_eq(dca_unit_format(DCA_UNIT_BYTES, 262144, buf, sizeof buf), "256KiB");
	ck_assert_str_eq(dca_unit_format(DCA_UNIT_SECONDS, 25.68, buf, sizeof buf), "25.68ms");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, counts);
	tcase_add_test(tc, bytes_time_energy);
	tcase_add_test(tc, bad_units);
	tcase_add_test(tc, formatting);
	suite_add_tcase(s, tc);
	return test_run(s);
}
