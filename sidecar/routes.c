/* The route table: which handler answers which method and path, and for which roles;
 * the path is split and matched here, and the caller authorised, before the handler
 * runs. */
#include "routes.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "routes_desk.h"
#include "routes_events.h"
#include "routes_floor.h"
#include "routes_ops.h"
#include "routes_reservations.h"
#include "routes_search.h"
#include "routes_stores.h"
#include "routes_sync.h"
#include "routes_systems.h"
#include "routes_waitlist.h"
#include "routes_webhooks.h"
#include "server.h"

#define ANY_ROLE          ((1u << AUTH_ROLE_COUNT) - 1)
#define R(x)              AUTH_ROLE_BIT(AUTH_##x)
#define PATH_MAX_SEGMENTS 8

typedef httpResult routeHandler(httpCtx *c);

typedef struct {
    unsigned methods; /* EVHTTP_REQ_* bits */
    const char *pattern;
    routeHandler *handler;
    unsigned roles;                /* AUTH_ROLE_BIT mask; 0: public */
    const char *const *queryNames; /* the query parameters it takes; any other is a 400 */
} route;

/* Query parameters per route: a typo (or a filter we do not have, like
 * list?customer_phone=) must not be ignored into a wider answer. */
static const char *const qNone[] = {NULL};
static const char *const qStore[] = {"store_id", NULL};
static const char *const qList[] = {"store_id", "status", "date_from", "date_to",
                                    "limit",    "cursor", NULL};
static const char *const qStats[] = {"store_id", "date_from", "date_to", "bucket", NULL};
static const char *const qSearch[] = {"store_id", "q", "date_from", "date_to", "limit", NULL};
static const char *const qHistory[] = {"count", NULL};
static const char *const qStatus[] = {"status", "arrival_time", "table_number", NULL};
static const char *const qAvailability[] = {"store_id", "date", "party_size", NULL};
static const char *const qTableNumber[] = {"table_number", NULL};

/* The front desk: who takes and moves bookings ("force" is checked apart: admin and
 * store_manager). */
#define DESK_ROLES (R(ADMIN) | R(STORE_MANAGER) | R(FLOOR_MANAGER) | R(CUSTOMER_MANAGER))

#define API "/api/v1/integrations"
/* First match wins, so fixed names come before {} on the same level. */
static const route routes[] = {
    {EVHTTP_REQ_GET, "/healthz", routeHealthz, 0, qNone},
    {EVHTTP_REQ_GET, "/openapi.json", routeOpenapi, 0, qNone},
    {EVHTTP_REQ_GET, "/metrics", routeMetrics, 0, qNone},
    {EVHTTP_REQ_POST, API "/systems", routeSystemsCreate, R(ADMIN) | R(STORE_MANAGER), qNone},
    {EVHTTP_REQ_GET, API "/systems", routeSystemsList, ANY_ROLE, qStore},
    {EVHTTP_REQ_GET, API "/systems/{}", routeSystemsGet, ANY_ROLE, qNone},
    {EVHTTP_REQ_POST, API "/systems/{}/test", routeSystemsTest, R(ADMIN) | R(STORE_MANAGER), qNone},
    {EVHTTP_REQ_POST, API "/systems/{}/pull", routeSystemsPull, R(ADMIN) | R(STORE_MANAGER), qNone},
    {EVHTTP_REQ_GET, API "/stores/{}/settings", routeStoreSettingsGet, ANY_ROLE, qNone},
    {EVHTTP_REQ_PUT, API "/stores/{}/settings", routeStoreSettingsPut, R(ADMIN) | R(STORE_MANAGER),
     qNone},
    {EVHTTP_REQ_GET, API "/events", routeEvents, ANY_ROLE, qStore},
    {EVHTTP_REQ_GET, API "/sync/failures", routeSyncFailures, ANY_ROLE, qStore},
    {EVHTTP_REQ_GET, API "/availability", routeFloorAvailability, ANY_ROLE, qAvailability},
    {EVHTTP_REQ_GET, API "/reservation/list", routeReservationList, ANY_ROLE, qList},
    {EVHTTP_REQ_GET, API "/reservation/stats", routeReservationStats, ANY_ROLE, qStats},
    {EVHTTP_REQ_GET, API "/reservation/tables", routeReservationTables, ANY_ROLE, qStore},
    {EVHTTP_REQ_GET, API "/reservation/search", routeReservationSearch, ANY_ROLE, qSearch},
    {EVHTTP_REQ_POST, API "/reservation/{}/sync", routeReservationSync,
     R(ADMIN) | R(STORE_MANAGER) | R(CUSTOMER_MANAGER), qNone},
    {EVHTTP_REQ_POST, API "/reservation/{}/resync", routeReservationResync,
     R(ADMIN) | R(STORE_MANAGER) | R(CUSTOMER_MANAGER), qNone},
    {EVHTTP_REQ_GET, API "/reservation/{}", routeReservationGet, ANY_ROLE, qNone},
    {EVHTTP_REQ_PATCH, API "/reservation/{}", routeDeskPatch, DESK_ROLES, qNone},
    {EVHTTP_REQ_GET, API "/reservation/{}/history", routeReservationHistory, ANY_ROLE, qHistory},
    {EVHTTP_REQ_PUT, API "/reservation/{}/status", routeReservationStatus,
     R(ADMIN) | R(STORE_MANAGER) | R(FLOOR_MANAGER), qStatus},
    {EVHTTP_REQ_POST, API "/webhooks/reservation/{}", routeWebhookReceive, 0, qNone},
    {EVHTTP_REQ_PUT, API "/stores/{}/tables/{}", routeFloorTablePut, R(ADMIN) | R(STORE_MANAGER),
     qNone},
    {EVHTTP_REQ_DELETE, API "/stores/{}/tables/{}", routeFloorTableDelete,
     R(ADMIN) | R(STORE_MANAGER), qNone},
    {EVHTTP_REQ_POST, API "/stores/{}/reservations", routeDeskCreate, DESK_ROLES, qNone},
    {EVHTTP_REQ_POST, API "/stores/{}/waitlist", routeWaitlistAdd,
     R(ADMIN) | R(STORE_MANAGER) | R(FLOOR_MANAGER), qNone},
    {EVHTTP_REQ_GET, API "/stores/{}/waitlist", routeWaitlistList, ANY_ROLE, qNone},
    {EVHTTP_REQ_POST, API "/stores/{}/waitlist/{}/seat", routeWaitlistSeat,
     R(ADMIN) | R(STORE_MANAGER) | R(FLOOR_MANAGER), qTableNumber},
    {EVHTTP_REQ_DELETE, API "/stores/{}/waitlist/{}", routeWaitlistDelete,
     R(ADMIN) | R(STORE_MANAGER) | R(FLOOR_MANAGER), qNone},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Splits the path into decoded segments. -1 when malformed (NUL, too many). */
static int routesSplitPath(const char *path, char **segs, int max) {
    int n = 0;
    if (*path != '/') return -1;
    const char *p = path + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (n == max) goto fail;
        char *raw = strndup(p, len);
        if (!raw) goto fail;
        size_t outlen = 0;
        char *dec = evhttp_uridecode(raw, 0, &outlen);
        free(raw);
        if (!dec) goto fail;
        if (strlen(dec) != outlen) {
            free(dec);
            goto fail;
        }
        segs[n++] = dec;
        if (!slash) break;
        p = slash + 1;
    }
    return n;
fail:
    for (int i = 0; i < n; i++)
        free(segs[i]);
    return -1;
}

/* Matches decoded segments against a pattern, read in place (no copy to tokenize for
 * every route of every request); fills params on a match. */
static int routesMatch(const char *pattern, char **segs, int nsegs, char **params) {
    int i = 0, np = 0;
    for (const char *p = pattern;; i++) {
        p += strspn(p, "/");
        if (!*p) break;
        size_t n = strcspn(p, "/");
        if (i >= nsegs) return 0;
        if (n == 2 && p[0] == '{' && p[1] == '}') {
            if (segs[i][0] == '\0') return 0;
            if (params && np < HTTP_MAX_PARAMS) params[np] = segs[i];
            np++;
        } else if (strncmp(p, segs[i], n) != 0 || segs[i][n] != '\0') {
            return 0;
        }
        p += n;
    }
    return i == nsegs;
}

static httpResult routesAuthorize(httpCtx *c, const route *route) {
    server *srv = c->srv;
    const serverShared *sh = srv->shared;
    if (!sh->jwtSecret)
        return httpFail(c, HTTP_R_UNAUTHORIZED, NULL, "no JWT secret is configured");
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Authorization");
    if (!h) return httpFail(c, HTTP_R_UNAUTHORIZED, NULL, "missing Authorization: Bearer token");
    const char *why = "invalid token";
    if (authVerifyCached(c->loop->tokens, sh->jwtSecret, sh->jwtSecretLen, h, time(NULL),
                         &c->claims, &why) != 0) {
        authClaimsClear(&c->claims);
        return httpFail(c, HTTP_R_UNAUTHORIZED, NULL, "%s", why ? why : "invalid token");
    }
    c->authed = 1;
    if (!(route->roles & AUTH_ROLE_BIT(c->claims.role)))
        return httpFail(c, HTTP_R_FORBIDDEN, NULL, "role %s may not do this",
                        authRoleName(c->claims.role));
    return HTTP_R_OK;
}

httpResult routesDispatch(httpCtx *c) {
    server *srv = c->srv;
    struct evhttp_request *req = c->req;
    if (c->uri && (long)strlen(c->uri) > srv->cfg->maxUri)
        return httpFail(c, HTTP_R_URI_TOO_LONG, NULL, "the URI is longer than %ld bytes",
                        srv->cfg->maxUri);
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!path || !*path) return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no such path");

    char *segs[PATH_MAX_SEGMENTS];
    int nsegs = routesSplitPath(path, segs, PATH_MAX_SEGMENTS);
    if (nsegs < 0) return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no such path");
    const route *route = NULL;
    char allow[64] = "";
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    for (size_t i = 0; i < NROUTES; i++) {
        if (!routesMatch(routes[i].pattern, segs, nsegs, NULL)) continue;
        if (routes[i].methods & m) {
            route = &routes[i];
            break;
        }
        const char *name = httpMethodName((enum evhttp_cmd_type)routes[i].methods);
        if (!strstr(allow, name)) {
            if (*allow) strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
            strncat(allow, name, sizeof(allow) - strlen(allow) - 1);
        }
    }
    httpResult r = HTTP_R_OK;
    if (route) {
        char *params[HTTP_MAX_PARAMS] = {0};
        routesMatch(route->pattern, segs, nsegs, params);
        for (int i = 0; i < HTTP_MAX_PARAMS; i++)
            c->params[i] = params[i] ? strdup(params[i]) : NULL;
    }
    for (int i = 0; i < nsegs; i++)
        free(segs[i]);
    if (!route) {
        if (*allow) {
            evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
            return httpFail(c, HTTP_R_METHOD_NOT_ALLOWED, NULL, "method %s is not allowed here",
                            c->method);
        }
        return httpFail(c, HTTP_R_NOT_FOUND, NULL, "no such path");
    }
    if (route->roles && (r = routesAuthorize(c, route)) != HTTP_R_OK) return r;
    if ((r = httpParseQuery(c, evhttp_uri_get_query(u), route->queryNames)) != HTTP_R_OK) return r;
    return route->handler(c);
}
