/* resv-sidecar: the HTTP gateway in front of the resv Redis module.
 *   resv-sidecar [--config FILE] [--listen HOST:PORT] [--redis HOST:PORT[,...]]
 *                [--jwt-secret-file FILE] [--openapi-file FILE] [--public-url URL] ...
 *   resv-sidecar --jwt-secret-file FILE --mint-token ROLE [--token-sub S]
 *                [--token-stores a,b] [--token-ttl SECONDS]      (prints a token) */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "server.h"
#include "workers.h"

static void mainUsage(void) {
    fprintf(
        stderr,
        "usage: resv-sidecar [--config FILE] [--listen HOST:PORT] "
        "[--redis HOST:PORT[,HOST:PORT...]]\n"
        "                    [--jwt-secret-file FILE] [--openapi-file FILE] [--public-url URL]\n"
        "                    [--workers N]\n"
        "                    [--max-body BYTES] [--max-headers BYTES] [--max-uri BYTES]\n"
        "                    [--max-connections N] [--timeout SECONDS] "
        "[--shutdown-timeout SECONDS]\n"
        "                    [--provider-timeout SECONDS] [--provider-ca-file FILE]\n"
        "                    [--push-interval-ms MS] [--push-backoff-ms MS] "
        "[--push-backoff-max-ms MS]\n"
        "                    [--push-max-attempts N] [--pull-interval SECONDS] "
        "[--systems-refresh-ms MS]\n"
        "                    [--sse-max-clients N] [--sse-poll-ms MS] [--sse-heartbeat SECONDS]\n"
        "                    [--wait-replicas N] [--wait-replicas-timeout-ms MS]\n"
        "       resv-sidecar --jwt-secret-file FILE --mint-token ROLE [--token-sub SUB]\n"
        "                    [--token-stores a,b] [--token-ttl SECONDS]\n"
        "Config file: the same names without --, one \"name value\" per line, # comments.\n");
}

/* docs/openapi.json of the project the binary belongs to: sidecar/resv-sidecar or
 * build/asan/resv-sidecar, so one or two levels up. */
static char *mainDefaultOpenapi(void) {
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return NULL;
    exe[n] = '\0';
    for (int up = 1; up <= 3; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash) break;
        *slash = '\0';
        snprintf(path, sizeof(path), "%s/docs/openapi.json", exe);
        if (access(path, R_OK) == 0) return strdup(path);
    }
    return NULL;
}

static int mainMintToken(const sidecarConfig *cfg) {
    authRole role;
    if (!cfg->jwtSecretFile) {
        logError("--mint-token needs --jwt-secret-file");
        return 2;
    }
    if (authRoleParse(cfg->mintRole, &role)) {
        logError("unknown role %s", cfg->mintRole);
        return 2;
    }
    size_t len;
    unsigned char *secret = authLoadSecret(cfg->jwtSecretFile, &len);
    if (!secret) {
        logError("cannot read %s", cfg->jwtSecretFile);
        return 1;
    }
    char *stores[64], *copy = cfg->mintStores ? strdup(cfg->mintStores) : NULL, *save = NULL;
    int nstores = 0;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && nstores < 64;
         t = strtok_r(NULL, ",", &save))
        stores[nstores++] = t;
    char *token = authMint(secret, len, cfg->mintSub, role,
                           nstores ? (const char *const *)stores : NULL, nstores, cfg->mintTtl);
    free(copy);
    free(secret);
    if (!token) {
        logError("cannot mint a token");
        return 1;
    }
    printf("%s\n", token);
    free(token);
    return 0;
}

int main(int argc, char **argv) {
    sidecarConfig cfg;
    char err[512];
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            mainUsage();
            return 0;
        }
    configDefaults(&cfg);
    if (configParseArgs(&cfg, argc, argv, err, sizeof(err))) {
        logError("%s", err);
        mainUsage();
        configFree(&cfg);
        return 2;
    }
    if (cfg.mintRole) {
        int rc = mainMintToken(&cfg);
        configFree(&cfg);
        return rc;
    }
    if (!cfg.openapiFile) cfg.openapiFile = mainDefaultOpenapi();

    /* A client that goes away mid-reply must not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stderr, NULL, _IOLBF, 0);

    /* Every loop's base is made after this, so one loop may wake another (the drain
     * on SIGTERM, a snapshot for /metrics). */
    if (evthread_use_pthreads()) {
        configFree(&cfg);
        return 1;
    }
    long workers = cfg.workers;
    if (workers == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        workers = cores < 1 ? 1 : cores > 256 ? 256 : cores;
    }
    serverShared shared;
    int rc = serverSharedLoad(&shared, &cfg) != 0 ? 1 : workersRun(&cfg, &shared, (int)workers);
    serverSharedFree(&shared);
    configFree(&cfg);
    libevent_global_shutdown();
    return rc;
}
