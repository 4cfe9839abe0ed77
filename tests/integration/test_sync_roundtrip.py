"""Two-way sync against the fake provider (tests/fake_yiding.py, docs/provider.md):
the connection test (ok, refused key, timeout, unreachable), status pushes (delivery,
outage and recovery exactly once per change, permanent failure, failure log and
re-sync), the pull, and Server-Sent Events with Last-Event-ID. Intervals are shortened
with the sidecar's options so the whole file runs in seconds."""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from fake_yiding import FakeYiding  # noqa: E402
from harness import Redis, free_port, pairs  # noqa: E402
from sidecar_harness import API, Sidecar, SseReader  # noqa: E402

KEY = "yiding-test-key-1234"
FAST = ["--provider-timeout", "1", "--push-interval-ms", "50", "--push-backoff-ms", "50",
        "--push-backoff-max-ms", "200", "--push-max-attempts", "4", "--pull-interval", "0",
        "--systems-refresh-ms", "200", "--sse-poll-ms", "50", "--shutdown-timeout", "2"]


def wait_for(pred, timeout=10.0, step=0.05, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(step)


class SyncRoundtripTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeYiding(api_key=KEY).start()
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port, extra_args=FAST)
        cls.admin = cls.sc.token("admin")
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        rc = cls.sc.close()
        cls.r.close()
        cls.redis.close()
        cls.fake.stop()
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())

    def setUp(self):
        self.fake.reset()
        SyncRoundtripTest.n += 1
        self.store = "store-%d-%d" % (os.getpid(), self.n)

    def req(self, method, path, body=None, token=None, headers=None):
        return self.sc.request(method, path, body=body, token=token or self.admin,
                               headers=headers)

    def create_system(self, endpoint=None, key=KEY, store=None):
        st, _, s = self.req("POST", API + "/systems", {
            "name": "易订", "type": "reservation", "provider": "Yiding",
            "store_id": store or self.store,
            "config": {"api_endpoint": endpoint or self.fake.url, "api_key": key,
                       "webhook_signature": "none"}})
        self.assertEqual(st, 201, s)
        return s

    def probe(self, system):
        return self.req("POST", API + "/systems/%s/test" % system["id"])

    def active_system(self):
        s = self.create_system()
        st, _, body = self.probe(s)
        self.assertEqual((st, body["success"]), (200, True), body)
        return s

    def sync(self, system, rid, **fields):
        data = {"reservation_id": rid, "customer_name": "张三", "customer_count": 2,
                "reservation_date": "2030-02-15", "reservation_time": "18:00-20:00",
                "status": "confirmed", "external_id": "yd-" + rid}
        data.update(fields)
        st, _, body = self.req("POST", API + "/reservation/%s/sync" % system["id"], data)
        self.assertIn(st, (200, 201), body)
        return body

    def put_status(self, rid, status, **q):
        qs = "&".join("%s=%s" % kv for kv in dict(status=status, **q).items())
        st, _, body = self.req("PUT", API + "/reservation/%s/status?%s" % (rid, qs))
        self.assertEqual(st, 200, body)
        return body

    def reservation(self, rid):
        st, _, body = self.req("GET", API + "/reservation/" + rid)
        self.assertEqual(st, 200, body)
        return body

    def pushes(self, rid=None):
        return [e for e in self.fake.received()
                if e["method"] == "POST" and e["path"].endswith("/status")
                and (rid is None or e["body"]["reservation_id"] == rid)]

    # connection test
    def test_connection_ok_makes_system_active(self):
        s = self.create_system()
        st, _, body = self.probe(s)
        self.assertEqual(st, 200, body)
        self.assertIs(body["success"], True)
        self.assertEqual(body["status"], "active")
        self.assertEqual(body["system"]["status"], "active")
        ping = [e for e in self.fake.received() if e["path"] == "/ping"]
        self.assertEqual(len(ping), 1)
        self.assertEqual(ping[0]["headers"]["authorization"], "Bearer " + KEY)
        self.assertEqual(pairs(self.r.call("RESV.SYSTEM.GET", s["id"]))["status"], "active")

    def assert_test_error(self, system, mentions):
        st, _, body = self.probe(system)
        self.assertEqual(st, 200, body)
        self.assertEqual((body["success"], body["status"]), (False, "error"), body)
        self.assertIn(mentions, body["error"])
        stored = pairs(self.r.call("RESV.SYSTEM.GET", system["id"]))
        self.assertEqual(stored["status"], "error")
        self.assertEqual(stored["last_error"], body["error"])
        return body

    def test_connection_refused_key(self):
        self.assert_test_error(self.create_system(key="wrong-key"), "refused the api key")
        self.fake.mode("refuse_key")
        self.assert_test_error(self.create_system(), "HTTP 401")

    def test_connection_timeout(self):
        self.fake.mode("hang")
        t0 = time.time()
        body = self.assert_test_error(self.create_system(), "timed out")
        elapsed = time.time() - t0
        self.fake.mode("ok")
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 3.0, body)

    def test_connection_unreachable(self):
        closed = "http://127.0.0.1:%d/api" % free_port()
        self.assert_test_error(self.create_system(endpoint=closed), "connection")
        # a name that does not resolve, and an endpoint that is not a URL
        self.assert_test_error(self.create_system(endpoint="http://no-such-host.invalid/x"), "")
        self.assert_test_error(self.create_system(endpoint="ftp://example.com/"), "URL")

    # push
    def test_status_push_delivered(self):
        s = self.active_system()
        self.sync(s, "P-1-" + self.store)
        rid = "P-1-" + self.store
        self.put_status(rid, "arrived", arrival_time="2030-02-15T18:05:00")
        got = wait_for(lambda: self.pushes(rid), what="the push")
        e = got[0]
        self.assertEqual(e["path"], "/reservations/%s/status" % rid)
        self.assertEqual(e["headers"]["authorization"], "Bearer " + KEY)
        self.assertEqual(e["headers"]["content-type"], "application/json")
        b = e["body"]
        self.assertEqual(set(b), {"reservation_id", "external_id", "status", "arrival_time",
                                  "table_number", "changed_at", "change_id"})
        self.assertEqual((b["reservation_id"], b["external_id"], b["status"], b["arrival_time"],
                          b["table_number"]),
                         (rid, "yd-" + rid, "arrived", "2030-02-15T18:05:00", None))
        self.assertRegex(b["change_id"], r"^%s:\d+-\d+$" % self.store)
        r = wait_for(lambda: (lambda x: x if x["sync_status"] == "success" else None)(
            self.reservation(rid)), what="sync_status success")
        self.assertIsNotNone(r["synced_at"])
        # The sync itself (provider data) is not pushed back: one push in all.
        time.sleep(0.3)
        self.assertEqual(len(self.pushes(rid)), 1)

    def test_outage_then_recovery_delivers_each_change_once(self):
        s = self.active_system()
        rid = "P-2-" + self.store
        self.sync(s, rid)
        self.fake.mode("fail", 503)
        self.put_status(rid, "arrived")
        self.put_status(rid, "seated", table_number="A08")
        wait_for(lambda: len(self.pushes(rid)) >= 2, what="failed attempts")
        self.assertEqual(self.reservation(rid)["sync_status"], "pending")
        self.fake.mode("ok")
        wait_for(lambda: self.reservation(rid)["sync_status"] == "success", what="recovery")
        accepted = {}
        for e in self.pushes(rid):
            if e["reply"] == 200:
                accepted[e["body"]["change_id"]] = accepted.get(e["body"]["change_id"], 0) + 1
        self.assertEqual(sorted(accepted.values()), [1, 1], accepted)
        order = [e["body"]["status"] for e in self.pushes(rid) if e["reply"] == 200]
        self.assertEqual(order, ["arrived", "seated"])
        self.assertEqual(
            [e["body"]["table_number"] for e in self.pushes(rid) if e["reply"] == 200],
            [None, "A08"])

    def test_permanent_failure_logged_then_resync(self):
        s = self.active_system()
        rid = "P-3-" + self.store
        self.sync(s, rid)
        self.fake.mode("fail", 400)
        self.put_status(rid, "cancelled")
        r = wait_for(lambda: (lambda x: x if x["sync_status"] == "failed" else None)(
            self.reservation(rid)), what="sync_status failed")
        self.assertIn("HTTP 400", r["sync_error"])
        self.assertEqual(len(self.pushes(rid)), 1)  # a 400 is never retried
        st, _, body = self.req("GET", API + "/sync/failures?store_id=" + self.store,
                               token=self.sc.token("staff", [self.store]))
        self.assertEqual(st, 200, body)
        self.assertEqual(body["count"], 1)
        f = body["failures"][0]
        self.assertEqual((f["reservation_id"], f["status"]), (rid, "cancelled"))
        self.assertIn("HTTP 400", f["error"])
        self.assertIsInstance(f["failed_at"], str)
        # store confinement and roles
        st, _, _ = self.req("GET", API + "/sync/failures?store_id=" + self.store,
                            token=self.sc.token("staff", ["other"]))
        self.assertEqual(st, 403)
        st, _, _ = self.req("POST", API + "/reservation/%s/resync" % s["id"],
                            token=self.sc.token("floor_manager"))
        self.assertEqual(st, 403)
        st, _, body = self.req("POST", API + "/reservation/%s/resync" % s["id"],
                               {"reservation_id": "nope"})
        self.assertEqual(st, 404, body)
        # Yiding recovers; a manual re-sync delivers it and clears the failure.
        self.fake.mode("ok")
        st, _, body = self.req("POST", API + "/reservation/%s/resync" % s["id"],
                               token=self.sc.token("customer_manager"))
        self.assertEqual((st, body["requeued"]), (200, 1), body)
        wait_for(lambda: self.reservation(rid)["sync_status"] == "success", what="resync")
        ok = [e for e in self.pushes(rid) if e["reply"] == 200]
        self.assertEqual(len(ok), 1)
        self.assertEqual(ok[0]["body"]["status"], "cancelled")
        st, _, body = self.req("GET", API + "/sync/failures?store_id=" + self.store)
        self.assertEqual(body["count"], 0, body)
        self.assertIsNone(self.reservation(rid)["sync_error"])

    def test_retries_exhausted_reports_failed(self):
        s = self.active_system()
        rid = "P-4-" + self.store
        self.sync(s, rid)
        self.fake.mode("fail", 503)
        self.put_status(rid, "arrived")
        r = wait_for(lambda: (lambda x: x if x["sync_status"] == "failed" else None)(
            self.reservation(rid)), what="gave up")
        self.assertIn("gave up after 4 attempts", r["sync_error"])
        self.assertEqual(len(self.pushes(rid)), 4)
        self.fake.mode("ok")
        st, _, body = self.req("POST", API + "/reservation/%s/resync" % s["id"],
                               {"reservation_id": rid})
        self.assertEqual((st, body["requeued"]), (200, 1), body)
        wait_for(lambda: self.reservation(rid)["sync_status"] == "success", what="resync one")

    # pull
    def test_pull_brings_provider_reservations(self):
        s = self.active_system()
        raw_item = {"reservation_id": "PULL-1-" + self.store, "store_id": self.store,
                    "external_id": "yd-pull-1", "customer_name": "李四", "customer_count": 3,
                    "reservation_date": "2030-03-01T00:00:00", "reservation_time": "12:00-13:00",
                    "status": "confirmed", "updated_at": "2030-01-01T10:00:00",
                    "provider_only_field": "保留"}
        more = [{"reservation_id": "PULL-%d-%s" % (i, self.store), "store_id": self.store,
                 "reservation_date": "2030-03-02", "status": "pending",
                 "updated_at": "2030-01-01T11:%02d:00" % i} for i in range(2, 5)]
        other = {"reservation_id": "PULL-X-" + self.store, "store_id": "elsewhere",
                 "reservation_date": "2030-03-02", "updated_at": "2030-01-01T12:00:00"}
        self.fake.add_reservations([raw_item] + more + [other])
        st, _, _ = self.req("POST", API + "/systems/%s/pull" % s["id"],
                            token=self.sc.token("staff"))
        self.assertEqual(st, 403)
        st, _, body = self.req("POST", API + "/systems/%s/pull" % s["id"])
        self.assertEqual(st, 200, body)
        self.assertEqual((body["pulled"], body["created"], body["failed"]), (4, 4, 0), body)
        self.assertEqual(body["last_pull_at"], "2030-01-01T11:04:00")
        stored = pairs(self.r.call("RESV.SYSTEM.GET", s["id"]))
        self.assertEqual(stored["last_pull_at"], "2030-01-01T11:04:00")
        pulls = [e for e in self.fake.received() if e["path"] == "/reservations"]
        self.assertEqual(pulls[0]["query"]["store_id"], self.store)
        self.assertNotIn("updated_since", pulls[0]["query"])
        rid = raw_item["reservation_id"]
        r = self.reservation(rid)
        self.assertEqual((r["customer_name"], r["external_reservation_id"], r["system_id"]),
                         ("李四", "yd-pull-1", s["id"]))
        st, _, hist = self.req("GET", API + "/reservation/%s/history" % rid)
        self.assertEqual(st, 200, hist)
        h = hist["history"][0]
        self.assertEqual(h["origin"], "pull")
        self.assertEqual(json.loads(h["payload"]), raw_item)  # provider-only fields kept
        # The next pull asks from last_pull_at on and changes nothing.
        st, _, body = self.req("POST", API + "/systems/%s/pull" % s["id"])
        self.assertEqual((st, body["created"], body["updated"]), (200, 0, 0), body)
        pulls = [e for e in self.fake.received() if e["path"] == "/reservations"]
        self.assertEqual(pulls[-1]["query"]["updated_since"], "2030-01-01T11:04:00")
        # Provider down: 502 with the reason.
        self.fake.mode("fail", 503)
        st, _, body = self.req("POST", API + "/systems/%s/pull" % s["id"])
        self.assertEqual(st, 502, body)
        self.assertIn("HTTP 503", body["error"]["message"])
        # ... and the system's last_error says so, until the next pull succeeds
        stored = pairs(self.r.call("RESV.SYSTEM.GET", s["id"]))
        self.assertIn("pull failed", stored["last_error"])
        self.assertIn("HTTP 503", stored["last_error"])
        self.fake.mode("ok")
        st, _, body = self.req("POST", API + "/systems/%s/pull" % s["id"])
        self.assertEqual(st, 200, body)
        self.assertEqual("", pairs(self.r.call("RESV.SYSTEM.GET", s["id"]))["last_error"])
        self.assertEqual("2030-01-01T11:04:00",
                         pairs(self.r.call("RESV.SYSTEM.GET", s["id"]))["last_pull_at"])

    def test_history_keeps_webhook_payload_byte_for_byte(self):
        s = self.create_system()
        rid = "H-1-" + self.store
        raw = ('{"event": "reservation.created",  "data": {"reservation_id": "%s", '
               '"reservation_date": "2030-02-15", "customer_name": "王五\\u4e00", '
               '"x": [1, 2.50]}}' % rid).encode()
        st, _, body = self.req("POST", API + "/webhooks/reservation/" + s["id"], raw)
        self.assertEqual(st, 200, body)
        st, _, hist = self.req("GET", API + "/reservation/%s/history" % rid)
        self.assertEqual(hist["history"][0]["payload"].encode(), raw)

    # Server-Sent Events
    def webhook(self, system, event, data):
        st, _, body = self.req("POST", API + "/webhooks/reservation/" + system["id"],
                               {"event": event, "data": data})
        self.assertEqual(st, 200, body)

    def test_events_stream_and_resume(self):
        s = self.create_system()
        rid = "E-1-" + self.store
        path = API + "/events?store_id=" + self.store
        st, _, _ = self.req("GET", path, token=self.sc.token("staff", ["other"]))
        self.assertEqual(st, 403)
        st, _, _ = self.req("GET", API + "/events")
        self.assertEqual(st, 400)
        # a change before the stream opens is not replayed without Last-Event-ID
        self.webhook(s, "reservation.created", {"reservation_id": "E-0-" + self.store,
                                                "reservation_date": "2030-02-15"})
        sse = SseReader(self.sc.port, path, self.sc.token("staff", [self.store]))
        self.assertEqual(sse.status, 200)
        self.assertTrue(sse.headers["content-type"].startswith("text/event-stream"))
        self.webhook(s, "reservation.created", {"reservation_id": rid,
                                                "reservation_date": "2030-02-15",
                                                "status": "confirmed"})
        self.put_status(rid, "arrived")
        self.webhook(s, "reservation.cancelled", {"reservation_id": rid})
        evs = [sse.next_event() for _ in range(3)]
        self.assertEqual([e["event"] for e in evs], ["created", "status", "cancelled"])
        for e in evs:
            self.assertEqual(e["data"]["id"], e["id"])
            self.assertEqual(e["data"]["reservation_id"], rid)
            self.assertEqual(e["data"]["store_id"], self.store)
        self.assertEqual([e["data"]["status"] for e in evs], ["confirmed", "arrived", "cancelled"])
        sse.close()
        # Changes while disconnected come back, once, after the last id seen.
        wait_for(lambda: "resv_sidecar_sse_clients 0" in self.req("GET", "/metrics")[2],
                 what="the stream to close")
        rid2 = "E-2-" + self.store
        self.webhook(s, "reservation.created", {"reservation_id": rid2,
                                                "reservation_date": "2030-02-16"})
        self.webhook(s, "reservation.updated", {"reservation_id": rid2, "notes": "靠窗"})
        sse = SseReader(self.sc.port, path, self.admin, last_event_id=evs[1]["id"])
        got = [sse.next_event() for _ in range(3)]
        self.assertEqual([(e["event"], e["data"]["reservation_id"]) for e in got],
                         [("cancelled", rid), ("created", rid2), ("updated", rid2)])
        self.assertEqual(got[0]["id"], evs[2]["id"])
        ids = [e["id"] for e in evs] + [e["id"] for e in got[1:]]
        self.assertEqual(len(set(ids)), len(ids))
        sse.close()
        st, _, _ = self.req("GET", path, headers={"Last-Event-ID": "not-an-id"})
        self.assertEqual(st, 400)


class OpenapiRoutesTest(unittest.TestCase):
    def test_openapi_lists_every_route(self):
        """docs/openapi.json and the routing table of sidecar/routes.c name the same
        method and path pairs."""
        import re
        top = os.path.dirname(os.path.dirname(HERE))
        with open(os.path.join(top, "sidecar/routes.c")) as f:
            src = f.read()
        table = src[src.index("routes[] = {"):src.index("#define NROUTES")]
        routes = set()
        for method, prefix, path in re.findall(
                r'\{EVHTTP_REQ_(\w+),\s*(API\s*)?"([^"]+)"', table):
            full = (API if prefix else "") + path
            routes.add((method.lower(), re.sub(r"\{\}", "{}", full)))
        with open(os.path.join(top, "docs/openapi.json")) as f:
            spec = json.load(f)
        documented = {(m, re.sub(r"\{[^}]+\}", "{}", p))
                      for p, ops in spec["paths"].items() for m in ops}
        self.assertGreater(len(routes), 15)
        self.assertEqual(routes, documented)


if __name__ == "__main__":
    unittest.main()
