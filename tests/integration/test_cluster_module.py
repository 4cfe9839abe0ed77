"""The module on a real local Redis Cluster (3 masters, 3 replicas, scripts/cluster.sh):
100 stores spread over the three masters, each store's commands routed to its slot and
answering there; replicas hold what their master holds; systems live in one slot and
every node's routing sees all of them; a store's slot migrated by hand answers TRYAGAIN
on the importing node until it is handed over; the no-show sweep runs on each store's
master only, and follows a store migrated to another master."""
import collections
import os
import sys
import time
import unittest
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import Cluster, ClusterClient, key_slot  # noqa: E402
from harness import RespError, pairs  # noqa: E402

STORES = ["store-%03d" % i for i in range(100)]
SYS_SLOT = 4607  # key_slot("resv:{#sys}:all"); docs/keys.md


class ClusterModule(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        cls.cc = ClusterClient(cls.cluster)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def node(self, port):
        return self.cluster.node(port)

    def upsert(self, store, rid, status, time):
        return self.cc.call("RESV.UPSERT", store, rid, "customer_name", "客人 " + rid,
                            "customer_count", "2", "reservation_date", "2024-02-15T00:00:00",
                            "reservation_time", time, "status", status, key=store)

    def test_cluster_shape(self):
        self.assertEqual(6, len(self.cluster.ports))
        ranges = self.cluster.slot_ranges()
        self.assertEqual(3, len(self.cluster.masters()))
        self.assertEqual(16384, sum(last - first + 1 for first, last, _, _ in ranges))
        for _, _, master, replicas in ranges:
            self.assertEqual(1, len(replicas), ranges)
        for p in self.cluster.ports:
            info = self.node(p).call("CLUSTER", "INFO")
            self.assertIn("cluster_state:ok", info)
            mods = self.node(p).call("MODULE", "LIST")
            self.assertIn("resv", [pairs(m)["name"] for m in mods])
            self.assertEqual(["yes"], self.node(p).call("CONFIG", "GET", "appendonly")[1:])

    def test_stores_spread_over_masters(self):
        masters = self.cluster.masters()
        per_master = collections.Counter()
        for i, st in enumerate(STORES):
            self.assertEqual("created", self.upsert(st, "C-%03d" % i, "pending", "19:00-21:00"))
            self.assertEqual("created", self.upsert(st, "C-%03d-b" % i, "confirmed", "18:00"))
            owner = self.cc.port_for(st)
            per_master[owner] += 1
            # The store's keys are on the master of its slot, and on no other master.
            slot = key_slot(st)
            for m in masters:
                n = self.node(m).call("CLUSTER", "COUNTKEYSINSLOT", str(slot))
                if m == owner:
                    self.assertGreaterEqual(n, 2, (st, m))
                else:
                    self.assertEqual(0, n, (st, m, owner))
        self.assertEqual(set(masters), set(per_master), per_master)
        self.assertGreaterEqual(min(per_master.values()), 20, per_master)

        for i, st in enumerate(STORES):
            rid, rid_b = "C-%03d" % i, "C-%03d-b" % i
            got = pairs(self.cc.call("RESV.GET", st, rid, key=st))
            self.assertEqual((st, rid, "pending", "客人 " + rid),
                             (got["store_id"], got["reservation_id"], got["status"],
                              got["customer_name"]))
            # By start instant: 18:00 before 19:00.
            cur, items = self.cc.call("RESV.LIST", st, key=st)
            self.assertEqual(("0", [rid_b, rid]),
                             (cur, [pairs(x)["reservation_id"] for x in items]))
            after = pairs(self.cc.call("RESV.STATUS", st, rid, "confirmed", key=st))
            self.assertEqual("confirmed", after["status"])
            cur, items = self.cc.call("RESV.LIST", st, "STATUS", "confirmed", key=st)
            self.assertEqual([rid_b, rid], [pairs(x)["reservation_id"] for x in items])
            stats = pairs(self.cc.call("RESV.STATS", st, "FROM", "2024-02-15", "TO",
                                       "2024-02-15", key=st))
            self.assertEqual((2, 4), (int(stats["total"]), int(stats["covers"])), stats)
            self.assertEqual(["created", "status"],
                             [pairs(e)["event"] for e in self.history(st, rid)])

        # A store's command at another master is redirected to the store's slot, as its
        # key spec declares; the routed client above never needed that.
        st = STORES[0]
        owner = self.cc.port_for(st)
        other = next(m for m in masters if m != owner)
        e = self.node(other).try_call("RESV.GET", st, "C-000")
        self.assertIsInstance(e, RespError)
        self.assertEqual("MOVED %d 127.0.0.1:%d" % (key_slot(st), owner), str(e))

        # Every replica holds exactly its master's data once it has caught up.
        for _, _, master, replicas in self.cluster.slot_ranges():
            self.assertGreaterEqual(self.node(master).call("WAIT", "1", "10000"), 1)
            self.assertEqual(self.node(master).call("DEBUG", "DIGEST"),
                             self.node(replicas[0]).call("DEBUG", "DIGEST"), master)

    def test_store_no_show_and_migration(self):
        """The no-show sweep runs on the master of each store, never on a replica, and
        follows a store whose slot is migrated to another master (the destination learns
        of the store from the RESTORE of its settings key)."""
        st = "ns-store"
        now = 1796155200  # 2026-12-01T20:00:00Z, 12:00 in Los Angeles
        local = datetime(2026, 12, 1, 12, 0)
        ports = self.cluster.ports
        try:
            for p in ports:
                self.node(p).call("CONFIG", "SET", "resv.test-clock", str(now))
                self.node(p).call("CONFIG", "SET", "resv.noshow-interval-ms", "50")
            self.cc.call("RESV.STORE.SET", st, "timezone", "America/Los_Angeles",
                         "no_show_after_minutes", "15", key=st)
            for rid, minutes in (("N1", -16), ("N2", 10)):
                start = local + timedelta(minutes=minutes)
                self.cc.call("RESV.UPSERT", st, rid, "reservation_date",
                             start.strftime("%Y-%m-%d"), "reservation_time",
                             start.strftime("%H:%M"), "status", "confirmed", key=st)
            src = self.cc.port_for(st)
            self.wait_status(src, st, "N1", "no_show")
            self.assertEqual("confirmed", pairs(self.node(src).call("RESV.GET", st, "N2"))["status"])
            ranges = self.cluster.slot_ranges()
            for _, _, master, replicas in ranges:
                self.assertGreaterEqual(self.node(master).call("WAIT", "1", "10000"), 1)
                for rp in replicas:
                    info = self.node(rp).call("INFO", "resv")
                    self.assertIn("resv_no_show_sweeps:0", info, rp)
            # the store's slot moves to another master, as redis-cli --cluster reshard does
            slot = key_slot(st)
            dst = next(m for m in self.cluster.masters() if m != src)
            ids = {p: self.node(p).call("CLUSTER", "MYID") for p in (src, dst)}
            self.node(dst).call("CLUSTER", "SETSLOT", str(slot), "IMPORTING", ids[src])
            self.node(src).call("CLUSTER", "SETSLOT", str(slot), "MIGRATING", ids[dst])
            keys = self.node(src).call("CLUSTER", "GETKEYSINSLOT", str(slot), "1000")
            self.assertIn("resv:{%s}:settings" % st, keys)
            self.node(src).call("MIGRATE", "127.0.0.1", str(dst), "", "0", "5000", "KEYS", *keys)
            for m in self.cluster.masters():
                self.node(m).call("CLUSTER", "SETSLOT", str(slot), "NODE", ids[dst])
            # past N2's deadline everywhere: only the new master marks it
            for p in ports:
                self.node(p).call("CONFIG", "SET", "resv.test-clock", str(now + 30 * 60))
            self.wait_status(dst, st, "N2", "no_show")
            autos = [pairs(e) for e in self.node(dst).call("RESV.HISTORY", st, "N1")
                     if pairs(e)["origin"] == "auto"]
            self.assertEqual(1, len(autos))
        finally:
            for p in ports:
                self.node(p).call("CONFIG", "SET", "resv.test-clock", "0")
                self.node(p).call("CONFIG", "SET", "resv.noshow-interval-ms", "30000")
            self.cc.refresh()

    def wait_status(self, port, store, rid, status):
        deadline = time.time() + 15
        while pairs(self.node(port).call("RESV.GET", store, rid))["status"] != status:
            self.assertLess(time.time(), deadline, "%s did not become %s" % (rid, status))
            time.sleep(0.05)

    def history(self, store, rid):
        return self.cc.call("RESV.HISTORY", store, rid, key=store)

    def test_systems_one_slot_any_node(self):
        masters = self.cluster.masters()
        owner = self.cc.port_for("resv:{#sys}:all")
        self.assertEqual(SYS_SLOT, key_slot("resv:{#sys}:all"))
        # Created through each master, following MOVED as redis-cli -c does.
        ids = []
        for i, m in enumerate(masters):
            rec = pairs(self.cc.call("RESV.SYSTEM.CREATE", "name", "易订 %d" % i, "store_id",
                                     STORES[i], "provider", "yiding", start=m))
            ids.append(rec["id"])
        ids.append(pairs(self.cc.call("RESV.SYSTEM.CREATE", "id", "sys-fixed", "store_id",
                                      STORES[3], start=masters[-1]))["id"])
        ids.sort()
        # A node not serving the systems' slot says where it is, exactly as for a key.
        for m in masters:
            r = self.node(m).try_call("RESV.SYSTEM.LIST")
            if m == owner:
                self.assertEqual(ids, sorted(pairs(x)["id"] for x in r))
            else:
                self.assertEqual("MOVED %d 127.0.0.1:%d" % (SYS_SLOT, owner), str(r))
        # Every node's routing sees every system, from the list and one by one.
        for p in self.cluster.ports:
            self.assertEqual(ids, [pairs(x)["id"] for x in
                                   self.cc.call("RESV.SYSTEM.LIST", start=p)], p)
            for y in ids:
                self.assertEqual(y, pairs(self.cc.call("RESV.SYSTEM.GET", y, start=p))["id"])
        # All system keys are on the one master.
        self.assertEqual(len(ids) + 1, len(self.node(owner).call("KEYS", "resv:{#sys}:*")))
        for m in masters:
            if m != owner:
                self.assertEqual([], self.node(m).call("KEYS", "resv:{#sys}:*"))

        other = next(m for m in masters if m != owner)
        s = pairs(self.cc.call("RESV.SYSTEM.SET", "sys-fixed", "status", "active", start=other))
        self.assertEqual("active", s["status"])
        self.assertEqual(1, self.cc.call("RESV.SYSTEM.DEL", "sys-fixed", start=other))
        ids.remove("sys-fixed")
        self.assertEqual(ids, [pairs(x)["id"] for x in
                               self.cc.call("RESV.SYSTEM.LIST", start=other)])
        # A replica refuses a write before the command runs (Redis's READONLY check), so
        # system writes go to masters; reads from a replica are redirected to the master.
        replica = next(p for p in self.cluster.ports if p not in masters)
        e = self.node(replica).try_call("RESV.SYSTEM.CREATE", "store_id", "x")
        self.assertTrue(str(e).startswith("READONLY"), e)
        r = self.node(replica).try_call("RESV.SYSTEM.GET", ids[0])
        self.assertEqual("MOVED %d 127.0.0.1:%d" % (SYS_SLOT, owner), str(r))

    def test_store_slot_migration(self):
        """A store's slot moved by hand: from MIGRATING/IMPORTING until SETSLOT NODE the
        store's commands answer TRYAGAIN on the importing node (they arrive there by ASK,
        since the declared key, the bare store id, never exists), so none runs while
        the store's keys are split; then the new master serves them all. Also for
        RESV.OWNER, whose slot is the reservation id's."""
        store = "store-mig"
        self.assertEqual("created", self.upsert(store, "M-1", "pending", "18:00"))
        slot, src = key_slot(store), self.cc.port_for(store)
        dst = next(m for m in self.cluster.masters() if m != src)
        ids = {p: self.node(p).call("CLUSTER", "MYID") for p in (src, dst)}
        self.node(dst).call("CLUSTER", "SETSLOT", str(slot), "IMPORTING", ids[src])
        self.node(src).call("CLUSTER", "SETSLOT", str(slot), "MIGRATING", ids[dst])
        e = self.node(src).try_call("RESV.GET", store, "M-1")
        self.assertEqual("ASK %d 127.0.0.1:%d" % (slot, dst), str(e))
        for cmd in (["RESV.GET", store, "M-1"], ["RESV.LIST", store],
                    ["RESV.UPSERT", store, "M-2", "reservation_date", "2024-02-15"]):
            self.node(dst).call("ASKING")
            e = self.node(dst).try_call(*cmd)
            self.assertTrue(str(e).startswith("TRYAGAIN"), (cmd, e))
        rid = next("O-%d" % i for i in range(10000) if key_slot("O-%d" % i) == slot)
        self.node(dst).call("ASKING")
        e = self.node(dst).try_call("RESV.OWNER", rid, "CLAIM", store)
        self.assertTrue(str(e).startswith("TRYAGAIN"), e)
        keys = self.node(src).call("CLUSTER", "GETKEYSINSLOT", str(slot), "100")
        self.node(src).call("MIGRATE", "127.0.0.1", str(dst), "", "0", "5000", "KEYS", *keys)
        for m in self.cluster.masters():
            self.node(m).call("CLUSTER", "SETSLOT", str(slot), "NODE", ids[dst])
        self.assertEqual("M-1",
                         pairs(self.node(dst).call("RESV.GET", store, "M-1"))["reservation_id"])
        self.assertEqual("created", self.node(dst).call(
            "RESV.UPSERT", store, "M-2", "reservation_date", "2024-02-15"))
        self.assertEqual(store, self.node(dst).call("RESV.OWNER", rid, "CLAIM", store))

    def test_systems_slot_migration(self):
        """The systems' slot moved to another master by hand, as redis-cli --cluster
        reshard does: while it moves, a system still on the old master is served there,
        one already moved answers TRYAGAIN (never a wrong nil); afterwards every node
        sends system commands to the new master. Runs last: it moves the slot for good."""
        masters = self.cluster.masters()
        src = self.cc.port_for("resv:{#sys}:all")
        dst = next(m for m in masters if m != src)
        for y in ("mig-1", "mig-2"):
            self.cc.call("RESV.SYSTEM.CREATE", "id", y, "store_id", "s", start=src)
        ids = {p: self.node(p).call("CLUSTER", "MYID") for p in (src, dst)}
        self.node(dst).call("CLUSTER", "SETSLOT", str(SYS_SLOT), "IMPORTING", ids[src])
        self.node(src).call("CLUSTER", "SETSLOT", str(SYS_SLOT), "MIGRATING", ids[dst])
        self.assertEqual("mig-1", pairs(self.node(src).call("RESV.SYSTEM.GET", "mig-1"))["id"])
        self.node(src).call("MIGRATE", "127.0.0.1", str(dst), "", "0", "5000", "KEYS",
                            "resv:{#sys}:s:mig-1")
        e = self.node(src).try_call("RESV.SYSTEM.GET", "mig-1")
        self.assertTrue(str(e).startswith("TRYAGAIN"), e)
        self.assertEqual("mig-2", pairs(self.node(src).call("RESV.SYSTEM.GET", "mig-2"))["id"])
        rest = self.node(src).call("CLUSTER", "GETKEYSINSLOT", str(SYS_SLOT), "1000")
        self.node(src).call("MIGRATE", "127.0.0.1", str(dst), "", "0", "5000", "KEYS", *rest)
        for m in masters:
            self.node(m).call("CLUSTER", "SETSLOT", str(SYS_SLOT), "NODE", ids[dst])
        for p in self.cluster.ports:
            listed = [pairs(x)["id"] for x in self.cc.call("RESV.SYSTEM.LIST", start=p)]
            self.assertIn("mig-1", listed, p)
            self.assertIn("mig-2", listed, p)
        self.assertEqual("MOVED %d 127.0.0.1:%d" % (SYS_SLOT, dst),
                         str(self.node(src).try_call("RESV.SYSTEM.GET", "mig-1")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
