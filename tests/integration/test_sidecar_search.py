"""GET /reservation/search against a real Redis with the module and a real sidecar: a
guest found by phone digits, booking id, number, external id and a part of the name,
the JSON shape (matched field, the reservation as GET gives it, total and count), the
window and limit, store scope, roles, and the 400s naming the parameter."""
import datetime
import os
import sys
import unittest
import zoneinfo
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402

# the store's today, in its zone (the module's default, Asia/Shanghai)
TODAY = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date().isoformat()


class SidecarSearchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port)
        cls.staff = cls.sc.token("staff", ["store-001"])

    @classmethod
    def tearDownClass(cls):
        rc = cls.sc.close()
        cls.r.close()
        cls.redis.close()
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())

    def setUp(self):
        self.r.call("FLUSHALL")
        for rid, name, phone, date, slot, extra in (
                ("RES-1", "张先生", "138-0013-5678", TODAY, "18:55",
                 ["reservation_number", "YD-0001", "external_reservation_id", "yiding_001"]),
                ("RES-2", "张三", "13900005678", TODAY, "18:00-20:00", []),
                ("RES-3", "Ann Lee", "021 5555 1234", "2020-01-01", "12:00", [])):
            self.r.call("RESV.UPSERT", "store-001", rid, "customer_name", name, "customer_phone",
                        phone, "reservation_date", date, "reservation_time", slot,
                        "customer_count", "4", *extra)
        self.r.call("RESV.UPSERT", "store-002", "OTHER-1", "customer_phone", "13800135678",
                    "reservation_date", TODAY)

    def search(self, token=None, **params):
        path = API + "/reservation/search?" + urllib.parse.urlencode(params)
        return self.sc.request("GET", path, token=token or self.staff)

    def found(self, **params):
        st, _, body = self.search(**params)
        self.assertEqual(200, st, body)
        return [(x["matched"], x["reservation"]["reservation_id"]) for x in body["results"]]

    def assertBad(self, resp, status, mentions):
        st, _, body = resp
        self.assertEqual(status, st, body)
        self.assertIn(mentions, body["error"]["message"], body)

    def test_phone_digits(self):
        st, _, body = self.search(store_id="store-001", q="5678")
        self.assertEqual(200, st, body)
        self.assertEqual({"store_id": "store-001", "q": "5678", "total": 2, "count": 2},
                         {k: body[k] for k in ("store_id", "q", "total", "count")})
        self.assertEqual([("customer_phone", "RES-2"), ("customer_phone", "RES-1")],
                         [(x["matched"], x["reservation"]["reservation_id"])
                          for x in body["results"]])
        # the reservation is the one GET gives
        st, _, one = self.sc.request("GET", API + "/reservation/RES-1", token=self.staff)
        self.assertEqual(one, body["results"][1]["reservation"])
        self.assertEqual(4, one["customer_count"])
        self.assertEqual([("customer_phone", "RES-1")], self.found(store_id="store-001",
                                                                   q="138 0013 5678"))
        self.assertEqual([("customer_phone", "RES-3")], self.found(store_id="store-001",
                                                                   q="1234"))

    def test_ids_and_names(self):
        for q, want in (("RES-2", [("reservation_id", "RES-2")]),
                        ("YD-0001", [("reservation_number", "RES-1")]),
                        ("yiding_001", [("external_reservation_id", "RES-1")]),
                        ("张", [("customer_name", "RES-2"), ("customer_name", "RES-1")]),
                        ("ann", []),  # 2020: outside today and the next 7 days
                        ("nobody", [])):
            self.assertEqual(want, self.found(store_id="store-001", q=q), q)
        self.assertEqual([("customer_name", "RES-3")],
                         self.found(store_id="store-001", q="ann", date_from="2020-01-01",
                                    date_to="2020-01-01"))
        st, _, body = self.search(store_id="store-001", q="张", limit="1")
        self.assertEqual((1, 2), (body["count"], body["total"]))

    def test_scope_and_errors(self):
        self.assertBad(self.search(store_id="store-002", q="5678"), 403, "store-002")
        other = self.sc.token("floor_manager", ["store-002"])
        self.assertEqual(["OTHER-1"], [x["reservation"]["reservation_id"] for x in
                                        self.search(token=other, store_id="store-002",
                                                    q="5678")[2]["results"]])
        self.assertBad(self.search(q="5678"), 400, "store_id")
        self.assertBad(self.search(store_id="store-001"), 400, "q")
        self.assertBad(self.search(store_id="store-001", q="   "), 400, "q must")
        self.assertBad(self.search(store_id="store-001", q="x" * 129), 400, "q must")
        self.assertBad(self.search(store_id="store-001", q="张" * 129), 400, "q must")
        # characters, not bytes: a 128-character Chinese id (384 bytes) is a valid query
        st, _, body = self.search(store_id="store-001", q="张" * 128)
        self.assertEqual((200, 0), (st, body["total"]), body)
        self.assertBad(self.search(store_id="store-001", q="5678", limit="0"), 400, "limit")
        self.assertBad(self.search(store_id="store-001", q="5678", date_from="today"), 400,
                       "date_from")
        self.assertBad(self.search(store_id="store-001", q="5678", date_to="2024-13-01"), 400,
                       "date_to")
        self.assertBad(self.search(store_id="store-001", q="5678", customer_phone="1"), 400,
                       "customer_phone")
        st, _, _ = self.sc.request("GET", API + "/reservation/search?store_id=store-001&q=5678")
        self.assertEqual(401, st)


if __name__ == "__main__":
    unittest.main(verbosity=1)
