/* The lookups the routes share: the integration system named in the path, the store
 * that owns a reservation id, the store of a query, and the lists of maps a store
 * answers (tables, sync failures, history). */
#ifndef SIDECAR_LOOKUP_H
#define SIDECAR_LOOKUP_H

#include <hiredis/hiredis.h>

#include "http.h"

/* 1 when the caller may touch the system's store. */
int lookupSystemAllowed(httpCtx *c, const redisReply *sys);
/* Fetches the system of c->params[0] (404 when unknown; 403 when the caller is
 * authenticated and may not touch its store) and continues with next. */
httpResult lookupSystem(httpCtx *c, httpNext *next);
/* c->store from the system's store_id; a 500 when it has none. */
httpResult lookupSystemStore(httpCtx *c, const redisReply *sys);
/* The store owning reservation c->params[0] into c->store (404 when none, 403 when the
 * caller may not touch it), then next. */
httpResult lookupOwner(httpCtx *c, httpNext *next);
/* The same, but from the loop's owner cache when it remembers a store the caller may
 * touch: then c->ownerGuessed is set and next runs at once with found NULL, and the
 * step that reads the reservation calls lookupOwnerWrong() when it is not there. */
httpResult lookupOwnerCached(httpCtx *c, httpNext *next);
/* The guessed owner was wrong (deleted, perhaps created again under another store):
 * forgets it and asks Redis, then next. */
httpResult lookupOwnerWrong(httpCtx *c, httpNext *next);
/* The store of the path (c->params[0]): a valid id the caller may touch, into c->store. */
httpResult lookupPathStore(httpCtx *c);
/* store_id of the query: required, a valid id, and one the caller may touch. */
httpResult lookupQueryStore(httpCtx *c, const char **store);
/* A query integer in [lo, hi]; *out untouched when absent. -1 when malformed. */
int lookupQueryLong(httpCtx *c, const char *name, long lo, long hi, long *out);
/* The 400 of a field not valid: "X is required: rule" when absent (not given), else
 * "invalid X: must be rule". */
httpResult lookupFieldFail(httpCtx *c, const char *name, int given, const char *rule);
/* A query date or datetime (YYYY-MM-DD, a bare date as its first or, endOfDay, last
 * second); *out NULL when absent (a 400 when required). */
httpResult lookupQueryDate(httpCtx *c, const char *name, int endOfDay, int required,
                           const char **out);
/* GET ...?store_id=: sends "<command> store", whose reply is an array of maps, and answers
 * {"store_id", "count": n, "<name>": [...]} (sync failures). */
httpResult lookupStoreList(httpCtx *c, const char *command, const char *name);
/* 200 with {"reservation_id" (when rid), "store_id", "count": n, "<name>": [...]}, each
 * map of the array reply r as an object: row(map), or resvJsonFromMap when row is NULL
 * (a NULL object is left out). */
void lookupFinishMapList(httpCtx *c, const redisReply *r, json_t *(*row)(const redisReply *),
                         const char *name, const char *rid, const char *store);

#endif
