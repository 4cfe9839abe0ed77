"""The fake Yiding itself (tests/fake_yiding.py): modes, key check, recording, pull
filter and pagination. Other tests rely on it, so it is checked on its own first."""
import json
import os
import socket
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fake_yiding import FakeYiding  # noqa: E402

KEY = "test-key-123"


class FakeYidingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeYiding(api_key=KEY).start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()

    def call(self, method, path, body=None, key=KEY, timeout=5):
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Authorization"] = "Bearer " + key
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.fake.url + path, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def push(self, rid, change_id, status="arrived"):
        return self.call("POST", "/reservations/%s/status" % rid, {
            "reservation_id": rid, "external_id": "ext-" + rid, "status": status,
            "arrival_time": "2024-02-15T18:05:00", "table_number": None,
            "changed_at": "2024-02-15T18:05:01", "change_id": change_id})

    def test_ping_and_key(self):
        self.assertEqual(self.call("GET", "/ping"), (200, {"ok": True}))
        self.assertEqual(self.call("GET", "/ping", key="wrong")[0], 401)
        self.assertEqual(self.call("GET", "/ping", key=None)[0], 401)
        self.assertEqual(self.call("GET", "/nope")[0], 404)

    def test_modes(self):
        self.fake.mode("fail", 503)
        self.assertEqual(self.call("GET", "/ping")[0], 503)
        self.fake.mode("fail", 429)
        self.assertEqual(self.call("GET", "/ping")[0], 429)
        self.fake.mode("refuse_key")
        self.assertEqual(self.call("GET", "/ping")[0], 401)
        self.fake.mode("hang")
        with self.assertRaises((socket.timeout, TimeoutError, urllib.error.URLError)):
            self.call("GET", "/ping", timeout=0.5)
        self.fake.mode("ok")
        self.assertEqual(self.call("GET", "/ping")[0], 200)
        # Every one of them was recorded, with the reply sent (None: never answered).
        self.assertEqual([r["reply"] for r in self.fake.received()], [503, 429, 401, None, 200])
        with self.assertRaises(urllib.error.HTTPError):
            self.fake.mode("sleepy")

    def test_fail_with_raw_bytes(self):
        self.fake.mode("fail", 502, body=b"\xff\xfe bad \xc3")
        req = urllib.request.Request(self.fake.url + "/ping",
                                     headers={"Authorization": "Bearer " + KEY})
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual((e.exception.code, e.exception.read()), (502, b"\xff\xfe bad \xc3"))
        self.fake.mode("fail", 503)  # without a body: the JSON error again
        self.assertEqual(self.call("GET", "/ping"), (503, {"error": {
            "code": "fake_failure", "message": "mode fail"}}))

    def test_push_recorded_and_deduped(self):
        self.assertEqual(self.push("RES-1", "c1"), (200, {"accepted": True, "duplicate": False}))
        self.assertEqual(self.push("RES-1", "c1"), (200, {"accepted": True, "duplicate": True}))
        self.assertEqual(self.push("RES-1", "c2")[1]["duplicate"], False)
        got = self.fake.received()
        self.assertEqual(len(got), 3)
        r = got[0]
        self.assertEqual((r["method"], r["path"]), ("POST", "/reservations/RES-1/status"))
        self.assertEqual(r["headers"]["authorization"], "Bearer " + KEY)
        self.assertEqual(r["headers"]["content-type"], "application/json")
        self.assertEqual(r["body"]["change_id"], "c1")
        self.assertEqual(r["body"]["external_id"], "ext-RES-1")
        self.assertIsInstance(r["time"], float)
        # The path and the body must agree; change_id is required.
        self.assertEqual(self.call("POST", "/reservations/RES-2/status",
                                   {"reservation_id": "RES-1", "status": "arrived",
                                    "change_id": "c3"})[0], 400)
        self.assertEqual(self.call("POST", "/reservations/RES-1/status",
                                   {"reservation_id": "RES-1", "status": "arrived"})[0], 400)
        self.fake.reset()
        self.assertEqual(self.fake.received(), [])

    def test_pull_filter_and_pages(self):
        rows = [{"reservation_id": "R%02d" % i, "store_id": "s1" if i % 3 else "s2",
                 "customer_name": "张三", "status": "confirmed",
                 "updated_at": "2024-02-15T10:%02d:00" % (i // 2)} for i in range(20)]
        self.assertEqual(self.fake.add_reservations(rows)["total"], 20)
        since = "2024-02-15T10:02:00"
        want = sorted((r for r in rows if r["store_id"] == "s1" and r["updated_at"] >= since),
                      key=lambda r: (r["updated_at"], r["reservation_id"]))
        got, cursor, pages = [], None, 0
        while True:
            q = "/reservations?store_id=s1&updated_since=%s&limit=3" % since
            if cursor:
                q += "&cursor=" + cursor
            status, body = self.call("GET", q)
            self.assertEqual(status, 200)
            self.assertLessEqual(len(body["reservations"]), 3)
            got += body["reservations"]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual([r["reservation_id"] for r in got], [r["reservation_id"] for r in want])
        self.assertEqual(pages, (len(want) + 2) // 3)
        self.assertEqual(got[0]["customer_name"], "张三")
        # No updated_since: everything of the store; bad queries are 400.
        self.assertEqual(len(self.call("GET", "/reservations?store_id=s2")[1]["reservations"]), 7)
        self.assertEqual(self.call("GET", "/reservations")[0], 400)
        self.assertEqual(self.call("GET", "/reservations?store_id=s1&limit=0")[0], 400)
        self.assertEqual(self.call("GET", "/reservations?store_id=s1&updated_since=yesterday")[0], 400)
        self.assertEqual(self.call("GET", "/reservations?store_id=s1&cursor=zzz")[0], 400)
        # The same reservation_id replaces the earlier one.
        self.fake.add_reservations([dict(rows[1], status="cancelled")])
        self.assertEqual(len(self.fake.reservations()), 20)


class CliTest(unittest.TestCase):
    def test_port_zero_prints_port(self):
        with FakeYiding() as f:  # no key: any Authorization is fine
            self.assertGreater(f.port, 0)
            with urllib.request.urlopen(f.url + "/ping", timeout=5) as r:
                self.assertEqual(json.loads(r.read()), {"ok": True})


if __name__ == "__main__":
    unittest.main(verbosity=2)
