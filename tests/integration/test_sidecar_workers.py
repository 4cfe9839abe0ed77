"""Several worker loops in one sidecar (--workers N): one port shared with SO_REUSEPORT,
each loop with its own Redis connection; /metrics sums them and shows each worker's
requests; the connection bound is the process's; SIGTERM drains every loop and the
process exits 0."""
import http.client
import os
import re
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402


def metrics(sc):
    st, _, text = sc.request("GET", "/metrics")
    assert st == 200, text
    return text


def value(text, name):
    m = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    assert m, "no %s in /metrics" % name
    return int(m.group(1))


class WorkersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        cls.redis.close()

    def start(self, *args):
        sc = Sidecar(self.redis.port, extra_args=list(args))
        self.addCleanup(sc.close)
        return sc

    def test_two_workers_share_the_port(self):
        sc = self.start("--workers", "2")
        self.r.call("RESV.UPSERT", "store-w", "RES-W1", "customer_name", "张三",
                    "reservation_date", "2024-02-15T00:00:00", "status", "confirmed")
        token = sc.token("admin")

        def counts():
            text = metrics(sc)
            per = [value(text, 'resv_sidecar_worker_http_requests_total{worker="%d"}' % i)
                   for i in range(2)]
            total = sum(value(text, 'resv_sidecar_http_requests_total{code="%dxx"}' % i)
                        for i in range(1, 6))
            # The sums are over both loops (a /metrics request is counted once answered).
            self.assertEqual(total, sum(per))
            self.assertEqual(value(text, "resv_sidecar_workers"), 2)
            return per, total

        per0, total0 = counts()
        # New connections are spread by the kernel over the two listening sockets: with
        # 64 of them, a worker left without any would be a 1 in 2^63 chance.
        for _ in range(64):
            st, _, body = sc.request("GET", API + "/reservation/RES-W1", token=token)
            self.assertEqual((st, body["customer_name"]), (200, "张三"))
        # Another loop's counters are its snapshot, at most half a second old.
        deadline = time.time() + 3
        while True:
            per, total = counts()
            if all(a > b for a, b in zip(per, per0)) and total - total0 >= 64 + 1 \
                    or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertTrue(all(a > b for a, b in zip(per, per0)), (per0, per))
        # the reads, the first /metrics and those of the wait
        self.assertGreaterEqual(total - total0, 64 + 1)
        # 1 once every loop's snapshot says its connection is up (a snapshot is at most
        # half a second old; under ASan a loop's first connect can take longer)
        deadline = time.time() + 5
        while value(metrics(sc), "resv_sidecar_redis_up") != 1 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(value(metrics(sc), "resv_sidecar_redis_up"), 1)
        rc = sc.stop()
        self.assertEqual(rc, 0, sc.log())
        self.assertEqual(sc.log().count("shutting down"), 2, sc.log())

    def test_sigterm_drains_every_worker(self):
        # Requests held open on both workers when SIGTERM comes: each is answered (or
        # refused cleanly), and the process exits 0.
        sc = self.start("--workers", "2")
        token = sc.token("admin")
        results = []

        def hammer():
            for _ in range(30):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", sc.port, timeout=10)
                    conn.request("GET", API + "/systems",
                                 headers={"Authorization": "Bearer " + token})
                    results.append(conn.getresponse().status)
                    conn.close()
                except OSError:
                    results.append("closed")

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.time() + 10
        while 200 not in results and time.time() < deadline:
            time.sleep(0.01)
        sc.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join()
        self.assertEqual(sc.stop(), 0, sc.log())
        self.assertTrue(set(results) <= {200, 503, "closed"}, results)
        self.assertIn(200, results)

    def test_connection_bound_is_the_process(self):
        # max-connections 3 over two workers: the fourth open connection is refused,
        # whichever worker it lands on.
        sc = self.start("--workers", "2", "--max-connections", "3")
        token = sc.token("admin")
        held = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", sc.port), timeout=5)
            s.sendall(("GET %s/systems HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                       % (API, token)).encode())
            self.assertIn(b" 200 ", s.recv(65536))
            held.append(s)
        for _ in range(4):
            st, _, body = sc.request("GET", API + "/systems", token=token)
            self.assertEqual((st, body["error"]["code"]), (503, "too_many_connections"))
        for s in held:
            s.close()
        deadline = time.time() + 5
        while sc.request("GET", "/healthz")[0] != 200:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)

    def test_default_and_config_file(self):
        sc = self.start()
        self.assertEqual(value(metrics(sc), "resv_sidecar_workers"), os.cpu_count())
        path = os.path.join(sc.dir, "w.conf")
        with open(path, "w") as f:
            f.write("workers 3\n")
        sc3 = self.start("--config", path)
        self.assertEqual(value(metrics(sc3), "resv_sidecar_workers"), 3)
        self.assertEqual(sc3.stop(), 0, sc3.log())

    def test_bad_workers(self):
        import subprocess
        from sidecar_harness import SIDECAR
        for bad in ("0", "-1", "x", "257"):
            p = subprocess.run([SIDECAR, "--workers", bad, "--listen", "127.0.0.1:1"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("workers must be an integer from 1 to 256", p.stderr)


if __name__ == "__main__":
    unittest.main()
