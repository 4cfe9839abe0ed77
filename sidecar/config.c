#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OPT_STR, OPT_LONG } optType;

typedef struct {
    const char *name;
    optType type;
    size_t offset;
    long min, max;
} configOption;

#define S(n, f)                                                                                    \
    { n, OPT_STR, offsetof(sidecarConfig, f), 0, 0 }
#define L(n, f, lo, hi)                                                                            \
    { n, OPT_LONG, offsetof(sidecarConfig, f), lo, hi }
static const configOption configOptions[] = {
    S("listen", listen),
    S("redis", redis),
    S("jwt-secret-file", jwtSecretFile),
    S("openapi-file", openapiFile),
    S("public-url", publicUrl),
    L("workers", workers, 1, 256),
    L("max-body", maxBody, 1024, 1L << 30),
    L("max-headers", maxHeaders, 1024, 1L << 20),
    L("max-uri", maxUri, 256, 1L << 20),
    L("max-connections", maxConnections, 1, 1000000),
    L("timeout", timeout, 1, 3600),
    L("shutdown-timeout", shutdownTimeout, 0, 600),
    L("redis-connect-timeout-ms", redisConnectTimeoutMs, 10, 600000),
    L("redis-reconnect-ms", redisReconnectMs, 10, 600000),
    S("dns-server", dnsServer),
    L("wait-replicas", waitReplicas, 0, 16),
    L("wait-replicas-timeout-ms", waitReplicasTimeoutMs, 1, 60000),
    L("provider-timeout", providerTimeout, 1, 300),
    S("provider-ca-file", providerCaFile),
    L("push-interval-ms", pushIntervalMs, 10, 600000),
    L("push-backoff-ms", pushBackoffMs, 10, 600000),
    L("push-backoff-max-ms", pushBackoffMaxMs, 10, 3600000),
    L("push-max-attempts", pushMaxAttempts, 1, 1000),
    L("pull-interval", pullInterval, 0, 7L * 86400),
    L("systems-refresh-ms", systemsRefreshMs, 50, 600000),
    L("sse-max-clients", sseMaxClients, 0, 100000),
    L("sse-poll-ms", ssePollMs, 10, 60000),
    L("sse-heartbeat", sseHeartbeat, 1, 3600),
    S("mint-token", mintRole),
    S("token-sub", mintSub),
    S("token-stores", mintStores),
    L("token-ttl", mintTtl, 1, 10L * 365 * 86400),
};
#undef S
#undef L
#define NOPTIONS (sizeof(configOptions) / sizeof(configOptions[0]))

static int configSetStr(char **slot, const char *v) {
    char *copy = strdup(v);
    if (!copy) return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

void configDefaults(sidecarConfig *cfg) {
    memset(cfg, 0, sizeof(*cfg));
    configSetStr(&cfg->listen, "127.0.0.1:8080");
    configSetStr(&cfg->redis, "127.0.0.1:6379");
    cfg->maxBody = 1L << 20;
    cfg->maxHeaders = 16384;
    cfg->maxUri = 4096;
    cfg->maxConnections = 1024;
    cfg->timeout = 30;
    cfg->shutdownTimeout = 5;
    cfg->redisConnectTimeoutMs = 1000;
    cfg->redisReconnectMs = 500;
    cfg->waitReplicasTimeoutMs = 1000;
    cfg->providerTimeout = 5;
    cfg->pushIntervalMs = 500;
    cfg->pushBackoffMs = 500;
    cfg->pushBackoffMaxMs = 30000;
    cfg->pushMaxAttempts = 6;
    cfg->pullInterval = 300;
    cfg->systemsRefreshMs = 5000;
    cfg->sseMaxClients = 256;
    cfg->ssePollMs = 200;
    cfg->sseHeartbeat = 15;
    configSetStr(&cfg->mintSub, "operator");
    cfg->mintTtl = 3600;
}

void configFree(sidecarConfig *cfg) {
    for (size_t i = 0; i < NOPTIONS; i++)
        if (configOptions[i].type == OPT_STR) {
            char **slot = (char **)((char *)cfg + configOptions[i].offset);
            free(*slot);
            *slot = NULL;
        }
}

int configSet(sidecarConfig *cfg, const char *name, const char *value, char *err, size_t errlen) {
    for (size_t i = 0; i < NOPTIONS; i++) {
        const configOption *o = &configOptions[i];
        if (strcmp(o->name, name) != 0) continue;
        if (o->type == OPT_STR) {
            if (configSetStr((char **)((char *)cfg + o->offset), value)) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            return 0;
        }
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end != '\0' || v < o->min || v > o->max) {
            snprintf(err, errlen, "%s must be an integer from %ld to %ld", name, o->min, o->max);
            return -1;
        }
        *(long *)((char *)cfg + o->offset) = v;
        return 0;
    }
    snprintf(err, errlen, "unknown option %s", name);
    return -1;
}

static char *configTrim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
    return s;
}

int configLoadFile(sidecarConfig *cfg, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[4096], msg[256];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = configTrim(line);
        if (*s == '\0' || *s == '#') continue;
        char *sp = s + strcspn(s, " \t");
        if (*sp == '\0') {
            snprintf(err, errlen, "%s:%d: %s needs a value", path, lineno, s);
            rc = -1;
            break;
        }
        *sp = '\0';
        char *value = configTrim(sp + 1);
        /* Quotes are optional, as in redis.conf, so a value may hold spaces. */
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        if (configSet(cfg, s, value, msg, sizeof(msg))) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* "--name value" or "--name=value"; returns the option name in name and the value. */
static int configArg(int argc, char **argv, int *i, char *name, size_t namelen, const char **value,
                     char *err, size_t errlen) {
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
        snprintf(err, errlen, "unexpected argument %s", a);
        return -1;
    }
    a += 2;
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    if (n >= namelen) {
        snprintf(err, errlen, "unknown option --%s", a);
        return -1;
    }
    memcpy(name, a, n);
    name[n] = '\0';
    if (eq) {
        *value = eq + 1;
    } else {
        if (*i + 1 >= argc) {
            snprintf(err, errlen, "--%s needs a value", name);
            return -1;
        }
        *value = argv[++*i];
    }
    return 0;
}

int configParseArgs(sidecarConfig *cfg, int argc, char **argv, char *err, size_t errlen) {
    char name[64];
    const char *value;
    for (int i = 1; i < argc; i++) {
        if (configArg(argc, argv, &i, name, sizeof(name), &value, err, errlen)) return -1;
        if (strcmp(name, "config") == 0 && configLoadFile(cfg, value, err, errlen)) return -1;
    }
    for (int i = 1; i < argc; i++) {
        if (configArg(argc, argv, &i, name, sizeof(name), &value, err, errlen)) return -1;
        if (strcmp(name, "config") == 0) continue;
        char msg[256];
        if (configSet(cfg, name, value, msg, sizeof(msg))) {
            snprintf(err, errlen, "--%s: %s", name, msg);
            return -1;
        }
    }
    return 0;
}

int configSplitHostPort(const char *s, char *host, size_t hostlen, int *port) {
    const char *colon, *h = s;
    size_t hl;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') return -1;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return -1;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen) return -1;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end != '\0' || p < 0 || p > 65535) return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (int)p;
    return 0;
}
