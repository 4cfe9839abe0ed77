#include "resv_history.h"

#include <string.h>

const char *const resvHistoryFieldNames[RESV_H_COUNT] = {"at",      "origin", "actor", "event",
                                                         "changed", "status", "note",  "payload"};

/* Fields written: the seven fixed ones, and the payload when there is one. */
static int historyParts(const resvHistoryEntry *e) {
    return e->hasPayload ? RESV_H_COUNT : RESV_H_PAYLOAD;
}

size_t resvHistoryEncodedLen(const resvHistoryEntry *e) {
    int parts = historyParts(e);
    size_t n = (size_t)parts - 1;
    for (int i = 0; i < parts; i++)
        n += e->v[i] ? e->len[i] : 0;
    return n;
}

int resvHistoryEncode(const resvHistoryEntry *e, char *buf) {
    int parts = historyParts(e);
    for (int i = 0; i < RESV_H_PAYLOAD; i++)
        if (e->v[i] && memchr(e->v[i], '\0', e->len[i])) return -1;
    for (int i = 0; i < parts; i++) {
        if (i) *buf++ = '\0';
        if (e->v[i] && e->len[i]) {
            memcpy(buf, e->v[i], e->len[i]);
            buf += e->len[i];
        }
    }
    return 0;
}

int resvHistoryDecode(const char *p, size_t len, resvHistoryEntry *e) {
    const char *end = p + len;
    int i = 0;
    memset(e, 0, sizeof *e);
    for (; i < RESV_H_PAYLOAD; i++) {
        const char *sep = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        e->v[i] = p;
        e->len[i] = (size_t)((sep ? sep : end) - p);
        if (!sep) break;
        p = sep + 1;
    }
    if (i < RESV_H_PAYLOAD) {
        /* The last field read ran to the end: a payload needs one more separator. */
        for (int k = i + 1; k < RESV_H_COUNT; k++)
            e->v[k] = "", e->len[k] = 0;
        return i == RESV_H_NOTE ? 0 : -1;
    }
    /* Seven separators seen: everything after the seventh is the payload. */
    e->v[RESV_H_PAYLOAD] = p;
    e->len[RESV_H_PAYLOAD] = (size_t)(end - p);
    e->hasPayload = 1;
    return 0;
}
