"""Several sidecars on one Redis (issue 7): every outbox entry reaches the provider
exactly once, and the scheduled pull runs once per interval over all of them. Redis
itself coordinates them: a store's push lease (RESV.LEASE ... push, renewed at every
poll, checked by RESV.PUSHED ... LEASE) lets one sidecar at a time work a store's
outbox, and a pull lease per system and interval lets one sidecar pull. Three sidecar
processes of two worker loops each, against the fake Yiding."""
import os
import random
import sys
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from fake_yiding import FakeYiding  # noqa: E402
from harness import Redis  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402

KEY = "yiding-test-key-1234"
FAST = ["--workers", "2", "--provider-timeout", "1", "--push-interval-ms", "50",
        "--push-backoff-ms", "50", "--push-backoff-max-ms", "200", "--systems-refresh-ms",
        "200", "--shutdown-timeout", "2"]


def wait_for(pred, timeout=15.0, step=0.05, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(step)


class ExactlyOnceTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeYiding(api_key=KEY).start()
        self.addCleanup(self.fake.stop)
        self.redis = Redis(aof=False)
        self.addCleanup(self.redis.close)
        self.r = self.redis.client()
        self.addCleanup(self.r.close)
        self.sidecars = []

    def start(self, n, *extra):
        for _ in range(n):
            sc = Sidecar(self.redis.port, extra_args=FAST + list(extra))
            self.sidecars.append(sc)
            self.addCleanup(self.close, sc)

    def close(self, sc):
        rc = sc.close()
        self.assertEqual(rc, 0, sc.log())

    def req(self, method, path, body=None, sc=None):
        sc = sc or random.choice([s for s in self.sidecars if s.proc.poll() is None])
        st, _, b = sc.request(method, path, body=body, token=sc.token("admin"))
        self.assertIn(st, (200, 201), b)
        return b

    def active_system(self, store):
        s = self.req("POST", API + "/systems", {
            "name": "易订", "type": "reservation", "provider": "Yiding", "store_id": store,
            "config": {"api_endpoint": self.fake.url, "api_key": KEY,
                       "webhook_signature": "none"}})
        self.assertIs(self.req("POST", API + "/systems/%s/test" % s["id"])["success"], True)
        return s

    def pushes(self):
        return [e["body"] for e in self.fake.received()
                if e["method"] == "POST" and e["path"].endswith("/status")]

    def change(self, rid, status, **q):
        qs = urllib.parse.urlencode(dict(status=status, **q))
        self.req("PUT", API + "/reservation/%s/status?%s" % (rid, qs))

    def assert_each_once(self, want):
        got = wait_for(lambda: len(self.pushes()) >= want and self.pushes(),
                       what="%d pushes" % want)
        time.sleep(1.0)  # room for a duplicate to show up
        got = self.pushes()
        ids = [b["change_id"] for b in got]
        self.assertEqual(len(ids), len(set(ids)), "a change was pushed twice: %s" % sorted(ids))
        self.assertEqual(len(got), want, got)
        return got

    def test_push_exactly_once_over_three_sidecars(self):
        self.start(3, "--pull-interval", "0")
        store = "store-once"
        s = self.active_system(store)
        # every sidecar has seen the active system before the changes come
        time.sleep(0.6)
        rids = ["ONCE-%d" % i for i in range(8)]
        for rid in rids:
            self.req("POST", API + "/reservation/%s/sync" % s["id"], {
                "reservation_id": rid, "customer_name": "张三", "customer_count": 2,
                "reservation_date": "2030-02-15", "reservation_time": "18:00-20:00",
                "status": "confirmed"})
        for i, rid in enumerate(rids):
            self.change(rid, "arrived", arrival_time="2030-02-15T18:05:00")
            self.change(rid, "seated", table_number="T%d" % i)
            self.change(rid, "completed")
        got = self.assert_each_once(3 * len(rids))
        # in order per reservation, each status once
        for rid in rids:
            self.assertEqual([b["status"] for b in got if b["reservation_id"] == rid],
                             ["arrived", "seated", "completed"])
        self.assertEqual([], self.r.call("RESV.OUTBOX", store))
        for rid in rids:
            rec = self.req("GET", API + "/reservation/" + rid)
            self.assertEqual(rec["sync_status"], "success", rec)

        # Two of the three stop (the holder releases its lease on SIGTERM, or it
        # expires): the last one takes over, still once per change.
        for sc in self.sidecars[:2]:
            self.assertEqual(sc.stop(), 0, sc.log())
        self.fake.reset()
        for rid in rids[:4]:
            self.req("POST", API + "/reservation/%s/sync" % s["id"], {
                "reservation_id": rid + "-B", "reservation_date": "2030-02-16",
                "status": "pending"}, sc=self.sidecars[2])
            self.change(rid + "-B", "confirmed")
        self.assert_each_once(4)

    def test_pull_once_per_interval(self):
        self.start(3, "--pull-interval", "1")
        self.active_system("store-pull")
        time.sleep(0.6)
        self.fake.reset()
        t0 = time.time()
        time.sleep(5.5)
        pulls = [e["time"] for e in self.fake.received()
                 if e["method"] == "GET" and e["path"].startswith("/reservations")
                 and "cursor=" not in e["path"]]
        window = time.time() - t0
        # One per interval: the lease keeps the claims at least an interval apart (the
        # requests reach the provider a little after them: some slack for a loaded
        # machine), and the next one comes soon after it lapses (without the lease:
        # three sidecars, three pulls a second, gaps of 0.01 to 0.9 s).
        gaps = [b - a for a, b in zip(pulls, pulls[1:])]
        self.assertTrue(all(g >= 0.75 for g in gaps), gaps)
        self.assertTrue(all(g <= 2.0 for g in gaps), gaps)
        self.assertGreaterEqual(len(pulls), int(window) - 1, pulls)
        self.assertLessEqual(len(pulls), int(window) + 1, pulls)


if __name__ == "__main__":
    unittest.main()
