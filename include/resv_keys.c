/* RESV.UPSERT's reply words and key name matching (resv_keys.h). */
#include "resv_keys.h"

#include <string.h>

#include "resv_model.h"

static const char *const upsertResultNames[RESV_UPSERT_COUNT + 1] = {
    "created", "updated", "unchanged", "stale", "duplicate", NULL};

const char *resvUpsertResultName(resvUpsertResult r) {
    return (unsigned)r < RESV_UPSERT_COUNT ? upsertResultNames[r] : "unknown";
}

int resvUpsertResultParse(const char *s, size_t len, resvUpsertResult *out) {
    int i = resvWordIndex(upsertResultNames, s, len);
    if (i < 0) return -1;
    *out = (resvUpsertResult)i;
    return 0;
}

int resvKeyMatch(const char *format, const char *key, size_t len, const char **id, size_t *idlen) {
    const char *hole = strstr(format, "%.*s");
    if (!hole || strstr(hole + 4, "%")) return 0;
    size_t pre = (size_t)(hole - format), post = strlen(hole + 4);
    if (len <= pre + post || memcmp(key, format, pre) != 0 ||
        memcmp(key + len - post, hole + 4, post) != 0)
        return 0;
    *id = key + pre;
    *idlen = len - pre - post;
    return memchr(*id, '}', *idlen) == NULL;
}

/* "resv:{" store "}:settings", read with the one format so the two cannot drift. */
int resvKeySettingsStore(const char *key, size_t len, const char **store, size_t *sl) {
    return resvKeyMatch(RESV_KEY_SETTINGS, key, len, store, sl) && resvIdValid(*store, *sl) ? 0
                                                                                            : -1;
}
