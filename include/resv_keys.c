/* RESV.UPSERT's reply words (resv_keys.h). */
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

/* "resv:{" store "}:settings", spelled from the one format so the two cannot drift. */
int resvKeySettingsStore(const char *key, size_t len, const char **store, size_t *sl) {
    static const char fmt[] = RESV_KEY_SETTINGS;
    const char *hole = strstr(fmt, "%.*s");
    size_t pre = (size_t)(hole - fmt), post = strlen(hole + 4);
    if (len <= pre + post || memcmp(key, fmt, pre) || memcmp(key + len - post, hole + 4, post))
        return -1;
    *store = key + pre;
    *sl = len - pre - post;
    return resvIdValid(*store, *sl) ? 0 : -1;
}
