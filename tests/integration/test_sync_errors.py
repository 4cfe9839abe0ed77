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


class ProviderErrorText(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeYiding(api_key="k").start()
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port, ["--provider-timeout", "2", "--pull-interval", "0"])
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


if __name__ == "__main__":
    unittest.main(verbosity=1)
