/* The reservation provider (Yiding) as the sidecar sees it: a connection test, pushing
 * a status change, pulling changed reservations. The wire format (docs/provider.md)
 * lives in provider_yiding.c only, so adapting to the real API is a change in one file;
 * the transport is http_client.c. */
#ifndef SIDECAR_PROVIDER_H
#define SIDECAR_PROVIDER_H

#include <stddef.h>

#include <jansson.h>

#include "http_client.h"

typedef enum {
    PROVIDER_OK,        /* accepted */
    PROVIDER_RETRY,     /* worth retrying later: 5xx, 408, 429, timeout, connection error */
    PROVIDER_REFUSED,   /* the api key was refused (401, 403) */
    PROVIDER_REJECTED,  /* another 4xx or a malformed reply: retrying will not help */
    PROVIDER_CANCELLED, /* the sidecar is shutting down */
} providerOutcome;

/* Where and as whom: from a system's config (providerTargetFromConfig). */
typedef struct {
    const char *endpoint;
    const char *apiKey; /* NULL: no Authorization header */
    long timeoutMs;
} providerTarget;

typedef struct {
    providerOutcome outcome;
    int httpStatus; /* 0: no HTTP reply */
    char error[320];
    /* providerPull only, valid during the callback: the page's reservations (a JSON
     * array, parsed from the reply) and the cursor of the next page (NULL on the last). */
    json_t *reservations;
    const char *nextCursor;
} providerResult;

typedef void providerCb(const providerResult *res, void *arg);

/* The endpoint and key in a system's config object (borrowed from it). -1 with a
 * message when the endpoint is missing. */
int providerTargetFromConfig(const json_t *config, long timeoutMs, providerTarget *t, char *err,
                             size_t errlen);

/* A status change as the outbox holds it; empty strings are unset values. */
typedef struct {
    const char *reservationId, *externalId, *status, *arrivalTime, *tableNumber, *changedAt;
    const char *changeId; /* the same on every retry of one change */
} providerStatusChange;

/* Each returns 0 and calls cb exactly once later, or -1 with a message in err (and no
 * callback). */
int providerPing(httpClient *hc, const providerTarget *t, providerCb *cb, void *arg, char *err,
                 size_t errlen);
int providerPushStatus(httpClient *hc, const providerTarget *t, const providerStatusChange *ch,
                       providerCb *cb, void *arg, char *err, size_t errlen);
/* since and cursor NULL to omit; limit 1..1000. */
int providerPull(httpClient *hc, const providerTarget *t, const char *store, const char *since,
                 const char *cursor, int limit, providerCb *cb, void *arg, char *err,
                 size_t errlen);

/* The push body (tests and logs): a JSON object, new reference. */
json_t *providerStatusBody(const providerStatusChange *ch);
/* How an HTTP status (0: none) is classified. */
providerOutcome providerClassify(int httpStatus);

#endif
