#include "redis_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>

#include "log.h"

struct redisNode {
    redisNodeLoop loop;
    char *host;
    int port;
    int numeric;           /* host is an address: no lookup */
    dnsLookup *lookup;     /* the host name's lookup under way */
    redisAsyncContext *ac; /* NULL while disconnected */
    int up;                /* connect callback said OK and no disconnect since */
    int closing;
    int quiet; /* a failed attempt of this outage was logged already */
    unsigned long reconnects;
    struct event *timer; /* connect timeout while looking up or connecting, retry while down */
    redisNodeUpFn *onUp;
    void *onUpArg;
};

static void redisNodeStart(redisNode *n);

static void redisNodeArm(redisNode *n, long ms) {
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(n->timer, &tv);
}

/* hiredis frees the context after a failed connect; only forget it and retry. */
static void redisNodeOnConnect(const redisAsyncContext *ac, int status) {
    redisNode *n = ac->data;
    if (!n) return;
    evtimer_del(n->timer);
    if (status != REDIS_OK) {
        /* Once per outage, not every retry. */
        if (!n->quiet)
            logWarn("redis %s:%d connect failed: %s (retrying every %ld ms)", n->host, n->port,
                    ac->errstr, n->loop.reconnectMs);
        n->quiet = 1;
        n->ac = NULL;
        if (!n->closing) redisNodeArm(n, n->loop.reconnectMs);
        return;
    }
    n->up = 1;
    n->quiet = 0;
    if (n->numeric)
        logInfo("redis %s:%d connected", n->host, n->port);
    else
        logInfo("redis %s:%d connected (%s)", n->host, n->port, ac->c.tcp.host);
    if (n->onUp) n->onUp(n, n->onUpArg);
}

/* hiredis frees the context after this callback. */
static void redisNodeOnDisconnect(const redisAsyncContext *ac, int status) {
    redisNode *n = ac->data;
    if (!n) return;
    n->up = 0;
    n->ac = NULL;
    if (n->closing) return;
    logWarn("redis %s:%d disconnected%s%s", n->host, n->port, status == REDIS_OK ? "" : ": ",
            status == REDIS_OK ? "" : ac->errstr);
    evtimer_del(n->timer);
    redisNodeArm(n, n->loop.reconnectMs);
}

/* Fires as the connect timeout (a connect still under way is abandoned) or as the
 * reconnect delay (a new attempt starts). */
static void redisNodeOnTimer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    redisNode *n = arg;
    if (n->lookup) {
        /* The name server has not answered: the same retry as a server that does not. */
        dnsCancel(n->lookup);
        n->lookup = NULL;
        if (!n->quiet) logWarn("redis %s:%d: looking up %s timed out", n->host, n->port, n->host);
        n->quiet = 1;
        redisNodeArm(n, n->loop.reconnectMs);
        return;
    }
    if (n->ac && !n->up) {
        redisAsyncContext *ac = n->ac;
        n->ac = NULL;
        ac->data = NULL;
        if (!n->quiet) logWarn("redis %s:%d connect timed out", n->host, n->port);
        n->quiet = 1;
        redisAsyncFree(ac);
        redisNodeArm(n, n->loop.reconnectMs);
        return;
    }
    if (!n->ac) {
        n->reconnects++;
        redisNodeStart(n);
    }
}

/* Connects to addr, an address (so hiredis's own getaddrinfo() does not block); the
 * connect timeout runs already. */
static void redisNodeConnect(redisNode *n, const char *addr) {
    redisAsyncContext *ac = redisAsyncConnect(addr, n->port);
    if (!ac || ac->err) {
        if (!n->quiet)
            logWarn("redis %s:%d: %s", n->host, n->port, ac ? ac->errstr : "out of memory");
        n->quiet = 1;
        if (ac) redisAsyncFree(ac);
        redisNodeArm(n, n->loop.reconnectMs);
        return;
    }
    ac->data = n;
    n->ac = ac;
    redisLibeventAttach(ac, n->loop.base);
    redisAsyncSetConnectCallback(ac, redisNodeOnConnect);
    redisAsyncSetDisconnectCallback(ac, redisNodeOnDisconnect);
}

static void redisNodeOnResolved(const char *addr, const char *err, void *arg) {
    redisNode *n = arg;
    n->lookup = NULL;
    if (addr) {
        redisNodeConnect(n, addr);
        return;
    }
    if (!err) return; /* the loop is ending */
    if (!n->quiet)
        logWarn("redis %s:%d: cannot look up %s: %s (retrying every %ld ms)", n->host, n->port,
                n->host, err, n->loop.reconnectMs);
    n->quiet = 1;
    redisNodeArm(n, n->loop.reconnectMs);
}

static void redisNodeStart(redisNode *n) {
    redisNodeArm(n, n->loop.connectTimeoutMs);
    if (n->numeric) {
        redisNodeConnect(n, n->host);
        return;
    }
    /* The answer may come inside the call (a name of /etc/hosts): n->lookup is only
     * what is still under way after it. */
    n->lookup = dnsResolve(n->loop.dns, n->host, redisNodeOnResolved, n);
}

redisNode *redisNodeNew(const redisNodeLoop *loop, const char *host, int port, redisNodeUpFn *onUp,
                        void *arg) {
    redisNode *n = calloc(1, sizeof(*n));
    if (!n) return NULL;
    n->loop = *loop;
    n->host = strdup(host);
    n->port = port;
    n->numeric = dnsIsNumeric(host);
    n->onUp = onUp;
    n->onUpArg = arg;
    n->timer = evtimer_new(loop->base, redisNodeOnTimer, n);
    if (!n->host || !n->timer) {
        redisNodeFree(n);
        return NULL;
    }
    redisNodeStart(n);
    return n;
}

void redisNodeFree(redisNode *n) {
    if (!n) return;
    n->closing = 1;
    if (n->timer) event_free(n->timer);
    n->timer = NULL;
    dnsCancel(n->lookup);
    n->lookup = NULL;
    if (n->ac) {
        redisAsyncContext *ac = n->ac;
        n->ac = NULL;
        /* Inside a callback of this context hiredis frees it later: it must not find
         * the node then. Pending callbacks run with NULL replies, while their requests
         * still live. */
        ac->data = NULL;
        redisAsyncFree(ac);
    }
    free(n->host);
    free(n);
}

int redisNodeIsUp(const redisNode *n) {
    return n && n->up && n->ac;
}

unsigned long redisNodeReconnects(const redisNode *n) {
    return n ? n->reconnects : 0;
}

const char *redisNodeHost(const redisNode *n) {
    return n->host;
}

int redisNodePort(const redisNode *n) {
    return n->port;
}

int redisNodeSend(redisNode *n, int argc, const char **argv, const size_t *lens,
                  redisCallbackFn *fn, void *privdata) {
    if (!redisNodeIsUp(n)) return -1;
    return redisAsyncCommandArgv(n->ac, fn, privdata, argc, argv, lens) == REDIS_OK ? 0 : -1;
}
