/* Unit tests of include/resv_settings.c: the names, bounds and defaults of a store's
 * settings and the check of their values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "resv_settings.h"

static int check(resvSetting s, const char *v, long *num) {
    const char *why = NULL;
    int rc = resvSettingCheck(s, v, strlen(v), num, &why);
    assert_non_null(why);
    return rc;
}

static void test_lookup(void **state) {
    (void)state;
    for (int i = 0; i < RESV_ST_COUNT; i++)
        assert_int_equal(i, resvSettingLookup(resvSettings[i].name, strlen(resvSettings[i].name)));
    assert_int_equal(-1, resvSettingLookup("Timezone", 8));
    assert_int_equal(-1, resvSettingLookup("timezon", 7));
    assert_int_equal(-1, resvSettingLookup("timezone\0", 9));
    assert_int_equal(-1, resvSettingLookup("", 0));
}

/* Each number is taken at its bounds and refused just outside them, and the defaults
 * are within the bounds (no_show_after_minutes: 0, off). */
static void test_numbers(void **state) {
    (void)state;
    long n = -1;
    char buf[32];
    for (int i = 0; i < RESV_ST_COUNT; i++) {
        const resvSettingSpec *sp = &resvSettings[i];
        if (sp->isZone) continue;
        assert_true(sp->def >= sp->min && sp->def <= sp->max);
        snprintf(buf, sizeof buf, "%ld", sp->min);
        assert_int_equal(0, check((resvSetting)i, buf, &n));
        assert_int_equal(sp->min, n);
        snprintf(buf, sizeof buf, "%ld", sp->max);
        assert_int_equal(0, check((resvSetting)i, buf, &n));
        assert_int_equal(sp->max, n);
        snprintf(buf, sizeof buf, "%ld", sp->max + 1);
        assert_int_equal(-1, check((resvSetting)i, buf, &n));
        if (sp->min > 0) {
            snprintf(buf, sizeof buf, "%ld", sp->min - 1);
            assert_int_equal(-1, check((resvSetting)i, buf, &n));
        }
        static const char *const bad[] = {"", "-1", "+5", "05", "5.0", "5 ", " 5", "1e2", "x"};
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
            assert_int_equal(-1, check((resvSetting)i, bad[k], &n));
    }
    assert_int_equal(0, resvSettings[RESV_ST_NO_SHOW_AFTER_MINUTES].def);
    assert_int_equal(30, resvSettings[RESV_ST_SLOT_MINUTES].def);
    assert_int_equal(90, resvSettings[RESV_ST_TURN_MINUTES].def);
    assert_int_equal(0, resvSettings[RESV_ST_MAX_COVERS_PER_SLOT].def); /* pacing off */
    assert_int_equal(0, resvSettings[RESV_ST_MAX_PARTIES_PER_SLOT].def);
}

static void test_zone_names(void **state) {
    (void)state;
    long n;
    assert_int_equal(0, check(RESV_ST_TIMEZONE, "Asia/Shanghai", &n));
    assert_int_equal(0, check(RESV_ST_TIMEZONE, "America/Los_Angeles", &n));
    assert_int_equal(0, check(RESV_ST_TIMEZONE, "UTC", &n));
    static const char *const bad[] = {
        "",   "asia/shanghai", "/etc/passwd", "Asia/../UTC", "Asia//Tokyo", "Asia/",
        "30", "Asia/Shang hai"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(-1, check(RESV_ST_TIMEZONE, bad[k], &n));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_zone_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
