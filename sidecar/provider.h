/* A reservation provider as the sidecar sees it: a connection test, pushing a status
 * change, pulling changed reservations. Each provider's wire format is a providerOps of
 * its own file (Yiding's, docs/provider.md, is provider_yiding.c), chosen by the
 * system's provider field (providers.c); this file carries the requests they build
 * (transport: http_client.c) and classifies the replies. */
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

typedef struct providerOps providerOps;

/* Who, where and as whom: from a system (providerTargetFromConfig, providers.h). */
typedef struct {
    const providerOps *ops;
    const char *endpoint;
    const char *apiKey; /* NULL: no Authorization header */
    long timeoutMs;
} providerTarget;

typedef struct {
    providerOutcome outcome;
    int httpStatus;  /* 0: no HTTP reply */
    char error[320]; /* may hold bytes of the provider's that are no text (resvTextScrub) */
    /* providerPull only, valid during the callback: the page's reservations (a JSON
     * array, parsed from the reply) and the cursor of the next page (NULL on the last). */
    json_t *reservations;
    const char *nextCursor;
} providerResult;

typedef void providerCb(const providerResult *res, void *arg);

/* A status change as the outbox holds it; empty strings are unset values. */
typedef struct {
    const char *reservationId, *externalId, *status, *arrivalTime, *tableNumber, *changedAt;
    const char *changeId; /* the same on every retry of one change */
} providerStatusChange;

/* A request as a provider builds it: url and body are allocated (body NULL: none). */
typedef struct {
    const char *method; /* "GET" or "POST" */
    char *url;
    char *body;
} providerRequest;

/* One provider's wire format. The builders return 0, or -1 when out of memory (with
 * nothing allocated in out). pullPage reads a 2xx reply to a pull: the page's
 * reservations and next cursor (NULL on the last page) point into *page, which the
 * caller frees; -1 with a message when the reply is malformed. */
struct providerOps {
    const char *name; /* as a system's provider field says it, compared without case */
    int (*ping)(const providerTarget *t, providerRequest *out);
    int (*push)(const providerTarget *t, const providerStatusChange *ch, providerRequest *out);
    /* since and cursor NULL to omit; limit 1..1000. */
    int (*pull)(const providerTarget *t, const char *store, const char *since, const char *cursor,
                int limit, providerRequest *out);
    int (*pullPage)(const char *body, size_t len, json_t **page, json_t **items,
                    const char **nextCursor, char *err, size_t errlen);
};

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

/* How an HTTP status (0: none) is classified. */
providerOutcome providerClassify(int httpStatus);

#endif
