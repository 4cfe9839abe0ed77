/* Yiding's wire format, as assumed in docs/provider.md (no public documentation):
 *   GET  {base}/ping                                   connection test
 *   POST {base}/reservations/{reservation_id}/status   push a status change
 *   GET  {base}/reservations?store_id&updated_since&cursor&limit   pull changes
 * with "Authorization: Bearer <api_key>" and JSON bodies. Everything that knows these
 * paths, fields and status codes is in this file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "provider.h"

typedef enum { PROV_PING, PROV_PUSH, PROV_PULL } providerCall;

typedef struct {
    providerCall call;
    providerCb *cb;
    void *arg;
} providerPending;

int providerTargetFromConfig(const json_t *config, long timeoutMs, providerTarget *t, char *err,
                             size_t errlen) {
    memset(t, 0, sizeof(*t));
    t->endpoint = json_string_value(json_object_get(config, "api_endpoint"));
    t->apiKey = json_string_value(json_object_get(config, "api_key"));
    t->timeoutMs = timeoutMs;
    if (!t->endpoint || !*t->endpoint) {
        snprintf(err, errlen, "config.api_endpoint is missing");
        return -1;
    }
    if (t->apiKey && !*t->apiKey) t->apiKey = NULL;
    return 0;
}

providerOutcome providerClassify(int s) {
    if (s >= 200 && s < 300) return PROVIDER_OK;
    if (s == 401 || s == 403) return PROVIDER_REFUSED;
    /* No reply, 5xx, 408 and 429 may pass; other 4xx mean our request or key is wrong. */
    if (s == 0 || s >= 500 || s == 408 || s == 429) return PROVIDER_RETRY;
    return PROVIDER_REJECTED;
}

/* "HTTP 503: <the provider's error message>" from {"error": {"message"}} or the text. */
static void providerDescribe(const httpClientResult *hr, char *out, size_t outlen) {
    if (hr->status == 0) {
        snprintf(out, outlen, "%s", hr->error ? hr->error : "no reply");
        return;
    }
    json_t *j = json_loadb(hr->body, hr->bodyLen, 0, NULL);
    const json_t *e = json_object_get(j, "error");
    const char *msg = json_string_value(json_is_object(e) ? json_object_get(e, "message") : e);
    if (!msg) msg = json_string_value(json_object_get(j, "message"));
    char text[160];
    if (!msg) {
        /* A body that is not JSON: its start, control bytes blanked. */
        size_t n = hr->bodyLen < sizeof(text) - 1 ? hr->bodyLen : sizeof(text) - 1;
        for (size_t i = 0; i < n; i++)
            text[i] = (unsigned char)hr->body[i] < 0x20 ? ' ' : hr->body[i];
        text[n] = '\0';
        msg = text;
    }
    if (hr->status == 401 || hr->status == 403)
        snprintf(out, outlen, "the provider refused the api key (HTTP %d%s%.200s)", hr->status,
                 *msg ? ": " : "", msg);
    else
        snprintf(out, outlen, "HTTP %d%s%.200s", hr->status, *msg ? ": " : "", msg);
    json_decref(j);
}

static void providerOnReply(const httpClientResult *hr, void *arg) {
    providerPending *p = arg;
    providerResult res;
    memset(&res, 0, sizeof(res));
    res.httpStatus = hr->status;
    json_t *page = NULL;
    if (hr->cancelled) {
        res.outcome = PROVIDER_CANCELLED;
        snprintf(res.error, sizeof(res.error), "%s", hr->error);
    } else {
        res.outcome = providerClassify(hr->status);
        if (res.outcome != PROVIDER_OK) providerDescribe(hr, res.error, sizeof(res.error));
    }
    if (res.outcome == PROVIDER_OK && p->call == PROV_PULL) {
        /* 200 {"reservations": [...], "next_cursor": string or null} */
        json_error_t je;
        page = json_loadb(hr->body, hr->bodyLen, 0, &je);
        json_t *items = json_object_get(page, "reservations");
        json_t *next = json_object_get(page, "next_cursor");
        if (!json_is_array(items) || (next && !json_is_null(next) && !json_is_string(next))) {
            res.outcome = PROVIDER_REJECTED;
            snprintf(res.error, sizeof(res.error),
                     "malformed pull reply: expected {\"reservations\": [...], \"next_cursor\"}");
        } else {
            res.reservations = items;
            res.nextCursor =
                json_is_string(next) && json_string_length(next) ? json_string_value(next) : NULL;
        }
    }
    p->cb(&res, p->arg);
    json_decref(page);
    free(p);
}

/* base without trailing slashes, then the rest. */
static char *providerUrl(const char *base, const char *fmt1, const char *part, const char *fmt2) {
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    size_t len = n + strlen(fmt1) + (part ? strlen(part) : 0) + (fmt2 ? strlen(fmt2) : 0) + 1;
    char *url = malloc(len);
    if (url)
        snprintf(url, len, "%.*s%s%s%s", (int)n, base, fmt1, part ? part : "", fmt2 ? fmt2 : "");
    return url;
}

static int providerSend(httpClient *hc, const providerTarget *t, providerCall call,
                        const char *method, char *url, const char *body, providerCb *cb, void *arg,
                        char *err, size_t errlen) {
    providerPending *p = malloc(sizeof(*p));
    if (!p || !url) {
        free(p);
        free(url);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *p = (providerPending){call, cb, arg};
    int rc = httpClientRequest(hc, method, url, t->apiKey, body, body ? strlen(body) : 0,
                               t->timeoutMs, providerOnReply, p, err, errlen);
    free(url);
    if (rc) free(p);
    return rc;
}

int providerPing(httpClient *hc, const providerTarget *t, providerCb *cb, void *arg, char *err,
                 size_t errlen) {
    return providerSend(hc, t, PROV_PING, "GET", providerUrl(t->endpoint, "/ping", NULL, NULL),
                        NULL, cb, arg, err, errlen);
}

static json_t *providerOptString(const char *s) {
    return s && *s ? json_string(s) : json_null();
}

json_t *providerStatusBody(const providerStatusChange *ch) {
    json_t *o = json_object();
    json_object_set_new(o, "reservation_id", json_string(ch->reservationId));
    json_object_set_new(o, "external_id", providerOptString(ch->externalId));
    json_object_set_new(o, "status", json_string(ch->status));
    json_object_set_new(o, "arrival_time", providerOptString(ch->arrivalTime));
    json_object_set_new(o, "table_number", providerOptString(ch->tableNumber));
    json_object_set_new(o, "changed_at", providerOptString(ch->changedAt));
    json_object_set_new(o, "change_id", json_string(ch->changeId));
    return o;
}

int providerPushStatus(httpClient *hc, const providerTarget *t, const providerStatusChange *ch,
                       providerCb *cb, void *arg, char *err, size_t errlen) {
    json_t *o = providerStatusBody(ch);
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *rid = evhttp_uriencode(ch->reservationId, -1, 0);
    char *url = rid ? providerUrl(t->endpoint, "/reservations/", rid, "/status") : NULL;
    free(rid);
    if (!body) {
        free(url);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = providerSend(hc, t, PROV_PUSH, "POST", url, body, cb, arg, err, errlen);
    free(body);
    return rc;
}

int providerPull(httpClient *hc, const providerTarget *t, const char *store, const char *since,
                 const char *cursor, int limit, providerCb *cb, void *arg, char *err,
                 size_t errlen) {
    char *s = evhttp_uriencode(store, -1, 0);
    char *u = since ? evhttp_uriencode(since, -1, 0) : NULL;
    char *c = cursor ? evhttp_uriencode(cursor, -1, 0) : NULL;
    size_t qlen = (s ? strlen(s) : 0) + (u ? strlen(u) : 0) + (c ? strlen(c) : 0) + 96;
    char *q = malloc(qlen);
    if (q && s)
        snprintf(q, qlen, "?store_id=%s%s%s%s%s&limit=%d", s, u ? "&updated_since=" : "",
                 u ? u : "", c ? "&cursor=" : "", c ? c : "", limit);
    char *url = q && s ? providerUrl(t->endpoint, "/reservations", q, NULL) : NULL;
    free(s);
    free(u);
    free(c);
    free(q);
    return providerSend(hc, t, PROV_PULL, "GET", url, NULL, cb, arg, err, errlen);
}
