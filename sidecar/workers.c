/* The worker loops: built one after the other on this thread (the first one's sync
 * engine runs the scheduled push and pull, the others' reach it), then run, one thread
 * each; a signal asks each loop to drain on its own thread, and the loops are freed
 * once every thread has ended. */
#include "workers.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "listener.h"
#include "log.h"

typedef struct {
    serverGroup group;
    struct event **stop; /* per loop: drain it, from any thread */
    pthread_t *threads;
} workersSet;

static void workersOnStop(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    listenerShutdown(arg);
}

static void workersOnSignal(evutil_socket_t sig, short what, void *arg) {
    (void)sig;
    (void)what;
    workersSet *ws = arg;
    for (int i = 0; i < ws->group.n; i++)
        event_active(ws->stop[i], EV_TIMEOUT, 0);
}

static void *workersThread(void *arg) {
    serverRun(arg);
    return NULL;
}

/* Frees the first n loops of ws (none runs any more). */
static void workersFree(workersSet *ws, int n) {
    for (int i = 0; i < n; i++) {
        struct event_base *base = ws->group.servers[i].base;
        if (ws->stop[i]) event_free(ws->stop[i]);
        serverFree(&ws->group.servers[i]);
        if (base) event_base_free(base);
    }
    free(ws->group.servers);
    free(ws->stop);
    free(ws->threads);
}

int workersRun(const sidecarConfig *cfg, const serverShared *shared, int n) {
    workersSet ws;
    memset(&ws, 0, sizeof(ws));
    ws.group.n = n;
    ws.group.servers = calloc((size_t)n, sizeof(*ws.group.servers));
    ws.stop = calloc((size_t)n, sizeof(*ws.stop));
    ws.threads = calloc((size_t)n, sizeof(*ws.threads));
    if (!ws.group.servers || !ws.stop || !ws.threads) {
        workersFree(&ws, 0);
        return 1;
    }
    int built = 0, rc = 0;
    for (; built < n; built++) {
        server *srv = &ws.group.servers[built];
        struct event_base *base = event_base_new();
        if (!base) break;
        if (serverInit(srv, base, cfg, shared, &ws.group, built) != 0) {
            srv->base = base; /* serverInit may have failed before keeping it */
            built++;
            rc = 1;
            break;
        }
        ws.stop[built] = event_new(base, -1, 0, workersOnStop, srv);
        if (!ws.stop[built] || listenerStart(srv) != 0) {
            built++;
            rc = 1;
            break;
        }
    }
    if (rc || built < n) {
        workersFree(&ws, built);
        return 1;
    }
    struct event_base *first = ws.group.servers[0].base;
    struct event *sigterm = evsignal_new(first, SIGTERM, workersOnSignal, &ws);
    struct event *sigint = evsignal_new(first, SIGINT, workersOnSignal, &ws);
    if (sigterm) evsignal_add(sigterm, NULL);
    if (sigint) evsignal_add(sigint, NULL);
    /* The signals are this thread's to take: the others start with them blocked. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int started = 1;
    for (; started < n; started++)
        if (pthread_create(&ws.threads[started], NULL, workersThread, &ws.group.servers[started]))
            break;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started < n) {
        logError("cannot start worker %d of %d", started + 1, n);
        workersOnSignal(0, 0, &ws);
        rc = 1;
    }
    serverRun(&ws.group.servers[0]);
    for (int i = 1; i < started; i++)
        pthread_join(ws.threads[i], NULL);
    logInfo("stopped");
    if (sigterm) event_free(sigterm);
    if (sigint) event_free(sigint);
    workersFree(&ws, n);
    return rc;
}
