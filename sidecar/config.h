/* Sidecar options: one table shared by the command line (--name value) and the config
 * file ("name value" lines, # comments, like redis.conf), so both always accept the
 * same names. */
#ifndef SIDECAR_CONFIG_H
#define SIDECAR_CONFIG_H

#include <stddef.h>

typedef struct {
    char *listen;         /* HOST:PORT */
    char *redis;          /* HOST:PORT[,HOST:PORT...] */
    char *jwtSecretFile;  /* HS256 secret for Bearer tokens */
    char *openapiFile;    /* served at GET /openapi.json */
    char *publicUrl;      /* base of the webhook_url shown for systems */
    long workers;         /* event loops (threads) serving the port; 0: one per core */
    long maxBody;         /* bytes of a request body (413 above) */
    long maxHeaders;      /* bytes of request line and headers */
    long maxUri;          /* bytes of the request URI (414 above) */
    long maxConnections;  /* open client connections (503 above) */
    long timeout;         /* seconds of read/write inactivity before a connection closes */
    long shutdownTimeout; /* seconds in-flight requests get after SIGTERM */
    long redisConnectTimeoutMs;
    long redisReconnectMs;
    char *dnsServer;   /* IP[:PORT] asked for host names instead of resolv.conf's servers */
    long waitReplicas; /* a write answers 2xx once WAIT says this many replicas have it */
    long waitReplicasTimeoutMs; /* WAIT's timeout */
    /* The provider (docs/provider.md) and two-way sync. */
    long providerTimeout;  /* seconds per provider request */
    char *providerCaFile;  /* PEM CA bundle instead of the system store */
    long pushIntervalMs;   /* how often each store's outbox is polled */
    long pushBackoffMs;    /* first retry delay, doubling */
    long pushBackoffMaxMs; /* cap of the retry delay */
    long pushMaxAttempts;  /* attempts of one change before it is reported FAILED */
    long pullInterval;     /* seconds between scheduled pulls; 0: none */
    long systemsRefreshMs; /* how often the active systems are re-read */
    /* Server-Sent Events. */
    long sseMaxClients;
    long ssePollMs;
    long sseHeartbeat; /* seconds between keep-alive comments */
    /* --mint-token ROLE: print a token and exit (tests and operators). */
    char *mintRole;
    char *mintSub;
    char *mintStores; /* comma-separated, empty: all stores */
    long mintTtl;
} sidecarConfig;

void configDefaults(sidecarConfig *cfg);
void configFree(sidecarConfig *cfg);
/* Sets one option by name (without the leading --). 0 ok; -1 with a message in err. */
int configSet(sidecarConfig *cfg, const char *name, const char *value, char *err, size_t errlen);
/* Reads a config file. 0 ok; -1 with "file:line: message" in err. */
int configLoadFile(sidecarConfig *cfg, const char *path, char *err, size_t errlen);
/* Walks argv: --config FILE is applied first, then every other option in order, so the
 * command line wins over the file. 0 ok; -1 with a message in err. */
int configParseArgs(sidecarConfig *cfg, int argc, char **argv, char *err, size_t errlen);
/* Splits HOST:PORT (the host may be [v6]). 0 ok, -1 when malformed. */
int configSplitHostPort(const char *s, char *host, size_t hostlen, int *port);

#endif
