/* The owner cache of a loop: a direct-mapped table of "id\0store\0" strings. */
#include "owner_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t hash;
    char *kv; /* "id\0store\0"; NULL: empty slot */
} ownerSlot;

struct ownerCache {
    size_t mask, count;
    ownerSlot *slots;
};

/* FNV-1a: ids are short, and a collision costs only a replaced entry. */
static uint64_t ownerCacheHash(const char *s) {
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

ownerCache *ownerCacheNew(size_t slots) {
    size_t n = 1;
    while (n < slots)
        n <<= 1;
    ownerCache *oc = calloc(1, sizeof(*oc));
    if (!oc) return NULL;
    oc->slots = calloc(n, sizeof(*oc->slots));
    if (!oc->slots) {
        free(oc);
        return NULL;
    }
    oc->mask = n - 1;
    return oc;
}

void ownerCacheFree(ownerCache *oc) {
    if (!oc) return;
    for (size_t i = 0; i <= oc->mask; i++)
        free(oc->slots[i].kv);
    free(oc->slots);
    free(oc);
}

/* The slot of id when it holds id, else NULL; *hash is id's hash. */
static ownerSlot *ownerCacheFind(const ownerCache *oc, const char *id, uint64_t *hash) {
    *hash = ownerCacheHash(id);
    ownerSlot *s = &oc->slots[*hash & oc->mask];
    return s->kv && s->hash == *hash && strcmp(s->kv, id) == 0 ? s : NULL;
}

const char *ownerCacheGet(const ownerCache *oc, const char *id) {
    uint64_t h;
    const ownerSlot *s = oc ? ownerCacheFind(oc, id, &h) : NULL;
    return s ? s->kv + strlen(s->kv) + 1 : NULL;
}

void ownerCachePut(ownerCache *oc, const char *id, const char *store) {
    if (!oc) return;
    uint64_t h = ownerCacheHash(id);
    ownerSlot *s = &oc->slots[h & oc->mask];
    size_t il = strlen(id), sl = strlen(store);
    if (s->kv && s->hash == h && strcmp(s->kv, id) == 0 && strcmp(s->kv + il + 1, store) == 0)
        return;
    char *kv = malloc(il + sl + 2);
    if (!kv) return;
    memcpy(kv, id, il + 1);
    memcpy(kv + il + 1, store, sl + 1);
    if (s->kv)
        free(s->kv);
    else
        oc->count++;
    s->hash = h;
    s->kv = kv;
}

void ownerCacheDrop(ownerCache *oc, const char *id) {
    uint64_t h;
    ownerSlot *s = oc ? ownerCacheFind(oc, id, &h) : NULL;
    if (!s) return;
    free(s->kv);
    s->kv = NULL;
    oc->count--;
}

size_t ownerCacheCount(const ownerCache *oc) {
    return oc ? oc->count : 0;
}
