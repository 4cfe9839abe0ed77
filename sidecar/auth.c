#include "auth.h"

#include <jansson.h>
#include <jwt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resv_model.h"

#define AUTH_TOKEN_MAX       8192 /* a header larger than this is not one of our tokens */
#define AUTH_SUB_MAX         128
#define AUTH_STORES_MAX      1024
#define AUTH_SECRET_FILE_MAX 65536

static const char *const authRoleNames[AUTH_ROLE_COUNT] = {
    [AUTH_ADMIN] = "admin",
    [AUTH_STORE_MANAGER] = "store_manager",
    [AUTH_CUSTOMER_MANAGER] = "customer_manager",
    [AUTH_FLOOR_MANAGER] = "floor_manager",
    [AUTH_STAFF] = "staff",
};

const char *authRoleName(authRole r) {
    return (unsigned)r < AUTH_ROLE_COUNT ? authRoleNames[r] : "unknown";
}

int authRoleParse(const char *s, authRole *out) {
    if (s == NULL) return -1;
    for (int i = 0; i < AUTH_ROLE_COUNT; i++)
        if (strcmp(s, authRoleNames[i]) == 0) {
            *out = (authRole)i;
            return 0;
        }
    return -1;
}

void authClaimsClear(authClaims *c) {
    if (c == NULL) return;
    for (int i = 0; i < c->nstores; i++)
        free(c->stores[i]);
    free(c->stores);
    memset(c, 0, sizeof *c);
    /* Zero would be AUTH_ADMIN: cleared or refused claims must match no role. */
    c->role = AUTH_ROLE_COUNT;
}

int authStoreAllowed(const authClaims *c, const char *store, size_t len) {
    if (c == NULL || store == NULL) return 0;
    if (c->allStores) return 1;
    for (int i = 0; i < c->nstores; i++)
        if (strlen(c->stores[i]) == len && memcmp(c->stores[i], store, len) == 0) return 1;
    return 0;
}

/* A JWT is three base64url parts joined by dots; checking the alphabet up front keeps
 * headers with spaces, quotes or binary away from the decoder. */
static int authTokenShapeValid(const char *t, size_t len) {
    int dots = 0;
    if (len == 0 || len > AUTH_TOKEN_MAX) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '.')
            dots++;
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_'))
            return 0;
    }
    return dots == 2;
}

/* The claims after the signature has been checked. Fills out, *exp and *nbf (LLONG_MIN
 * when absent) only on success. */
static int authCheckClaims(json_t *claims, time_t now, authClaims *out, long long *expOut,
                           long long *nbfOut, const char **why) {
    json_t *exp = json_object_get(claims, "exp");
    json_t *nbf = json_object_get(claims, "nbf");
    json_t *sub = json_object_get(claims, "sub");
    json_t *role = json_object_get(claims, "role");
    json_t *stores = json_object_get(claims, "stores");
    authClaims c;

    memset(&c, 0, sizeof c);
    if (!json_is_integer(exp)) {
        *why = "token has no integer exp claim";
        return -1;
    }
    if ((long long)now >= (long long)json_integer_value(exp)) {
        *why = "token has expired";
        return -1;
    }
    if (nbf && (!json_is_integer(nbf) || (long long)now < (long long)json_integer_value(nbf))) {
        *why = "token is not valid yet (nbf)";
        return -1;
    }
    if (!json_is_string(sub) || json_string_length(sub) == 0 ||
        json_string_length(sub) > AUTH_SUB_MAX ||
        strlen(json_string_value(sub)) != json_string_length(sub)) {
        *why = "token has no valid sub claim (a string of 1 to 128 bytes)";
        return -1;
    }
    if (!json_is_string(role) || authRoleParse(json_string_value(role), &c.role)) {
        *why = "token role is not one of admin store_manager customer_manager floor_manager staff";
        return -1;
    }
    memcpy(c.sub, json_string_value(sub), json_string_length(sub) + 1);
    c.allStores = stores == NULL;
    if (stores) {
        size_t n = json_array_size(stores);
        if (!json_is_array(stores) || n > AUTH_STORES_MAX) {
            *why = "token stores claim is not an array of store ids";
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(stores, i);
            if (!json_is_string(s) || !resvIdValid(json_string_value(s), json_string_length(s))) {
                *why = "token stores claim is not an array of store ids";
                return -1;
            }
        }
        c.stores = n ? calloc(n, sizeof *c.stores) : NULL;
        if (n && c.stores == NULL) {
            *why = "out of memory";
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            c.stores[i] = strdup(json_string_value(json_array_get(stores, i)));
            if (c.stores[i] == NULL) {
                authClaimsClear(&c);
                *why = "out of memory";
                return -1;
            }
            c.nstores++;
        }
    }
    *out = c;
    *expOut = (long long)json_integer_value(exp);
    *nbfOut = nbf ? (long long)json_integer_value(nbf) : LLONG_MIN;
    return 0;
}

/* The token after "Bearer ": signature, algorithm, claims. */
static int authVerifyToken(const unsigned char *secret, size_t secretlen, const char *token,
                           time_t now, authClaims *out, long long *exp, long long *nbf,
                           const char **why) {
    jwt_t *jwt = NULL;
    if (!authTokenShapeValid(token, strnlen(token, AUTH_TOKEN_MAX + 1))) {
        *why = "bearer token is not a JWT";
        return -1;
    }
    /* libjwt checks the signature for any alg but none; we still insist on HS256
     * afterwards, so neither an unsigned token nor another algorithm gets in. */
    if (jwt_decode(&jwt, token, secret, (int)secretlen) != 0 || jwt == NULL) {
        *why = "token signature or format is invalid";
        return -1;
    }
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        jwt_free(jwt);
        *why = "token algorithm is not HS256";
        return -1;
    }
    /* The claims as JSON, so that each one's type is checked exactly (libjwt's
     * getters turn a string exp into 0 and a missing one into an errno). */
    char *text = jwt_get_grants_json(jwt, NULL);
    jwt_free(jwt);
    json_t *claims = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(text);
    if (!json_is_object(claims)) {
        json_decref(claims);
        *why = "token claims are not a JSON object";
        return -1;
    }
    int rc = authCheckClaims(claims, now, out, exp, nbf, why);
    json_decref(claims);
    return rc;
}

/* The header's checks before the token; the token, or NULL and *why. */
static const char *authBearerToken(const unsigned char *secret, size_t secretlen,
                                   const char *authorizationHeader, authClaims *out,
                                   const char **why) {
    if (out) {
        memset(out, 0, sizeof *out); /* may hold garbage: nothing to free */
        out->role = AUTH_ROLE_COUNT;
    }
    if (secret == NULL || secretlen == 0 || secretlen > AUTH_SECRET_FILE_MAX || out == NULL) {
        *why = "no JWT secret configured";
        return NULL;
    }
    if (authorizationHeader == NULL || *authorizationHeader == '\0') {
        *why = "missing Authorization header";
        return NULL;
    }
    /* The scheme name is case-insensitive (RFC 7235); the token follows one space. */
    if (strncasecmp(authorizationHeader, "Bearer ", 7) != 0) {
        *why = "Authorization header is not Bearer <token>";
        return NULL;
    }
    return authorizationHeader + 7;
}

int authVerify(const unsigned char *secret, size_t secretlen, const char *authorizationHeader,
               time_t now, authClaims *out, const char **why) {
    const char *dummy;
    long long exp, nbf;
    if (why == NULL) why = &dummy;
    const char *token = authBearerToken(secret, secretlen, authorizationHeader, out, why);
    return token ? authVerifyToken(secret, secretlen, token, now, out, &exp, &nbf, why) : -1;
}

/* One token that passed: its bytes, the window its claims allow, the claims. */
typedef struct {
    char *token;
    size_t len;
    long long exp, nbf;
    authClaims claims;
} authCacheSlot;

struct authCache {
    authCacheSlot slots[AUTH_CACHE_SLOTS];
    unsigned long long hits;
};

authCache *authCacheNew(void) {
    authCache *ac = calloc(1, sizeof *ac);
    for (int i = 0; ac && i < AUTH_CACHE_SLOTS; i++)
        ac->slots[i].claims.role = AUTH_ROLE_COUNT;
    return ac;
}

static void authCacheSlotClear(authCacheSlot *s) {
    free(s->token);
    authClaimsClear(&s->claims);
    s->token = NULL;
    s->len = 0;
}

void authCacheFree(authCache *ac) {
    if (ac == NULL) return;
    for (int i = 0; i < AUTH_CACHE_SLOTS; i++)
        authCacheSlotClear(&ac->slots[i]);
    free(ac);
}

size_t authCacheCount(const authCache *ac) {
    size_t n = 0;
    for (int i = 0; ac && i < AUTH_CACHE_SLOTS; i++)
        n += ac->slots[i].token != NULL;
    return n;
}

unsigned long long authCacheHits(const authCache *ac) {
    return ac ? ac->hits : 0;
}

static authCacheSlot *authCacheSlotOf(authCache *ac, const char *token, size_t len) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)token[i]) * 1099511628211ULL;
    return &ac->slots[h % AUTH_CACHE_SLOTS];
}

static int authClaimsCopy(const authClaims *from, authClaims *to) {
    *to = *from;
    to->stores = NULL;
    to->nstores = 0;
    if (from->nstores) {
        to->stores = calloc((size_t)from->nstores, sizeof *to->stores);
        if (to->stores == NULL) return -1;
    }
    for (int i = 0; i < from->nstores; i++) {
        to->stores[i] = strdup(from->stores[i]);
        if (to->stores[i] == NULL) return -1;
        to->nstores++;
    }
    return 0;
}

int authVerifyCached(authCache *ac, const unsigned char *secret, size_t secretlen,
                     const char *authorizationHeader, time_t now, authClaims *out,
                     const char **why) {
    const char *dummy;
    long long exp, nbf;
    if (why == NULL) why = &dummy;
    if (ac == NULL) return authVerify(secret, secretlen, authorizationHeader, now, out, why);
    const char *token = authBearerToken(secret, secretlen, authorizationHeader, out, why);
    if (token == NULL) return -1;
    size_t len = strnlen(token, AUTH_CACHE_TOKEN_MAX + 1);
    if (len > AUTH_CACHE_TOKEN_MAX)
        return authVerifyToken(secret, secretlen, token, now, out, &exp, &nbf, why);
    /* The same bytes were signed by our secret when they were kept: only the time
     * claims can have changed their answer. */
    authCacheSlot *s = authCacheSlotOf(ac, token, len);
    if (s->token && s->len == len && memcmp(s->token, token, len) == 0 && (long long)now < s->exp &&
        (long long)now >= s->nbf) {
        if (authClaimsCopy(&s->claims, out) != 0) {
            authClaimsClear(out);
            *why = "out of memory";
            return -1;
        }
        ac->hits++;
        return 0;
    }
    if (authVerifyToken(secret, secretlen, token, now, out, &exp, &nbf, why) != 0) return -1;
    authCacheSlotClear(s);
    s->token = malloc(len);
    if (s->token == NULL || authClaimsCopy(out, &s->claims) != 0) {
        authCacheSlotClear(s);
        return 0; /* verified; only not remembered */
    }
    memcpy(s->token, token, len);
    s->len = len;
    s->exp = exp;
    s->nbf = nbf;
    return 0;
}

char *authMint(const unsigned char *secret, size_t secretlen, const char *sub, authRole role,
               const char *const *stores, int nstores, long ttlSeconds) {
    jwt_t *jwt = NULL;
    json_t *claims = NULL;
    char *json = NULL, *token = NULL;
    time_t now = time(NULL);

    if (secret == NULL || secretlen == 0 || sub == NULL || (unsigned)role >= AUTH_ROLE_COUNT)
        return NULL;
    claims = json_pack("{s:s, s:s, s:I, s:I}", "sub", sub, "role", authRoleName(role), "iat",
                       (json_int_t)now, "exp", (json_int_t)now + ttlSeconds);
    if (claims && stores) {
        json_t *arr = json_array();
        for (int i = 0; arr && i < nstores; i++)
            json_array_append_new(arr, json_string(stores[i]));
        json_object_set_new(claims, "stores", arr);
    }
    json = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    if (json && jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, json) == 0 &&
        jwt_set_alg(jwt, JWT_ALG_HS256, secret, (int)secretlen) == 0)
        token = jwt_encode_str(jwt);
    jwt_free(jwt);
    free(json);
    json_decref(claims);
    return token;
}

unsigned char *authLoadSecret(const char *path, size_t *len) {
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (f == NULL) return NULL;
    unsigned char *buf = malloc(AUTH_SECRET_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, AUTH_SECRET_FILE_MAX + 1, f) : 0;
    fclose(f);
    /* An oversized file is more likely a wrong path than a secret. */
    if (buf == NULL || n == 0 || n > AUTH_SECRET_FILE_MAX) {
        free(buf);
        return NULL;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}
