/* The listener of one loop: evhttp and its limits, each request's entry (connection
 * bound, drain), connection counting, and the drain on SIGTERM. */
#include "listener.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>

#include "clock.h"
#include "http_pages.h"
#include "log.h"
#include "routes.h"
#include "sse.h"

/* Connection accounting. libevent 2.1 has no hook that sees a new connection:
 * evhttp_set_bevcb() runs at accept but is given neither the evhttp_connection nor a way
 * to learn of its close, and evhttp_set_newreqcb() only comes with 2.2. So a connection
 * is counted at its first request, found by a scan of at most max-connections pointers
 * on each request, and uncounted by its close callback. */
static void listenerOnConnClose(struct evhttp_connection *evcon, void *arg) {
    server *srv = arg;
    sseOnConnClose(srv->sse, evcon);
    for (int i = 0; i < srv->nconns; i++)
        if (srv->conns[i] == evcon) {
            srv->conns[i] = srv->conns[--srv->nconns];
            __atomic_sub_fetch(&srv->group->connections, 1, __ATOMIC_RELAXED);
            return;
        }
}

/* 0 when the connection is (now) counted, -1 when it would exceed the bound. */
static int listenerTrack(server *srv, struct evhttp_connection *evcon) {
    if (!evcon) return 0;
    for (int i = 0; i < srv->nconns; i++)
        if (srv->conns[i] == evcon) return 0;
    /* The bound is the process's, over every loop. */
    if (__atomic_add_fetch(&srv->group->connections, 1, __ATOMIC_RELAXED) >
        srv->cfg->maxConnections) {
        __atomic_sub_fetch(&srv->group->connections, 1, __ATOMIC_RELAXED);
        return -1;
    }
    if (srv->nconns == srv->capConns) {
        int cap = srv->capConns ? srv->capConns * 2 : 64;
        void *p = realloc(srv->conns, (size_t)cap * sizeof(*srv->conns));
        if (!p) {
            __atomic_sub_fetch(&srv->group->connections, 1, __ATOMIC_RELAXED);
            return -1;
        }
        srv->conns = p;
        srv->capConns = cap;
    }
    srv->conns[srv->nconns++] = evcon;
    evhttp_connection_set_closecb(evcon, listenerOnConnClose, srv);
    return 0;
}

static void listenerOnRequest(struct evhttp_request *req, void *arg) {
    server *srv = arg;
    httpCtx *c = httpCtxNew(req, &srv->loop, srv);
    if (!c) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    httpResult r;
    if (srv->loop.draining) {
        r = httpFail(c, HTTP_R_UNAVAILABLE, "shutting_down", "the server is shutting down");
    } else if (listenerTrack(srv, evhttp_request_get_connection(req))) {
        srv->rejectedConnections++;
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        r = httpFail(c, HTTP_R_UNAVAILABLE, "too_many_connections",
                     "more than %ld open connections", srv->cfg->maxConnections);
    } else {
        r = routesDispatch(c);
    }
    if (r != HTTP_R_PENDING) httpFinish(c, r, NULL);
}

/* The listening socket of the loop. With several loops each has its own on the same
 * port (SO_REUSEPORT), and the kernel spreads new connections over them. */
static struct evconnlistener *listenerBind(server *srv, const char *host, int port) {
    char service[16];
    struct evutil_addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
    snprintf(service, sizeof(service), "%d", port);
    if (evutil_getaddrinfo(*host ? host : NULL, service, &hints, &ai) || !ai) return NULL;
    unsigned flags = LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE;
    if (srv->group->n > 1) flags |= LEV_OPT_REUSEABLE_PORT;
    struct evconnlistener *lev = evconnlistener_new_bind(srv->base, NULL, NULL, flags, 1024,
                                                         ai->ai_addr, (int)ai->ai_addrlen);
    evutil_freeaddrinfo(ai);
    return lev;
}

int listenerStart(server *srv) {
    const sidecarConfig *cfg = srv->cfg;
    char host[256];
    int port;
    if (configSplitHostPort(cfg->listen, host, sizeof(host), &port)) {
        logError("bad --listen address %s", cfg->listen);
        return -1;
    }
    srv->http = evhttp_new(srv->base);
    if (!srv->http) return -1;
    evhttp_set_max_body_size(srv->http, cfg->maxBody);
    evhttp_set_max_headers_size(srv->http, cfg->maxHeaders);
    srv->pages = httpPagesNew(srv->http, &srv->loop, cfg->maxBody, cfg->maxHeaders);
    if (!srv->pages) return -1;
    evhttp_set_timeout(srv->http, (int)cfg->timeout);
    evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                              EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
                                              EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(srv->http, listenerOnRequest, srv);
    struct evconnlistener *lev = listenerBind(srv, host, port);
    srv->sock = lev ? evhttp_bind_listener(srv->http, lev) : NULL;
    if (!srv->sock) {
        if (lev) evconnlistener_free(lev);
        logError("cannot listen on %s", cfg->listen);
        return -1;
    }
    if (srv->index == 0)
        logInfo("listening on %s (%d worker%s)", cfg->listen, srv->group->n,
                srv->group->n == 1 ? "" : "s");
    return 0;
}

/* Connections whose replies have not all left their output buffer. Read off the
 * buffers themselves: a client that hangs up mid-reply takes its connection (and its
 * share) with it, where a counter of pending writes would never come down again. */
static int listenerUnwritten(server *srv) {
    int n = 0;
    for (int i = 0; i < srv->nconns; i++) {
        struct bufferevent *bev = evhttp_connection_get_bufferevent(srv->conns[i]);
        if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > 0) n++;
    }
    return n;
}

/* Drain: checked every 50 ms; when no request is in flight and every reply is written
 * (or the grace period is over) the loop ends and main() frees everything. */
static void listenerOnDrainTimer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *srv = arg;
    int unwritten = listenerUnwritten(srv);
    if ((srv->loop.inflight > 0 || unwritten > 0) && clockNowUs() < srv->drainDeadlineUs) return;
    if (srv->loop.inflight > 0 || unwritten > 0)
        logWarn("%d requests in flight, %d replies unwritten at the deadline", srv->loop.inflight,
                unwritten);
    /* Name lookups (a Redis node reconnecting) went on until now. libevent hands a
     * cancelled one back on a later turn of the loop, and only then frees it: one more
     * tick, bounded in case it never does. */
    if (dnsShutdown(srv->dns) > 0 && clockNowUs() < srv->drainDeadlineUs + 1000000u) return;
    event_del(srv->drainTimer);
    event_base_loopexit(srv->base, NULL);
}

void listenerShutdown(server *srv) {
    if (srv->loop.draining) return;
    srv->loop.draining = 1;
    logInfo("shutting down, %d requests in flight", srv->loop.inflight);
    syncStop(srv->sync);
    sseShutdown(srv->sse);
    if (srv->sock) evhttp_del_accept_socket(srv->http, srv->sock);
    srv->sock = NULL;
    srv->drainDeadlineUs = clockNowUs() + (uint64_t)srv->cfg->shutdownTimeout * 1000000u;
    srv->drainTimer = event_new(srv->base, -1, EV_PERSIST, listenerOnDrainTimer, srv);
    struct timeval tv = {0, 50000};
    if (!srv->drainTimer || event_add(srv->drainTimer, &tv)) event_base_loopexit(srv->base, NULL);
}
