"""Redis named by a host name: the sidecar looks it up with libevent's evdns, never with a
blocking getaddrinfo() on the loop. `--redis localhost:PORT` works (a name of
/etc/hosts, answered at once). Against a name server of our own (a UDP responder here,
`dns-server` pointing the sidecar at it): a slow answer still connects; while the name
server does not answer at all, the one worker's loop keeps answering every request at
once, the lookup is given up after the connect timeout and tried again, and SIGTERM
with a lookup under way exits cleanly (ASan checks for leaks at exit)."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis  # noqa: E402
from sidecar_harness import API, SIDECAR, NameServer, Sidecar, sidecar_env  # noqa: E402

NAME = "redis.test"


def full_log(sc):
    with open(sc.log_path, errors="replace") as f:
        return f.read()


def wait_for(cond, timeout, what):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class SidecarDnsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)

    @classmethod
    def tearDownClass(cls):
        cls.redis.close()

    def test_localhost(self):
        sc = Sidecar(self.redis.port, redis_addr="localhost:%d" % self.redis.port,
                     extra_args=["--workers", "1"])
        try:
            admin = sc.token("admin")
            st, _, sysm = sc.request("POST", API + "/systems", {
                "name": "易订", "type": "reservation", "provider": "Yiding",
                "store_id": "dns-store", "config": {"api_endpoint": "http://127.0.0.1:9/x"}},
                token=admin)
            self.assertEqual(201, st, sysm)
            st, _, b = sc.request("POST", API + "/reservation/%s/sync" % sysm["id"], {
                "reservation_id": "DNS-1", "reservation_date": "2024-02-15T00:00:00",
                "customer_name": "张三", "customer_count": 2}, token=admin)
            self.assertEqual(201, st, b)
            st, _, b = sc.request("GET", API + "/reservation/DNS-1", token=admin)
            self.assertEqual((200, "dns-store"), (st, b["store_id"]), b)
            self.assertIn("redis localhost:%d connected (127.0.0.1)" % self.redis.port, sc.log())
        finally:
            self.assertEqual(0, sc.close(), sc.log())

    def kick(self):
        """Drops the sidecar's Redis connection: it reconnects, looking the name up again."""
        c = self.redis.client()
        try:
            c.call("CLIENT", "KILL", "TYPE", "normal")
        finally:
            c.close()

    def test_slow_and_silent_name_server(self):
        ns = NameServer(NAME)
        ns.delay = 0.3
        sc = None
        try:
            # One worker: every request below is served by the loop doing the lookups.
            sc = Sidecar(self.redis.port, redis_addr="%s:%d" % (NAME, self.redis.port),
                         extra_args=["--workers", "1", "--dns-server", "127.0.0.1:%d" % ns.port,
                                     "--redis-connect-timeout-ms", "1000",
                                     "--redis-reconnect-ms", "200"])
            # A 0.3 s answer is within the connect timeout: connected through our server.
            self.assertGreaterEqual(ns.lookups, 1)
            self.assertIn("redis %s:%d connected (127.0.0.1)" % (NAME, self.redis.port),
                          sc.log())

            # The name server goes silent and the connection drops: the reconnect's
            # lookup hangs. The loop answers at once meanwhile, and gives the lookup up
            # after the connect timeout (1 s) to try again.
            ns.mode = "silent"
            before = ns.lookups
            self.kick()
            wait_for(lambda: ns.lookups > before, 5, "a lookup while the server is silent")
            slowest, statuses, start = 0.0, set(), time.time()
            while time.time() - start < 2.6:
                t = time.time()
                st, _, _ = sc.request("GET", "/healthz", timeout=5)
                slowest = max(slowest, time.time() - t)
                statuses.add(st)
                t = time.time()
                self.assertEqual(200, sc.request("GET", "/openapi.json", timeout=5)[0])
                slowest = max(slowest, time.time() - t)
                time.sleep(0.05)
            self.assertEqual({503}, statuses)
            self.assertLess(slowest, 0.5, "a request waited for the name server")
            self.assertGreaterEqual(ns.lookups, before + 2, "the lookup was not tried again")
            self.assertIn("looking up %s timed out" % NAME, full_log(sc))

            # It answers again: the next lookup connects.
            ns.mode = "answer"
            wait_for(lambda: sc.request("GET", "/healthz")[0] == 200, 10, "reconnect")

            # A name server that never answers AAAA: the A answer is used at once, not
            # after evdns's 3 s wait for the other half (longer than the connect timeout).
            ns.mode, ns.delay = "no-aaaa", 0.0
            self.kick()
            t = time.time()
            wait_for(lambda: sc.request("GET", "/healthz")[0] == 200, 10, "reconnect")
            self.assertLess(time.time() - t, 2.5, "waited for the AAAA answer")

            # A name that does not exist: said once, retried.
            ns.mode, ns.delay = "nxdomain", 0.0
            self.kick()
            wait_for(lambda: "cannot look up %s" % NAME in full_log(sc), 5, "the NXDOMAIN")
            ns.mode = "answer"
            wait_for(lambda: sc.request("GET", "/healthz")[0] == 200, 10, "reconnect")

            # SIGTERM while a lookup hangs: a clean, prompt exit.
            ns.mode = "silent"
            before = ns.lookups
            self.kick()
            wait_for(lambda: ns.lookups > before, 5, "a lookup while the server is silent")
            t = time.time()
            rc = sc.stop()
            log = full_log(sc)
            sc.close()
            sc = None
            self.assertEqual(0, rc, log)
            self.assertLess(time.time() - t, 3, log)
            self.assertNotIn("ERROR", log)
        finally:
            if sc:
                sc.close()
            ns.close()

    def test_bad_dns_server(self):
        """dns-server takes an address: a name is refused at start, naming the option."""
        p = subprocess.run([SIDECAR, "--listen", "127.0.0.1:0", "--redis",
                            "127.0.0.1:%d" % self.redis.port, "--dns-server", "ns.example"],
                           capture_output=True, text=True, timeout=20, env=sidecar_env())
        self.assertNotEqual(0, p.returncode)
        self.assertIn("bad dns-server ns.example", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
