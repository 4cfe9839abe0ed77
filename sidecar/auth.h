/* Bearer-token authentication: HS256 JWTs with the claims sub, role, exp and an
 * optional stores array (contract section 4). Verification uses libjwt for the
 * signature and jansson for the claims; nothing here keeps global state (a token cache
 * belongs to its caller). */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>
#include <time.h>

typedef enum {
    AUTH_ADMIN,
    AUTH_STORE_MANAGER,
    AUTH_CUSTOMER_MANAGER,
    AUTH_FLOOR_MANAGER,
    AUTH_STAFF,
    AUTH_ROLE_COUNT
} authRole;

#define AUTH_ROLE_BIT(r) (1u << (r))

typedef struct {
    char sub[129];
    authRole role;
    int allStores; /* 1 when no stores claim */
    int nstores;
    char **stores;
} authClaims;

/* Verifies "Bearer <jwt>" (HS256 only, exp required and enforced). 0 ok; -1 and *why
 * (static string) otherwise. */
int authVerify(const unsigned char *secret, size_t secretlen, const char *authorizationHeader,
               time_t now, authClaims *out, const char **why);
void authClaimsClear(authClaims *c);
int authStoreAllowed(const authClaims *c, const char *store, size_t len);
const char *authRoleName(authRole r);
int authRoleParse(const char *s, authRole *out);

/* A bounded memory of tokens already verified, for one event loop (not thread-safe):
 * a token seen again is answered from it, not decoded nor its signature checked again
 * (about 90,000 instructions), while its exp and nbf claims allow it. Keyed by the
 * token's bytes, signature included, so any other token is verified in full; only
 * tokens that passed are kept; AUTH_CACHE_SLOTS of them at most, a new token taking
 * its slot from whichever held it. Tokens longer than AUTH_CACHE_TOKEN_MAX are not
 * kept. The secret must be the same on every call with one cache. */
#define AUTH_CACHE_SLOTS     64
#define AUTH_CACHE_TOKEN_MAX 2048
typedef struct authCache authCache;
authCache *authCacheNew(void);
void authCacheFree(authCache *ac);
/* authVerify through the cache (ac NULL: authVerify). Same answers, same reasons. */
int authVerifyCached(authCache *ac, const unsigned char *secret, size_t secretlen,
                     const char *authorizationHeader, time_t now, authClaims *out,
                     const char **why);
size_t authCacheCount(const authCache *ac);
unsigned long long authCacheHits(const authCache *ac);

/* A signed token (malloc'd, caller frees) for tests and operators. stores may be NULL
 * (all stores). */
char *authMint(const unsigned char *secret, size_t secretlen, const char *sub, authRole role,
               const char *const *stores, int nstores, long ttlSeconds);

/* Reads a secret file (trailing newline stripped) into a malloc'd buffer; NULL if
 * missing/empty. */
unsigned char *authLoadSecret(const char *path, size_t *len);

#endif
