/* Yiding's wire format, as assumed in docs/provider.md (no public documentation):
 *   GET  {base}/ping                                   connection test
 *   POST {base}/reservations/{reservation_id}/status   push a status change
 *   GET  {base}/reservations?store_id&updated_since&cursor&limit   pull changes
 * with "Authorization: Bearer <api_key>" and JSON bodies. Everything that knows these
 * paths and fields is in this file. */
#include "provider_yiding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

/* base without trailing slashes, then the rest. */
static char *yidingUrl(const char *base, const char *fmt1, const char *part, const char *fmt2) {
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    size_t len = n + strlen(fmt1) + (part ? strlen(part) : 0) + (fmt2 ? strlen(fmt2) : 0) + 1;
    char *url = malloc(len);
    if (url)
        snprintf(url, len, "%.*s%s%s%s", (int)n, base, fmt1, part ? part : "", fmt2 ? fmt2 : "");
    return url;
}

/* A request of url (taken) and body (taken, NULL: none); -1 when url is NULL. */
static int yidingRequest(const char *method, char *url, char *body, providerRequest *out) {
    if (!url) {
        free(body);
        return -1;
    }
    *out = (providerRequest){method, url, body};
    return 0;
}

static int yidingPing(const providerTarget *t, providerRequest *out) {
    return yidingRequest("GET", yidingUrl(t->endpoint, "/ping", NULL, NULL), NULL, out);
}

static json_t *yidingOptString(const char *s) {
    return s && *s ? json_string(s) : json_null();
}

json_t *providerYidingStatusBody(const providerStatusChange *ch) {
    json_t *o = json_object();
    json_object_set_new(o, "reservation_id", json_string(ch->reservationId));
    json_object_set_new(o, "external_id", yidingOptString(ch->externalId));
    json_object_set_new(o, "status", json_string(ch->status));
    json_object_set_new(o, "arrival_time", yidingOptString(ch->arrivalTime));
    json_object_set_new(o, "table_number", yidingOptString(ch->tableNumber));
    json_object_set_new(o, "changed_at", yidingOptString(ch->changedAt));
    json_object_set_new(o, "change_id", json_string(ch->changeId));
    return o;
}

static int yidingPush(const providerTarget *t, const providerStatusChange *ch,
                      providerRequest *out) {
    json_t *o = providerYidingStatusBody(ch);
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *rid = evhttp_uriencode(ch->reservationId, -1, 0);
    char *url = rid && body ? yidingUrl(t->endpoint, "/reservations/", rid, "/status") : NULL;
    free(rid);
    return yidingRequest("POST", url, body, out);
}

static int yidingPull(const providerTarget *t, const char *store, const char *since,
                      const char *cursor, int limit, providerRequest *out) {
    char *s = evhttp_uriencode(store, -1, 0);
    char *u = since ? evhttp_uriencode(since, -1, 0) : NULL;
    char *c = cursor ? evhttp_uriencode(cursor, -1, 0) : NULL;
    size_t qlen = (s ? strlen(s) : 0) + (u ? strlen(u) : 0) + (c ? strlen(c) : 0) + 96;
    char *q = malloc(qlen);
    if (q && s)
        snprintf(q, qlen, "?store_id=%s%s%s%s%s&limit=%d", s, u ? "&updated_since=" : "",
                 u ? u : "", c ? "&cursor=" : "", c ? c : "", limit);
    char *url = q && s ? yidingUrl(t->endpoint, "/reservations", q, NULL) : NULL;
    free(s);
    free(u);
    free(c);
    free(q);
    return yidingRequest("GET", url, NULL, out);
}

/* 200 {"reservations": [...], "next_cursor": string or null} */
static int yidingPullPage(const char *body, size_t len, json_t **page, json_t **items,
                          const char **nextCursor, char *err, size_t errlen) {
    *page = json_loadb(body, len, 0, NULL);
    json_t *list = json_object_get(*page, "reservations");
    json_t *next = json_object_get(*page, "next_cursor");
    if (!json_is_array(list) || (next && !json_is_null(next) && !json_is_string(next))) {
        snprintf(err, errlen,
                 "malformed pull reply: expected {\"reservations\": [...], \"next_cursor\"}");
        return -1;
    }
    *items = list;
    *nextCursor = json_is_string(next) && json_string_length(next) ? json_string_value(next) : NULL;
    return 0;
}

const providerOps providerYiding = {"yiding", yidingPing, yidingPush, yidingPull, yidingPullPage};
