"""GET /reservation/{id} in one Redis round trip: the sidecar remembers which store owns
an id, and a remembered owner that turns out wrong (the reservation was deleted, maybe
created again under another store) is forgotten and asked again, so answers never go
stale."""
import http.client
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402


def metric(sc, name):
    st, _, text = sc.request("GET", "/metrics")
    assert st == 200, text
    m = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    assert m, "no %s in /metrics" % name
    return int(m.group(1))


class OwnerCacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        # One worker: the cache is per worker, and the counters below are its own.
        cls.sc = Sidecar(cls.redis.port, extra_args=["--workers", "1"])
        cls.admin = cls.sc.token("admin")

    @classmethod
    def tearDownClass(cls):
        rc = cls.sc.close()
        cls.r.close()
        cls.redis.close()
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())

    def setUp(self):
        self.r.call("FLUSHALL")

    def upsert(self, store, rid, name):
        self.assertEqual(self.r.call("RESV.UPSERT", store, rid, "customer_name", name,
                                     "reservation_date", "2024-02-15T00:00:00",
                                     "reservation_time", "18:00-20:00", "status", "confirmed"),
                         "created")

    def get(self, rid, token=None):
        return self.sc.request("GET", API + "/reservation/" + rid, token=token or self.admin)

    def test_hit_then_moved_then_gone(self):
        self.upsert("store-a", "RES-MOVE", "张三")
        st, _, body = self.get("RES-MOVE")
        self.assertEqual((st, body["store_id"], body["customer_name"]), (200, "store-a", "张三"))
        hits = metric(self.sc, "resv_sidecar_owner_cache_hits_total")
        wrong = metric(self.sc, "resv_sidecar_owner_cache_wrong_total")
        st, _, body = self.get("RES-MOVE")
        self.assertEqual((st, body["store_id"]), (200, "store-a"))
        self.assertEqual(metric(self.sc, "resv_sidecar_owner_cache_hits_total"), hits + 1)

        # Deleted and created again under another store: the remembered owner is wrong,
        # and the answer is the new record, not a 404 nor the old one.
        self.assertEqual(self.r.call("RESV.DEL", "store-a", "RES-MOVE"), 1)
        self.upsert("store-b", "RES-MOVE", "李四")
        st, _, body = self.get("RES-MOVE")
        self.assertEqual((st, body["store_id"], body["customer_name"]), (200, "store-b", "李四"))
        self.assertEqual(metric(self.sc, "resv_sidecar_owner_cache_wrong_total"), wrong + 1)
        # ...and the new owner is what is remembered now.
        st, _, body = self.get("RES-MOVE")
        self.assertEqual((st, body["store_id"]), (200, "store-b"))
        self.assertEqual(metric(self.sc, "resv_sidecar_owner_cache_wrong_total"), wrong + 1)
        self.assertEqual(metric(self.sc, "resv_sidecar_owner_cache_hits_total"), hits + 3)

        # Deleted for good: 404, and nothing stays remembered.
        self.assertEqual(self.r.call("RESV.DEL", "store-b", "RES-MOVE"), 1)
        st, _, body = self.get("RES-MOVE")
        self.assertEqual(st, 404, body)
        self.assertIn("RES-MOVE", body["error"]["message"])
        st, _, _ = self.get("RES-MOVE")
        self.assertEqual(st, 404)
        self.assertEqual(metric(self.sc, "resv_sidecar_owner_cache_wrong_total"), wrong + 2)

    def test_stale_owner_is_not_a_403(self):
        # Remembered under store-a; moved to store-b; a caller limited to store-b must
        # get it (the stale store-a must not answer 403), and one limited to store-a
        # must not.
        self.upsert("store-a", "RES-AUTH", "王五")
        self.assertEqual(self.get("RES-AUTH")[0], 200)
        self.r.call("RESV.DEL", "store-a", "RES-AUTH")
        self.upsert("store-b", "RES-AUTH", "赵六")
        st, _, body = self.get("RES-AUTH", token=self.sc.token("staff", stores=["store-b"]))
        self.assertEqual((st, body.get("customer_name")), (200, "赵六"), body)
        st, _, body = self.get("RES-AUTH", token=self.sc.token("staff", stores=["store-a"]))
        self.assertEqual(st, 403, body)

    def test_body_and_keep_alive(self):
        # The body is written straight from the reply (tests/unit/test_sidecar_json.c
        # holds it byte for byte to the jansson dump): Chinese text and control
        # characters escaped as JSON, typed numbers and booleans, nulls; and two
        # requests go over one kept-alive connection.
        self.assertEqual(self.r.call(
            "RESV.UPSERT", "store-k", "RES-KA", "customer_name", "张三\t\"引号\"",
            "notes", "第一行\n第二行\\", "customer_count", "4", "deposit_amount", "200.50",
            "deposit_paid", "true", "deposit_required", "false",
            "reservation_date", "2024-02-15T00:00:00", "status", "confirmed"), "created")
        conn = http.client.HTTPConnection("127.0.0.1", self.sc.port, timeout=10)
        self.addCleanup(conn.close)
        h = {"Authorization": "Bearer " + self.admin}
        socks = []
        for path in ("/reservation/RES-KA", "/reservation/list?store_id=store-k"):
            conn.request("GET", API + path, headers=h)
            resp = conn.getresponse()
            raw = resp.read()
            self.assertEqual(resp.status, 200, raw)
            self.assertEqual(resp.getheader("Content-Type"), "application/json; charset=utf-8")
            self.assertEqual(int(resp.getheader("Content-Length")), len(raw))
            self.assertNotEqual((resp.getheader("Connection") or "").lower(), "close")
            socks.append(conn.sock)
            body = json.loads(raw)
            if "reservations" in body:
                self.assertEqual((body["count"], body["next_cursor"]), (1, None))
                body = body["reservations"][0]
            self.assertIn('"customer_name":"张三\\t\\"引号\\""', raw.decode())
            self.assertEqual(body["notes"], "第一行\n第二行\\")
            self.assertEqual((body["customer_count"], body["deposit_amount"]), (4, 200.5))
            self.assertIs(body["deposit_paid"], True)
            self.assertIs(body["deposit_required"], False)
            self.assertIsNone(body["arrival_time"])
            self.assertEqual(list(body)[:3], ["id", "system_id", "store_id"])
        self.assertIsNotNone(socks[0])
        self.assertIs(socks[0], socks[1], "the connection was not kept alive")

    def test_bound(self):
        # Many ids through one worker: the cache never holds more than its 65536 slots
        # and every read answers its own record.
        n = 300
        for i in range(n):
            self.upsert("store-%d" % (i % 3), "RES-B%d" % i, "客%d" % i)
        for i in range(n):
            st, _, body = self.get("RES-B%d" % i)
            self.assertEqual((st, body["store_id"], body["customer_name"]),
                             (200, "store-%d" % (i % 3), "客%d" % i))
        entries = metric(self.sc, "resv_sidecar_owner_cache_entries")
        self.assertTrue(0 < entries <= 65536, entries)


if __name__ == "__main__":
    unittest.main()
