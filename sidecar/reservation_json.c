#include "reservation_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resv_model.h"

int resvJsonScalar(const json_t *v, char buf[64], const char **s, size_t *len) {
    switch (json_typeof(v)) {
    case JSON_STRING:
        *s = json_string_value(v);
        *len = json_string_length(v);
        return 0;
    case JSON_INTEGER:
        *len = (size_t)snprintf(buf, 64, "%lld", (long long)json_integer_value(v));
        *s = buf;
        return 0;
    case JSON_REAL: {
        /* 200.0 must become "200" or "200.0", never "2e+02"; 0.1 must not become
         * 0.10000000000000001: the fewest decimals that read back as the same double. */
        double d = json_real_value(v);
        int n = -1;
        if (isfinite(d) && fabs(d) < 1e15) {
            for (int p = 0; p <= 9; p++) {
                snprintf(buf, 64, "%.*f", p, d);
                if (strtod(buf, NULL) == d) {
                    n = p;
                    break;
                }
            }
        }
        if (n < 0) snprintf(buf, 64, "%.17g", d);
        *s = buf;
        *len = strlen(buf);
        return 0;
    }
    case JSON_TRUE: *s = "true", *len = 4; return 0;
    case JSON_FALSE: *s = "false", *len = 5; return 0;
    case JSON_NULL: return 1;
    default: return -1;
    }
}

int resvJsonAppendFields(const json_t *obj, redisCmd *a, const char **badField) {
    const char *key;
    json_t *v;
    int haveExternal = json_object_get(obj, "external_reservation_id") != NULL &&
                       !json_is_null(json_object_get(obj, "external_reservation_id"));
    json_object_foreach((json_t *)obj, key, v) {
        const char *name = key;
        if (strcmp(key, "external_id") == 0) {
            if (haveExternal) continue;
            name = "external_reservation_id";
        }
        int f = resvFieldLookup(resvFields, RESV_F_COUNT, name, strlen(name));
        /* system_id is the system's own, set by the caller. */
        if (f < 0 || (resvFields[f].flags & RESV_FF_SERVER) || f == RESV_F_SYSTEM_ID) continue;
        char buf[64];
        const char *s;
        size_t len;
        int rc = resvJsonScalar(v, buf, &s, &len);
        if (rc < 0) {
            *badField = key;
            return -1;
        }
        if (rc > 0) continue;
        redisCmdPushStr(a, name);
        redisCmdPush(a, s, len);
    }
    return 0;
}

/* Fields of the model that our sync callers may not set: the server's own, and the
 * state of our pushes to the provider (the module and the sidecar keep it). */
static int resvJsonServerSet(int f) {
    return f == RESV_F_ID || f == RESV_F_STORE_ID || f == RESV_F_CREATED_AT ||
           f == RESV_F_SYNC_STATUS || f == RESV_F_SYNCED_AT || f == RESV_F_SYNC_ERROR;
}

static int resvJsonTypeOk(resvJsonType t, const json_t *v, const char **why) {
    if (json_is_null(v)) return 1;
    switch (t) {
    case RESV_JSON_STRING: *why = "must be a string"; return json_is_string(v);
    case RESV_JSON_INTEGER: *why = "must be an integer"; return json_is_integer(v);
    case RESV_JSON_NUMBER: *why = "must be a number"; return json_is_number(v);
    case RESV_JSON_BOOL: *why = "must be true or false"; return json_is_boolean(v);
    }
    return 0;
}

int resvJsonCheckInput(const json_t *obj, const char *systemId, const char **field,
                       const char **why) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        *field = key;
        const char *name = strcmp(key, "external_id") == 0 ? "external_reservation_id" : key;
        int f = resvFieldLookup(resvFields, RESV_F_COUNT, name, strlen(name));
        if (f < 0) {
            *why = "is not a field of a reservation";
            return -1;
        }
        if (resvJsonServerSet(f) || (!systemId && f == RESV_F_UPDATED_AT)) {
            *why = "is set by the server";
            return -1;
        }
        if (!systemId && f == RESV_F_SYSTEM_ID) {
            *why = "is the provider's: a booking of our own has none";
            return -1;
        }
        if (name != key && json_object_get(obj, name)) {
            *why = "and external_reservation_id are one field: give one of them";
            return -1;
        }
        if (f == RESV_F_RESERVATION_ID && !json_is_string(v)) {
            *why = "must be a string";
            return -1;
        }
        if (!resvJsonTypeOk(resvFieldJsonType(&resvFields[f]), v, why)) return -1;
        if (f == RESV_F_SYSTEM_ID && json_is_string(v) && strcmp(json_string_value(v), systemId)) {
            *why = "must be the system of the path (or left out)";
            return -1;
        }
    }
    return 0;
}

int resvJsonReservationId(const json_t *obj, char *buf, size_t buflen) {
    const json_t *v = json_object_get(obj, "reservation_id");
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n == 0 || n >= buflen || strlen(json_string_value(v)) != n) return -1;
        memcpy(buf, json_string_value(v), n + 1);
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    return -1;
}

int resvUpsertArgv(redisCmd *a, const char *store, const json_t *item, const resvUpsertFrom *from,
                   const char **why, const char **field) {
    char rid[RESV_ID_MAX_BYTES + 1];
    *field = "reservation_id";
    if (!json_is_object(item)) {
        *why = "must be a JSON object";
        *field = "item";
        return -1;
    }
    if (resvJsonReservationId(item, rid, sizeof(rid))) {
        *why = "is required (a string)";
        return -1;
    }
    const char *payload = from->payload;
    size_t payloadLen = from->payloadLen;
    char *dumped = NULL;
    if (!payload) {
        dumped = json_dumps(item, JSON_COMPACT);
        payload = dumped ? dumped : "";
        payloadLen = dumped ? strlen(dumped) : 0;
    }
    redisCmdInit(a, "RESV.UPSERT");
    redisCmdPushKey(a, store);
    redisCmdPushStr(a, rid);
    redisCmdPushStr(a, "ORIGIN");
    redisCmdPushStr(a, from->origin);
    redisCmdPushStr(a, "ACTOR");
    redisCmdPushStr(a, from->actor);
    redisCmdPushStr(a, "EVENT");
    redisCmdPushStr(a, from->event);
    redisCmdPushStr(a, "PAYLOAD");
    redisCmdPush(a, payload, payloadLen);
    free(dumped);
    if (from->msgId) {
        redisCmdPushStr(a, "MSGID");
        redisCmdPushStr(a, from->msgId);
    }
    redisCmdPushStr(a, "system_id");
    redisCmdPushStr(a, from->systemId);
    if (resvJsonAppendFields(item, a, field)) {
        *why = "must be a string, number, boolean or null";
        redisCmdFree(a);
        return -1;
    }
    return 0;
}

const redisReply *resvReplyField(const redisReply *r, const char *name) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return NULL;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i];
        if ((k->type == REDIS_REPLY_STRING || k->type == REDIS_REPLY_STATUS) &&
            strcmp(k->str, name) == 0)
            return r->element[i + 1];
    }
    return NULL;
}

const char *resvReplyStr(const redisReply *r, const char *name) {
    const redisReply *v = resvReplyField(r, name);
    return v && v->type == REDIS_REPLY_STRING ? v->str : NULL;
}

/* A stored string as the JSON type of its model field; the text itself when it does
 * not parse (never lose data over a type). */
static json_t *resvTypedValue(const resvFieldSpec *spec, const char *s, size_t len) {
    char *end;
    switch (resvFieldJsonType(spec)) {
    case RESV_JSON_INTEGER: {
        long long n = strtoll(s, &end, 10);
        if (len > 0 && *end == '\0') return json_integer(n);
        break;
    }
    case RESV_JSON_NUMBER: {
        double d = strtod(s, &end);
        if (len > 0 && *end == '\0') return json_real(d);
        break;
    }
    case RESV_JSON_BOOL:
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) return json_true();
        if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) return json_false();
        break;
    case RESV_JSON_STRING: break;
    }
    return json_stringn(s, len);
}

static json_t *resvReplyScalar(const char *key, const redisReply *v) {
    switch (v->type) {
    case REDIS_REPLY_INTEGER: return json_integer(v->integer);
    case REDIS_REPLY_NIL: return json_null();
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: {
        int f = key ? resvFieldLookup(resvFields, RESV_F_COUNT, key, strlen(key)) : -1;
        if (f >= 0) return resvTypedValue(&resvFields[f], v->str, v->len);
        return json_stringn(v->str, v->len);
    }
    case REDIS_REPLY_ARRAY: {
        json_t *arr = json_array();
        for (size_t i = 0; i < v->elements; i++) {
            const redisReply *e = v->element[i];
            /* A nested map (an even array whose first element is a string) -> object. */
            if (e->type == REDIS_REPLY_ARRAY)
                json_array_append_new(arr, resvJsonFromMap(e));
            else
                json_array_append_new(arr, resvReplyScalar(NULL, e));
        }
        return arr;
    }
    default: return json_null();
    }
}

json_t *resvJsonFromMap(const redisReply *r) {
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2) return NULL;
    json_t *o = json_object();
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i];
        if (k->type != REDIS_REPLY_STRING && k->type != REDIS_REPLY_STATUS) continue;
        json_object_setn_new(o, k->str, k->len, resvReplyScalar(k->str, r->element[i + 1]));
    }
    return o;
}

void resvJsonSplitList(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) return;
    json_t *arr = json_array();
    const char *p = json_string_value(v);
    while (*p) {
        size_t n = strcspn(p, ",");
        json_array_append_new(arr, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    json_object_set_new(o, key, arr);
}

json_t *resvJsonFromReply(const redisReply *r) {
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2) return NULL;
    /* The typed values first, then the object in one pass in model order: every field
     * inserted once, unset ones (and values that are no JSON, like text that is not
     * UTF-8) as null. */
    json_t *vals[RESV_F_COUNT] = {0};
    int from = 0;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING && k->type != REDIS_REPLY_STATUS) continue;
        /* The module replies in model order: start just after the previous field. */
        int f = resvFieldLookupFrom(resvFields, RESV_F_COUNT, k->str, k->len, from);
        if (f < 0 || (v->type != REDIS_REPLY_STRING && v->type != REDIS_REPLY_STATUS)) continue;
        from = f + 1;
        json_t *x = resvTypedValue(&resvFields[f], v->str, v->len);
        if (x) {
            json_decref(vals[f]);
            vals[f] = x;
        }
    }
    json_t *o = json_object();
    for (int f = 0; f < RESV_F_COUNT; f++)
        json_object_set_new_nocheck(o, resvFields[f].name, vals[f] ? vals[f] : json_null());
    return o;
}

/* ---- JSON text straight into an evbuffer ---- */

void resvJsonOutInit(resvJsonOut *o, struct evbuffer *out) {
    o->out = out;
    o->failed = 0;
    o->n = 0;
}

int resvJsonOutFlush(resvJsonOut *o) {
    if (o->n && evbuffer_add(o->out, o->buf, o->n)) o->failed = 1;
    o->n = 0;
    return o->failed ? -1 : 0;
}

static void resvJsonPut(resvJsonOut *o, const char *s, size_t len) {
    if (o->n + len > sizeof(o->buf)) {
        resvJsonOutFlush(o);
        if (len > sizeof(o->buf)) {
            if (evbuffer_add(o->out, s, len)) o->failed = 1;
            return;
        }
    }
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

#define resvJsonPutLit(o, lit) resvJsonPut(o, lit, sizeof(lit) - 1)

/* A JSON string as jansson writes it: " \ and control characters escaped (\b \f \n
 * \r \t, else \u00XX), everything else (UTF-8 included) as it is. The caller has
 * checked that s is UTF-8. */
static void resvJsonPutString(resvJsonOut *o, const char *s, size_t len) {
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;
    resvJsonPutLit(o, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        resvJsonPut(o, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, '0', '0', hex[c >> 4], hex[c & 15]};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: esc[1] = 'u', n = 6; break;
        }
        resvJsonPut(o, esc, n);
    }
    resvJsonPut(o, s + run, len - run);
    resvJsonPutLit(o, "\"");
}

/* A real as jansson writes it with JSON_REAL_PRECISION(15): %.15g, ".0" added when it
 * would read back as an integer, the exponent without '+' or leading zeros. */
static void resvJsonPutReal(resvJsonOut *o, double d) {
    char buf[64];
    int n = snprintf(buf, sizeof(buf) - 3, "%.15g", d);
    if (n < 0 || n >= (int)sizeof(buf) - 3) {
        resvJsonPutLit(o, "null");
        return;
    }
    size_t len = (size_t)n;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(buf, 'e');
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-') start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf) + 1);
            len -= (size_t)(end - start);
        }
    }
    resvJsonPut(o, buf, len);
}

/* A stored value as its field's JSON type (resvTypedValue's rules, without the tree):
 * 0, or -1 when it is no JSON value (null is written instead by the caller). */
static int resvJsonPutTyped(resvJsonOut *o, const resvFieldSpec *spec, const char *s, size_t len) {
    char *end;
    switch (resvFieldJsonType(spec)) {
    case RESV_JSON_INTEGER: {
        long long n = strtoll(s, &end, 10);
        if (len > 0 && *end == '\0') {
            char buf[24];
            resvJsonPut(o, buf, (size_t)snprintf(buf, sizeof(buf), "%lld", n));
            return 0;
        }
        break;
    }
    case RESV_JSON_NUMBER: {
        double d = strtod(s, &end);
        if (len > 0 && *end == '\0') {
            /* jansson has no NaN or infinity: the field is null. */
            if (!isfinite(d)) return -1;
            resvJsonPutReal(o, d);
            return 0;
        }
        break;
    }
    case RESV_JSON_BOOL:
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
            resvJsonPutLit(o, "true");
            return 0;
        }
        if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
            resvJsonPutLit(o, "false");
            return 0;
        }
        break;
    case RESV_JSON_STRING: break;
    }
    if (!resvUtf8Valid(s, len)) return -1;
    resvJsonPutString(o, s, len);
    return 0;
}

/* Whether resvJsonPutTyped() writes a value (not null) for s. */
static int resvJsonTypedValid(const resvFieldSpec *spec, const char *s, size_t len) {
    char *end;
    switch (resvFieldJsonType(spec)) {
    case RESV_JSON_INTEGER:
        (void)strtoll(s, &end, 10);
        if (len > 0 && *end == '\0') return 1;
        break;
    case RESV_JSON_NUMBER: {
        double d = strtod(s, &end);
        if (len > 0 && *end == '\0') return isfinite(d);
        break;
    }
    case RESV_JSON_BOOL:
        if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "false") || !strcmp(s, "0"))
            return 1;
        break;
    case RESV_JSON_STRING: break;
    }
    return resvUtf8Valid(s, len);
}

int resvJsonWriteReservation(resvJsonOut *o, const redisReply *r) {
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2) return -1;
    /* The value of each field, found as resvJsonFromReply finds it: in model order,
     * each lookup starting after the previous field; a later duplicate wins when it is
     * a JSON value. */
    const redisReply *vals[RESV_F_COUNT] = {0};
    int from = 0;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING && k->type != REDIS_REPLY_STATUS) continue;
        int f = resvFieldLookupFrom(resvFields, RESV_F_COUNT, k->str, k->len, from);
        if (f < 0 || (v->type != REDIS_REPLY_STRING && v->type != REDIS_REPLY_STATUS)) continue;
        from = f + 1;
        if (!vals[f] || resvJsonTypedValid(&resvFields[f], v->str, v->len)) vals[f] = v;
    }
    resvJsonPutLit(o, "{");
    for (int f = 0; f < RESV_F_COUNT; f++) {
        const char *name = resvFields[f].name;
        if (f) resvJsonPutLit(o, ",");
        resvJsonPutLit(o, "\"");
        resvJsonPut(o, name, strlen(name));
        resvJsonPutLit(o, "\":");
        if (!vals[f] || resvJsonPutTyped(o, &resvFields[f], vals[f]->str, vals[f]->len))
            resvJsonPutLit(o, "null");
    }
    resvJsonPutLit(o, "}");
    return 0;
}

int resvJsonWriteList(resvJsonOut *o, const redisReply *items, const char *cursor, size_t len) {
    if (!resvUtf8Valid(cursor, len)) return -1;
    size_t count = 0;
    resvJsonPutLit(o, "{\"reservations\":[");
    for (size_t i = 0; i < items->elements; i++) {
        const redisReply *e = items->element[i];
        if (!e || e->type != REDIS_REPLY_ARRAY || e->elements % 2) continue;
        if (count++) resvJsonPutLit(o, ",");
        resvJsonWriteReservation(o, e);
    }
    char buf[40];
    resvJsonPut(o, buf,
                (size_t)snprintf(buf, sizeof(buf), "],\"count\":%zu,\"next_cursor\":", count));
    if (len == 1 && cursor[0] == '0')
        resvJsonPutLit(o, "null");
    else
        resvJsonPutString(o, cursor, len);
    resvJsonPutLit(o, "}");
    return 0;
}

json_t *resvSystemConfig(const redisReply *r) {
    const redisReply *c = resvReplyField(r, "config");
    json_t *cfg = NULL;
    if (c && c->type == REDIS_REPLY_STRING && c->len > 0) cfg = json_loadb(c->str, c->len, 0, NULL);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        cfg = json_object();
    }
    return cfg;
}

/* Secrets in a system's config are shown by their last four characters only. */
static void resvMaskSecrets(json_t *cfg) {
    static const char *const secretKeys[] = {"api_key", "api_secret",   "secret", "password",
                                             "token",   "access_token", NULL};
    for (int i = 0; secretKeys[i]; i++) {
        json_t *v = json_object_get(cfg, secretKeys[i]);
        if (!json_is_string(v)) continue;
        size_t n = json_string_length(v);
        char masked[16] = "****";
        if (n > 8) memcpy(masked + 4, json_string_value(v) + n - 4, 5);
        json_object_set_new(cfg, secretKeys[i], json_string(masked));
    }
}

json_t *resvSystemJson(const redisReply *r, const char *publicUrl, int withSecret) {
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2) return NULL;
    json_t *o = json_object();
    for (int f = 0; f < RESV_SF_COUNT; f++) {
        const char *name = resvSystemFields[f].name;
        if (f == RESV_SF_WEBHOOK_SECRET && !withSecret) continue;
        if (f == RESV_SF_CONFIG) {
            json_t *cfg = resvSystemConfig(r);
            resvMaskSecrets(cfg);
            json_object_set_new(o, name, cfg);
            continue;
        }
        const redisReply *v = resvReplyField(r, name);
        if (v && (v->type == REDIS_REPLY_STRING || v->type == REDIS_REPLY_STATUS))
            json_object_set_new(o, name, json_stringn(v->str, v->len));
        else
            json_object_set_new(o, name, json_null());
        if (f == RESV_SF_STORE_ID) {
            /* webhook_url right after the store, where a reader looks for it. */
            const redisReply *id = resvReplyField(r, "id");
            size_t n = strlen(publicUrl);
            while (n > 0 && publicUrl[n - 1] == '/')
                n--;
            char url[1024];
            snprintf(url, sizeof(url), "%.*s/api/v1/integrations/webhooks/reservation/%s", (int)n,
                     publicUrl, id && id->type == REDIS_REPLY_STRING ? id->str : "");
            json_object_set_new(o, "webhook_url", json_string(url));
        }
    }
    return o;
}
