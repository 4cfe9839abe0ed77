#include "dns.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "log.h"

struct dnsLookup {
    dnsResolver *d;
    struct evdns_getaddrinfo_request *req;
    dnsResolvedFn *fn; /* NULL once cancelled */
    void *arg;
    int starting; /* inside evdns_getaddrinfo(), which may answer at once */
    int done;     /* answered inside it */
    LIST_ENTRY(dnsLookup) link;
};

struct dnsResolver {
    struct event_base *base;
    struct evdns_base *evdns; /* made at the first name */
    char *server;
    int closing;
    LIST_HEAD(, dnsLookup) lookups; /* libevent owes each an answer */
};

/* evdns writes its own warnings (a name server that stopped answering) through this,
 * so they are log lines like every other. */
static void dnsOnLog(int isWarning, const char *msg) {
    if (isWarning) logWarn("dns: %s", msg);
}

dnsResolver *dnsNew(struct event_base *base, const char *server) {
    struct sockaddr_storage ss;
    int len = (int)sizeof(ss);
    if (server && evutil_parse_sockaddr_port(server, (struct sockaddr *)&ss, &len) != 0) {
        logError("bad dns-server %s: an IP address with an optional port (127.0.0.1:53, "
                 "[::1]:53)",
                 server);
        return NULL;
    }
    dnsResolver *d = calloc(1, sizeof(*d));
    if (!d) return NULL;
    d->base = base;
    LIST_INIT(&d->lookups);
    if (server && !(d->server = strdup(server))) {
        free(d);
        return NULL;
    }
    evdns_set_log_fn(dnsOnLog);
    return d;
}

struct evdns_base *dnsBase(dnsResolver *d) {
    if (d->evdns) return d->evdns;
    d->evdns = evdns_base_new(d->base, d->server ? 0 : EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (!d->evdns) return NULL;
    /* With the A answer in, evdns waits this long for the AAAA one (3 s by default, more
     * than the Redis connect timeout): a name server that drops AAAA queries would make
     * every connect time out. A working one answers both within milliseconds. */
    int bad = evdns_base_set_option(d->evdns, "getaddrinfo-allow-skew:", "0.25") != 0;
    if (d->server)
        bad = bad || evdns_base_nameserver_ip_add(d->evdns, d->server) != 0 ||
              evdns_base_load_hosts(d->evdns, NULL) != 0;
    if (bad) {
        evdns_base_free(d->evdns, 0);
        d->evdns = NULL;
    }
    return d->evdns;
}

int dnsIsNumeric(const char *host) {
    unsigned char buf[16];
    return evutil_inet_pton(AF_INET, host, buf) == 1 || evutil_inet_pton(AF_INET6, host, buf) == 1;
}

/* The first IPv4 address of ai, else its first IPv6 one, into buf; 0, or -1 for none. */
static int dnsPick(const struct evutil_addrinfo *ai, char *buf, size_t len) {
    for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0)
        for (const struct evutil_addrinfo *p = ai; p; p = p->ai_next) {
            if (p->ai_family != family) continue;
            const void *a = family == AF_INET
                                ? (const void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr
                                : (const void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;
            if (evutil_inet_ntop(family, a, buf, len)) return 0;
        }
    return -1;
}

static void dnsOnAnswer(int err, struct evutil_addrinfo *ai, void *arg) {
    dnsLookup *l = arg;
    char addr[64];
    int found = err == 0 && dnsPick(ai, addr, sizeof(addr)) == 0;
    if (ai) evutil_freeaddrinfo(ai);
    if (l->fn)
        l->fn(found ? addr : NULL,
              found ? NULL
              : err ? evutil_gai_strerror(err)
                    : "no IPv4 or IPv6 address",
              l->arg);
    if (l->starting) {
        l->done = 1;
        return;
    }
    LIST_REMOVE(l, link);
    free(l);
}

dnsLookup *dnsResolve(dnsResolver *d, const char *host, dnsResolvedFn *fn, void *arg) {
    struct evdns_base *evdns = d->closing ? NULL : dnsBase(d);
    dnsLookup *l = evdns ? calloc(1, sizeof(*l)) : NULL;
    if (!l) {
        fn(NULL,
           d->closing ? NULL
           : evdns    ? "out of memory"
                      : "cannot start the DNS resolver",
           arg);
        return NULL;
    }
    struct evutil_addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    l->d = d;
    l->fn = fn;
    l->arg = arg;
    l->starting = 1;
    l->req = evdns_getaddrinfo(evdns, host, NULL, &hints, dnsOnAnswer, l);
    l->starting = 0;
    if (l->done || !l->req) {
        /* Answered at once: fn ran. */
        free(l);
        return NULL;
    }
    LIST_INSERT_HEAD(&d->lookups, l, link);
    return l;
}

void dnsCancel(dnsLookup *l) {
    if (!l || !l->fn) return;
    /* libevent answers a cancelled lookup on a later turn of the loop (EVUTIL_EAI_CANCEL),
     * and only then frees its share: l waits for it, without a callback. */
    l->fn = NULL;
    evdns_getaddrinfo_cancel(l->req);
}

int dnsShutdown(dnsResolver *d) {
    if (!d) return 0;
    d->closing = 1;
    for (;;) {
        dnsLookup *l;
        LIST_FOREACH(l, &d->lookups, link)
        if (l->fn) break;
        if (!l) break;
        /* Each callback may cancel other lookups: look for the next one afresh. */
        dnsResolvedFn *fn = l->fn;
        void *arg = l->arg;
        dnsCancel(l);
        fn(NULL, NULL, arg);
    }
    int n = 0;
    dnsLookup *l;
    LIST_FOREACH(l, &d->lookups, link)
    n++;
    return n;
}

void dnsFree(dnsResolver *d) {
    if (!d) return;
    /* The loop no longer runs: libevent will not answer these, nor free its share. */
    while (!LIST_EMPTY(&d->lookups)) {
        dnsLookup *l = LIST_FIRST(&d->lookups);
        if (l->fn) evdns_getaddrinfo_cancel(l->req);
        LIST_REMOVE(l, link);
        free(l);
    }
    if (d->evdns) evdns_base_free(d->evdns, 0);
    free(d->server);
    free(d);
}
