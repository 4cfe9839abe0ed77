/* Unit tests of sidecar/auth.c: bearer JWT verification, roles, store scoping,
 * minting and the secret file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"

static const unsigned char secret[] = "test-secret-0123456789abcdef";
#define SECRETLEN (sizeof secret - 1)
static const time_t now = 1700000000;

/* A token with exactly the given claims and algorithm, signed by libjwt: lets a test
 * produce the malformed claims that authMint never would. */
static char *testToken(const char *claimsJson, jwt_alg_t alg, const unsigned char *key,
                       size_t keylen) {
    jwt_t *jwt = NULL;
    char *tok = NULL;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_add_grants_json(jwt, claimsJson), 0);
    assert_int_equal(jwt_set_alg(jwt, alg, key, (int)keylen), 0);
    tok = jwt_encode_str(jwt);
    jwt_free(jwt);
    assert_non_null(tok);
    return tok;
}

static char *bearer(const char *tok) {
    size_t n = strlen(tok) + 8;
    char *h = malloc(n);
    assert_non_null(h);
    snprintf(h, n, "Bearer %s", tok);
    return h;
}

/* Verifies "Bearer <token made of claims>" signed HS256 with the test secret. */
static int verifyClaims(const char *claimsJson, authClaims *c, const char **why) {
    char *tok = testToken(claimsJson, JWT_ALG_HS256, secret, SECRETLEN);
    char *h = bearer(tok);
    int rc = authVerify(secret, SECRETLEN, h, now, c, why);
    free(h);
    free(tok);
    return rc;
}

static void b64url(const char *in, char *out) {
    int n = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in, (int)strlen(in));
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (char *p = out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
}

static void test_valid_token(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    assert_int_equal(
        verifyClaims("{\"sub\":\"alice\",\"role\":\"floor_manager\",\"exp\":1700003600}", &c, &why),
        0);
    assert_string_equal(c.sub, "alice");
    assert_int_equal(c.role, AUTH_FLOOR_MANAGER);
    assert_int_equal(c.allStores, 1);
    assert_int_equal(c.nstores, 0);
    assert_true(authStoreAllowed(&c, "store-001", 9));
    authClaimsClear(&c);
}

static void test_expired(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    assert_int_equal(
        verifyClaims("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1699999999}", &c, &why), -1);
    assert_string_equal(why, "token has expired");
    /* refused claims match no role, not AUTH_ADMIN (0) */
    assert_int_equal(c.role, AUTH_ROLE_COUNT);
    assert_null(c.stores);
    /* now == exp is already expired */
    assert_int_equal(
        verifyClaims("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1700000000}", &c, &why), -1);
    assert_int_equal(
        verifyClaims("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1700000001}", &c, &why), 0);
    authClaimsClear(&c);
}

static void test_exp_required_integer(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"admin\"}", &c, &why), -1);
    assert_non_null(strstr(why, "exp"));
    assert_int_equal(
        verifyClaims("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":\"1800000000\"}", &c, &why), -1);
    assert_int_equal(
        verifyClaims("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000000.5}", &c, &why), -1);
    /* nbf in the future */
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000000,"
                                  "\"nbf\":1700000100}",
                                  &c, &why),
                     -1);
}

static void test_wrong_secret(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    static const unsigned char other[] = "another-secret-0123456789abcdef";
    char *tok = testToken("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000000}", JWT_ALG_HS256,
                          other, sizeof other - 1);
    char *h = bearer(tok);
    assert_int_equal(authVerify(secret, SECRETLEN, h, now, &c, &why), -1);
    assert_non_null(why);
    free(h);
    free(tok);
}

static void test_other_hmac_alg_refused(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    char *tok = testToken("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000000}", JWT_ALG_HS512,
                          secret, SECRETLEN);
    char *h = bearer(tok);
    assert_int_equal(authVerify(secret, SECRETLEN, h, now, &c, &why), -1);
    free(h);
    free(tok);
}

static void test_alg_none(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    char head[128], body[256], h[512];
    b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}", head);
    b64url("{\"sub\":\"mallory\",\"role\":\"admin\",\"exp\":1800000000}", body);
    /* Unsigned: empty third part, as RFC 7519 section 6.1 writes it. */
    snprintf(h, sizeof h, "Bearer %s.%s.", head, body);
    assert_int_equal(authVerify(secret, SECRETLEN, h, now, &c, &why), -1);
    /* With a signature part copied from a genuine token it is still refused. */
    char *tok = testToken("{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000000}", JWT_ALG_HS256,
                          secret, SECRETLEN);
    snprintf(h, sizeof h, "Bearer %s.%s.%s", head, body, strrchr(tok, '.') + 1);
    assert_int_equal(authVerify(secret, SECRETLEN, h, now, &c, &why), -1);
    /* "None" spelled otherwise */
    b64url("{\"alg\":\"NONE\"}", head);
    snprintf(h, sizeof h, "Bearer %s.%s.", head, body);
    assert_int_equal(authVerify(secret, SECRETLEN, h, now, &c, &why), -1);
    free(tok);
}

static void test_role_rules(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"exp\":1800000000}", &c, &why), -1);
    assert_non_null(strstr(why, "role"));
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"root\",\"exp\":1800000000}", &c, &why),
                     -1);
    assert_int_equal(
        verifyClaims("{\"sub\":\"a\",\"role\":\"Admin\",\"exp\":1800000000}", &c, &why), -1);
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":1,\"exp\":1800000000}", &c, &why), -1);
    const char *names[] = {"admin", "store_manager", "customer_manager", "floor_manager", "staff"};
    for (int i = 0; i < AUTH_ROLE_COUNT; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"sub\":\"a\",\"role\":\"%s\",\"exp\":1800000000}", names[i]);
        assert_int_equal(verifyClaims(json, &c, &why), 0);
        assert_int_equal(c.role, i);
        authClaimsClear(&c);
    }
}

static void test_sub_rules(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    char json[512], sub[200];
    assert_int_equal(verifyClaims("{\"role\":\"admin\",\"exp\":1800000000}", &c, &why), -1);
    assert_int_equal(verifyClaims("{\"sub\":\"\",\"role\":\"admin\",\"exp\":1800000000}", &c, &why),
                     -1);
    assert_int_equal(verifyClaims("{\"sub\":42,\"role\":\"admin\",\"exp\":1800000000}", &c, &why),
                     -1);
    memset(sub, 'x', 128);
    sub[128] = '\0';
    snprintf(json, sizeof json, "{\"sub\":\"%s\",\"role\":\"admin\",\"exp\":1800000000}", sub);
    assert_int_equal(verifyClaims(json, &c, &why), 0);
    assert_int_equal(strlen(c.sub), 128);
    authClaimsClear(&c);
    sub[128] = 'x';
    sub[129] = '\0';
    snprintf(json, sizeof json, "{\"sub\":\"%s\",\"role\":\"admin\",\"exp\":1800000000}", sub);
    assert_int_equal(verifyClaims(json, &c, &why), -1);
}

static void test_stores_claim(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"store_manager\",\"exp\":1800000000,"
                                  "\"stores\":[\"store-001\",\"门店-2\"]}",
                                  &c, &why),
                     0);
    assert_int_equal(c.allStores, 0);
    assert_int_equal(c.nstores, 2);
    assert_true(authStoreAllowed(&c, "store-001", 9));
    assert_true(authStoreAllowed(&c, "门店-2", strlen("门店-2")));
    assert_false(authStoreAllowed(&c, "store-002", 9));
    assert_false(authStoreAllowed(&c, "store-00", 8));    /* prefix */
    assert_false(authStoreAllowed(&c, "store-0011", 10)); /* longer */
    authClaimsClear(&c);
    assert_null(c.stores);

    /* An empty array allows no store at all. */
    assert_int_equal(
        verifyClaims("{\"sub\":\"a\",\"role\":\"staff\",\"exp\":1800000000,\"stores\":[]}", &c,
                     &why),
        0);
    assert_int_equal(c.allStores, 0);
    assert_false(authStoreAllowed(&c, "store-001", 9));
    authClaimsClear(&c);

    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"staff\",\"exp\":1800000000,"
                                  "\"stores\":\"store-001\"}",
                                  &c, &why),
                     -1);
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"staff\",\"exp\":1800000000,"
                                  "\"stores\":[\"store-001\",7]}",
                                  &c, &why),
                     -1);
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"staff\",\"exp\":1800000000,"
                                  "\"stores\":[\"{store}\"]}",
                                  &c, &why),
                     -1);
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"staff\",\"exp\":1800000000,"
                                  "\"stores\":[\"a b\"]}",
                                  &c, &why),
                     -1);
    assert_int_equal(verifyClaims("{\"sub\":\"a\",\"role\":\"staff\",\"exp\":1800000000,"
                                  "\"stores\":[\"\"]}",
                                  &c, &why),
                     -1);
}

static void test_header_forms(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    char *tok = authMint(secret, SECRETLEN, "op", AUTH_ADMIN, NULL, 0, 3600);
    char h[4096];
    assert_non_null(tok);
    assert_int_equal(authVerify(secret, SECRETLEN, NULL, time(NULL), &c, &why), -1);
    assert_int_equal(authVerify(secret, SECRETLEN, "", time(NULL), &c, &why), -1);
    assert_int_equal(authVerify(secret, SECRETLEN, tok, time(NULL), &c, &why), -1);
    snprintf(h, sizeof h, "Basic %s", tok);
    assert_int_equal(authVerify(secret, SECRETLEN, h, time(NULL), &c, &why), -1);
    snprintf(h, sizeof h, "Bearer  %s", tok);
    assert_int_equal(authVerify(secret, SECRETLEN, h, time(NULL), &c, &why), -1);
    snprintf(h, sizeof h, "Bearer %s ", tok);
    assert_int_equal(authVerify(secret, SECRETLEN, h, time(NULL), &c, &why), -1);
    assert_int_equal(authVerify(secret, SECRETLEN, "Bearer ", time(NULL), &c, &why), -1);
    assert_int_equal(authVerify(secret, SECRETLEN, "Bearer a.b", time(NULL), &c, &why), -1);
    assert_int_equal(authVerify(secret, SECRETLEN, "Bearer a.b.c.d", time(NULL), &c, &why), -1);
    assert_int_equal(authVerify(secret, SECRETLEN, "Bearer ...", time(NULL), &c, &why), -1);
    assert_int_equal(authVerify(secret, SECRETLEN, "Bearer !!.??.##", time(NULL), &c, &why), -1);
    /* Tampered payload: one character of the middle part changed. */
    snprintf(h, sizeof h, "Bearer %s", tok);
    char *mid = strchr(h + 7, '.') + 3;
    *mid = *mid == 'A' ? 'B' : 'A';
    assert_int_equal(authVerify(secret, SECRETLEN, h, time(NULL), &c, &why), -1);
    /* No secret configured */
    snprintf(h, sizeof h, "Bearer %s", tok);
    assert_int_equal(authVerify(NULL, 0, h, time(NULL), &c, &why), -1);
    /* The scheme is case-insensitive. */
    snprintf(h, sizeof h, "bearer %s", tok);
    assert_int_equal(authVerify(secret, SECRETLEN, h, time(NULL), &c, &why), 0);
    authClaimsClear(&c);
    free(tok);
}

static void test_mint_round_trip(void **state) {
    (void)state;
    authClaims c;
    const char *why = NULL;
    const char *stores[] = {"store-001", "store-002"};
    char h[4096];
    char *tok = authMint(secret, SECRETLEN, "operator", AUTH_CUSTOMER_MANAGER, stores, 2, 60);
    assert_non_null(tok);
    snprintf(h, sizeof h, "Bearer %s", tok);
    time_t t = time(NULL);
    assert_int_equal(authVerify(secret, SECRETLEN, h, t, &c, &why), 0);
    assert_string_equal(c.sub, "operator");
    assert_int_equal(c.role, AUTH_CUSTOMER_MANAGER);
    assert_int_equal(c.allStores, 0);
    assert_int_equal(c.nstores, 2);
    assert_string_equal(c.stores[1], "store-002");
    authClaimsClear(&c);
    /* expires after its ttl */
    assert_int_equal(authVerify(secret, SECRETLEN, h, t + 61, &c, &why), -1);
    free(tok);

    tok = authMint(secret, SECRETLEN, "operator", AUTH_ADMIN, NULL, 0, 86400);
    snprintf(h, sizeof h, "Bearer %s", tok);
    assert_int_equal(authVerify(secret, SECRETLEN, h, time(NULL), &c, &why), 0);
    assert_int_equal(c.allStores, 1);
    authClaimsClear(&c);
    free(tok);
    assert_null(authMint(secret, SECRETLEN, "x", AUTH_ROLE_COUNT, NULL, 0, 60));
    assert_null(authMint(NULL, 0, "x", AUTH_ADMIN, NULL, 0, 60));
}

static void test_role_names(void **state) {
    (void)state;
    authRole r;
    for (int i = 0; i < AUTH_ROLE_COUNT; i++) {
        assert_int_equal(authRoleParse(authRoleName((authRole)i), &r), 0);
        assert_int_equal(r, i);
    }
    assert_string_equal(authRoleName(AUTH_STORE_MANAGER), "store_manager");
    assert_string_equal(authRoleName(AUTH_ROLE_COUNT), "unknown");
    assert_int_equal(authRoleParse("", &r), -1);
    assert_int_equal(authRoleParse(NULL, &r), -1);
    assert_int_equal(authRoleParse("admin ", &r), -1);
    assert_int_equal(AUTH_ROLE_BIT(AUTH_STAFF), 16u);
}

static void test_load_secret(void **state) {
    (void)state;
    char path[] = "/tmp/test_auth_secretXXXXXX";
    size_t len = 0;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\n", 7), 7);
    close(fd);
    unsigned char *s = authLoadSecret(path, &len);
    assert_non_null(s);
    assert_int_equal(len, 6);
    assert_memory_equal(s, "s3cret", 6);
    free(s);
    /* only a newline: empty */
    FILE *f = fopen(path, "w");
    fputs("\n", f);
    fclose(f);
    assert_null(authLoadSecret(path, &len));
    unlink(path);
    assert_null(authLoadSecret(path, &len));
    assert_null(authLoadSecret(NULL, &len));
}

/* Verifies the token of claimsJson (signed with key) through the cache at time t. */
static int cachedVerify(authCache *ac, const char *claimsJson, const unsigned char *key,
                        size_t keylen, time_t t, authClaims *c, const char **why) {
    char *tok = testToken(claimsJson, JWT_ALG_HS256, key, keylen);
    char *h = bearer(tok);
    int rc = authVerifyCached(ac, secret, SECRETLEN, h, t, c, why);
    free(h);
    free(tok);
    return rc;
}

static void test_cache_answers_as_verify(void **state) {
    (void)state;
    authCache *ac = authCacheNew();
    authClaims c;
    const char *why = NULL;
    const char *claims = "{\"sub\":\"bob\",\"role\":\"store_manager\",\"exp\":1700000100,"
                         "\"stores\":[\"store-001\",\"store-002\"]}";
    assert_non_null(ac);
    for (int i = 0; i < 3; i++) { /* a miss, then hits: the same claims each time */
        assert_int_equal(cachedVerify(ac, claims, secret, SECRETLEN, now, &c, &why), 0);
        assert_string_equal(c.sub, "bob");
        assert_int_equal(c.role, AUTH_STORE_MANAGER);
        assert_int_equal(c.allStores, 0);
        assert_int_equal(c.nstores, 2);
        assert_true(authStoreAllowed(&c, "store-002", 9));
        assert_false(authStoreAllowed(&c, "store-003", 9));
        authClaimsClear(&c); /* the caller's copy: the cache keeps its own */
    }
    assert_int_equal(authCacheHits(ac), 2);
    assert_int_equal(authCacheCount(ac), 1);
    /* exp is honoured on a hit: at exp the kept token is refused like a fresh one */
    assert_int_equal(cachedVerify(ac, claims, secret, SECRETLEN, 1700000100, &c, &why), -1);
    assert_string_equal(why, "token has expired");
    assert_int_equal(c.role, AUTH_ROLE_COUNT);
    assert_int_equal(authCacheHits(ac), 2);
    /* a token that failed is not kept: signed with another key, refused every time */
    static const unsigned char other[] = "another-secret-0123456789abcdef";
    for (int i = 0; i < 2; i++)
        assert_int_equal(cachedVerify(ac, "{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000000}",
                                      other, sizeof other - 1, now, &c, &why),
                         -1);
    assert_int_equal(authCacheCount(ac), 1);
    /* header checks come first, cache or not */
    assert_int_equal(authVerifyCached(ac, secret, SECRETLEN, "Basic abc", now, &c, &why), -1);
    assert_string_equal(why, "Authorization header is not Bearer <token>");
    authCacheFree(ac);
}

static void test_cache_tampered_and_nbf(void **state) {
    (void)state;
    authCache *ac = authCacheNew();
    authClaims c;
    const char *why = NULL;
    char *tok = testToken("{\"sub\":\"a\",\"role\":\"staff\",\"exp\":1800000000}", JWT_ALG_HS256,
                          secret, SECRETLEN);
    char *h = bearer(tok);
    assert_int_equal(authVerifyCached(ac, secret, SECRETLEN, h, now, &c, &why), 0);
    authClaimsClear(&c);
    /* one byte of the signature changed: not the kept token, verified and refused */
    size_t n = strlen(h);
    h[n - 2] = h[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(authVerifyCached(ac, secret, SECRETLEN, h, now, &c, &why), -1);
    assert_string_equal(why, "token signature or format is invalid");
    /* a token before its nbf is refused, and accepted from nbf on, kept with its nbf */
    const char *nbf = "{\"sub\":\"a\",\"role\":\"admin\",\"exp\":1800000000,\"nbf\":1700000050}";
    assert_int_equal(cachedVerify(ac, nbf, secret, SECRETLEN, now, &c, &why), -1);
    assert_int_equal(cachedVerify(ac, nbf, secret, SECRETLEN, 1700000050, &c, &why), 0);
    authClaimsClear(&c);
    assert_int_equal(cachedVerify(ac, nbf, secret, SECRETLEN, 1700000051, &c, &why), 0);
    authClaimsClear(&c);
    assert_int_equal(authCacheHits(ac), 1);
    /* a clock set back before nbf: the kept token does not answer */
    assert_int_equal(cachedVerify(ac, nbf, secret, SECRETLEN, now, &c, &why), -1);
    assert_string_equal(why, "token is not valid yet (nbf)");
    free(h);
    free(tok);
    authCacheFree(ac);
    /* no cache: authVerify itself */
    assert_int_equal(cachedVerify(NULL, nbf, secret, SECRETLEN, 1700000050, &c, &why), 0);
    authClaimsClear(&c);
}

static void test_cache_bounded(void **state) {
    (void)state;
    authCache *ac = authCacheNew();
    authClaims c;
    const char *why = NULL;
    char claims[128];
    for (int i = 0; i < 20 * AUTH_CACHE_SLOTS; i++) {
        snprintf(claims, sizeof claims,
                 "{\"sub\":\"user-%d\",\"role\":\"staff\","
                 "\"exp\":1800000000}",
                 i);
        assert_int_equal(cachedVerify(ac, claims, secret, SECRETLEN, now, &c, &why), 0);
        char sub[32];
        snprintf(sub, sizeof sub, "user-%d", i);
        assert_string_equal(c.sub, sub); /* never another token's claims */
        authClaimsClear(&c);
        assert_true(authCacheCount(ac) <= AUTH_CACHE_SLOTS);
    }
    assert_int_equal(authCacheHits(ac), 0);
    assert_true(authCacheCount(ac) > AUTH_CACHE_SLOTS / 2);
    authCacheFree(ac);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_token),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_exp_required_integer),
        cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_other_hmac_alg_refused),
        cmocka_unit_test(test_alg_none),
        cmocka_unit_test(test_role_rules),
        cmocka_unit_test(test_sub_rules),
        cmocka_unit_test(test_stores_claim),
        cmocka_unit_test(test_header_forms),
        cmocka_unit_test(test_mint_round_trip),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_load_secret),
        cmocka_unit_test(test_cache_answers_as_verify),
        cmocka_unit_test(test_cache_tampered_and_nbf),
        cmocka_unit_test(test_cache_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
