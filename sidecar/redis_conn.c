#include "redis_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>

#include "log.h"

struct redisConn {
    struct event_base *base;
    char *host;
    int port;
    long connectTimeoutMs, reconnectMs;
    redisAsyncContext *ac; /* NULL while disconnected */
    int up;                /* connect callback said OK and no disconnect since */
    int closing;
    int quiet; /* a failed attempt of this outage was logged already */
    unsigned long reconnects;
    struct event *timer; /* connect timeout while connecting, retry while down */
};

static void redisConnStart(redisConn *rc);

static void redisConnArm(redisConn *rc, long ms) {
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(rc->timer, &tv);
}

/* hiredis frees the context after a failed connect; only forget it and retry. */
static void redisConnOnConnect(const redisAsyncContext *ac, int status) {
    redisConn *rc = ac->data;
    if (!rc) return;
    evtimer_del(rc->timer);
    if (status != REDIS_OK) {
        /* Once per outage, not every retry. */
        if (!rc->quiet)
            logWarn("redis %s:%d connect failed: %s (retrying every %ld ms)", rc->host, rc->port,
                    ac->errstr, rc->reconnectMs);
        rc->quiet = 1;
        rc->ac = NULL;
        if (!rc->closing) redisConnArm(rc, rc->reconnectMs);
        return;
    }
    rc->up = 1;
    rc->quiet = 0;
    logInfo("redis %s:%d connected", rc->host, rc->port);
}

/* hiredis frees the context after this callback. */
static void redisConnOnDisconnect(const redisAsyncContext *ac, int status) {
    redisConn *rc = ac->data;
    if (!rc) return;
    rc->up = 0;
    rc->ac = NULL;
    if (rc->closing) return;
    logWarn("redis %s:%d disconnected%s%s", rc->host, rc->port, status == REDIS_OK ? "" : ": ",
            status == REDIS_OK ? "" : ac->errstr);
    evtimer_del(rc->timer);
    redisConnArm(rc, rc->reconnectMs);
}

/* Fires as the connect timeout (a connect still under way is abandoned) or as the
 * reconnect delay (a new attempt starts). */
static void redisConnOnTimer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    redisConn *rc = arg;
    if (rc->ac && !rc->up) {
        redisAsyncContext *ac = rc->ac;
        rc->ac = NULL;
        ac->data = NULL;
        if (!rc->quiet) logWarn("redis %s:%d connect timed out", rc->host, rc->port);
        rc->quiet = 1;
        redisAsyncFree(ac);
        redisConnArm(rc, rc->reconnectMs);
        return;
    }
    if (!rc->ac) {
        rc->reconnects++;
        redisConnStart(rc);
    }
}

static void redisConnStart(redisConn *rc) {
    /* With a numeric address (the default) connect() does not block the loop; a host
     * name would be resolved synchronously by hiredis. */
    redisAsyncContext *ac = redisAsyncConnect(rc->host, rc->port);
    if (!ac || ac->err) {
        if (!rc->quiet)
            logWarn("redis %s:%d: %s", rc->host, rc->port, ac ? ac->errstr : "out of memory");
        rc->quiet = 1;
        if (ac) redisAsyncFree(ac);
        redisConnArm(rc, rc->reconnectMs);
        return;
    }
    ac->data = rc;
    rc->ac = ac;
    redisLibeventAttach(ac, rc->base);
    redisAsyncSetConnectCallback(ac, redisConnOnConnect);
    redisAsyncSetDisconnectCallback(ac, redisConnOnDisconnect);
    redisConnArm(rc, rc->connectTimeoutMs);
}

redisConn *redisConnNew(struct event_base *base, const char *host, int port, long connectTimeoutMs,
                        long reconnectMs) {
    redisConn *rc = calloc(1, sizeof(*rc));
    if (!rc) return NULL;
    rc->base = base;
    rc->host = strdup(host);
    rc->port = port;
    rc->connectTimeoutMs = connectTimeoutMs;
    rc->reconnectMs = reconnectMs;
    rc->timer = evtimer_new(base, redisConnOnTimer, rc);
    if (!rc->host || !rc->timer) {
        redisConnFree(rc);
        return NULL;
    }
    redisConnStart(rc);
    return rc;
}

void redisConnFree(redisConn *rc) {
    if (!rc) return;
    rc->closing = 1;
    if (rc->timer) event_free(rc->timer);
    rc->timer = NULL;
    if (rc->ac) {
        redisAsyncContext *ac = rc->ac;
        rc->ac = NULL;
        /* Pending callbacks run now with NULL replies, while their requests still live. */
        redisAsyncFree(ac);
    }
    free(rc->host);
    free(rc);
}

int redisConnIsUp(const redisConn *rc) {
    return rc && rc->up && rc->ac;
}

unsigned long redisConnReconnects(const redisConn *rc) {
    return rc ? rc->reconnects : 0;
}

void redisCmdInit(redisCmd *cmd, const char *name) {
    memset(cmd, 0, sizeof(*cmd));
    cmd->key = -1;
    redisCmdPushStr(cmd, name);
}

static int redisCmdGrow(redisCmd *cmd, size_t len) {
    if (cmd->argc == cmd->cap) {
        int cap = cmd->cap ? cmd->cap * 2 : 16;
        size_t *offs = realloc(cmd->offs, (size_t)cap * sizeof(*offs));
        if (!offs) return -1;
        cmd->offs = offs;
        size_t *lens = realloc(cmd->lens, (size_t)cap * sizeof(*lens));
        if (!lens) return -1;
        cmd->lens = lens;
        cmd->cap = cap;
    }
    if (cmd->size - cmd->used < len + 1) {
        size_t size = cmd->size ? cmd->size : 256;
        while (size - cmd->used < len + 1)
            size *= 2;
        char *buf = realloc(cmd->buf, size);
        if (!buf) return -1;
        cmd->buf = buf;
        cmd->size = size;
    }
    return 0;
}

void redisCmdPush(redisCmd *cmd, const char *s, size_t len) {
    if (cmd->oom || redisCmdGrow(cmd, len)) {
        cmd->oom = 1;
        return;
    }
    if (len) memcpy(cmd->buf + cmd->used, s, len);
    cmd->buf[cmd->used + len] = '\0';
    cmd->offs[cmd->argc] = cmd->used;
    cmd->lens[cmd->argc++] = len;
    cmd->used += len + 1;
}

void redisCmdPushStr(redisCmd *cmd, const char *s) {
    redisCmdPush(cmd, s, strlen(s));
}

void redisCmdPushInt(redisCmd *cmd, long long v) {
    char digits[24], *p = digits + sizeof(digits);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    redisCmdPush(cmd, p, (size_t)(digits + sizeof(digits) - p));
}

void redisCmdPushKey(redisCmd *cmd, const char *key) {
    if (cmd->key < 0) cmd->key = cmd->argc;
    redisCmdPushStr(cmd, key);
}

const char *redisCmdArg(const redisCmd *cmd, int i, size_t *len) {
    if (len) *len = cmd->lens[i];
    return cmd->buf + cmd->offs[i];
}

void redisCmdFree(redisCmd *cmd) {
    free(cmd->offs);
    free(cmd->lens);
    free(cmd->buf);
    memset(cmd, 0, sizeof(*cmd));
    cmd->key = -1;
}

#define REDIS_CMD_STACK_ARGS 64

int redisConnSend(redisConn *rc, redisCmd *cmd, redisCallbackFn *fn, void *privdata) {
    int res = REDIS_CONN_OOM;
    const char *stackv[REDIS_CMD_STACK_ARGS];
    const char **argv =
        cmd->argc <= REDIS_CMD_STACK_ARGS ? stackv : malloc((size_t)cmd->argc * sizeof(*argv));
    if (!cmd->oom && argv) {
        for (int i = 0; i < cmd->argc; i++)
            argv[i] = cmd->buf + cmd->offs[i];
        /* One connection serves every key for now; cmd->key is where a cluster router
         * would choose the node. */
        res = redisConnIsUp(rc) && redisAsyncCommandArgv(rc->ac, fn, privdata, cmd->argc, argv,
                                                         cmd->lens) == REDIS_OK
                  ? 0
                  : REDIS_CONN_DOWN;
    }
    if (argv != stackv) free(argv);
    redisCmdFree(cmd);
    return res;
}
