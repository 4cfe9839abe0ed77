"""Defects found reviewing the sidecar's split into rooms, each shown against a real
sidecar and redis-server: what a caller saw before the fix."""
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import Cluster, ClusterClient, key_slot  # noqa: E402
from harness import Redis  # noqa: E402
from sidecar_harness import API, HeldProvider, HeldRedis, Sidecar, wait_log  # noqa: E402


class PullRedisLostTest(unittest.TestCase):
    def test_redis_lost_during_pull_is_503_not_provider_error(self):
        """The provider answered; Redis was gone when its page was to be stored. That is
        Redis being unavailable (503, retry later), not the provider failing (502)."""
        items = [{"reservation_id": "PULL-LOST-%d" % i, "store_id": "pull-lost",
                  "reservation_date": "2030-05-01", "updated_at": "2030-01-01T09:00:00"}
                 for i in range(3)]
        prov = HeldProvider(items)
        redis = Redis(aof=False)
        sc = Sidecar(redis.port, ["--pull-interval", "0", "--provider-timeout", "10"])
        try:
            admin = sc.token("admin")
            st, _, s = sc.request("POST", API + "/systems",
                                  {"name": "held", "store_id": "pull-lost", "provider": "yiding",
                                   "config": {"api_endpoint": prov.url, "api_key": "k"}},
                                  token=admin)
            self.assertEqual(st, 201, s)
            got = {}

            def pull():
                got["reply"] = sc.request("POST", API + "/systems/%s/pull" % s["id"],
                                          token=admin, timeout=30)

            t = threading.Thread(target=pull)
            t.start()
            self.assertTrue(prov.asked.wait(10), "the sidecar never asked for the page")
            redis.stop()
            time.sleep(0.3)  # the sidecar sees the connection go
            prov.go.set()
            t.join(30)
            st, h, b = got["reply"]
            self.assertEqual(st, 503, b)
            self.assertEqual(b["error"]["code"], "redis_unavailable", b)
            self.assertEqual(h.get("retry-after"), "1")
        finally:
            prov.close()
            rc = sc.close()
            redis.close()
        self.assertEqual(rc, 0, sc.log())

    def test_redis_busy_during_pull_is_503_not_success(self):
        """Redis answered the page's upserts with BUSY (a script past its time limit): the
        reservations are not in Redis, so the pull must not report success (nor move
        last_pull_at past them), as a sync answers 503 for the same reply."""
        items = [{"reservation_id": "PULL-BUSY-%d" % i, "store_id": "pull-busy",
                  "reservation_date": "2030-05-01", "updated_at": "2030-01-01T09:00:00"}
                 for i in range(3)]
        prov = HeldProvider(items)
        redis = Redis(aof=False)
        sc = Sidecar(redis.port, ["--pull-interval", "0", "--provider-timeout", "10"])
        try:
            admin = sc.token("admin")
            st, _, s = sc.request("POST", API + "/systems",
                                  {"name": "held", "store_id": "pull-busy", "provider": "yiding",
                                   "config": {"api_endpoint": prov.url, "api_key": "k"}},
                                  token=admin)
            self.assertEqual(st, 201, s)
            r = redis.client()
            r.call("CONFIG", "SET", "busy-reply-threshold", "100")
            got = {}

            def pull():
                got["reply"] = sc.request("POST", API + "/systems/%s/pull" % s["id"],
                                          token=admin, timeout=30)

            t = threading.Thread(target=pull)
            t.start()
            self.assertTrue(prov.asked.wait(10), "the sidecar never asked for the page")
            script = redis.client()
            # Busy until SCRIPT KILL (at most 30 s); a 1.5 s script and a fixed sleep raced
            # a loaded machine: the upserts could come after it ended.
            script.send("EVAL", "local e = tonumber(redis.call('TIME')[1]) + 30 repeat until "
                        "tonumber(redis.call('TIME')[1]) > e return 1", "0")
            probe = redis.client()
            deadline = time.time() + 10
            while "BUSY" not in str(probe.try_call("PING")):  # past busy-reply-threshold
                self.assertLess(time.time(), deadline, "Redis never answered BUSY")
                time.sleep(0.02)
            prov.go.set()
            t.join(30)
            probe.call("SCRIPT", "KILL")
            self.assertIn("killed", str(script.read()))
            probe.close()
            st, _, b = got["reply"]
            self.assertEqual(st, 503, b)
            self.assertEqual(b["error"]["code"], "redis_unavailable", b)
            self.assertIsNone(r.call("RESV.GET", "pull-busy", "PULL-BUSY-0"))
            script.close()
            r.close()
        finally:
            prov.close()
            rc = sc.close()
            redis.close()
        self.assertEqual(rc, 0, sc.log())

    def test_pull_asked_while_draining_is_503_not_400(self):
        """SIGTERM while the pull's system lookup waits on Redis: the pull cannot start
        any more, which is the server shutting down (503), not a bad request (400).
        The lookup is held on its way to Redis until the request's loop is draining: a
        DEBUG SLEEP of 0.8 s across a SIGTERM sent after 0.3 s lost to a loaded machine,
        the lookup answered before the loop saw the signal, the pull started and the
        held provider page timed out (502)."""
        prov = HeldProvider([])
        redis = Redis(aof=False)
        fwd = HeldRedis(redis.port)
        sc = Sidecar(redis.port, ["--pull-interval", "0", "--shutdown-timeout", "5"],
                     redis_addr=fwd.addr)
        try:
            admin = sc.token("admin")
            st, _, s = sc.request("POST", API + "/systems",
                                  {"name": "held", "store_id": "pull-drain", "provider": "yiding",
                                   "config": {"api_endpoint": prov.url, "api_key": "k"}},
                                  token=admin)
            self.assertEqual(st, 201, s)
            got = {}

            def pull():
                got["reply"] = sc.request("POST", API + "/systems/%s/pull" % s["id"],
                                          token=admin, timeout=30)

            fwd.hold("RESV.SYSTEM.GET", s["id"])
            t = threading.Thread(target=pull)
            t.start()
            self.assertTrue(fwd.held.wait(10), "the pull never looked its system up")
            sc.proc.send_signal(signal.SIGTERM)
            # Logged by the loop holding the pull once it drains (the others log 0).
            wait_log(sc, "shutting down, 1 requests in flight")
            fwd.release()
            t.join(30)
            st, h, b = got["reply"]
            self.assertEqual(st, 503, b)
            self.assertEqual(b["error"]["code"], "shutting_down", b)
            self.assertFalse(prov.asked.is_set(), "the provider was asked while draining")
            self.assertEqual(sc.proc.wait(10), 0, sc.log())
        finally:
            prov.close()
            sc.close()
            fwd.close()
            redis.close()


class ClusterFreeTest(unittest.TestCase):
    def test_pull_upserts_pending_at_exit_on_a_cluster(self):
        """The sidecar exits (shutdown-timeout 0) while a pull's upserts wait on a
        sleeping master. Freeing the connection frees node after node, and the pull's
        callbacks (NULL replies) asked whether Redis was up: on a cluster that read the
        nodes freed just before (heap-use-after-free under ASan, exit code not 0)."""
        cluster = Cluster()
        prov = sc = None
        try:
            cc = ClusterClient(cluster)
            ranges = cluster.slot_ranges()
            first = ranges[0][2]  # master of the first slots: the seed, freed first
            store = next("free-%d" % i for i in range(1000)
                         if cc.port_for("free-%d" % i) != first)
            prov = HeldProvider([{"reservation_id": "FREE-%d" % i, "store_id": store,
                                  "reservation_date": "2030-05-01",
                                  "updated_at": "2030-01-01T09:00:00"} for i in range(5)])
            sc = Sidecar(None, ["--pull-interval", "0", "--shutdown-timeout", "0",
                                "--workers", "1"], redis_addr="127.0.0.1:%d" % first)
            admin = sc.token("admin")
            deadline = time.time() + 30
            while True:
                st, _, s = sc.request("POST", API + "/systems",
                                      {"name": "held", "store_id": store, "provider": "yiding",
                                       "config": {"api_endpoint": prov.url, "api_key": "k"}},
                                      token=admin)
                if st == 201 or time.time() > deadline:
                    break
                time.sleep(0.2)
            self.assertEqual(st, 201, s)

            def pull():
                try:
                    sc.request("POST", API + "/systems/%s/pull" % s["id"], token=admin,
                               timeout=30, check_openapi=False)
                except OSError:
                    pass  # the sidecar exits before it answers

            t = threading.Thread(target=pull)
            t.start()
            self.assertTrue(prov.asked.wait(10), "the sidecar never asked for the page")
            sleeper = cluster.node(cc.port_for(store))
            sleeper.send("DEBUG", "SLEEP", "2")
            time.sleep(0.1)
            prov.go.set()
            time.sleep(0.4)  # the page is in, its upserts wait on the sleeping master
            sc.proc.send_signal(signal.SIGTERM)
            rc = sc.proc.wait(20)
            t.join(30)
            sleeper.read()
            self.assertEqual(rc, 0, sc.log())
        finally:
            if prov:
                prov.close()
            if sc:
                sc.close()
            cluster.close()


if __name__ == "__main__":
    unittest.main()
