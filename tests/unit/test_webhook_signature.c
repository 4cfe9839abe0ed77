/* Unit tests of sidecar/webhook_signature.c (Standard Webhooks). The expected
 * signatures were computed outside this code, with Python's hmac/hashlib/base64:
 *   base64(hmac(b64decode(secret[6:]), f"{id}.{ts}.{body}", sha256)) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_signature.h"

/* The example of the Standard Webhooks specification, which Python reproduces. */
#define SPEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SPEC_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SPEC_TS     "1614265330"
#define SPEC_BODY   "{\"test\": 2432232314}"
#define SPEC_SIG    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

/* Our own vector with UTF-8 in the body. */
#define OWN_BODY                                                                                   \
    "{\"event\":\"reservation.created\",\"data\":{\"reservation_id\":\"RES-2024-001\","            \
    "\"customer_name\":\"张三\"}}"
#define OWN_SIG "v1,EstU9uuTleM1+DzgvUnXeQFa9KJprsf84x+jvapRX7s="

static const time_t specNow = 1614265330;

static int verifySpec(const char *secret, const char *id, const char *ts, const char *sig,
                      const char *body, time_t now, const char **why) {
    return webhookVerify(secret, id, ts, sig, (const unsigned char *)body, strlen(body), now, 300,
                         why);
}

static void test_known_answer(void **state) {
    (void)state;
    const char *why = NULL;
    char *sig = webhookSign(SPEC_SECRET, SPEC_ID, 1614265330, (const unsigned char *)SPEC_BODY,
                            strlen(SPEC_BODY));
    assert_non_null(sig);
    assert_string_equal(sig, SPEC_SIG);
    free(sig);
    assert_int_equal(verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY, specNow, &why),
                     0);

    sig = webhookSign(SPEC_SECRET, "msg_2", 1700000000, (const unsigned char *)OWN_BODY,
                      strlen(OWN_BODY));
    assert_string_equal(sig, OWN_SIG);
    free(sig);
    assert_int_equal(
        verifySpec(SPEC_SECRET, "msg_2", "1700000000", OWN_SIG, OWN_BODY, 1700000000, &why), 0);
}

static void test_tampered(void **state) {
    (void)state;
    const char *why = NULL;
    assert_int_equal(verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, "{\"test\": 2432232315}",
                                specNow, &why),
                     -1);
    assert_string_equal(why, "webhook signature does not match");
    /* other id, other timestamp (still in tolerance), other secret */
    assert_int_equal(verifySpec(SPEC_SECRET, "msg_x", SPEC_TS, SPEC_SIG, SPEC_BODY, specNow, &why),
                     -1);
    assert_int_equal(
        verifySpec(SPEC_SECRET, SPEC_ID, "1614265331", SPEC_SIG, SPEC_BODY, specNow, &why), -1);
    assert_int_equal(verifySpec("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SPEC_ID, SPEC_TS,
                                SPEC_SIG, SPEC_BODY, specNow, &why),
                     -1);
    /* one bit of the signature */
    assert_int_equal(verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS,
                                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", SPEC_BODY,
                                specNow, &why),
                     -1);
    /* body with a trailing newline */
    assert_int_equal(
        verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY "\n", specNow, &why), -1);
}

static void test_timestamp_window(void **state) {
    (void)state;
    const char *why = NULL;
    /* exactly at the edges of the tolerance: accepted */
    assert_int_equal(
        verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY, specNow + 300, &why), 0);
    assert_int_equal(
        verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY, specNow - 300, &why), 0);
    assert_int_equal(
        verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY, specNow + 301, &why), -1);
    assert_string_equal(why, "webhook-timestamp is too old");
    assert_int_equal(
        verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY, specNow - 301, &why), -1);
    assert_string_equal(why, "webhook-timestamp is too far in the future");
    /* a real clock today, far from 2021 */
    assert_int_equal(
        verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY, time(NULL), &why), -1);
}

static void test_multiple_signatures(void **state) {
    (void)state;
    const char *why = NULL;
    assert_int_equal(verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS,
                                "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " SPEC_SIG,
                                SPEC_BODY, specNow, &why),
                     0);
    /* other versions are skipped, extra spaces tolerated */
    assert_int_equal(verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS,
                                "v1a,MzJjaGFyYWN0ZXJzbG9uZ3NlY3JldGtleQ==   v2,abc " SPEC_SIG " ",
                                SPEC_BODY, specNow, &why),
                     0);
    /* only other versions */
    assert_int_equal(verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS,
                                "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SPEC_BODY,
                                specNow, &why),
                     -1);
    assert_string_equal(why, "no v1 signature in webhook-signature");
    /* two v1 entries, neither matches */
    assert_int_equal(verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS,
                                "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,AAAA",
                                SPEC_BODY, specNow, &why),
                     -1);
    assert_string_equal(why, "webhook signature does not match");
}

static void test_garbage(void **state) {
    (void)state;
    const char *why = NULL;
    /* secrets */
    const char *badSecrets[] = {NULL,
                                "",
                                "whsec_",
                                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
                                "whsec_!!!!",
                                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa=w",
                                "whsec_====",
                                "whsec_ MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
    for (size_t i = 0; i < sizeof badSecrets / sizeof *badSecrets; i++) {
        why = NULL;
        assert_int_equal(
            verifySpec(badSecrets[i], SPEC_ID, SPEC_TS, SPEC_SIG, SPEC_BODY, specNow, &why), -1);
        assert_non_null(why);
        assert_null(webhookSign(badSecrets[i], SPEC_ID, 1, (const unsigned char *)"x", 1));
    }
    /* ids */
    char longId[300];
    memset(longId, 'a', 257);
    longId[257] = '\0';
    const char *badIds[] = {NULL, "", "msg 1", "msg\n1", longId};
    for (size_t i = 0; i < sizeof badIds / sizeof *badIds; i++)
        assert_int_equal(
            verifySpec(SPEC_SECRET, badIds[i], SPEC_TS, SPEC_SIG, SPEC_BODY, specNow, &why), -1);
    /* timestamps */
    const char *badTs[] = {NULL,
                           "",
                           "-1614265330",
                           "+1614265330",
                           "1614265330.0",
                           "1614265330 ",
                           "0x60379e72",
                           "16142653300000000000000",
                           "2021-02-25T15:02:10"};
    for (size_t i = 0; i < sizeof badTs / sizeof *badTs; i++)
        assert_int_equal(
            verifySpec(SPEC_SECRET, SPEC_ID, badTs[i], SPEC_SIG, SPEC_BODY, specNow, &why), -1);
    /* signature headers */
    const char *badSigs[] = {NULL,
                             "",
                             " ",
                             "v1,",
                             "v1",
                             ",",
                             "v1,====",
                             "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
                             "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=AAAA",
                             "V1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                             "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                             "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="};
    for (size_t i = 0; i < sizeof badSigs / sizeof *badSigs; i++)
        assert_int_equal(
            verifySpec(SPEC_SECRET, SPEC_ID, SPEC_TS, badSigs[i], SPEC_BODY, specNow, &why), -1);
    /* NULL body with a length */
    assert_int_equal(
        webhookVerify(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_SIG, NULL, 5, specNow, 300, &why), -1);
}

static void test_empty_body(void **state) {
    (void)state;
    const char *why = NULL;
    char *sig = webhookSign(SPEC_SECRET, "m", 1614265330, NULL, 0);
    assert_non_null(sig);
    assert_int_equal(webhookVerify(SPEC_SECRET, "m", SPEC_TS, sig, NULL, 0, specNow, 300, &why), 0);
    assert_int_equal(webhookVerify(SPEC_SECRET, "m", SPEC_TS, sig, (const unsigned char *)"", 0,
                                   specNow, 300, &why),
                     0);
    free(sig);
}

static void test_secret_generate(void **state) {
    (void)state;
    char a[WEBHOOK_SECRET_MAX], b[WEBHOOK_SECRET_MAX];
    unsigned char raw[64];
    const char *why = NULL;
    assert_int_equal(webhookSecretGenerate(a), 0);
    assert_int_equal(webhookSecretGenerate(b), 0);
    assert_int_equal(strncmp(a, "whsec_", 6), 0);
    assert_int_equal(strlen(a), 6 + 44);
    assert_string_not_equal(a, b);
    /* decodes to 32 bytes: 44 characters with one '=' of padding */
    assert_int_equal(a[49], '=');
    assert_true(a[48] != '=');
    assert_int_equal(EVP_DecodeBlock(raw, (const unsigned char *)a + 6, 44), 33);
    /* and is usable */
    char *sig = webhookSign(a, "msg_1", 1700000000, (const unsigned char *)"{}", 2);
    assert_non_null(sig);
    assert_int_equal(webhookVerify(a, "msg_1", "1700000000", sig, (const unsigned char *)"{}", 2,
                                   1700000000, 300, &why),
                     0);
    assert_int_equal(webhookVerify(b, "msg_1", "1700000000", sig, (const unsigned char *)"{}", 2,
                                   1700000000, 300, &why),
                     -1);
    free(sig);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),     cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_timestamp_window), cmocka_unit_test(test_multiple_signatures),
        cmocka_unit_test(test_garbage),          cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_secret_generate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
