"""--wait-replicas on a single master with one replica (the cluster case is in
test_cluster_sidecar.py): a write answers 2xx once WAIT says the replicas have it, and
503 not_replicated when fewer acknowledged in time (the write is done on the master);
reads never wait."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, pairs  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402


class SidecarWaitReplicas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.master = Redis(aof=False)
        cls.replica = Redis(replicaof=cls.master.port, aof=False)
        cls.m, cls.r = cls.master.client(), cls.replica.client()
        deadline = time.time() + 20
        while "slave0:" not in cls.m.call("INFO", "replication") or \
                "state=online" not in cls.m.call("INFO", "replication"):
            if time.time() > deadline:
                raise RuntimeError("replica never came online")
            time.sleep(0.05)
        cls.m.call("RESV.SYSTEM.CREATE", "id", "sys-w", "store_id", "w1", "name", "x")

    @classmethod
    def tearDownClass(cls):
        cls.m.close()
        cls.r.close()
        cls.replica.close()
        cls.master.close()

    def run_with(self, n, rid):
        sc = Sidecar(self.master.port, extra_args=["--wait-replicas", str(n),
                                                   "--wait-replicas-timeout-ms", "200"])
        try:
            admin = sc.token("admin")
            sync = sc.request("POST", API + "/reservation/sys-w/sync",
                              {"reservation_id": rid, "reservation_date": "2024-02-15"},
                              token=admin)
            read = sc.request("GET", API + "/reservation/" + rid, token=admin)
            return sync, read
        finally:
            self.assertEqual(0, sc.close(), sc.log())

    def test_one_replica_acknowledges(self):
        (code, _, body), (rcode, _, _) = self.run_with(1, "W-1")
        self.assertEqual((code, body["result"], rcode), (201, "created", 200))
        # Acknowledged means on the replica: it is there at once.
        self.assertEqual("W-1", pairs(self.r.call("RESV.GET", "w1", "W-1"))["reservation_id"])

    def test_more_replicas_than_there_are(self):
        (code, _, body), (rcode, _, got) = self.run_with(2, "W-2")
        self.assertEqual((code, body["error"]["code"]), (503, "not_replicated"), body)
        self.assertIn("1 of 2 replicas", body["error"]["message"])
        # The write is done on the master, and reads do not wait.
        self.assertEqual((rcode, got["reservation_id"]), (200, "W-2"))
        self.assertIsNotNone(self.m.call("RESV.GET", "w1", "W-2"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
