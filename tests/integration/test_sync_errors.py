"""What the provider and Redis answer when things go wrong, as the sidecar passes it on:
a provider's error text that is not UTF-8 (or carries control characters) reaches the
caller as valid JSON and the system's last_error as text, and an error reply of Redis
is never read as an answer it is not."""
import json
import os
import re
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from fake_yiding import FakeYiding  # noqa: E402
from harness import Redis, pairs  # noqa: E402
from sidecar_harness import API, HeldProvider, Sidecar  # noqa: E402
from test_sync_roundtrip import SseReader, wait_for  # noqa: E402


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
        self.r.call("RESV.UPSERT", store, "R1", "reservation_date", "2030-05-01",
                    "system_id", sid)
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


class RedisErrorStoringLastPullAt(unittest.TestCase):
    """Redis answers the write of last_pull_at with an error (here OOM: maxmemory set
    while the provider's page was on its way). Only NOTFOUND says the system is gone;
    any other error is a failed pull, and the next one reads the same changes again."""

    def setUp(self):
        self.redis = Redis(aof=False)
        self.r = self.redis.client()
        self.sc = None

    def tearDown(self):
        self.r.call("CONFIG", "SET", "maxmemory", "0")
        rc = self.sc.close() if self.sc else 0
        self.r.close()
        self.redis.close()
        self.assertEqual(rc, 0, self.sc.log() if self.sc else "")

    def start(self, store, pull_interval):
        items = [{"reservation_id": "%s-%d" % (store.upper(), i), "store_id": store,
                  "reservation_date": "2030-05-01", "updated_at": "2030-01-01T09:00:0%d" % i}
                 for i in range(3)]
        self.prov = HeldProvider(items, held=False)
        self.addCleanup(self.prov.close)
        self.sc = Sidecar(self.redis.port, [
            "--pull-interval", str(pull_interval), "--provider-timeout", "10",
            "--systems-refresh-ms", "100"])
        self.admin = self.sc.token("admin")
        st, _, s = self.sc.request("POST", API + "/systems", {
            "name": "gated", "store_id": store,
            "config": {"api_endpoint": self.prov.url, "api_key": "k"}}, token=self.admin)
        self.assertEqual(st, 201, s)
        return s["id"]

    def pulls(self):
        """(pulls, failed pulls) from /metrics, which reads the other loops' snapshots, a
        moment old: so tests wait for the values they expect."""
        _, _, text = self.sc.request("GET", "/metrics", token=self.admin)
        return tuple(int(re.search(r"^%s (\d+)$" % name, text, re.M).group(1))
                     for name in ("resv_sidecar_pulls_total", "resv_sidecar_pull_errors_total"))

    def oom_while_held(self):
        self.assertTrue(self.prov.asked.wait(10), "the sidecar never asked for the page")
        self.r.call("CONFIG", "SET", "maxmemory", "1")
        self.prov.go.set()

    def test_scheduled_pull_counts_the_error_and_pulls_again(self):
        sid = self.start("pull-oom", 1)
        self.prov.hold()
        self.r.call("RESV.SYSTEM.SET", sid, "status", "active")
        self.oom_while_held()
        wait_for(lambda: self.pulls() == (1, 1), timeout=10, what="one failed pull")
        self.assertIn("last_pull_at", self.sc.log())
        self.assertIn("OOM", self.sc.log())
        self.r.call("CONFIG", "SET", "maxmemory", "0")
        # the next interval's pull stores what the failed one could not
        wait_for(lambda: pairs(self.r.call("RESV.SYSTEM.GET", sid)).get("last_pull_at")
                 == "2030-01-01T09:00:02", timeout=10, what="last_pull_at")
        self.assertIsNotNone(self.r.call("RESV.GET", "pull-oom", "PULL-OOM-2"))
        wait_for(lambda: self.pulls()[0] >= 2, timeout=10, what="the next pull counted")
        self.assertEqual(1, self.pulls()[1])

    def test_pull_asked_for_answers_503(self):
        sid = self.start("pull-oom-now", 0)
        self.prov.hold()
        got = {}
        t = threading.Thread(target=lambda: got.update(reply=self.sc.request(
            "POST", API + "/systems/%s/pull" % sid, token=self.admin, timeout=30)))
        t.start()
        self.oom_while_held()
        t.join(30)
        st, _, body = got["reply"]
        self.assertEqual(st, 503, body)
        self.assertEqual(body["error"]["code"], "redis_unavailable", body)
        self.assertIn("Redis did not store last_pull_at: OOM", body["error"]["message"])
        wait_for(lambda: self.pulls() == (1, 1), timeout=10, what="one failed pull")

    def test_system_deleted_meanwhile_is_no_error(self):
        """NOTFOUND: the system went while its page was on the way; what came is in."""
        sid = self.start("pull-gone", 0)
        self.prov.hold()
        got = {}
        t = threading.Thread(target=lambda: got.update(reply=self.sc.request(
            "POST", API + "/systems/%s/pull" % sid, token=self.admin, timeout=30)))
        t.start()
        self.assertTrue(self.prov.asked.wait(10))
        self.assertEqual(1, self.r.call("RESV.SYSTEM.DEL", sid))
        self.prov.go.set()
        t.join(30)
        st, _, body = got["reply"]
        self.assertEqual(st, 200, body)
        self.assertEqual((body["created"], body["last_pull_at"]), (3, None))
        wait_for(lambda: self.pulls() == (1, 0), timeout=10, what="one pull, no error")


class RedisErrorOnEventStream(unittest.TestCase):
    def test_read_error_is_logged_not_taken_for_no_news(self):
        """An event stream whose change feed Redis cannot read (here a key of another
        type) is not a quiet stream: the error is logged, once until a read succeeds."""
        redis = Redis(aof=False)
        r = redis.client()
        sc = Sidecar(redis.port, ["--sse-poll-ms", "50", "--workers", "1"])
        store, key = "ev-bad", "resv:{ev-bad}:changes"
        line = "XREAD: WRONGTYPE"
        try:
            r.call("SET", key, "x")
            ev = SseReader(sc.port, API + "/events?store_id=" + store, sc.token("admin"),
                           last_event_id="0-0")
            self.assertEqual(ev.status, 200)
            wait_for(lambda: line in sc.log(), timeout=5, what="the error in the log")
            time.sleep(0.5)  # ten reads more, not logged again
            self.assertEqual(1, sc.log().count(line), sc.log())
            r.call("DEL", key)
            r.call("RESV.UPSERT", store, "E1", "reservation_date", "2030-05-01")
            self.assertEqual(ev.next_event()["data"]["reservation_id"], "E1")
            r.call("DEL", key)
            r.call("SET", key, "x")
            wait_for(lambda: sc.log().count(line) == 2, timeout=5, what="the error again")
            ev.close()
        finally:
            r.close()
            rc = sc.close()
            redis.close()
        self.assertEqual(rc, 0, sc.log())


if __name__ == "__main__":
    unittest.main(verbosity=1)
