/* Unit tests of include/resv_find.c: lookup hash fields, phone digits, name matching
 * and the id lists of the lookup index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "resv_find.h"

static size_t field(resvFindRef ref, const char *v, char *out) {
    size_t n = resvFindField(ref, v, strlen(v), out);
    out[n] = '\0';
    return n;
}

static void test_fields(void **state) {
    (void)state;
    char out[RESV_FIND_FIELD_MAX + 1];
    field(RESV_FIND_NUMBER, "YD-0001", out);
    assert_string_equal("n:YD-0001", out);
    field(RESV_FIND_EXTERNAL, "yiding res 1", out);
    assert_string_equal("x:yiding res 1", out);
    field(RESV_FIND_PHONE, "+86 138-0013-5678", out);
    assert_string_equal("p:5678", out);
    field(RESV_FIND_PHONE, "(010) 1234", out);
    assert_string_equal("p:1234", out);
    /* not indexed: empty, a phone of fewer than 4 digits */
    assert_int_equal(0, field(RESV_FIND_NUMBER, "", out));
    assert_int_equal(0, field(RESV_FIND_PHONE, "12 3", out));
    assert_int_equal(0, field(RESV_FIND_PHONE, "", out));
    assert_int_equal(RESV_F_CUSTOMER_PHONE, resvFindFields[RESV_FIND_PHONE]);
    /* a number of 128 characters of 4 bytes (512 bytes) is indexed whole */
    char number[4 * 128 + 1] = "";
    for (int i = 0; i < 128; i++)
        strcat(number, "\xF0\xA0\x80\x80");
    assert_int_equal(2 + 512, field(RESV_FIND_NUMBER, number, out));
    assert_memory_equal(number, out + 2, 512);
}

static void test_phone_queries(void **state) {
    (void)state;
    assert_true(resvFindIsPhoneQuery("5678", 4));
    assert_true(resvFindIsPhoneQuery("138 0013 5678", 13));
    assert_true(resvFindIsPhoneQuery("+86(138)-5678", 13));
    assert_false(resvFindIsPhoneQuery("567", 3));
    assert_false(resvFindIsPhoneQuery("5 6 7", 5));
    assert_false(resvFindIsPhoneQuery("R5678", 5));
    assert_false(resvFindIsPhoneQuery("56\0"
                                      "78",
                                      5));
    assert_true(resvFindPhoneMatches("138-0013-5678", 13, "5678", 4));
    assert_true(resvFindPhoneMatches("138-0013-5678", 13, "00135678", 8));
    assert_true(resvFindPhoneMatches("138-0013-5678", 13, "13800135678", 11));
    assert_false(resvFindPhoneMatches("138-0013-5678", 13, "8613800135678", 13));
    assert_false(resvFindPhoneMatches("138-0013-5678", 13, "1135678", 7));
    assert_false(resvFindPhoneMatches("", 0, "5678", 4));
    char d[4];
    assert_int_equal(5, resvFindDigits("1-2345", 6, d, 4)); /* more than cap */
}

static int name(const char *n, const char *q) {
    return resvFindNameMatches(n, strlen(n), q, strlen(q));
}

static void test_names(void **state) {
    (void)state;
    assert_true(name("张三", "张"));
    assert_true(name("张先生", "张"));
    assert_true(name("张先生", "先生"));
    assert_false(name("李四", "张"));
    assert_true(name("Ann Lee", "ann"));
    assert_true(name("ann lee", "LEE"));
    assert_true(name("José ÁLVAREZ", "josé álvarez")); /* Latin-1 letters fold */
    assert_true(name("MÜLLER", "müller"));
    assert_false(name("Ann", "Anna"));
    assert_false(name("Ann", ""));
    /* × (C3 97) and ÷ (C3 B7) are not a letter pair */
    assert_false(name("a×b", "a÷b"));
    /* customer_name is limited in characters: 128 of 4 bytes are 512 bytes, and the
       whole name is searched (names over 256 bytes never matched) */
    assert_int_equal(4 * resvFields[RESV_F_CUSTOMER_NAME].maxlen, RESV_FIND_NAME_MAX);
    char longName[4 * 128 + 1] = "";
    for (int i = 0; i < 127; i++)
        strcat(longName, "\xF0\xA0\x80\x80"); /* U+20000, 4 bytes */
    strcat(longName, "张");
    assert_true(name(longName, "张"));
    longName[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(longName, "王"); /* 100 characters, 300 bytes */
    strcat(longName, "Ann");
    assert_true(name(longName, "ann"));
}

static size_t add(const char *list, const char *id, char *out) {
    size_t n = resvFindListAdd(list, strlen(list), id, strlen(id), out);
    out[n] = '\0';
    return n;
}

static size_t rem(const char *list, const char *id, char *out) {
    size_t n = resvFindListRemove(list, strlen(list), id, strlen(id), out);
    out[n] = '\0';
    return n;
}

/* The one check of a query, shared by RESV.FIND and GET /reservation/search: trimmed,
 * 1 to 128 characters (a 128-character Chinese id is 384 bytes), no control character. */
static void test_query_check(void **state) {
    (void)state;
    const char *out;
    size_t len;
    assert_int_equal(resvFindQueryCheck("  5678 ", 7, &out, &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "5678", 4);
    char id[4 * 128 + 4];
    size_t n = 0;
    for (int i = 0; i < 128; i++, n += 3)
        memcpy(id + n, "\xe5\xbc\xa0", 3); /* 张 */
    assert_int_equal(resvFindQueryCheck(id, n, &out, &len), 0);
    assert_int_equal(len, 384);
    memcpy(id + n, "\xe5\xbc\xa0", 3);
    assert_int_equal(resvFindQueryCheck(id, n + 3, &out, &len), -1); /* 129 characters */
    assert_int_equal(resvFindQueryCheck("   ", 3, &out, &len), -1);
    assert_int_equal(resvFindQueryCheck("", 0, &out, &len), -1);
    assert_int_equal(resvFindQueryCheck("a\nb", 3, &out, &len), -1);
    assert_int_equal(resvFindQueryCheck("a\x7f", 2, &out, &len), -1);
    assert_int_equal(resvFindQueryCheck("\xff\xfe", 2, &out, &len), -1);
}

static void test_lists(void **state) {
    (void)state;
    char out[64];
    add("", "R2", out);
    assert_string_equal("R2", out);
    add("R2", "R1", out);
    assert_string_equal("R1 R2", out);
    add("R1 R2", "R10", out);
    assert_string_equal("R1 R10 R2", out);
    add("R1 R10 R2", "R3", out);
    assert_string_equal("R1 R10 R2 R3", out);
    add("R1 R2", "R2", out);
    assert_string_equal("R1 R2", out);
    rem("R1 R10 R2", "R10", out);
    assert_string_equal("R1 R2", out);
    rem("R1 R10 R2", "R1", out);
    assert_string_equal("R10 R2", out);
    assert_int_equal(0, rem("R1", "R1", out));
    rem("R1 R2", "R", out);
    assert_string_equal("R1 R2", out);
    const char *l = "a bb ccc", *id;
    size_t pos = 0, len, n = 0;
    while (resvFindListNext(l, strlen(l), &pos, &id, &len))
        assert_int_equal(++n, len);
    assert_int_equal(3, n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),      cmocka_unit_test(test_phone_queries),
        cmocka_unit_test(test_names),       cmocka_unit_test(test_lists),
        cmocka_unit_test(test_query_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
