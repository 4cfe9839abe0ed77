/* What every provider shares: sending the requests a provider's ops build, and reading
 * the outcome of the reply (the wire format itself is in provider_<name>.c). */
#include "provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resv_model.h"

typedef enum { PROV_PING, PROV_PUSH, PROV_PULL } providerCall;

typedef struct {
    providerCall call;
    const providerOps *ops;
    providerCb *cb;
    void *arg;
} providerPending;

providerOutcome providerClassify(int s) {
    if (s >= 200 && s < 300) return PROVIDER_OK;
    if (s == 401 || s == 403) return PROVIDER_REFUSED;
    /* No reply, 5xx, 408 and 429 may pass; other 4xx mean our request or key is wrong. */
    if (s == 0 || s >= 500 || s == 408 || s == 429) return PROVIDER_RETRY;
    return PROVIDER_REJECTED;
}

/* The length of s cut to at most max bytes, not inside a UTF-8 character. */
static size_t providerCut(const char *s, size_t len, size_t max) {
    if (len <= max) return len;
    while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* "HTTP 503: <the provider's error message>" from {"error": {"message"}} or the text,
 * whole characters of it. Bytes that are no text are left to whoever stores it. */
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
        /* A body that is not JSON: its start, made text (a NUL byte must not end it). */
        size_t n = providerCut(hr->body, hr->bodyLen, sizeof(text) - 1);
        memcpy(text, hr->body, n);
        text[n] = '\0';
        resvTextScrub(text, n);
        msg = text;
    }
    int n = (int)providerCut(msg, strlen(msg), 200);
    if (hr->status == 401 || hr->status == 403)
        snprintf(out, outlen, "the provider refused the api key (HTTP %d%s%.*s)", hr->status,
                 n ? ": " : "", n, msg);
    else
        snprintf(out, outlen, "HTTP %d%s%.*s", hr->status, n ? ": " : "", n, msg);
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
    if (res.outcome == PROVIDER_OK && p->call == PROV_PULL &&
        p->ops->pullPage(hr->body, hr->bodyLen, &page, &res.reservations, &res.nextCursor,
                         res.error, sizeof(res.error)))
        res.outcome = PROVIDER_REJECTED;
    p->cb(&res, p->arg);
    json_decref(page);
    free(p);
}

/* Sends what the target's provider built (freeing it); the reply goes to cb. */
static int providerSend(httpClient *hc, const providerTarget *t, providerCall call,
                        providerRequest *rq, int built, providerCb *cb, void *arg, char *err,
                        size_t errlen) {
    providerPending *p = built == 0 ? malloc(sizeof(*p)) : NULL;
    int rc = -1;
    if (!p) {
        snprintf(err, errlen, "out of memory");
    } else {
        *p = (providerPending){call, t->ops, cb, arg};
        rc = httpClientRequest(hc, rq->method, rq->url, t->apiKey, rq->body,
                               rq->body ? strlen(rq->body) : 0, t->timeoutMs, providerOnReply, p,
                               err, errlen);
        if (rc) free(p);
    }
    if (built == 0) {
        free(rq->url);
        free(rq->body);
    }
    return rc;
}

int providerPing(httpClient *hc, const providerTarget *t, providerCb *cb, void *arg, char *err,
                 size_t errlen) {
    providerRequest rq;
    return providerSend(hc, t, PROV_PING, &rq, t->ops->ping(t, &rq), cb, arg, err, errlen);
}

int providerPushStatus(httpClient *hc, const providerTarget *t, const providerStatusChange *ch,
                       providerCb *cb, void *arg, char *err, size_t errlen) {
    providerRequest rq;
    return providerSend(hc, t, PROV_PUSH, &rq, t->ops->push(t, ch, &rq), cb, arg, err, errlen);
}

int providerPull(httpClient *hc, const providerTarget *t, const char *store, const char *since,
                 const char *cursor, int limit, providerCb *cb, void *arg, char *err,
                 size_t errlen) {
    providerRequest rq;
    return providerSend(hc, t, PROV_PULL, &rq, t->ops->pull(t, store, since, cursor, limit, &rq),
                        cb, arg, err, errlen);
}
