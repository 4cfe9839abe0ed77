/* Outgoing HTTP(S) requests on the server's event loop (libevent's evhttp client): one
 * connection per request, a bounded time for the whole exchange, TLS with peer and host
 * name verification against the system CA store, names resolved by evdns (never a
 * blocking lookup on the loop). Knows nothing about any provider's wire format. */
#ifndef SIDECAR_HTTP_CLIENT_H
#define SIDECAR_HTTP_CLIENT_H

#include <stddef.h>

#include <event2/event.h>

#include "dns.h"

typedef struct httpClient httpClient;
typedef struct httpClientReq httpClientReq;

/* The outcome of one request. status 0: no HTTP reply (error says why: timeout,
 * connection refused, TLS, DNS...); cancelled: the client is being freed. body is
 * NUL-terminated and valid only during the callback. */
typedef struct {
    int status;
    int cancelled;
    const char *error;
    const char *body;
    size_t bodyLen;
} httpClientResult;

typedef void httpClientCb(const httpClientResult *res, void *arg);

/* dns: the loop's resolver, for host names; caFile: PEM bundle to trust instead of the
 * system store (NULL: the system's). */
httpClient *httpClientNew(struct event_base *base, dnsResolver *dns, const char *caFile);
/* Requests still in flight end first: their callbacks run with cancelled = 1. */
void httpClientFree(httpClient *hc);
/* Requests in flight now. */
int httpClientInflight(const httpClient *hc);

/* method "GET" or "POST"; url http:// or https://; bearer NULL for none; body NULL for
 * none (sent as application/json). The callback runs exactly once, never from inside
 * this call. -1 (no callback) when the URL is unusable or memory runs out, with a
 * message in err. */
int httpClientRequest(httpClient *hc, const char *method, const char *url, const char *bearer,
                      const char *body, size_t bodyLen, long timeoutMs, httpClientCb *cb, void *arg,
                      char *err, size_t errlen);

#endif
