/* Unit tests of include/resv_model.c: the field table against the contract, every
 * field type's accepted, refused and canonical values, UTF-8 and ids, the status
 * transition table for our API and for provider data, JSON types, origins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "resv_model.h"

/* Contract section 2, in this order. */
static const char *const contractFields[] = {"id",
                                             "system_id",
                                             "store_id",
                                             "reservation_id",
                                             "external_reservation_id",
                                             "reservation_number",
                                             "customer_name",
                                             "customer_phone",
                                             "customer_count",
                                             "reservation_date",
                                             "reservation_time",
                                             "arrival_time",
                                             "table_type",
                                             "table_number",
                                             "area",
                                             "status",
                                             "special_requirements",
                                             "notes",
                                             "deposit_required",
                                             "deposit_amount",
                                             "deposit_paid",
                                             "source",
                                             "channel",
                                             "sync_status",
                                             "synced_at",
                                             "created_at",
                                             "updated_at",
                                             "sync_error",
                                             "overbooked"};

static const resvFieldSpec *field(const char *name) {
    int i = resvFieldLookup(resvFields, RESV_F_COUNT, name, strlen(name));
    assert_true(i >= 0);
    return &resvFields[i];
}

/* Accepted with the given canonical form (NULL: stored as given). */
static void accepts(const resvFieldSpec *f, const char *v, size_t len, const char *canonWant) {
    char buf[RESV_CANON_MAX];
    const char *canon = NULL, *why = NULL;
    size_t canonlen = 0;
    if (resvFieldCheck(f, v, len, buf, &canon, &canonlen, &why) != 0)
        fail_msg("%s refused '%.*s': %s", f->name, (int)len, v, why);
    if (canonWant == NULL) {
        assert_ptr_equal(canon, v);
        assert_int_equal(canonlen, len);
    } else {
        if (canonlen != strlen(canonWant) || memcmp(canon, canonWant, canonlen) != 0)
            fail_msg("%s '%.*s' stored as '%.*s', want '%s'", f->name, (int)len, v, (int)canonlen,
                     canon, canonWant);
    }
}

static void refuses(const resvFieldSpec *f, const char *v, size_t len) {
    char buf[RESV_CANON_MAX];
    const char *canon = NULL, *why = NULL;
    size_t canonlen = 0;
    if (resvFieldCheck(f, v, len, buf, &canon, &canonlen, &why) == 0)
        fail_msg("%s accepted '%.*s'", f->name, (int)len, v);
    assert_non_null(why);
    assert_true(strncmp(why, "must be", 7) == 0);
}

#define ACCEPT(f, v, c) accepts(field(f), v, sizeof(v) - 1, c)
#define REFUSE(f, v)    refuses(field(f), v, sizeof(v) - 1)

static void test_field_table(void **state) {
    (void)state;
    assert_int_equal(RESV_F_COUNT, 29);
    assert_int_equal(sizeof contractFields / sizeof *contractFields, RESV_F_COUNT);
    for (int i = 0; i < RESV_F_COUNT; i++) {
        assert_string_equal(resvFields[i].name, contractFields[i]);
        assert_int_equal(
            resvFieldLookup(resvFields, RESV_F_COUNT, contractFields[i], strlen(contractFields[i])),
            i);
    }
    /* Server-set fields: not settable through RESV.UPSERT. */
    assert_true(field("id")->flags & RESV_FF_SERVER);
    assert_true(field("store_id")->flags & RESV_FF_SERVER);
    assert_true(field("reservation_id")->flags & RESV_FF_SERVER);
    assert_true(field("created_at")->flags & RESV_FF_SERVER);
    assert_true(field("sync_error")->flags & RESV_FF_SERVER);
    assert_false(field("updated_at")->flags & RESV_FF_SERVER);
    assert_false(field("status")->flags & RESV_FF_SERVER);
}

static void test_field_lookup(void **state) {
    (void)state;
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "status", 6), RESV_F_STATUS);
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "Status", 6), -1);
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "status ", 7), -1);
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "statu", 5), -1);
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "", 0), -1);
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "external_id", 11), -1);
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "status\0x", 8), -1);
    /* length bounds the comparison: a longer buffer with the name as prefix */
    assert_int_equal(resvFieldLookup(resvFields, RESV_F_COUNT, "notesXYZ", 5), RESV_F_NOTES);
    /* from a start index: wraps around, and past the end starts again at 0 */
    assert_int_equal(resvFieldLookupFrom(resvFields, RESV_F_COUNT, "id", 2, RESV_F_STATUS),
                     RESV_F_ID);
    assert_int_equal(resvFieldLookupFrom(resvFields, RESV_F_COUNT, "status", 6, RESV_F_STATUS),
                     RESV_F_STATUS);
    assert_int_equal(resvFieldLookupFrom(resvFields, RESV_F_COUNT, "status", 6, RESV_F_COUNT),
                     RESV_F_STATUS);
    assert_int_equal(resvFieldLookupFrom(resvFields, RESV_F_COUNT, "nope", 4, 7), -1);
    assert_int_equal(resvFieldLookup(resvSystemFields, RESV_SF_COUNT, "webhook_secret", 14),
                     RESV_SF_WEBHOOK_SECRET);
    assert_int_equal(resvFieldLookup(resvSystemFields, RESV_SF_COUNT, "customer_name", 13), -1);
    for (int i = 0; i < RESV_SF_COUNT; i++)
        assert_int_equal(resvFieldLookup(resvSystemFields, RESV_SF_COUNT, resvSystemFields[i].name,
                                         strlen(resvSystemFields[i].name)),
                         i);
}

static void test_json_types(void **state) {
    (void)state;
    for (int i = 0; i < RESV_F_COUNT; i++) {
        resvJsonType want = RESV_JSON_STRING;
        if (i == RESV_F_CUSTOMER_COUNT)
            want = RESV_JSON_INTEGER;
        else if (i == RESV_F_DEPOSIT_AMOUNT)
            want = RESV_JSON_NUMBER;
        else if (i == RESV_F_DEPOSIT_REQUIRED || i == RESV_F_DEPOSIT_PAID || i == RESV_F_OVERBOOKED)
            want = RESV_JSON_BOOL;
        if (resvFieldJsonType(&resvFields[i]) != want)
            fail_msg("JSON type of %s", resvFields[i].name);
    }
    for (int i = 0; i < RESV_SF_COUNT; i++)
        assert_int_equal(resvFieldJsonType(&resvSystemFields[i]), RESV_JSON_STRING);
}

static void test_money(void **state) {
    (void)state;
    ACCEPT("deposit_amount", "200", "200.00");
    ACCEPT("deposit_amount", "200.0", "200.00");
    ACCEPT("deposit_amount", "200.00", "200.00");
    ACCEPT("deposit_amount", "0.5", "0.50");
    ACCEPT("deposit_amount", "0.05", "0.05");
    ACCEPT("deposit_amount", "0", "0.00");
    ACCEPT("deposit_amount", "0.00", "0.00");
    ACCEPT("deposit_amount", "999999999.99", "999999999.99");
    ACCEPT("deposit_amount", "12.3", "12.30");
    REFUSE("deposit_amount", "1.234");
    REFUSE("deposit_amount", "-1");
    REFUSE("deposit_amount", "1e3");
    REFUSE("deposit_amount", "1E3");
    REFUSE("deposit_amount", "1000000000");
    REFUSE("deposit_amount", "1000000000.00");
    REFUSE("deposit_amount", "");
    REFUSE("deposit_amount", ".5");
    REFUSE("deposit_amount", "5.");
    REFUSE("deposit_amount", "+5");
    REFUSE("deposit_amount", " 5");
    REFUSE("deposit_amount", "5 ");
    REFUSE("deposit_amount", "5,00");
    REFUSE("deposit_amount", "00.5");
    REFUSE("deposit_amount", "007");
    REFUSE("deposit_amount", "1.2.3");
    REFUSE("deposit_amount", "1.-2");
    REFUSE("deposit_amount", "NaN");
    REFUSE("deposit_amount", "inf");
    REFUSE("deposit_amount", "0x10");
    REFUSE("deposit_amount", "5\0");
}

static void test_int(void **state) {
    (void)state;
    ACCEPT("customer_count", "1", NULL);
    ACCEPT("customer_count", "4", NULL);
    ACCEPT("customer_count", "9999", NULL);
    REFUSE("customer_count", "0");
    REFUSE("customer_count", "10000");
    REFUSE("customer_count", "-1");
    REFUSE("customer_count", "04");
    REFUSE("customer_count", "4.0");
    REFUSE("customer_count", "1e1");
    REFUSE("customer_count", "");
    REFUSE("customer_count", " 4");
    REFUSE("customer_count", "four");
    REFUSE("customer_count", "99999999999999999999");
}

static void test_bool(void **state) {
    (void)state;
    const char *const bools[] = {"deposit_required", "deposit_paid"};
    for (int i = 0; i < 2; i++) {
        accepts(field(bools[i]), "1", 1, "true");
        accepts(field(bools[i]), "0", 1, "false");
        accepts(field(bools[i]), "true", 4, "true");
        accepts(field(bools[i]), "false", 5, "false");
        refuses(field(bools[i]), "TRUE", 4);
        refuses(field(bools[i]), "yes", 3);
        refuses(field(bools[i]), "", 0);
        refuses(field(bools[i]), "2", 1);
        refuses(field(bools[i]), "truex", 5);
        refuses(field(bools[i]), "tru", 3);
    }
}

static void test_datetime_fields(void **state) {
    (void)state;
    const char *const names[] = {"reservation_date", "arrival_time", "synced_at", "updated_at",
                                 "created_at"};
    for (int i = 0; i < 5; i++) {
        const resvFieldSpec *f = field(names[i]);
        accepts(f, "2024-02-15", 10, "2024-02-15T00:00:00");
        accepts(f, "2024-02-15T18:05:00", 19, "2024-02-15T18:05:00");
        accepts(f, "2024-02-29T23:59:59", 19, "2024-02-29T23:59:59");
        refuses(f, "2023-02-29", 10);
        refuses(f, "2024-02-15 18:05:00", 19);
        refuses(f, "2024-02-15T18:05", 16);
        refuses(f, "2024-02-15T18:05:00Z", 20);
        refuses(f, "1969-12-31", 10);
        refuses(f, "", 0);
    }
}

static void test_slot_field(void **state) {
    (void)state;
    ACCEPT("reservation_time", "18:00-20:00", NULL);
    ACCEPT("reservation_time", "18:00", NULL);
    ACCEPT("reservation_time", "22:00-24:00", NULL);
    ACCEPT("reservation_time", "23:00-01:00", NULL);
    REFUSE("reservation_time", "18:00-18:00");
    REFUSE("reservation_time", "18:00~20:00");
    REFUSE("reservation_time", "6pm");
    REFUSE("reservation_time", "");
}

static void test_status_field(void **state) {
    (void)state;
    const char *const names[] = {"pending",   "confirmed", "arrived", "seated",
                                 "completed", "cancelled", "no_show"};
    for (int i = 0; i < 7; i++) {
        accepts(field("status"), names[i], strlen(names[i]), NULL);
        resvStatus s;
        assert_int_equal(resvStatusParse(names[i], strlen(names[i]), &s), 0);
        assert_int_equal(s, i);
        assert_string_equal(resvStatusName(s), names[i]);
    }
    REFUSE("status", "Confirmed");
    REFUSE("status", "canceled");
    REFUSE("status", "no-show");
    REFUSE("status", "");
    REFUSE("status", "pending ");
    assert_string_equal(resvStatusName(RESV_S_COUNT), "unknown");
}

static void test_enum_fields(void **state) {
    (void)state;
    ACCEPT("sync_status", "pending", NULL);
    ACCEPT("sync_status", "success", NULL);
    ACCEPT("sync_status", "failed", NULL);
    REFUSE("sync_status", "ok");
    REFUSE("sync_status", "SUCCESS");
    REFUSE("sync_status", "");
    REFUSE("sync_status", "inactive");
    const resvFieldSpec *st = &resvSystemFields[RESV_SF_STATUS];
    accepts(st, "inactive", 8, NULL);
    accepts(st, "active", 6, NULL);
    accepts(st, "error", 5, NULL);
    refuses(st, "success", 7);
    refuses(st, "activ", 5);
    refuses(st, "", 0);
}

/* An id field names its own limit: each table of a table_number is 32 characters, not
 * the 128 of ids, and a join of 8 such tables fits (the module's TABLE option and the
 * sidecar's table_number query use this spec). */
static void test_table_number_field(void **state) {
    (void)state;
    const resvFieldSpec *t = field("table_number");
    char buf[RESV_CANON_MAX], big[40], join[300];
    const char *canon, *why = NULL;
    size_t len;
    memset(big, 'A', sizeof big);
    accepts(t, big, 32, NULL);
    accepts(t, "桌-08", strlen("桌-08"), NULL);
    refuses(t, "A 1", 3);
    refuses(t, "{A1}", 4);
    assert_int_equal(-1, resvFieldCheck(t, big, 33, buf, &canon, &len, &why));
    assert_string_equal("must be 1 to 8 different tables joined by +, each 1 to 32 letters, "
                        "digits, non-ASCII UTF-8 or - _ . : @",
                        why);
    /* 8 tables of 32 characters: 263 in all, the documented longest join */
    len = 0;
    for (int i = 0; i < 8; i++)
        len += (size_t)snprintf(join + len, sizeof join - len, "%s%d%.31s", i ? "+" : "", i, big);
    assert_int_equal(263, len);
    assert_int_equal(263, t->maxlen);
    accepts(t, join, len, NULL);
    memcpy(join + len, "+T9", 4);
    refuses(t, join, len + 3);  /* a ninth table */
    memcpy(join + 32, "A+", 2); /* the first table 33 characters long */
    refuses(t, join, len);
    /* joined tables: T1+T2, never an empty piece or the same table twice */
    accepts(t, "T1+T2+桌-8", strlen("T1+T2+桌-8"), NULL);
    refuses(t, "T1+", 3);
    refuses(t, "+T1", 3);
    refuses(t, "T1++T2", 6);
    refuses(t, "T1+T1", 5);
    refuses(t, "1+2+3+4+5+6+7+8+9", 17);
    assert_int_equal(-1, resvFieldCheck(field("system_id"), "a b", 3, buf, &canon, &len, &why));
    assert_non_null(strstr(why, "1 to 128"));
}

static void test_text_fields(void **state) {
    (void)state;
    char big[2100], buf[RESV_CANON_MAX];
    const char *canon, *why = NULL;
    size_t len;
    ACCEPT("customer_name", "张三", NULL);
    ACCEPT("notes", "客户是VIP会员", NULL);
    ACCEPT("special_requirements", "靠窗位置，需要儿童座椅", NULL);
    ACCEPT("notes", "line 1\nline 2\tand a tab", NULL);
    ACCEPT("notes", "", NULL);
    ACCEPT("channel", "微信小程序", NULL);
    ACCEPT("notes", "emoji \xF0\x9F\x98\x80", NULL);
    REFUSE("notes", "carriage\rreturn");
    REFUSE("notes", "nul\0inside");
    REFUSE("notes", "bell\a");
    REFUSE("notes", "escape\x1b[31m");
    REFUSE("notes", "del\x7f");
    REFUSE("notes", "latin1 caf\xe9");
    REFUSE("customer_name", "\xC0\x80");
    /* length limits are characters, as JSON Schema's maxLength: 128 Chinese characters
     * (384 bytes) fit customer_name, 129 do not */
    char wide[4 * 130 + 1] = "";
    for (int i = 0; i < 128; i++)
        strcat(wide, "张");
    accepts(field("customer_name"), wide, strlen(wide), NULL);
    strcat(wide, "张");
    assert_int_equal(
        -1, resvFieldCheck(field("customer_name"), wide, strlen(wide), buf, &canon, &len, &why));
    assert_string_equal("must be at most 128 characters", why);
    assert_int_equal(129, resvUtf8Length(wide, strlen(wide)));
    wide[0] = '\0';
    for (int i = 0; i < 128; i++)
        strcat(wide, "\xF0\x9F\x98\x80"); /* 4 bytes each */
    accepts(field("notes"), wide, strlen(wide), NULL);
    accepts(field("reservation_number"), wide, strlen(wide), NULL);
    refuses(field("table_type"), wide, strlen(wide));
    memset(big, 'x', 2000);
    accepts(field("notes"), big, 2000, NULL);
    refuses(field("notes"), big, 2001);
    accepts(field("table_type"), big, 64, NULL);
    refuses(field("table_type"), big, 65);
    accepts(field("external_reservation_id"), big, 128, NULL);
    refuses(field("external_reservation_id"), big, 129);
}

static void test_phone(void **state) {
    (void)state;
    ACCEPT("customer_phone", "13800138000", NULL);
    ACCEPT("customer_phone", "+86 138-0013-8000", NULL);
    ACCEPT("customer_phone", "(010) 1234 5678", NULL);
    REFUSE("customer_phone", "");
    REFUSE("customer_phone", "+-() ");
    REFUSE("customer_phone", "138 0013 800x");
    REFUSE("customer_phone", "138\0");
    REFUSE("customer_phone", "138.0013");
    REFUSE("customer_phone", "１３８");
    REFUSE("customer_phone", "123456789012345678901234567890123");      /* 33 */
    ACCEPT("customer_phone", "12345678901234567890123456789012", NULL); /* 32 */
}

static void test_ids(void **state) {
    (void)state;
    char big[200];
    ACCEPT("system_id", "RES-2024-001", NULL);
    ACCEPT("system_id", "a:b@c.d_e", NULL);
    ACCEPT("system_id", "张三", NULL);
    ACCEPT("system_id", "门店-001", NULL);
    ACCEPT("table_number", "A08", NULL);
    const char *bad[] = {"{store}", "a{b",   "a}b",  "a b",      "a/b",          "a\\b", "a?b",
                         "a#b",     "a%20b", "a\"b", "a'b",      "a,b",          "a\tb", "a\nb",
                         "a+b",     "",      "\xff", "\xC0\x80", "a\xED\xA0\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (resvIdValid(bad[i], strlen(bad[i]))) fail_msg("id '%s' accepted", bad[i]);
        refuses(field("system_id"), bad[i], strlen(bad[i]));
    }
    /* A NUL byte inside the given length: would cut key names and C strings short. */
    assert_false(resvIdValid("a\0b", 3));
    assert_false(resvIdValid("\0", 1));
    refuses(field("system_id"), "abc\0", 4);
    /* 128 characters, not bytes: 128 Chinese characters are a valid id */
    char wide[3 * 129 + 1] = "";
    for (int i = 0; i < 128; i++)
        strcat(wide, "店");
    assert_true(resvIdValid(wide, strlen(wide)));
    strcat(wide, "店");
    assert_false(resvIdValid(wide, strlen(wide)));
    memset(big, 'a', 129);
    assert_true(resvIdValid(big, 128));
    assert_false(resvIdValid(big, 129));
    accepts(field("table_number"), big, 32, NULL);
    refuses(field("table_number"), big, 33);
}

static void test_utf8(void **state) {
    (void)state;
    const char *good[] = {"",
                          "ascii",
                          "张三",
                          "\xC2\x80",
                          "\xDF\xBF",
                          "\xE0\xA0\x80",
                          "\xED\x9F\xBF" /* U+D7FF */,
                          "\xEE\x80\x80" /* U+E000 */,
                          "\xEF\xBF\xBF",
                          "\xF0\x90\x80\x80",
                          "\xF0\x9F\x98\x80",
                          "\xF4\x8F\xBF\xBF" /* U+10FFFF */};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!resvUtf8Valid(good[i], strlen(good[i]))) fail_msg("good UTF-8 #%zu refused", i);
    const char *bad[] = {
        "\x80", /* lone continuation */
        "\xBF",
        "\xC0\x80",         /* overlong NUL */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\x80",     /* overlong */
        "\xE0\x9F\xBF",     /* overlong U+07FF */
        "\xF0\x80\x80\x80", /* overlong */
        "\xF0\x8F\xBF\xBF", /* overlong U+FFFF */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xED\xBF\xBF",     /* surrogate U+DFFF */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80",
        "\xF8\x88\x80\x80\x80",
        "\xFE",
        "\xFF",
        "\xE5\xBC",         /* truncated 张 */
        "\xC2",             /* truncated */
        "\xF0\x9F\x98",     /* truncated emoji */
        "\xE5\xBC\xA0\xE5", /* good then truncated */
        "\xC2\x41",         /* continuation missing */
        "\xE5\x41\xA0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (resvUtf8Valid(bad[i], strlen(bad[i]))) fail_msg("bad UTF-8 #%zu accepted", i);
    /* the length bounds the scan: a truncated sequence at the end of the given range */
    assert_false(resvUtf8Valid("\xE5\xBC\xA0", 2));
    assert_true(resvUtf8Valid("\xE5\xBC\xA0", 3));
}

/* Outside text made one line of text: bad bytes '?', control characters a space, good
 * characters (张, an emoji) as they are; every result is text the model takes. */
static void test_text_scrub(void **state) {
    (void)state;
    const char *in[][2] = {
        {"ok 张三", "ok 张三"},
        {"\xFF\xFE bad \xC3", "?? bad ?"},
        {"a\a"
         "b\nc\x7F"
         "d\te",
         "a b c d e"},
        {"\xE5\xBC\xA0\xE5\xBC", "张??"},    /* a character cut short */
        {"\xC0\x80\xED\xA0\x80x", "?????x"}, /* overlong, surrogate */
        {"\xF0\x9F\x98\x80\x80", "\xF0\x9F\x98\x80?"},
    };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        char buf[32];
        size_t n = strlen(in[i][0]);
        memcpy(buf, in[i][0], n + 1);
        resvTextScrub(buf, n);
        assert_string_equal(in[i][1], buf);
        accepts(field("notes"), buf, n, NULL);
    }
    char cut[] = "\xE5\xBC\xA0"; /* only the given length is looked at */
    resvTextScrub(cut, 2);
    assert_string_equal("??\xA0", cut);
}

/* Contract section 2's table, spelled out: N no-op, A apply, R refuse, I ignore.
 * Rows from, columns to, both in the order pending confirmed arrived seated completed
 * cancelled no_show. */
static const char *const apiMoves[RESV_S_COUNT] = {
    "NAARRAA", /* pending: confirmed arrived cancelled no_show */
    "RNAARAA", /* confirmed: arrived seated cancelled no_show */
    "RRNAAAR", /* arrived: seated completed cancelled */
    "RRRNARR", /* seated: completed */
    "RRRRNRR", /* completed: none */
    "RRRRRNR", /* cancelled: none */
    "RRARRRN", /* no_show: arrived */
};
/* Provider data: may jump forward along the chain and cancel anything not completed;
 * everything else it sends is kept as ignored, never refused. */
static const char *const providerMoves[RESV_S_COUNT] = {
    "NAAAAAA", /* pending */
    "INAAAAA", /* confirmed */
    "IINAAAI", /* arrived */
    "IIINAAI", /* seated */
    "IIIINII", /* completed */
    "IIIIINI", /* cancelled */
    "IIAIIAN", /* no_show: arrived (table), cancelled */
};

static char moveChar(resvMove m) {
    switch (m) {
    case RESV_MOVE_NONE: return 'N';
    case RESV_MOVE_APPLY: return 'A';
    case RESV_MOVE_IGNORE: return 'I';
    case RESV_MOVE_REFUSE: return 'R';
    }
    return '?';
}

static void test_status_moves(void **state) {
    (void)state;
    for (int from = 0; from < RESV_S_COUNT; from++)
        for (int to = 0; to < RESV_S_COUNT; to++) {
            char api = moveChar(resvStatusMove((resvStatus)from, (resvStatus)to, 0));
            char prov = moveChar(resvStatusMove((resvStatus)from, (resvStatus)to, 1));
            if (api != apiMoves[from][to])
                fail_msg("api %s -> %s: %c, want %c", resvStatusName(from), resvStatusName(to), api,
                         apiMoves[from][to]);
            if (prov != providerMoves[from][to])
                fail_msg("provider %s -> %s: %c, want %c", resvStatusName(from), resvStatusName(to),
                         prov, providerMoves[from][to]);
        }
}

static void test_origins(void **state) {
    (void)state;
    const char *names[] = {"api", "webhook", "sync", "pull", "auto", "walk_in"};
    for (int i = 0; i < RESV_O_COUNT; i++) {
        resvOrigin o;
        assert_string_equal(resvOriginName((resvOrigin)i), names[i]);
        assert_int_equal(resvOriginParse(names[i], strlen(names[i]), &o), 0);
        assert_int_equal(o, i);
        /* auto and walk_in are the module's own changes: pushed and strict like api */
        assert_int_equal(!!resvOriginIsProvider(o),
                         i != RESV_O_API && i != RESV_O_AUTO && i != RESV_O_WALK_IN);
    }
    resvOrigin o;
    assert_int_equal(resvOriginParse("API", 3, &o), -1);
    assert_int_equal(resvOriginParse("", 0, &o), -1);
    assert_string_equal(resvOriginName(RESV_O_COUNT), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_table),
        cmocka_unit_test(test_field_lookup),
        cmocka_unit_test(test_json_types),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_datetime_fields),
        cmocka_unit_test(test_slot_field),
        cmocka_unit_test(test_status_field),
        cmocka_unit_test(test_table_number_field),
        cmocka_unit_test(test_enum_fields),
        cmocka_unit_test(test_text_fields),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_text_scrub),
        cmocka_unit_test(test_status_moves),
        cmocka_unit_test(test_origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
