/* RESV.UPSERT's reply words (resv_keys.h). */
#include "resv_keys.h"

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
