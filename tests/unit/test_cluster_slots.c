/* Unit tests of sidecar/cluster_slots.c and cluster_slots_reply.c (cluster routing).
 * The expected slots were asked of redis-server 7.0.15 itself (CLUSTER KEYSLOT on a
 * cluster-enabled node), the CRC16 value is the XMODEM check value of "123456789". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <hiredis/hiredis.h>

#include "cluster_slots.h"
#include "cluster_slots_reply.h"

static int slotOf(const char *key) {
    return clusterKeySlot(key, strlen(key));
}

static void test_crc16(void **state) {
    (void)state;
    assert_int_equal(clusterCrc16("123456789", 9), 0x31C3);
    assert_int_equal(clusterCrc16("", 0), 0);
    /* A byte over 0x7f must not be sign-extended into the high byte. */
    assert_int_not_equal(clusterCrc16("\xe6", 1), clusterCrc16("\x66", 1));
}

static void test_key_slot(void **state) {
    (void)state;
    assert_int_equal(slotOf("123456789"), 12739);
    assert_int_equal(slotOf("foo"), 12182);
    assert_int_equal(slotOf("bar"), 5061);
    assert_int_equal(slotOf(""), 0);
    assert_int_equal(slotOf("{user1000}.following"), 3443);
    assert_int_equal(slotOf("{user1000}.followers"), 3443);
    /* Our own keys: a store's keys share the store's slot; systems share {sys}'s. */
    assert_int_equal(slotOf("resv:{store-001}:days"), 7376);
    assert_int_equal(slotOf("store-001"), 7376);
    assert_int_equal(slotOf("resv:{sys}:all"), 15725);
    assert_int_equal(slotOf("sys"), 15725);
}

static void test_key_slot_tag_edges(void **state) {
    (void)state;
    /* Empty tag: the whole key. */
    assert_int_equal(slotOf("{}"), 15257);
    assert_int_equal(slotOf("foo{}{bar}"), 8363);
    /* The first '{' and the first '}' after it: the tag is "{bar". */
    assert_int_equal(slotOf("foo{{bar}}zap"), 4015);
    assert_int_equal(slotOf("foo{{bar}}zap"), slotOf("{bar"));
    /* Only the first tag counts. */
    assert_int_equal(slotOf("foo{bar}{zap}"), 5061);
    /* No closing brace: the whole key. */
    assert_int_equal(slotOf("{"), 4092);
    assert_int_equal(slotOf("a{b"), 13340);
    assert_int_equal(slotOf("}"), 12090);
    /* Bytes after a NUL are part of the key (lengths, not C strings). */
    assert_int_not_equal(clusterKeySlot("a\0b", 3), clusterKeySlot("a", 1));
    assert_int_equal(clusterKeySlot("x{a\0b}y", 7), clusterKeySlot("a\0b", 3));
}

static void test_map(void **state) {
    (void)state;
    static clusterSlotMap m;
    clusterSlotMapInit(&m);
    assert_int_equal(m.count, 0);
    assert_int_equal(clusterSlotMapNodeOf(&m, 0), -1);
    assert_null(clusterSlotMapNodeForKey(&m, "foo", 3));
    assert_false(clusterSlotMapComplete(&m));

    assert_int_equal(clusterSlotMapAssign(&m, 0, 5460, "127.0.0.1", 9, 7000), 0);
    assert_int_equal(clusterSlotMapAssign(&m, 5461, 10922, "127.0.0.1", 9, 7001), 1);
    assert_false(clusterSlotMapComplete(&m));
    assert_int_equal(clusterSlotMapAssign(&m, 10923, 16383, "127.0.0.1", 9, 7002), 2);
    assert_true(clusterSlotMapComplete(&m));
    /* The same node again is found, not added. */
    assert_int_equal(clusterSlotMapAssign(&m, 100, 100, "127.0.0.1", 9, 7001), 1);
    assert_int_equal(m.count, 3);
    assert_int_equal(clusterSlotMapNodeOf(&m, 100), 1);
    assert_int_equal(clusterSlotMapNodeOf(&m, 99), 0);
    assert_int_equal(clusterSlotMapNodeOf(&m, 16383), 2);
    assert_int_equal(clusterSlotMapNodeOf(&m, 16384), -1);
    assert_int_equal(clusterSlotMapNodeOf(&m, -1), -1);

    const clusterNode *n = clusterSlotMapNodeForKey(&m, "foo", 3); /* 12182 */
    assert_non_null(n);
    assert_string_equal(n->host, "127.0.0.1");
    assert_int_equal(n->port, 7002);
    n = clusterSlotMapNodeForKey(&m, "{user1000}.x", 12); /* 3443 */
    assert_int_equal(n->port, 7000);
}

static void test_map_refuses(void **state) {
    (void)state;
    static clusterSlotMap m;
    clusterSlotMapInit(&m);
    assert_int_equal(clusterSlotMapAssign(&m, 10, 9, "h", 1, 1), -1);
    assert_int_equal(clusterSlotMapAssign(&m, -1, 9, "h", 1, 1), -1);
    assert_int_equal(clusterSlotMapAssign(&m, 0, 16384, "h", 1, 1), -1);
    assert_int_equal(clusterSlotMapAssign(&m, 0, 1, "h", 1, 0), -1);
    assert_int_equal(clusterSlotMapAssign(&m, 0, 1, "h", 1, 65536), -1);
    assert_int_equal(clusterSlotMapAssign(&m, 0, 1, "h\0x", 3, 1), -1);
    char big[CLUSTER_HOST_MAX + 1];
    memset(big, 'a', sizeof big);
    assert_int_equal(clusterSlotMapAssign(&m, 0, 1, big, CLUSTER_HOST_MAX, 1), -1);
    assert_int_equal(m.count, 0);
    assert_int_equal(clusterSlotMapNodeOf(&m, 0), -1);

    for (int i = 0; i < CLUSTER_NODES_MAX; i++)
        assert_int_equal(clusterSlotMapAssign(&m, i, i, "h", 1, 1000 + i), i);
    assert_int_equal(clusterSlotMapAssign(&m, 100, 100, "h", 1, 9999), -1);
    assert_int_equal(clusterSlotMapNodeOf(&m, 100), -1);
    assert_int_equal(m.count, CLUSTER_NODES_MAX);
}

static int redirect(const char *s, clusterRedirect *r) {
    return clusterParseRedirect(s, strlen(s), r);
}

static void test_parse_redirect(void **state) {
    (void)state;
    clusterRedirect r;
    assert_int_equal(redirect("MOVED 3999 127.0.0.1:6381", &r), 0);
    assert_int_equal(r.kind, CLUSTER_REDIR_MOVED);
    assert_int_equal(r.slot, 3999);
    assert_string_equal(r.host, "127.0.0.1");
    assert_int_equal(r.port, 6381);

    assert_int_equal(redirect("ASK 16383 ::1:30001", &r), 0);
    assert_int_equal(r.kind, CLUSTER_REDIR_ASK);
    assert_int_equal(r.slot, 16383);
    assert_string_equal(r.host, "::1");
    assert_int_equal(r.port, 30001);

    /* Redis 7 sends an empty host when the node has no known endpoint. */
    assert_int_equal(redirect("MOVED 0 :7000", &r), 0);
    assert_string_equal(r.host, "");
    assert_int_equal(r.port, 7000);

    const char *bad[] = {"MOVED",
                         "MOVED ",
                         "MOVED 3999",
                         "MOVED 3999 ",
                         "MOVED 16384 h:1",
                         "MOVED -1 h:1",
                         "MOVED x h:1",
                         "MOVED 1 h",
                         "MOVED 1 h:",
                         "MOVED 1 h:0",
                         "MOVED 1 h:65536",
                         "MOVED 1 h:12a",
                         "MOVED 1 h x:1",
                         "moved 1 h:1",
                         "ASKING 1 h:1",
                         "ERR MOVED 1 h:1",
                         "TRYAGAIN Multiple keys request during rehashing of slot",
                         "MOVED 99999999999999999999 h:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.slot = -7;
        assert_int_equal(redirect(bad[i], &r), -1);
    }
}

static clusterRetryDecision decide(const char *err, clusterRetryState *st, long remaining) {
    return clusterRetryDecide(err, err ? strlen(err) : 0, st, remaining);
}

static void test_retry_redirects(void **state) {
    (void)state;
    clusterRetryState st = {0};
    clusterRetryDecision d = decide("MOVED 12182 127.0.0.1:7002", &st, 1000);
    assert_int_equal(d.action, CLUSTER_RETRY_MOVED);
    assert_true(d.refresh);
    assert_int_equal(d.target.slot, 12182);
    assert_int_equal(d.target.port, 7002);

    d = decide("ASK 12182 127.0.0.1:7001", &st, 1000);
    assert_int_equal(d.action, CLUSTER_RETRY_ASK);
    assert_false(d.refresh);
    assert_int_equal(d.target.port, 7001);
    assert_int_equal(st.redirects, 2);

    /* A redirect loop ends in a failure, even with time left. */
    st.redirects = CLUSTER_REDIRECTS_MAX;
    assert_int_equal(decide("MOVED 1 h:1", &st, 100000).action, CLUSTER_RETRY_FAIL);
    assert_int_equal(decide("ASK 1 h:1", &st, 100000).action, CLUSTER_RETRY_FAIL);

    /* A malformed redirect is a cluster failure, not an answer to pass on. */
    st = (clusterRetryState){0};
    assert_int_equal(decide("MOVED nonsense", &st, 1000).action, CLUSTER_RETRY_FAIL);
}

static void test_retry_backoff(void **state) {
    (void)state;
    clusterRetryState st = {0};
    clusterRetryDecision d =
        decide("TRYAGAIN Multiple keys request during rehashing of slot", &st, 5000);
    assert_int_equal(d.action, CLUSTER_RETRY_BACKOFF);
    assert_false(d.refresh);
    assert_int_equal(d.wait_ms, CLUSTER_BACKOFF_FIRST_MS);

    d = decide("CLUSTERDOWN The cluster is down", &st, 5000);
    assert_int_equal(d.action, CLUSTER_RETRY_BACKOFF);
    assert_true(d.refresh);
    assert_int_equal(d.wait_ms, 2 * CLUSTER_BACKOFF_FIRST_MS);

    /* No reply at all: the node may be gone, so the map is reloaded too. */
    d = decide(NULL, &st, 5000);
    assert_int_equal(d.action, CLUSTER_RETRY_BACKOFF);
    assert_true(d.refresh);
    assert_int_equal(d.wait_ms, 4 * CLUSTER_BACKOFF_FIRST_MS);

    /* The wait doubles up to its cap. */
    for (int i = 0; i < 20; i++)
        d = decide("CLUSTERDOWN Hash slot not served", &st, 100000);
    assert_int_equal(d.action, CLUSTER_RETRY_BACKOFF);
    assert_int_equal(d.wait_ms, CLUSTER_BACKOFF_MAX_MS);

    /* A wait that would end past the deadline is a failure now, not a late 503. */
    st = (clusterRetryState){0};
    assert_int_equal(decide("TRYAGAIN x", &st, CLUSTER_BACKOFF_FIRST_MS).action,
                     CLUSTER_RETRY_FAIL);
    assert_int_equal(decide(NULL, &st, 0).action, CLUSTER_RETRY_FAIL);
    assert_int_equal(st.backoffs, 0);
}

static void test_retry_done(void **state) {
    (void)state;
    clusterRetryState st = {0};
    const char *final[] = {"ERR unknown field 'colour'",
                           "CONFLICT reservation R1 belongs to s",
                           "WRONGTYPE Operation against a key",
                           "MOVEDX 1 h:1",
                           "ASKING",
                           "TRYAGAINX",
                           "CLUSTERDOWNX",
                           "NOTFOUND"};
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++)
        assert_int_equal(decide(final[i], &st, 5000).action, CLUSTER_RETRY_DONE);
    assert_int_equal(st.redirects, 0);
    assert_int_equal(st.backoffs, 0);
    /* The bare code, with no message, is still that code. */
    assert_int_equal(decide("TRYAGAIN", &st, 5000).action, CLUSTER_RETRY_BACKOFF);
}

static int infoEnabled(const char *s) {
    return clusterInfoEnabled(s, strlen(s));
}

static void test_info_enabled(void **state) {
    (void)state;
    /* As redis-server 7.0 answers INFO cluster. */
    assert_int_equal(infoEnabled("# Cluster\r\ncluster_enabled:1\r\n"), 1);
    assert_int_equal(infoEnabled("# Cluster\r\ncluster_enabled:0\r\n"), 0);
    assert_int_equal(infoEnabled("cluster_enabled:1"), 1);
    assert_int_equal(infoEnabled(""), -1);
    assert_int_equal(infoEnabled("# Cluster\r\ncluster_enabled:"), -1);
    assert_int_equal(infoEnabled("# Server\r\nredis_version:7.0.15\r\n"), -1);
    /* Only at the start of a line. */
    assert_int_equal(infoEnabled("x_cluster_enabled:1\r\n"), -1);
}

static int infoStateOk(const char *s) {
    return clusterInfoStateOk(s, strlen(s));
}

static void test_info_state(void **state) {
    (void)state;
    /* As redis-server 7.0 answers CLUSTER INFO. */
    assert_int_equal(infoStateOk("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"), 1);
    assert_int_equal(infoStateOk("cluster_state:fail\r\ncluster_slots_assigned:16384\r\n"), 0);
    assert_int_equal(infoStateOk("cluster_enabled:1\r\ncluster_state:ok"), 1);
    assert_int_equal(infoStateOk("cluster_state:okay\r\n"), 0);
    assert_int_equal(infoStateOk("cluster_state:o\r\n"), 0);
    assert_int_equal(infoStateOk("cluster_state:\r\n"), -1);
    assert_int_equal(infoStateOk(""), -1);
    assert_int_equal(infoStateOk("x_cluster_state:ok\r\n"), -1);
}

/* ---- the hiredis adapter, on hand-built replies ---- */

static redisReply rInt(long long v) {
    return (redisReply){.type = REDIS_REPLY_INTEGER, .integer = v};
}

static redisReply rStr(const char *s) {
    return (redisReply){.type = REDIS_REPLY_STRING, .str = (char *)s, .len = strlen(s)};
}

static redisReply rArr(redisReply **el, size_t n) {
    return (redisReply){.type = REDIS_REPLY_ARRAY, .element = el, .elements = n};
}

static void test_from_reply(void **state) {
    (void)state;
    static clusterSlotMap m;
    char err[128];
    /* [[0, 8191, ["127.0.0.1", 7000, "id0"], ["127.0.0.1", 7003, "id3"]],
     *  [8192, 16383, ["127.0.0.1", 7001, "id1"]]] */
    redisReply h = rStr("127.0.0.1"), id0 = rStr("id0"), id1 = rStr("id1"), id3 = rStr("id3");
    redisReply p0 = rInt(7000), p1 = rInt(7001), p3 = rInt(7003);
    redisReply *n0e[] = {&h, &p0, &id0}, *n1e[] = {&h, &p1, &id1}, *n3e[] = {&h, &p3, &id3};
    redisReply n0 = rArr(n0e, 3), n1 = rArr(n1e, 3), n3 = rArr(n3e, 3);
    redisReply a0 = rInt(0), a1 = rInt(8191), b0 = rInt(8192), b1 = rInt(16383);
    redisReply *e0e[] = {&a0, &a1, &n0, &n3}, *e1e[] = {&b0, &b1, &n1};
    redisReply e0 = rArr(e0e, 4), e1 = rArr(e1e, 3);
    redisReply *tope[] = {&e0, &e1};
    redisReply top = rArr(tope, 2);

    assert_int_equal(clusterSlotsFromReply(&m, &top, err, sizeof err), 0);
    assert_int_equal(m.count, 2); /* the replica is not a node of the map */
    assert_true(clusterSlotMapComplete(&m));
    assert_int_equal(m.nodes[clusterSlotMapNodeOf(&m, 8191)].port, 7000);
    assert_int_equal(m.nodes[clusterSlotMapNodeOf(&m, 8192)].port, 7001);

    /* A port that is a string: refused, named, and the map holds nothing. */
    redisReply badPort = rStr("7001");
    n1e[1] = &badPort;
    assert_int_equal(clusterSlotsFromReply(&m, &top, err, sizeof err), -1);
    assert_non_null(strstr(err, "entry 1"));
    assert_int_equal(clusterSlotMapNodeOf(&m, 0), -1);
    n1e[1] = &p1;

    redisReply big = rInt(16384);
    e1e[1] = &big;
    assert_int_equal(clusterSlotsFromReply(&m, &top, err, sizeof err), -1);
    e1e[1] = &b1;

    redisReply notArray = rStr("x");
    assert_int_equal(clusterSlotsFromReply(&m, &notArray, err, sizeof err), -1);
    assert_int_equal(clusterSlotsFromReply(&m, NULL, err, sizeof err), -1);

    /* A cluster with no slot assigned yet: an empty map, not an error. */
    redisReply empty = rArr(NULL, 0);
    assert_int_equal(clusterSlotsFromReply(&m, &empty, err, sizeof err), 0);
    assert_int_equal(m.count, 0);
    assert_false(clusterSlotMapComplete(&m));
}

static void test_command_route(void **state) {
    (void)state;
    /* A store's commands go to the store's slot, the slot of its keys resv:{S}:... */
    clusterCommandRoute r = clusterCommandRouteOf("RESV.UPSERT", "store-001", 9);
    assert_int_equal(r.slot, 7376);
    assert_true(r.write);
    assert_true(r.claimOwner);
    assert_false(r.releaseOwner);
    r = clusterCommandRouteOf("resv.get", "store-001", 9);
    assert_int_equal(r.slot, slotOf("resv:{store-001}:r:R-1"));
    assert_false(r.write);
    assert_false(r.claimOwner);
    r = clusterCommandRouteOf("RESV.DEL", "store-001", 9);
    assert_true(r.write);
    assert_true(r.releaseOwner);
    /* A reservation id's owner key resv:owner:{R} is in the id's slot. */
    r = clusterCommandRouteOf("RESV.OWNER", "R-1", 3);
    assert_int_equal(r.slot, slotOf("resv:owner:{R-1}"));
    assert_false(r.write); /* a lookup: a read must not wait for replicas */
    /* Systems: their fixed slot, whatever id is named (4607, as the module says). */
    r = clusterCommandRouteOf("RESV.SYSTEM.GET", "some-system", 11);
    assert_int_equal(r.slot, 4607);
    assert_false(r.write);
    r = clusterCommandRouteOf("RESV.SYSTEM.LIST", NULL, 0);
    assert_int_equal(r.slot, 4607);
    assert_true(clusterCommandRouteOf("resv.system.set", "x", 1).write);
    assert_true(clusterCommandRouteOf("RESV.DISOWN", "store-001", 9).write);
    /* A plain key: its hash tag; no key: any node. */
    r = clusterCommandRouteOf("XREAD", "resv:{store-001}:changes", 24);
    assert_int_equal(r.slot, 7376);
    assert_false(r.write);
    r = clusterCommandRouteOf("PING", NULL, 0);
    assert_int_equal(r.slot, -1);
    assert_false(r.write);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16),
        cmocka_unit_test(test_key_slot),
        cmocka_unit_test(test_key_slot_tag_edges),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_map_refuses),
        cmocka_unit_test(test_parse_redirect),
        cmocka_unit_test(test_retry_redirects),
        cmocka_unit_test(test_retry_backoff),
        cmocka_unit_test(test_retry_done),
        cmocka_unit_test(test_from_reply),
        cmocka_unit_test(test_info_enabled),
        cmocka_unit_test(test_info_state),
        cmocka_unit_test(test_command_route),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
