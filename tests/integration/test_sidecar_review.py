"""Defects found reviewing the sidecar's split into rooms, each shown against a real
sidecar and redis-server: what a caller saw before the fix."""
import http.server
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402


class HeldProvider:
    """A provider whose pull page waits until release(): the test decides what happens
    to Redis while the sidecar waits for the page."""

    def __init__(self, items):
        self.asked = threading.Event()
        self.go = threading.Event()
        held = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                held.asked.set()
                held.go.wait(20)
                body = json.dumps({"reservations": items, "next_cursor": None}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.go.set()
        self.server.shutdown()
        self.server.server_close()


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

    def test_pull_asked_while_draining_is_503_not_400(self):
        """SIGTERM while the pull's system lookup waits on Redis: the pull cannot start
        any more, which is the server shutting down (503), not a bad request (400)."""
        prov = HeldProvider([])
        redis = Redis(aof=False)
        sc = Sidecar(redis.port, ["--pull-interval", "0", "--shutdown-timeout", "5"])
        try:
            admin = sc.token("admin")
            st, _, s = sc.request("POST", API + "/systems",
                                  {"name": "held", "store_id": "pull-drain", "provider": "yiding",
                                   "config": {"api_endpoint": prov.url, "api_key": "k"}},
                                  token=admin)
            self.assertEqual(st, 201, s)
            blocker = redis.client()
            got = {}

            def pull():
                got["reply"] = sc.request("POST", API + "/systems/%s/pull" % s["id"],
                                          token=admin, timeout=30)

            blocker.send("DEBUG", "SLEEP", "0.8")
            t = threading.Thread(target=pull)
            t.start()
            time.sleep(0.3)
            sc.proc.send_signal(signal.SIGTERM)
            t.join(30)
            blocker.read()
            blocker.close()
            st, h, b = got["reply"]
            self.assertEqual(st, 503, b)
            self.assertEqual(b["error"]["code"], "shutting_down", b)
            self.assertFalse(prov.asked.is_set(), "the provider was asked while draining")
            self.assertEqual(sc.proc.wait(10), 0, sc.log())
        finally:
            prov.close()
            sc.close()
            redis.close()


if __name__ == "__main__":
    unittest.main()
