/* Between JSON and the module's strings: provider JSON -> RESV.UPSERT arguments, and
 * RESV.* replies -> JSON with the model's types (resvFields, resvFieldJsonType). */
#ifndef SIDECAR_RESERVATION_JSON_H
#define SIDECAR_RESERVATION_JSON_H

#include <stddef.h>

#include <event2/buffer.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "redis_conn.h"

/* A JSON scalar in the module's string form: strings as they are, integers in decimal,
 * reals in their shortest plain decimal form, booleans true/false. Returns 0, 1 for
 * null (skip the field), -1 for objects and arrays. */
int resvJsonScalar(const json_t *v, char buf[64], const char **s, size_t *len);

/* Appends "field value" pairs for the model fields of a provider's reservation. Keys the
 * model does not have, and fields only the server sets, are dropped: they live on in the
 * raw payload of the audit entry. external_id is external_reservation_id. -1 with
 * *badField when a value is an object or array. */
int resvJsonAppendFields(const json_t *obj, redisCmd *a, const char **badField);

/* Our own API is strict where provider data is lenient: checks a reservation of
 * POST .../sync, or of the front desk's own booking routes, before anything is sent.
 * Every key must be a field the caller may set (not one the server sets: id, store_id,
 * created_at, sync_status, synced_at, sync_error; system_id only as the system of the
 * path), with the field's JSON type (a string for text, an integer for customer_count,
 * a number for deposit_amount, true/false for the flags; null leaves a field out) and
 * reservation_id a string. systemId NULL: a booking of our own, which has no system_id
 * and whose updated_at is our clock's (both refused). -1 with the key at fault in
 * *field and what it must be in *why (static or a key of obj). */
int resvJsonCheckInput(const json_t *obj, const char *systemId, const char **field,
                       const char **why);

/* The reservation id of a provider object ("reservation_id", string or integer) into
 * buf; -1 when missing or of another type. */
int resvJsonReservationId(const json_t *obj, char *buf, size_t buflen);

/* Where an upsert comes from: ORIGIN, ACTOR, EVENT, the raw PAYLOAD (NULL: the item
 * re-serialized, for one item of a body or page that holds many), MSGID (NULL: none)
 * and the system_id it is stored under. */
typedef struct {
    const char *origin, *actor, *event;
    const char *payload;
    size_t payloadLen;
    const char *msgId;
    const char *systemId;
} resvUpsertFrom;

/* RESV.UPSERT store <reservation_id of item> ORIGIN .. ACTOR .. EVENT .. PAYLOAD ..
 * [MSGID ..] system_id .. <model fields of item>: the one conversion of a provider
 * object, used by the sync endpoint, the webhook and the scheduled pull. 0 ok (a is
 * initialised); -1 with the problem in *why and the field at fault in *field (static
 * strings or keys of item) and nothing to free. */
int resvUpsertArgv(redisCmd *a, const char *store, const json_t *item, const resvUpsertFrom *from,
                   const char **why, const char **field);

/* A field of a RESP2 map reply (flat array of name, value); NULL when absent. */
const redisReply *resvReplyField(const redisReply *r, const char *name);
/* The same when it is a string; NULL otherwise. */
const char *resvReplyStr(const redisReply *r, const char *name);

/* A reservation (RESV.GET form) as a JSON object with every model field, typed, null
 * where unset. NULL when r is not a map. */
json_t *resvJsonFromReply(const redisReply *r);

/* JSON text written straight into a reply's evbuffer (no json_t tree), through a small
 * staging buffer so that short pieces do not each cost an evbuffer append. */
typedef struct {
    struct evbuffer *out;
    int failed; /* an append ran out of memory */
    size_t n;
    char buf[4096];
} resvJsonOut;

void resvJsonOutInit(resvJsonOut *o, struct evbuffer *out);
/* Hands what is staged to the evbuffer; -1 when an append failed. */
int resvJsonOutFlush(resvJsonOut *o);
/* A reservation, byte for byte what json_dumps(resvJsonFromReply(r), JSON_COMPACT |
 * JSON_REAL_PRECISION(15)) writes. -1 (nothing written) when r is not a map. */
int resvJsonWriteReservation(resvJsonOut *o, const redisReply *r);
/* The list route's body: {"reservations":[...],"count":n,"next_cursor":null or the
 * cursor}, items written as above (those that are not maps left out). cursor "0" is the
 * end. -1 when the cursor is not UTF-8 (nothing written). */
int resvJsonWriteList(resvJsonOut *o, const redisReply *items, const char *cursor, size_t len);

/* Any map reply as an object: integers stay integers, strings of model fields get the
 * field's JSON type, nested arrays of maps become arrays of objects. */
json_t *resvJsonFromMap(const redisReply *r);
/* The module's compact list "a,b" in o[key] as ["a", "b"] ("" as []); a key absent or
 * not a string is left as it is. */
void resvJsonSplitList(json_t *o, const char *key);

/* An integration system as JSON: config parsed and its api_key masked, webhook_url
 * built from publicUrl, webhook_secret only when withSecret. */
json_t *resvSystemJson(const redisReply *r, const char *publicUrl, int withSecret);

/* The config object of a system reply (new reference; an empty object when unset). */
json_t *resvSystemConfig(const redisReply *r);

#endif
