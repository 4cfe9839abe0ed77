"""No acknowledged write is lost when Redis is killed: writes acknowledged by the module
(and by the sidecar, whose 2xx means "in Redis") are all there after kill -9 and a
restart from the AOF (appendfsync always, as conf/redis.conf sets for `make run`), with
the indexes exact."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, pairs  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402

S = "store-d"


class KillNine(unittest.TestCase):
    def setUp(self):
        self.server = Redis()  # AOF on, appendfsync always

    def tearDown(self):
        self.server.close()

    def restart_after_kill(self):
        self.server.kill()
        self.server.start(port=self.server.port)
        return self.server.client()

    def test_module_writes_survive_kill(self):
        r = self.server.client()
        acked = {}
        for i in range(300):
            rid = "K%03d" % i
            self.assertEqual("created", r.call(
                "RESV.UPSERT", S, rid, "customer_name", "顾客%d" % i, "customer_count", "2",
                "reservation_date", "2024-03-%02d" % (i % 28 + 1), "reservation_time", "19:00",
                "status", "confirmed"))
            acked[rid] = "confirmed"
            if i % 3 == 0:
                r.call("RESV.STATUS", S, rid, "arrived", "ARRIVAL", "2024-03-01T19:01:00")
                acked[rid] = "arrived"
        # The last acknowledged write goes right before the kill.
        r.call("RESV.STATUS", S, "K299", "cancelled")
        acked["K299"] = "cancelled"
        r.close()

        r = self.restart_after_kill()
        for rid, status in acked.items():
            got = pairs(r.call("RESV.GET", S, rid) or [])
            self.assertEqual(status, got.get("status"), rid)
        listed = []
        cursor = "0"
        while True:
            cursor, page = r.call("RESV.LIST", S, "LIMIT", "100", "CURSOR", cursor)
            listed += [pairs(x)["reservation_id"] for x in page]
            if cursor == "0":
                break
        self.assertEqual(sorted(acked), sorted(listed))
        for status in ("confirmed", "arrived", "cancelled"):
            n = len(r.call("RESV.LIST", S, "STATUS", status, "LIMIT", "1000")[1])
            self.assertEqual(sum(1 for s in acked.values() if s == status), n, status)
        r.close()

    def test_sidecar_acknowledged_sync_survives_kill(self):
        sc = Sidecar(self.server.port)
        try:
            admin = sc.token("admin")
            st, _, sysj = sc.request("POST", API + "/systems", {
                "name": "易订", "type": "reservation", "provider": "Yiding", "store_id": S,
                "config": {"webhook_signature": "none"}}, token=admin)
            self.assertEqual(201, st, sysj)
            items = [{"reservation_id": "H%03d" % i, "customer_name": "张三",
                      "customer_count": 4, "reservation_date": "2024-02-15T00:00:00",
                      "reservation_time": "18:00-20:00", "status": "confirmed"}
                     for i in range(200)]
            st, _, body = sc.request("POST", API + "/reservation/%s/sync" % sysj["id"],
                                     {"reservations": items}, token=admin)
            self.assertEqual(200, st, body)
            self.assertEqual(200, body["created"], body)
            st, _, one = sc.request("PUT", API + "/reservation/H007/status?status=arrived",
                                    token=admin)
            self.assertEqual(200, st, one)
        finally:
            self.assertEqual(0, sc.close())

        r = self.restart_after_kill()
        for it in items:
            got = pairs(r.call("RESV.GET", S, it["reservation_id"]) or [])
            self.assertEqual("张三", got.get("customer_name"), it["reservation_id"])
        self.assertEqual("arrived", pairs(r.call("RESV.GET", S, "H007"))["status"])
        self.assertIsNotNone(r.call("RESV.SYSTEM.GET", sysj["id"]))
        r.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
