/* Which store owns a reservation id, remembered by one loop so that GET /reservation/{id}
 * is one Redis round trip instead of two. A reservation never changes store while it
 * exists, but it can be deleted and created again under another store: a remembered
 * owner is a guess that the caller confirms (RESV.GET on it answers nil when it is
 * wrong) and drops when it was wrong. Bounded: a fixed table, direct-mapped by a hash of
 * the id, a new id replacing whatever held its slot; one loop only, no locks. */
#ifndef SIDECAR_OWNER_CACHE_H
#define SIDECAR_OWNER_CACHE_H

#include <stddef.h>

#define OWNER_CACHE_SLOTS 65536

typedef struct ownerCache ownerCache;

/* A table of `slots` entries (rounded up to a power of two); NULL when out of memory. */
ownerCache *ownerCacheNew(size_t slots);
void ownerCacheFree(ownerCache *oc);
/* The remembered store of id, or NULL; valid until the next put or drop. */
const char *ownerCacheGet(const ownerCache *oc, const char *id);
/* Remembers store as the owner of id (forgotten silently when out of memory). */
void ownerCachePut(ownerCache *oc, const char *id, const char *store);
void ownerCacheDrop(ownerCache *oc, const char *id);
/* Entries held now: never more than the slots. */
size_t ownerCacheCount(const ownerCache *oc);

#endif
