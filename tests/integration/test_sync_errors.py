"""What the provider and Redis answer when things go wrong, as the sidecar passes it on:
a provider's error text that is not UTF-8 (or carries control characters) reaches the
caller as valid JSON and the system's last_error as text, and an error reply of Redis
is never read as an answer it is not."""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from fake_yiding import FakeYiding  # noqa: E402
from harness import Redis, pairs  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402
from test_sync_roundtrip import wait_for  # noqa: E402


class ProviderErrorText(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeYiding(api_key="k").start()
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port, [
            "--provider-timeout", "2", "--pull-interval", "0", "--systems-refresh-ms", "100",
            "--push-interval-ms", "50"])
        cls.admin = cls.sc.token("admin")

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()
        cls.r.close()
        cls.redis.close()
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()

    def probe(self, store, endpoint=None):
        st, _, s = self.sc.request("POST", API + "/systems", {
            "name": "易订", "store_id": store,
            "config": {"api_endpoint": endpoint or self.fake.url, "api_key": "k"}},
            token=self.admin)
        self.assertEqual(st, 201, s)
        raw = self.sc.request("POST", API + "/systems/%s/test" % s["id"], token=self.admin)
        return s["id"], raw

    def test_error_text_not_utf8_is_made_safe(self):
        cases = [
            # a body that is not JSON, with bytes that are no UTF-8
            (b"\xff\xfe bad \xc3", "HTTP 502: ?? bad ?"),
            # a JSON message cut at 200 bytes in the middle of a character
            (json.dumps({"error": {"message": "错" * 100}}).encode(), "HTTP 502: " + "错" * 66),
            # control characters of a JSON message: no line breaks in an error line
            (json.dumps({"error": {"message": "a\u0007b\nc\x7fd"}}).encode(),
             "HTTP 502: a b c d"),
        ]
        for i, (body, want) in enumerate(cases):
            with self.subTest(body=body):
                self.fake.mode("fail", 502, body=body)
                sid, (st, _, reply) = self.probe("bad-utf8-%d" % i)
                self.assertEqual(st, 200, reply)
                self.assertIsInstance(reply, dict, reply)
                self.assertIs(reply["success"], False)
                self.assertEqual(reply["error"], want)
                self.assertEqual(reply["system"]["status"], "error")
                stored = pairs(self.r.call("RESV.SYSTEM.GET", sid))
                self.assertEqual((stored["status"], stored["last_error"]), ("error", want))

    def test_own_error_cut_inside_a_character(self):
        """The sidecar's own message quoting a long endpoint, cut at 200 bytes."""
        sid, (st, _, reply) = self.probe("bad-url", "ftp://" + "错" * 100)
        self.assertEqual(st, 200, reply)
        self.assertIs(reply["success"], False)
        self.assertTrue(reply["error"].startswith("not an http:// or https:// URL: ftp://错"),
                        reply)
        self.assertEqual(pairs(self.r.call("RESV.SYSTEM.GET", sid))["last_error"],
                         reply["error"])

    def test_push_and_pull_errors_not_utf8_are_stored(self):
        """The same text as a push's sync_error and a pull's last_error: a 4xx push is
        given up once and recorded, not refused by Redis and delivered again forever."""
        store = "bad-utf8-sync"
        sid, (st, _, reply) = self.probe(store)
        self.assertIs(reply["success"], True, reply)
        self.fake.mode("fail", 400, body=b'{"error": {"message": "bad\\u0007 \\u007f"}}')
        self.r.call("RESV.UPSERT", store, "R1", "reservation_date", "2030-05-01")
        self.r.call("RESV.STATUS", store, "R1", "arrived")
        rec = wait_for(lambda: (lambda g: g if g.get("sync_status") == "failed" else None)(
            pairs(self.r.call("RESV.GET", store, "R1"))), timeout=5, what="the push to fail")
        self.assertEqual(rec["sync_error"], "HTTP 400: bad   ")
        self.assertEqual([], self.r.call("RESV.OUTBOX", store))
        time.sleep(0.5)
        pushes = [e for e in self.fake.received() if e["path"] == "/reservations/R1/status"]
        self.assertEqual(1, len(pushes))  # a 4xx is not retried
        st, _, body = self.sc.request("POST", API + "/systems/%s/pull" % sid, token=self.admin)
        self.assertEqual(st, 502, body)
        self.assertEqual(pairs(self.r.call("RESV.SYSTEM.GET", sid))["last_error"],
                         "pull failed: HTTP 400: bad   ")


if __name__ == "__main__":
    unittest.main(verbosity=1)
