/* Redis Cluster routing, pure (see cluster_slots.h). */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "cluster_slots.h"
#include "resv_keys.h"

uint16_t clusterCrc16(const char *buf, size_t len) {
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

int clusterKeySlot(const char *key, size_t len) {
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t from = (size_t)(open - key) + 1;
        const char *close = memchr(key + from, '}', len - from);
        /* "{}" is no tag: the whole key is hashed, so "{}a" and "{}b" spread. */
        if (close && close > key + from)
            return clusterCrc16(key + from, (size_t)(close - key) - from) &
                   (CLUSTER_SLOT_COUNT - 1);
    }
    return clusterCrc16(key, len) & (CLUSTER_SLOT_COUNT - 1);
}

void clusterSlotMapInit(clusterSlotMap *m) {
    m->count = 0;
    for (int i = 0; i < CLUSTER_SLOT_COUNT; i++)
        m->slot[i] = -1;
}

static int slotMapFind(const clusterSlotMap *m, const char *host, size_t hostlen, int port) {
    for (int i = 0; i < m->count; i++)
        if (m->nodes[i].port == port && strlen(m->nodes[i].host) == hostlen &&
            memcmp(m->nodes[i].host, host, hostlen) == 0)
            return i;
    return -1;
}

int clusterSlotMapAssign(clusterSlotMap *m, int first, int last, const char *host, size_t hostlen,
                         int port) {
    if (first < 0 || last < first || last >= CLUSTER_SLOT_COUNT) return -1;
    if (port <= 0 || port > 65535 || hostlen >= CLUSTER_HOST_MAX || memchr(host, '\0', hostlen))
        return -1;
    int n = slotMapFind(m, host, hostlen, port);
    if (n < 0) {
        if (m->count == CLUSTER_NODES_MAX) return -1;
        n = m->count++;
        memcpy(m->nodes[n].host, host, hostlen);
        m->nodes[n].host[hostlen] = '\0';
        m->nodes[n].port = port;
    }
    for (int s = first; s <= last; s++)
        m->slot[s] = (int16_t)n;
    return n;
}

int clusterSlotMapNodeOf(const clusterSlotMap *m, int slot) {
    if (slot < 0 || slot >= CLUSTER_SLOT_COUNT) return -1;
    return m->slot[slot];
}

const clusterNode *clusterSlotMapNodeForKey(const clusterSlotMap *m, const char *key, size_t len) {
    int n = clusterSlotMapNodeOf(m, clusterKeySlot(key, len));
    return n < 0 ? NULL : &m->nodes[n];
}

int clusterSlotMapComplete(const clusterSlotMap *m) {
    for (int i = 0; i < CLUSTER_SLOT_COUNT; i++)
        if (m->slot[i] < 0) return 0;
    return 1;
}

/* The value of the line "key:value" of an INFO-style text (up to its \r or \n), its
 * length in *vlen; NULL when no line starts with key. */
static const char *clusterInfoField(const char *info, size_t len, const char *key, size_t *vlen) {
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl <= len; i++) {
        if ((i == 0 || info[i - 1] == '\n') && memcmp(info + i, key, kl) == 0) {
            size_t e = i + kl;
            while (e < len && info[e] != '\r' && info[e] != '\n')
                e++;
            *vlen = e - i - kl;
            return info + i + kl;
        }
    }
    return NULL;
}

int clusterInfoEnabled(const char *info, size_t len) {
    size_t vl;
    const char *v = clusterInfoField(info, len, "cluster_enabled:", &vl);
    return !v || vl == 0 ? -1 : v[0] == '1' ? 1 : v[0] == '0' ? 0 : -1;
}

int clusterInfoStateOk(const char *info, size_t len) {
    size_t vl;
    const char *v = clusterInfoField(info, len, "cluster_state:", &vl);
    return !v || vl == 0 ? -1 : vl == 2 && memcmp(v, "ok", 2) == 0;
}

/* A decimal in [0, max] spanning exactly p..end. */
static int parseBounded(const char *p, const char *end, long max, long *out) {
    long v = 0;
    if (p == end || end - p > 10) return -1;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    if (v > max) return -1;
    *out = v;
    return 0;
}

int clusterParseRedirect(const char *err, size_t len, clusterRedirect *out) {
    const char *end = err + len, *p;
    if (len > 6 && memcmp(err, "MOVED ", 6) == 0) {
        out->kind = CLUSTER_REDIR_MOVED;
        p = err + 6;
    } else if (len > 4 && memcmp(err, "ASK ", 4) == 0) {
        out->kind = CLUSTER_REDIR_ASK;
        p = err + 4;
    } else {
        return -1;
    }
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    long slot, port;
    if (!sp || parseBounded(p, sp, CLUSTER_SLOT_COUNT - 1, &slot)) return -1;
    const char *addr = sp + 1, *colon = NULL;
    for (const char *q = addr; q < end; q++)
        if (*q == ':') colon = q;
    if (!colon || parseBounded(colon + 1, end, 65535, &port) || port == 0) return -1;
    size_t hostlen = (size_t)(colon - addr);
    if (hostlen >= CLUSTER_HOST_MAX || memchr(addr, ' ', hostlen) || memchr(addr, '\0', hostlen))
        return -1;
    out->slot = (int)slot;
    memcpy(out->host, addr, hostlen);
    out->host[hostlen] = '\0';
    out->port = (int)port;
    return 0;
}

/* The error's code: its first word, which is how Redis names the kind of error. */
static int retryCodeIs(const char *err, size_t len, const char *code) {
    size_t n = strlen(code);
    return len >= n && memcmp(err, code, n) == 0 && (len == n || err[n] == ' ');
}

static long retryBackoff(int backoffs) {
    long wait = CLUSTER_BACKOFF_FIRST_MS;
    for (int i = 0; i < backoffs && wait < CLUSTER_BACKOFF_MAX_MS; i++)
        wait *= 2;
    return wait < CLUSTER_BACKOFF_MAX_MS ? wait : CLUSTER_BACKOFF_MAX_MS;
}

clusterRetryDecision clusterRetryDecide(const char *err, size_t len, clusterRetryState *st,
                                        long remaining_ms) {
    clusterRetryDecision d = {.action = CLUSTER_RETRY_DONE};
    int moved = err && retryCodeIs(err, len, "MOVED"), ask = err && retryCodeIs(err, len, "ASK");
    if (moved || ask) {
        if (clusterParseRedirect(err, len, &d.target) || st->redirects >= CLUSTER_REDIRECTS_MAX) {
            d.action = CLUSTER_RETRY_FAIL;
            return d;
        }
        st->redirects++;
        d.action = moved ? CLUSTER_RETRY_MOVED : CLUSTER_RETRY_ASK;
        /* ASK is about one key in a slot being moved: the map itself is still right. */
        d.refresh = moved;
        return d;
    }
    int down = err && retryCodeIs(err, len, "CLUSTERDOWN");
    if (err && !down && !retryCodeIs(err, len, "TRYAGAIN")) return d;
    /* A lost connection or a down cluster may be a failover: the map will change. */
    d.refresh = !err || down;
    d.wait_ms = retryBackoff(st->backoffs);
    if (d.wait_ms >= remaining_ms) {
        d.action = CLUSTER_RETRY_FAIL;
        return d;
    }
    st->backoffs = st->backoffs < INT_MAX ? st->backoffs + 1 : st->backoffs;
    d.action = CLUSTER_RETRY_BACKOFF;
    return d;
}

/* The module's commands declared "write" (module/resv_cmdinfo.c) but RESV.OWNER: the
 * sidecar sends it as a lookup (GET /reservation/{id}), and its CLAIM and RELEASE are
 * steps of redis_conn.c's own. A name missing here only means --wait-replicas does not
 * wait for it. */
static const char *const clusterWrites[] = {
    "RESV.UPSERT",        "RESV.STATUS",     "RESV.DEL",        "RESV.PUSHED",
    "RESV.RESYNC",        "RESV.DISOWN",     "RESV.LEASE",      "RESV.STORE.SET",
    "RESV.SYSTEM.CREATE", "RESV.SYSTEM.SET", "RESV.SYSTEM.DEL", "RESV.TABLE.SET",
    "RESV.TABLE.DEL",     "RESV.WAIT.ADD",   "RESV.WAIT.SEAT",  "RESV.WAIT.DEL",
};

clusterCommandRoute clusterCommandRouteOf(const char *name, const char *key, size_t keylen) {
    clusterCommandRoute r = {-1, 0, 0, 0};
    static const char sys[] = "RESV.SYSTEM.";
    if (strncasecmp(name, sys, sizeof(sys) - 1) == 0)
        r.slot = clusterKeySlot(RESV_SYS_TAG, sizeof(RESV_SYS_TAG) - 1);
    else if (key)
        r.slot = clusterKeySlot(key, keylen);
    for (size_t i = 0; i < sizeof(clusterWrites) / sizeof(clusterWrites[0]); i++)
        if (strcasecmp(name, clusterWrites[i]) == 0) r.write = 1;
    r.claimOwner = strcasecmp(name, "RESV.UPSERT") == 0;
    r.releaseOwner = strcasecmp(name, "RESV.DEL") == 0;
    return r;
}
