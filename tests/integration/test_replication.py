"""Replication and AOF of module/resv.so: a mixed workload over every write command on
a master, with pauses so that values computed from the clock would differ if a replica
or an AOF reload recomputed them; then DEBUG DIGEST of master, replica and the master
restarted from its AOF must agree. Like RedisBloom's tests, the module's write commands
are listed from the server (COMMAND LIST FILTERBY MODULE resv) and the test fails when
one was not exercised."""
import os
import re
import sys
import time
import unittest
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, RespError, pairs  # noqa: E402

S = "store-r"


class Replication(unittest.TestCase):
    def setUp(self):
        self.master = Redis()
        self.replica = Redis(replicaof=self.master.port)
        self.m = self.master.client()
        self.rc = self.replica.client()
        deadline = time.time() + 20
        while pairs_info(self.rc.call("INFO", "replication")).get("master_link_status") != "up":
            self.assertLess(time.time(), deadline, "replica did not connect")
            time.sleep(0.05)
        self.used = set()

    def tearDown(self):
        for c in (self.m, self.rc):
            try:
                c.close()
            except OSError:
                pass
        self.replica.close()
        self.master.close()

    def w(self, *cmd, expect=None):
        """A write on the master; records which command was exercised."""
        res = self.m.try_call(*cmd)
        self.used.add(cmd[0].lower())
        if expect is not None:
            if isinstance(expect, type) and issubclass(expect, Exception):
                self.assertIsInstance(res, expect, cmd)
            else:
                self.assertEqual(expect, res, cmd)
        return res

    def sync(self):
        self.assertEqual(1, self.m.call("WAIT", "1", "5000"))
        mo = pairs_info(self.m.call("INFO", "replication"))["master_repl_offset"]
        deadline = time.time() + 10
        while pairs_info(self.rc.call("INFO", "replication")).get("slave_repl_offset") != mo:
            self.assertLess(time.time(), deadline)
            time.sleep(0.02)

    def test_digest_master_replica_aof(self):
        w = self.w
        w("RESV.UPSERT", S, "R1", "reservation_date", "2024-02-15", "reservation_time",
          "18:00-20:00", "customer_name", "张三", "customer_count", "4", "status", "confirmed",
          "system_id", "sys-r", "MSGID", "m1", "ORIGIN", "webhook", "PAYLOAD", b'{"raw":"\xe5\xbc\xa0"}\x00', expect="created")
        w("RESV.UPSERT", S, "R2", "reservation_date", "2024-02-15T19:00:00", expect="created")
        w("RESV.UPSERT", S, "R3", "reservation_date", "2024-02-16", "status", "arrived",
          "table_number", "A1", "system_id", "sys-r", expect="created")
        time.sleep(1.1)
        w("RESV.UPSERT", S, "R1", "notes", "靠窗", expect="updated")
        w("RESV.UPSERT", S, "R1", "notes", "靠窗", expect="unchanged")
        w("RESV.UPSERT", S, "R1", "notes", "old", "updated_at", "2000-01-01T00:00:00",
          expect="stale")
        w("RESV.UPSERT", S, "R1", "notes", "again", "MSGID", "m1", expect="duplicate")
        w("RESV.UPSERT", S, "R2", "ORIGIN", "sync", "status", "completed", expect="updated")
        w("RESV.UPSERT", S, "R2", "ORIGIN", "sync", "status", "pending", expect="unchanged")
        w("RESV.UPSERT", "other", "R1", "reservation_date", "2024-02-15", expect=RespError)
        time.sleep(1.1)
        w("RESV.STATUS", S, "R1", "arrived")  # arrival_time = the master's clock
        time.sleep(1.1)
        w("RESV.STATUS", S, "R1", "seated", "TABLE", "B2")
        w("RESV.STATUS", S, "R3", "seated")
        w("RESV.UPSERT", S, "R4", "reservation_date", "2024-02-16", "status", "arrived",
          expect="created")
        w("RESV.STATUS", S, "R4", "seated", "TABLE", "B2", expect=RespError)
        w("RESV.STATUS", S, "R3", "completed")
        w("RESV.DEL", S, "R2", expect=1)
        w("RESV.DEL", S, "R2", expect=0)
        # the day-partitioned index: a date change to a new day, a day emptied by a
        # move and one by a delete (ZADD/ZREM of resv:{S}:days decided on the master)
        w("RESV.UPSERT", S, "R6", "reservation_date", "2024-02-20", "reservation_time", "12:00",
          expect="created")
        w("RESV.UPSERT", S, "R6", "reservation_date", "2024-02-21", expect="updated")
        w("RESV.UPSERT", S, "R7", "reservation_date", "2024-02-22", expect="created")
        w("RESV.DEL", S, "R7", expect=1)
        self.assertEqual(["2024-02-15", "2024-02-16", "2024-02-21"],
                         self.m.call("ZRANGE", "resv:{%s}:days" % S, "0", "-1"))
        # the lookup index: id lists read and written back whole on the master
        w("RESV.UPSERT", S, "R6", "customer_phone", "138 0013 5678", "reservation_number", "N6",
          expect="updated")
        w("RESV.UPSERT", S, "R1", "customer_phone", "13900005678", expect="updated")
        w("RESV.UPSERT", S, "R6", "customer_phone", "010-1234", expect="updated")
        sysrec = pairs(w("RESV.SYSTEM.CREATE", "name", "易订", "store_id", S))
        w("RESV.SYSTEM.CREATE", "id", "sys-2", "store_id", S)
        time.sleep(1.1)
        w("RESV.SYSTEM.SET", sysrec["id"], "status", "active")
        w("RESV.SYSTEM.DEL", "sys-2", expect=1)
        # push back: outbox entries (explicit stream ids), results, failure log, resync
        w("RESV.UPSERT", S, "R5", "reservation_date", "2024-02-16", "external_reservation_id",
          "YD-5", "system_id", "sys-r", expect="created")
        w("RESV.STATUS", S, "R5", "confirmed")
        w("RESV.UPSERT", S, "R5", "status", "arrived", expect="updated")
        w("RESV.UPSERT", S, "R5", "ORIGIN", "webhook", "status", "seated", "table_number", "C3",
          expect="updated")
        ob = self.m.call("RESV.OUTBOX", S, "COUNT", "1000")
        self.assertGreaterEqual(len(ob), 6)
        time.sleep(1.1)
        w("RESV.PUSHED", S, ob[0][0], "OK", expect=1)
        w("RESV.PUSHED", S, ob[0][0], "OK", expect=0)
        w("RESV.PUSHED", S, ob[1][0], "FAILED", "HTTP 503 after 5 tries", expect=1)
        w("RESV.PUSHED", S, ob[-1][0], "FAILED", "HTTP 400: unknown reservation", expect=1)
        time.sleep(1.1)
        w("RESV.RESYNC", S, expect=2)
        w("RESV.RESYNC", S, "R5", expect=1)
        w("RESV.RESYNC", S, "nope", expect=RespError)
        # the audit trail: LTRIM at resv.history-max-len (a master-only setting: the
        # replica gets the LTRIM)
        self.m.call("CONFIG", "SET", "resv.history-max-len", "2")
        try:
            for i in range(4):
                w("RESV.UPSERT", S, "R3", "notes", "t%d" % i, expect="updated")
        finally:
            self.m.call("CONFIG", "SET", "resv.history-max-len", "200")
        self.assertEqual(2, self.m.call("LLEN", "resv:{%s}:h:R3" % S))
        # the floor: inventory, holds over time (a join, a move, a collision from the
        # provider flagged overbooked, a cancel and a delete freeing), a table removed
        w("RESV.TABLE.SET", S, "V01", "SEATS", "10", "AREA", "包间", "JOINS", "V02")
        w("RESV.TABLE.SET", S, "V02", "SEATS", "6")
        w("RESV.TABLE.SET", S, "V03", "SEATS", "2")
        w("RESV.UPSERT", S, "F1", "reservation_date", "2024-02-18", "reservation_time",
          "18:00-20:00", "customer_count", "12", "table_number", "V01+V02", expect="created")
        w("RESV.UPSERT", S, "F2", "reservation_date", "2024-02-18", "reservation_time", "19:00",
          "customer_count", "4", "table_number", "V02", expect=RespError)
        w("RESV.UPSERT", S, "F2", "ORIGIN", "webhook", "reservation_date", "2024-02-18",
          "reservation_time", "19:00", "customer_count", "4", "table_number", "V02",
          expect="created")
        w("RESV.UPSERT", S, "F1", "reservation_time", "11:00-13:00", expect="updated")
        w("RESV.UPSERT", S, "F3", "reservation_date", "2024-02-18", "reservation_time", "20:30",
          "customer_count", "2", "table_number", "V03", expect="created")
        w("RESV.STATUS", S, "F3", "cancelled")
        w("RESV.DEL", S, "F2", expect=1)
        w("RESV.TABLE.DEL", S, "V03", expect=1)
        w("RESV.TABLE.DEL", S, "V03", expect=0)
        self.assertEqual(["F1"], self.m.call("HKEYS", "resv:{%s}:held" % S))
        # a day's load: kept by each write (values read on the master), and rebuilt whole
        # for a day that has no key (as one written before the load existed: deleted here)
        load = "resv:{%s}:load:2024-02-18" % S
        self.assertEqual({"11:00": "12|1"}, pairs(self.m.call("HGETALL", load)))
        self.m.call("DEL", load)
        w("RESV.UPSERT", S, "F4", "reservation_date", "2024-02-18", "reservation_time", "21:00",
          "customer_count", "3", expect="created")
        self.assertEqual({"11:00": "12|1", "21:00": "3|1"}, pairs(self.m.call("HGETALL", load)))
        # a create that must not overwrite (NX), an update that must not create (XX), and
        # a booking forced over the pacing (stored, flagged overbooked, an event)
        w("RESV.UPSERT", S, "N1", "NX", "reservation_date", "2024-02-19", "customer_count", "2",
          expect="created")
        w("RESV.UPSERT", S, "N1", "NX", "notes", "again", expect=RespError)
        w("RESV.UPSERT", S, "N1", "XX", "notes", "desk", expect="updated")
        w("RESV.UPSERT", S, "N9", "XX", "reservation_date", "2024-02-19", expect=RespError)
        w("RESV.STORE.SET", S, "max_parties_per_slot", "1")
        w("RESV.UPSERT", S, "N2", "NX", "reservation_date", "2024-02-19", "customer_count", "2",
          expect=RespError)
        w("RESV.UPSERT", S, "N2", "FORCE", "NX", "reservation_date", "2024-02-19",
          "customer_count", "2", expect="created")
        w("RESV.STORE.SET", S, "max_parties_per_slot", "0")
        self.assertEqual("true", pairs(self.m.call("RESV.GET", S, "N2"))["overbooked"])
        # walk-ins: the entry id and added_at are the master's; the seated reservation is
        # RESV.UPSERT's effects (uuid, clock) replicated as values
        e1 = pairs(w("RESV.WAIT.ADD", S, "张先生", "13800005678", "2"))["entry"]
        e2 = pairs(w("RESV.WAIT.ADD", S, "Ann", "1", "2"))["entry"]
        time.sleep(1.1)
        w("RESV.WAIT.SEAT", S, e1, "V02")
        w("RESV.WAIT.SEAT", S, e2, "Z9", expect=RespError)
        w("RESV.WAIT.DEL", S, e2, expect=1)
        self.assertEqual(0, self.m.call("XLEN", "resv:{%s}:wait" % S))
        # a store's settings, and a no-show the master's sweep makes (a timer, no
        # command): the replica gets its writes and never sweeps itself
        w("RESV.STORE.SET", S, "timezone", "America/Los_Angeles", "slot_minutes", "15")
        w("RESV.STORE.SET", S, "slot_minutes", "", "timezone", "Bogus/Zone", expect=RespError)
        self.assertEqual(15, pairs(self.m.call("RESV.STORE.GET", S))["slot_minutes"])
        start = datetime.now(ZoneInfo("America/Los_Angeles")) - timedelta(hours=3)
        w("RESV.UPSERT", S, "R8", "reservation_date", start.strftime("%Y-%m-%d"),
          "reservation_time", start.strftime("%H:%M"), "status", "confirmed", expect="created")
        self.m.call("CONFIG", "SET", "resv.noshow-interval-ms", "50")
        w("RESV.STORE.SET", S, "no_show_after_minutes", "60")
        deadline = time.time() + 10
        while pairs(self.m.call("RESV.GET", S, "R8"))["status"] != "no_show":
            self.assertLess(time.time(), deadline, "no-show not swept")
            time.sleep(0.05)
        self.m.call("CONFIG", "SET", "resv.noshow-interval-ms", "30000")
        # leases of background work: taken, refused, released, taken again (long
        # enough not to expire before the AOF reload below)
        w("RESV.LEASE", S, "push", "sc-a", "600000", expect=1)
        w("RESV.LEASE", S, "push", "sc-b", "600000", expect=0)
        w("RESV.LEASE", S, "pull:sys-1", "sc-a.1", "600000", expect=1)
        w("RESV.LEASE", S, "push", "sc-a", "0", expect=1)
        w("RESV.LEASE", S, "push", "sc-b", "600000", expect=1)
        w("RESV.OWNER", "X9", "CLAIM", "store-z", expect="store-z")
        w("RESV.OWNER", "X9", "CLAIM", S, expect="store-z")
        w("RESV.OWNER", "X8", "CLAIM", "store-z", expect="store-z")
        w("RESV.OWNER", "X8", "RELEASE", "store-z", expect=1)
        w("RESV.OWNER", "X7", "CLAIM", "store-y", expect="store-y")
        w("RESV.DISOWN", "store-y", "X7", expect=1)
        w("RESV.OWNER", "X7", "CLAIM", "store-z", "FROM", "store-y", expect="store-z")
        self.sync()

        md, rd = self.m.call("DEBUG", "DIGEST"), self.rc.call("DEBUG", "DIGEST")
        self.assertNotEqual("0" * 40, md)
        self.assertEqual(md, rd, "replica differs from master")
        # the replica applied effects, it did not run the module's commands
        self.assertIn("resv_upsert_created:0", self.rc.call("INFO", "resv"))
        self.assertIn("resv_no_shows_auto:0", self.rc.call("INFO", "resv"))
        self.assertIn("resv_no_show_sweeps:0", self.rc.call("INFO", "resv"))
        self.assertEqual(self.m.call("RESV.STORE.GET", S), self.rc.call("RESV.STORE.GET", S))
        self.assertEqual(pairs(self.m.call("RESV.GET", S, "R1")),
                         pairs(self.rc.call("RESV.GET", S, "R1")))
        self.assertEqual("list", self.rc.call("TYPE", "resv:{%s}:h:R1" % S))
        self.assertEqual(self.m.call("LRANGE", "resv:{%s}:h:R1" % S, "0", "-1"),
                         self.rc.call("LRANGE", "resv:{%s}:h:R1" % S, "0", "-1"))
        for rid in ("R1", "R3", "R4", "R8", "N1", "N2"):
            self.assertEqual(self.m.call("RESV.HISTORY", S, rid),
                             self.rc.call("RESV.HISTORY", S, rid))
        self.assertEqual(self.m.call("RESV.OUTBOX", S, "COUNT", "1000"),
                         self.rc.call("RESV.OUTBOX", S, "COUNT", "1000"))
        self.assertEqual(self.m.call("RESV.FAILURES", S), self.rc.call("RESV.FAILURES", S))
        self.assertEqual(sorted(self.m.call("KEYS", "*")), sorted(self.rc.call("KEYS", "*")))
        self.assertEqual(self.m.call("RESV.LIST", S), self.rc.call("RESV.LIST", S))
        for k in ("floor", "held", "hold:V01", "hold:V02", "wait", "load:2024-02-18",
                  "load:2024-02-15"):
            key = "resv:{%s}:%s" % (S, k)
            self.assertEqual(self.m.call("DUMP", key), self.rc.call("DUMP", key), key)
        self.assertEqual(self.m.call("RESV.TABLES", S), self.rc.call("RESV.TABLES", S))
        # the INFO gauges follow the keys on the replica too (keyspace events)
        gauges = ("resv_outbox_entries", "resv_outbox_stores", "resv_sync_failures")
        mg = {k: pairs_info(self.m.call("INFO", "resv"))[k] for k in gauges}
        self.assertGreater(mg["resv_outbox_entries"], 0)
        self.assertEqual(mg, {k: pairs_info(self.rc.call("INFO", "resv"))[k] for k in gauges})
        self.assertEqual(self.m.call("HGETALL", "resv:{%s}:lookup" % S),
                         self.rc.call("HGETALL", "resv:{%s}:lookup" % S))
        self.assertEqual(self.m.call("RESV.FIND", S, "QUERY", "5678"),
                         self.rc.call("RESV.FIND", S, "QUERY", "5678"))

        # every write command of the module was exercised
        names = self.m.call("COMMAND", "LIST", "FILTERBY", "MODULE", "resv")
        self.assertGreaterEqual(len(names), 18)
        writes = {c[0] for c in self.m.call("COMMAND", "INFO", *names) if "write" in c[2]}
        self.assertEqual(set(), writes - self.used, "write commands not exercised")
        # and the sidecar knows them all, so --wait-replicas waits for every write
        # (sidecar/cluster_slots.c; RESV.OWNER is sent as a lookup there)
        src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "sidecar", "cluster_slots.c"), encoding="utf-8").read()
        listed = src[src.index("clusterWrites[] = {"):]
        listed = {w.lower() for w in re.findall(r'"(RESV\.[A-Z.]+)"', listed[:listed.index("};")])}
        self.assertEqual(writes - {"resv.owner"}, listed)

        # the master restarted from its AOF holds the same data
        self.m.close()
        self.master.stop()
        self.master.start()
        self.m = self.master.client()
        self.assertEqual(md, self.m.call("DEBUG", "DIGEST"), "AOF reload differs")
        self.assertEqual(mg, {k: pairs_info(self.m.call("INFO", "resv"))[k] for k in gauges})


def pairs_info(text):
    out = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = int(v) if v.isdigit() else v
    return out


if __name__ == "__main__":
    unittest.main(verbosity=1)
