/* libFuzzer harness for authVerify with an arbitrary Authorization header (the input,
 * as a C string up to its first NUL), against a fixed secret and clock; inputs that do
 * not start with "Bearer " are also tried with it prepended, so that the fuzzer spends
 * its time in the JWT and claims code. Property: success means claims that obey the
 * rules (role in range, sub 1..128 bytes, stores valid ids). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "resv_model.h"

#define FUZZ_SECRET "fuzz-secret-0123456789abcdef"
#define FUZZ_NOW    1700000000

static void fuzzVerify(const char *header) {
    authClaims c;
    const char *why = NULL;
    if (authVerify((const unsigned char *)FUZZ_SECRET, strlen(FUZZ_SECRET), header, FUZZ_NOW, &c,
                   &why) != 0) {
        if (why == NULL) abort();
        return;
    }
    size_t sublen = strlen(c.sub);
    if ((unsigned)c.role >= AUTH_ROLE_COUNT || sublen == 0 || sublen > 128) abort();
    if (c.allStores && c.nstores != 0) abort();
    for (int i = 0; i < c.nstores; i++) {
        if (!resvIdValid(c.stores[i], strlen(c.stores[i]))) abort();
        if (!authStoreAllowed(&c, c.stores[i], strlen(c.stores[i]))) abort();
    }
    authClaimsClear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *h = malloc(size + 8);
    if (h == NULL) return 0;
    memcpy(h, data, size);
    h[size] = '\0';
    fuzzVerify(h);
    if (strncmp(h, "Bearer ", 7) != 0) {
        memmove(h + 7, h, size + 1);
        memcpy(h, "Bearer ", 7);
        fuzzVerify(h);
    }
    free(h);
    return 0;
}
