/* libFuzzer harness for webhookVerify. The input is split at newlines into
 * webhook-id, webhook-timestamp, webhook-signature and the body (the rest, raw); a
 * first line starting with "whsec_" is taken as the secret instead of the fixed one.
 * Property: a signature made by webhookSign for the fuzzed id and body verifies, unless
 * the id itself is refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_signature.h"

#define FUZZ_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define FUZZ_NOW    1614265330

/* The next line as a malloc'd C string; advances *p past its newline. */
static char *fuzzLine(const uint8_t **p, const uint8_t *end) {
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    const uint8_t *e = nl ? nl : end;
    char *s = malloc((size_t)(e - *p) + 1);
    if (s == NULL) abort();
    memcpy(s, *p, (size_t)(e - *p));
    s[e - *p] = '\0';
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *p = data, *end = data + size;
    const char *why = NULL;
    char *first = fuzzLine(&p, end);
    char *secret = NULL, *id;
    if (strncmp(first, "whsec_", 6) == 0) {
        secret = first;
        id = fuzzLine(&p, end);
    } else {
        id = first;
    }
    char *ts = fuzzLine(&p, end);
    char *sig = fuzzLine(&p, end);
    size_t bodylen = (size_t)(end - p);
    uint8_t *body = malloc(bodylen ? bodylen : 1);
    if (body == NULL) abort();
    memcpy(body, p, bodylen);
    const char *key = secret ? secret : FUZZ_SECRET;

    if (webhookVerify(key, id, ts, sig, body, bodylen, FUZZ_NOW, 300, &why) != 0 && why == NULL)
        abort();

    char *good = webhookSign(key, id, FUZZ_NOW, body, bodylen);
    if (good) {
        char now[32];
        snprintf(now, sizeof now, "%ld", (long)FUZZ_NOW);
        if (webhookVerify(key, id, now, good, body, bodylen, FUZZ_NOW, 300, &why) != 0 &&
            strcmp(why, "webhook signature does not match") == 0)
            abort();
        free(good);
    }
    free(body);
    free(sig);
    free(ts);
    if (secret) free(secret);
    free(id);
    return 0;
}
