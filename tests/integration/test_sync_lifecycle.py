"""The sync machinery over time: the scheduled pull, HTTPS to the provider (peer and
host name verification, --provider-ca-file), event streams kept open by keep-alives
past the idle timeout, the bound on streams, and SIGTERM with streams open and a
provider call in flight."""
import http.server
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from fake_yiding import FakeYiding  # noqa: E402
from harness import Redis, pairs  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402
from test_sync_roundtrip import SseReader, wait_for  # noqa: E402


def self_signed(dirname, name, san):
    key, crt = os.path.join(dirname, name + ".key"), os.path.join(dirname, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + name, "-addext", "subjectAltName=" + san,
                    "-keyout", key, "-out", crt], check=True, capture_output=True)
    return key, crt


class PingHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        data = b'{"ok": true}'
        self.send_response(200 if self.path.endswith("/ping") else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def tls_server(key, crt):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PingHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class SyncLifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="resv-tls-")
        cls.good = self_signed(cls.tmp, "localhost", "DNS:localhost,IP:127.0.0.1")
        cls.other = self_signed(cls.tmp, "other", "DNS:other.example")
        cls.tls_good = tls_server(*cls.good)
        cls.tls_other = tls_server(*cls.other)
        cls.fake = FakeYiding(api_key="k").start()
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port, extra_args=[
            "--provider-timeout", "2", "--pull-interval", "1", "--systems-refresh-ms", "100",
            "--push-interval-ms", "50", "--sse-poll-ms", "50", "--sse-heartbeat", "1",
            "--timeout", "1", "--sse-max-clients", "2", "--shutdown-timeout", "3",
            "--provider-ca-file", cls.good[1]])
        cls.admin = cls.sc.token("admin")

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()
        cls.r.close()
        cls.redis.close()
        cls.fake.stop()
        cls.tls_good.shutdown()
        cls.tls_other.shutdown()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def req(self, method, path, body=None, token=None, headers=None):
        return self.sc.request(method, path, body=body, token=token or self.admin,
                               headers=headers)

    def system(self, store, endpoint, key="k"):
        st, _, s = self.req("POST", API + "/systems", {
            "name": "易订", "store_id": store,
            "config": {"api_endpoint": endpoint, "api_key": key, "webhook_signature": "none"}})
        self.assertEqual(st, 201, s)
        return s

    def probe(self, s):
        st, _, body = self.req("POST", API + "/systems/%s/test" % s["id"])
        self.assertEqual(st, 200, body)
        return body

    def test_1_https_verifies_peer_and_name(self):
        port = self.tls_good.server_address[1]
        for host in ("localhost", "127.0.0.1"):
            body = self.probe(self.system("tls-1", "https://%s:%d/api" % (host, port)))
            self.assertIs(body["success"], True, body)
        # a certificate the CA file does not hold
        body = self.probe(self.system(
            "tls-2", "https://127.0.0.1:%d/api" % self.tls_other.server_address[1]))
        self.assertIs(body["success"], False)
        self.assertIn("certificate verify failed", body["error"])
        # plain HTTP spoken to a TLS port, and TLS to a plain HTTP port, fail cleanly
        body = self.probe(self.system("tls-3", "https://127.0.0.1:%d" % self.fake.port))
        self.assertIs(body["success"], False)
        self.assertIn("TLS", body["error"])

    def test_2_scheduled_pull(self):
        store = "pull-sched"
        self.fake.add_reservations([{"reservation_id": "SCHED-1", "store_id": store,
                                     "reservation_date": "2030-05-01",
                                     "updated_at": "2030-01-01T09:00:00"}])
        s = self.system(store, self.fake.url)
        self.assertIs(self.probe(s)["success"], True)
        wait_for(lambda: self.r.call("RESV.GET", store, "SCHED-1"), timeout=5,
                 what="the scheduled pull")
        wait_for(lambda: pairs(self.r.call("RESV.SYSTEM.GET", s["id"])).get("last_pull_at")
                 == "2030-01-01T09:00:00", timeout=5, what="last_pull_at")
        self.fake.add_reservations([{"reservation_id": "SCHED-2", "store_id": store,
                                     "reservation_date": "2030-05-02",
                                     "updated_at": "2030-01-01T09:30:00"}])
        wait_for(lambda: self.r.call("RESV.GET", store, "SCHED-2"), timeout=5,
                 what="the next scheduled pull")
        since = [e["query"].get("updated_since") for e in self.fake.received()
                 if e["path"] == "/reservations" and e["query"].get("store_id") == store]
        self.assertIn("2030-01-01T09:00:00", since)
        hist = self.r.call("RESV.HISTORY", store, "SCHED-2")
        self.assertEqual(pairs(hist[0])["origin"], "pull")
        # An inactive system is not pulled any more.
        self.r.call("RESV.SYSTEM.SET", s["id"], "status", "inactive")
        time.sleep(0.3)
        n = len(self.fake.received())
        time.sleep(1.5)
        self.assertEqual(len([e for e in self.fake.received()[n:]
                              if e["query"].get("store_id") == store]), 0)

    def test_3_streams_outlive_idle_timeout_and_are_bounded(self):
        store = "sse-life"
        s = self.system(store, self.fake.url)
        path = API + "/events?store_id=" + store
        a = SseReader(self.sc.port, path, self.admin)
        b = SseReader(self.sc.port, path, self.admin)
        self.assertEqual((a.status, b.status), (200, 200))
        st, _, body = self.req("GET", path)
        self.assertEqual(st, 503, body)
        self.assertEqual(body["error"]["code"], "too_many_streams")
        time.sleep(2.5)  # past --timeout 1: keep-alives hold the streams open
        st, _, _ = self.req("POST", API + "/webhooks/reservation/" + s["id"], {
            "event": "reservation.created",
            "data": {"reservation_id": "SSE-L-1", "reservation_date": "2030-01-01"}})
        self.assertEqual(st, 200)
        self.assertEqual(a.next_event()["data"]["reservation_id"], "SSE-L-1")
        self.assertEqual(b.next_event()["event"], "created")
        b.close()
        wait_for(lambda: "resv_sidecar_sse_clients 1" in self.req("GET", "/metrics")[2],
                 what="the closed stream to be noticed")
        a.close()

    def test_9_sigterm_ends_streams_and_provider_calls(self):
        store = "sse-term"
        self.system(store, self.fake.url)
        hanging = self.system("term-2", self.fake.url)
        sse = SseReader(self.sc.port, API + "/events?store_id=" + store, self.admin)
        self.fake.mode("hang")
        result = {}
        # Only a probe of this test counts: earlier tests pinged the fake provider too.
        seen = len(self.fake.received())

        def probe():
            result["r"] = self.sc.request("POST", API + "/systems/%s/test" % hanging["id"],
                                          token=self.admin)
        t = threading.Thread(target=probe)
        t.start()
        wait_for(lambda: any(e["path"] == "/api/ping" or e["path"] == "/ping"
                             for e in self.fake.received()[seen:]), what="the hanging probe")
        t0 = time.time()
        self.sc.proc.send_signal(signal.SIGTERM)
        with self.assertRaises(EOFError):
            while True:
                sse.next_event(timeout=5)
        rc = self.sc.proc.wait(10)
        elapsed = time.time() - t0
        t.join(10)
        self.fake.mode("ok")
        self.assertEqual(rc, 0, self.sc.log())
        self.assertLess(elapsed, 3.5)
        st, _, body = result["r"]
        # the probe ends by its own 2 s timeout within the drain, or is refused at exit
        self.assertIn(st, (200, 503), body)
        sse.close()


if __name__ == "__main__":
    unittest.main()
