"""Push back to the provider (two-way sync) in module/resv.so: the outbox written by the
status change itself, RESV.OUTBOX, RESV.PUSHED, RESV.FAILURES, RESV.RESYNC, sync_status
and sync_error, the failure log, RESV.DEL, argument errors (naming the argument and
changing nothing), command metadata and INFO counters."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RedisTestCase, pairs  # noqa: E402

S = "store-ob"
ENTRY_FIELDS = ["reservation_id", "external_id", "status", "arrival_time", "table_number",
                "changed_at"]
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


class ModuleOutbox(RedisTestCase):
    def make(self, rid, status="confirmed", *extra, store=S, system="sys-1"):
        """A reservation that came from provider system `system` (None: one of our own,
        which has nobody to push to)."""
        own = ("system_id", system) if system else ()
        self.assertEqual("created", self.r.call(
            "RESV.UPSERT", store, rid, "reservation_date", "2024-02-15", "reservation_time",
            "18:00-20:00", "status", status, *own, *extra))

    def get(self, rid, store=S):
        return pairs(self.r.call("RESV.GET", store, rid))

    def outbox(self, store=S, count="1000"):
        return [(eid, pairs(f)) for eid, f in self.r.call("RESV.OUTBOX", store, "COUNT", count)]

    def failures(self, store=S):
        return [pairs(x) for x in self.r.call("RESV.FAILURES", store)]

    def info(self):
        return {k: int(v) for k, v in (line.split(":", 1) for line in
                                       self.r.call("INFO", "resv").splitlines() if ":" in line)}

    # ---- queueing ----
    def test_api_status_change_queues_one_entry(self):
        self.make("R1", "confirmed", "external_reservation_id", "YD-1")
        self.assertEqual([], self.outbox())
        self.assertNotIn("sync_status", self.get("R1"))  # creating is no status change
        rec = pairs(self.r.call("RESV.STATUS", S, "R1", "arrived", "ARRIVAL",
                                "2024-02-15T18:03:00"))
        self.assertEqual("pending", rec["sync_status"])
        ob = self.outbox()
        self.assertEqual(1, len(ob))
        eid, f = ob[0]
        self.assertRegex(eid, r"^\d+-\d+$")
        self.assertEqual(ENTRY_FIELDS, list(f.keys()))
        self.assertEqual({"reservation_id": "R1", "external_id": "YD-1", "status": "arrived",
                          "arrival_time": "2024-02-15T18:03:00", "table_number": ""},
                         {k: v for k, v in f.items() if k != "changed_at"})
        self.assertEqual(rec["updated_at"], f["changed_at"])
        self.assertRegex(f["changed_at"], DATETIME)
        # seated: the entry carries the table; no external id gives ""
        self.r.call("RESV.STATUS", S, "R1", "seated", "TABLE", "A8")
        self.make("R2", "pending")
        self.r.call("RESV.STATUS", S, "R2", "no_show", "ORIGIN", "api", "ACTOR", "经理")
        ob = self.outbox()
        self.assertEqual([("R1", "seated", "A8", "YD-1"), ("R2", "no_show", "", "")],
                         [(f["reservation_id"], f["status"], f["table_number"], f["external_id"])
                          for _, f in ob[1:]])
        self.assertLess(ob[0][0].split("-"), ob[1][0].split("-"))  # oldest first
        # the audit entry says sync_status changed
        h = pairs(self.r.call("RESV.HISTORY", S, "R2")[-1])
        self.assertEqual("status,updated_at,sync_status", h["changed"])
        # RESP3: entries are [id, map]
        e = self.r3.call("RESV.OUTBOX", S)
        self.assertIsInstance(e[0][1], dict)

    def test_upsert_api_status_change_queues(self):
        self.make("U1", "confirmed", "external_reservation_id", "YD-U1")
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "U1", "status", "arrived",
                                                "external_reservation_id", "YD-U1b"))
        ob = self.outbox()
        self.assertEqual(1, len(ob))
        self.assertEqual(("U1", "YD-U1b", "arrived"),
                         (ob[0][1]["reservation_id"], ob[0][1]["external_id"], ob[0][1]["status"]))
        self.assertEqual(self.get("U1")["arrival_time"], ob[0][1]["arrival_time"])
        self.assertEqual("pending", self.get("U1")["sync_status"])
        # other fields, no status change: nothing queued
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "U1", "notes", "x"))
        self.assertEqual(1, len(self.outbox()))

    def test_provider_and_noop_changes_queue_nothing(self):
        self.make("P1", "pending")
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "P1", "ORIGIN", "webhook",
                                                "status", "confirmed"))
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "P1", "ORIGIN", "sync",
                                                "status", "arrived"))
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "P1", "ORIGIN", "pull",
                                                "status", "seated", "table_number", "T1"))
        self.r.call("RESV.STATUS", S, "P1", "completed", "ORIGIN", "webhook")
        # ignored provider status (backwards), same status again, unchanged upsert
        self.r.call("RESV.UPSERT", S, "P1", "ORIGIN", "webhook", "status", "pending")
        self.make("P2", "confirmed")
        self.r.call("RESV.STATUS", S, "P2", "confirmed")
        self.assertEqual("unchanged", self.r.call("RESV.UPSERT", S, "P2", "status", "confirmed"))
        self.assertEqual([], self.outbox())
        self.assertEqual(0, self.r.call("EXISTS", "resv:{%s}:outbox" % S))
        self.assertNotIn("sync_status", self.get("P1"))
        # a refused transition queues nothing either
        self.refused("CONFLICT", "RESV.STATUS", S, "P1", "pending")

    def test_own_bookings_queue_nothing(self):
        """A reservation without a system_id (taken at our front desk, a walk-in) has no
        provider to tell: its status changes, ours or the no-show sweep's, queue nothing
        (an entry would wait in the outbox for ever, or go to a provider that never had
        it), and RESV.RESYNC refuses it and drops it from the failure log."""
        self.make("D1", "pending", system=None)
        self.r.call("RESV.STATUS", S, "D1", "confirmed")
        self.assertEqual("updated", self.r.call("RESV.UPSERT", S, "D1", "status", "arrived"))
        self.r.call("RESV.STATUS", S, "D1", "seated", "TABLE", "T1")
        self.assertEqual("seated", self.get("D1")["status"])
        self.assertNotIn("sync_status", self.get("D1"))
        self.assertEqual([], self.outbox())
        self.assertEqual("table_number,status,updated_at",
                         pairs(self.r.call("RESV.HISTORY", S, "D1")[-1])["changed"])
        self.refused("CONFLICT reservation D1 has no system_id", "RESV.RESYNC", S, "D1")
        # given a system_id later (the provider sent it), it is the provider's
        self.r.call("RESV.UPSERT", S, "D1", "ORIGIN", "sync", "system_id", "sys-1")
        self.r.call("RESV.STATUS", S, "D1", "completed")
        self.assertEqual(["D1"], [f["reservation_id"] for _, f in self.outbox()])
        # a failure of one of ours (queued before this rule) is dropped, not re-sent
        self.make("D2", "pending", system=None)
        self.r.call("HSET", "resv:{%s}:failures" % S, "D2", "2024-01-01T00:00:00 confirmed x")
        self.assertEqual(0, self.r.call("RESV.RESYNC", S))
        self.assertEqual([], self.failures())
        self.assertEqual(1, len(self.outbox()))

    # ---- results ----
    def test_pushed_ok(self):
        self.make("K1")
        self.r.call("RESV.STATUS", S, "K1", "arrived")
        eid = self.outbox()[0][0]
        before = self.info()
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, eid, "OK"))
        rec = self.get("K1")
        self.assertEqual("success", rec["sync_status"])
        self.assertRegex(rec["synced_at"], DATETIME)
        self.assertNotIn("sync_error", rec)
        self.assertEqual([], self.outbox())
        h = pairs(self.r.call("RESV.HISTORY", S, "K1")[-1])
        self.assertEqual(("push", "pushed", "change " + eid), (h["origin"], h["event"], h["note"]))
        # a second report (a retry after a crash) is harmless
        d = self.digest()
        self.assertEqual(0, self.r.call("RESV.PUSHED", S, eid, "OK"))
        self.assertEqual(0, self.r.call("RESV.PUSHED", S, eid, "FAILED", "late"))
        self.assertEqual(d, self.digest())
        self.assertEqual(1, self.info()["resv_pushed_ok"] - before["resv_pushed_ok"])
        # keyword is case-insensitive
        self.r.call("RESV.STATUS", S, "K1", "seated", "TABLE", "A1")
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, self.outbox()[0][0], "ok"))

    def test_pushed_ok_with_newer_entry_stays_pending(self):
        self.make("N1")
        self.r.call("RESV.STATUS", S, "N1", "arrived")
        self.r.call("RESV.STATUS", S, "N1", "seated", "TABLE", "B1")
        (e1, _), (e2, _) = self.outbox()
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e1, "OK"))
        self.assertEqual("pending", self.get("N1")["sync_status"])
        self.assertNotIn("synced_at", self.get("N1"))
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e2, "OK"))
        self.assertEqual("success", self.get("N1")["sync_status"])

    def test_pushed_failed_and_failure_log(self):
        self.make("F1", "confirmed", "external_reservation_id", "YD-F1")
        self.make("F0", "confirmed")
        self.r.call("RESV.STATUS", S, "F1", "cancelled")
        self.r.call("RESV.STATUS", S, "F0", "arrived")
        (e1, _), (e0, _) = self.outbox()
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e1, "FAILED",
                                        "HTTP 503 after 5 attempts: 服务不可用"))
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e0, "FAILED", "timeout"))
        rec = self.get("F1")
        self.assertEqual("failed", rec["sync_status"])
        self.assertEqual("HTTP 503 after 5 attempts: 服务不可用", rec["sync_error"])
        self.assertEqual("sync_error", list(rec.keys())[-1])  # model order: last
        self.assertEqual([("F0", "arrived"), ("F1", "cancelled")],
                         [(x["reservation_id"], x["status"]) for x in self.failures()])
        f1 = self.failures()[1]
        self.assertEqual(["reservation_id", "status", "error", "failed_at"], list(f1.keys()))
        self.assertEqual("HTTP 503 after 5 attempts: 服务不可用", f1["error"])
        self.assertRegex(f1["failed_at"], DATETIME)
        self.assertEqual([], self.outbox())
        self.assertIsInstance(self.r3.call("RESV.FAILURES", S)[0], dict)
        h = pairs(self.r.call("RESV.HISTORY", S, "F1")[-1])
        self.assertEqual(("push_failed", "sync_status,sync_error"), (h["event"], h["changed"]))
        # sync_error is set by the server only
        self.refused("ERR field 'sync_error' is set by the server", "RESV.UPSERT", S, "F1",
                     "sync_error", "x")
        # a later successful push of the reservation clears the error and the log
        self.r.call("RESV.RESYNC", S, "F1")
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, self.outbox()[0][0], "OK"))
        self.assertNotIn("sync_error", self.get("F1"))
        self.assertEqual(["F0"], [x["reservation_id"] for x in self.failures()])

    def test_resync_all(self):
        self.make("S1", "confirmed", "external_reservation_id", "YD-S1")
        self.make("S2", "pending")
        self.r.call("RESV.STATUS", S, "S1", "arrived", "ARRIVAL", "2024-02-15T18:10:00")
        self.r.call("RESV.STATUS", S, "S2", "confirmed")
        for eid, _ in self.outbox():
            self.r.call("RESV.PUSHED", S, eid, "FAILED", "HTTP 500")
        # the status moved on since the failure (a provider change: not queued)
        self.r.call("RESV.UPSERT", S, "S1", "ORIGIN", "webhook", "status", "seated",
                    "table_number", "C2")
        self.assertEqual([], self.outbox())
        before = self.info()
        self.assertEqual(2, self.r.call("RESV.RESYNC", S))
        ob = self.outbox()
        self.assertEqual([("S1", "seated", "2024-02-15T18:10:00", "C2", "YD-S1"),
                          ("S2", "confirmed", "", "", "")],
                         [(f["reservation_id"], f["status"], f["arrival_time"], f["table_number"],
                           f["external_id"]) for _, f in ob])
        self.assertEqual([], self.failures())
        self.assertEqual("pending", self.get("S1")["sync_status"])
        self.assertEqual("HTTP 500", self.get("S1")["sync_error"])  # the last error, until success
        self.assertEqual(2, self.info()["resv_resyncs"] - before["resv_resyncs"])
        h = pairs(self.r.call("RESV.HISTORY", S, "S2")[-1])
        self.assertEqual(("api", "resync"), (h["origin"], h["event"]))
        self.assertEqual(0, self.r.call("RESV.RESYNC", S))  # nothing failed any more

    def test_resync_one_and_deleted(self):
        self.make("O1")
        self.make("O2")
        self.make("O3")
        for rid in ("O1", "O2", "O3"):
            self.r.call("RESV.STATUS", S, rid, "arrived")
        for eid, _ in self.outbox():
            self.r.call("RESV.PUSHED", S, eid, "FAILED", "refused")
        self.assertEqual(1, self.r.call("RESV.RESYNC", S, "O2"))
        self.assertEqual(["O1", "O3"], [x["reservation_id"] for x in self.failures()])
        self.assertEqual(["O2"], [f["reservation_id"] for _, f in self.outbox()])
        # an existing reservation outside the failure log: a manual re-sync
        self.make("O4")
        self.assertEqual(1, self.r.call("RESV.RESYNC", S, "O4"))
        self.assertEqual(("O4", "confirmed"),
                         (self.outbox()[-1][1]["reservation_id"], self.outbox()[-1][1]["status"]))
        self.refused("NOTFOUND", "RESV.RESYNC", S, "nope")
        # RESV.DEL drops a reservation from the failure log
        self.assertEqual(1, self.r.call("RESV.DEL", S, "O1"))
        self.assertEqual(["O3"], [x["reservation_id"] for x in self.failures()])
        # a failure log entry whose reservation is gone is dropped by RESV.RESYNC
        self.r.call("HSET", "resv:{%s}:failures" % S, "GONE", "2024-01-01T00:00:00 arrived x")
        self.assertEqual(1, self.r.call("RESV.RESYNC", S))
        self.assertEqual([], self.failures())
        # outbox entries of a deleted reservation stay; their result touches no record
        self.make("O5")
        self.r.call("RESV.STATUS", S, "O5", "arrived")
        eid = self.outbox()[-1][0]
        self.r.call("RESV.DEL", S, "O5")
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, eid, "FAILED", "gone"))
        self.assertEqual([], self.failures())
        self.assertEqual(0, self.r.call("EXISTS", "resv:{%s}:r:O5" % S))

    def test_outbox_count_and_order(self):
        self.make("C1", "pending")
        for st in ("confirmed", "arrived", "seated", "completed"):
            self.r.call("RESV.STATUS", S, "C1", st, *(["TABLE", "T9"] if st == "seated" else []))
        self.assertEqual(["confirmed", "arrived"],
                         [f["status"] for _, f in self.outbox(count="2")])
        self.assertEqual(4, len(self.r.call("RESV.OUTBOX", S)))  # default 10
        self.assertEqual([], self.r.call("RESV.OUTBOX", "empty-store"))
        self.assertEqual([], self.r.call("RESV.FAILURES", "empty-store"))

    # ---- errors ----
    def test_bad_arguments(self):
        self.make("E1")
        self.r.call("RESV.STATUS", S, "E1", "arrived")
        eid = self.outbox()[0][0]
        self.refused("ERR invalid store", "RESV.OUTBOX", "bad store")
        self.refused("ERR invalid COUNT", "RESV.OUTBOX", S, "COUNT", "0")
        self.refused("ERR invalid COUNT", "RESV.OUTBOX", S, "COUNT", "1001")
        self.refused("ERR syntax error at 'LIMIT'", "RESV.OUTBOX", S, "LIMIT", "5")
        self.refused("ERR wrong number", "RESV.OUTBOX", S, "COUNT")
        for bad in ("abc", "-", "+", "1-x", "", "1-2-3"):
            self.refused("ERR invalid entry_id", "RESV.PUSHED", S, bad, "OK")
        self.refused("ERR invalid result", "RESV.PUSHED", S, eid, "DONE")
        self.refused("ERR invalid result", "RESV.PUSHED", S, eid, "O")
        self.refused("ERR syntax error at 'x'", "RESV.PUSHED", S, eid, "OK", "x")
        self.refused("ERR missing error", "RESV.PUSHED", S, eid, "FAILED")
        self.refused("ERR invalid error", "RESV.PUSHED", S, eid, "FAILED", "")
        self.refused("ERR invalid error", "RESV.PUSHED", S, eid, "FAILED", "x" * 513)
        self.refused("ERR invalid error", "RESV.PUSHED", S, eid, "FAILED", b"\xff\xfe")
        self.refused("ERR invalid error", "RESV.PUSHED", S, eid, "FAILED", "a\x01b")
        self.refused("ERR invalid store", "RESV.PUSHED", "{x}", eid, "OK")
        self.refused("ERR wrong number", "RESV.PUSHED", S, eid)
        self.refused("ERR invalid store", "RESV.FAILURES", "")
        self.refused("ERR syntax error at 'x'", "RESV.FAILURES", S, "x")
        self.refused("ERR invalid reservation_id", "RESV.RESYNC", S, "a b")
        self.refused("ERR syntax error at 'b'", "RESV.RESYNC", S, "a", "b")
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, eid, "FAILED", "x" * 512))
        # wrong key types are reported, not overwritten
        self.r.call("SET", "resv:{w}:outbox", "x")
        self.make("W1", store="w")
        self.refused("WRONGTYPE", "RESV.OUTBOX", "w")
        self.refused("WRONGTYPE", "RESV.STATUS", "w", "W1", "arrived")
        self.refused("WRONGTYPE", "RESV.PUSHED", "w", "1-0", "OK")
        self.refused("WRONGTYPE", "RESV.RESYNC", "w")

    # ---- leases: one sidecar at a time works a store's outbox ----
    def test_lease_take_renew_release(self):
        key = "resv:{%s}:lease:push" % S
        self.assertEqual(1, self.r.call("RESV.LEASE", S, "push", "sc-a", "60000"))
        self.assertEqual("sc-a", self.r.call("GET", key))
        self.assertEqual(0, self.r.call("RESV.LEASE", S, "push", "sc-b", "60000"))
        self.assertEqual(0, self.r.call("RESV.LEASE", S, "push", "sc-b", "0"))  # not its own
        self.assertEqual("sc-a", self.r.call("GET", key))
        # renewed by its holder
        self.assertEqual(1, self.r.call("RESV.LEASE", S, "push", "sc-a", "120000"))
        self.assertGreater(self.r.call("PTTL", key), 60000)
        # leases are per name: a pull lease is another key of the same slot
        self.assertEqual(1, self.r.call("RESV.LEASE", S, "pull:sys-1", "sc-b.1", "60000"))
        self.assertEqual(0, self.r.call("RESV.LEASE", S, "pull:sys-1", "sc-b.2", "60000"))
        self.assertEqual(1, self.r.call("EXISTS", "resv:{%s}:lease:pull:sys-1" % S))
        # released by its holder: the next owner takes it at once
        self.assertEqual(1, self.r.call("RESV.LEASE", S, "push", "sc-a", "0"))
        self.assertEqual(0, self.r.call("EXISTS", key))
        self.assertEqual(1, self.r.call("RESV.LEASE", S, "push", "sc-b", "50"))
        time.sleep(0.1)  # expired: free for anyone
        self.assertEqual(1, self.r.call("RESV.LEASE", S, "push", "sc-c", "60000"))

    def test_pushed_checks_the_lease(self):
        self.make("L1")
        self.r.call("RESV.STATUS", S, "L1", "arrived")
        self.r.call("RESV.STATUS", S, "L1", "seated", "TABLE", "T1")
        (e1, _), (e2, _) = self.outbox()
        self.assertEqual(1, self.r.call("RESV.LEASE", S, "push", "sc-b", "60000"))
        # a holder whose lease another sidecar took cannot report: nothing changes
        d = self.digest()
        self.refused("CONFLICT lease push of store %s is held by another owner" % S,
                     "RESV.PUSHED", S, e1, "OK", "LEASE", "sc-a")
        self.refused("CONFLICT", "RESV.PUSHED", S, e1, "FAILED", "HTTP 503", "LEASE", "sc-a")
        self.assertEqual(d, self.digest())
        # the holder can, and so can anyone while nobody holds it
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e1, "OK", "LEASE", "sc-b"))
        self.r.call("RESV.LEASE", S, "push", "sc-b", "0")
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e2, "FAILED", "HTTP 400", "lease",
                                        "sc-a"))
        self.assertEqual([], self.outbox())

    def test_pushed_words_by_position(self):
        """The word after FAILED is the error text whatever it reads, LEASE too; LEASE is
        an option only where the options start."""
        for rid in ("P1", "P2", "P3"):
            self.make(rid)
            self.r.call("RESV.STATUS", S, rid, "arrived")
        (e1, _), (e2, _), (e3, _) = self.outbox()
        self.refused("ERR syntax error at 'sc-a'", "RESV.PUSHED", S, e1, "FAILED", "LEASE",
                     "sc-a")
        self.refused("ERR wrong number", "RESV.PUSHED", S, e1, "OK", "LEASE")
        self.refused("ERR wrong number", "RESV.PUSHED", S, e1, "FAILED", "e", "LEASE")
        self.refused("ERR syntax error at 'x'", "RESV.PUSHED", S, e1, "FAILED", "e", "LEASE",
                     "sc-a", "x")
        self.refused("ERR syntax error at 'x'", "RESV.PUSHED", S, e1, "OK", "x", "LEASE",
                     "sc-a")
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e1, "FAILED", "LEASE"))
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e2, "FAILED", "lease", "LEASE", "sc-a"))
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, e3, "FAILED", "LEASE sc-a"))
        self.assertEqual({"P1": "LEASE", "P2": "lease", "P3": "LEASE sc-a"},
                         {f["reservation_id"]: f["error"] for f in self.failures()})

    def test_lease_bad_arguments(self):
        self.refused("ERR wrong number", "RESV.LEASE", S, "push", "sc-a")
        self.refused("ERR invalid ms", "RESV.LEASE", S, "push", "sc-a", "-1")
        self.refused("ERR invalid ms", "RESV.LEASE", S, "push", "sc-a", "86400001")
        self.refused("ERR invalid name", "RESV.LEASE", S, "pu sh", "sc-a", "10")
        self.refused("ERR invalid owner", "RESV.LEASE", S, "push", "", "10")
        self.refused("ERR invalid owner", "RESV.PUSHED", S, "1-0", "OK", "LEASE", "a b")
        self.refused("ERR syntax error at 'FOO'", "RESV.PUSHED", S, "1-0", "OK", "FOO", "x")
        self.r.call("SET", "resv:{%s}:lease:push" % S, "x")
        self.r.call("SADD", "resv:{w}:lease:push", "x")
        self.refused("WRONGTYPE", "RESV.LEASE", "w", "push", "sc-a", "10")
        self.refused("WRONGTYPE", "RESV.PUSHED", "w", "1-0", "OK", "LEASE", "sc-a")

    def test_info_gauges_follow_outboxes_and_failures(self):
        """INFO resv: outbox entries and failed pushes over all stores, the oldest entry's
        age; kept from keyspace events, rebuilt after an RDB load and a flush."""
        gauges = ("outbox_entries", "outbox_stores", "sync_failures")
        g = lambda: tuple(self.info()["resv_" + k] for k in gauges)  # noqa: E731
        self.assertEqual((0, 0, 0), g())
        self.assertEqual(0, self.info()["resv_outbox_oldest_age_seconds"])
        for store in (S, "store-ob2"):
            for rid in ("G1", "G2"):
                self.make(rid + store, "confirmed", store=store)
                self.r.call("RESV.STATUS", store, rid + store, "arrived")
        self.assertEqual((4, 2, 0), g())
        eid = self.outbox()[0][0]
        self.r.call("RESV.PUSHED", S, eid, "FAILED", "HTTP 400")
        self.assertEqual((3, 2, 1), g())
        eid = self.outbox()[0][0]
        self.r.call("RESV.PUSHED", S, eid, "OK")
        self.assertEqual((2, 1, 1), g())
        # the age of the oldest undelivered entry: its id's time, now about 0 s
        self.assertLessEqual(self.info()["resv_outbox_oldest_age_seconds"], 2)
        self.r.call("XADD", "resv:{store-ob3}:outbox", "1000-0", "reservation_id", "old")
        self.assertGreater(self.info()["resv_outbox_oldest_age_seconds"], 1.5e9)
        self.r.call("DEL", "resv:{store-ob3}:outbox")
        # an RDB reload sends no key events: rebuilt from one pass
        self.r.call("DEBUG", "RELOAD")
        self.assertEqual((2, 1, 1), g())
        self.r.call("RESV.RESYNC", S)
        self.assertEqual((3, 2, 0), g())
        self.r.call("FLUSHALL")
        self.assertEqual((0, 0, 0), g())

    def test_metadata_and_info(self):
        names = ["resv.outbox", "resv.pushed", "resv.failures", "resv.resync", "resv.lease"]
        info = {c[0]: c for c in self.r.call("COMMAND", "INFO", *names)}
        self.assertEqual((-2, -4, -2, -2, -5), tuple(info[n][1] for n in names))
        self.assertIn("write", info["resv.lease"][2])
        self.assertIn("readonly", info["resv.outbox"][2])
        self.assertIn("write", info["resv.pushed"][2])
        self.assertIn("readonly", info["resv.failures"][2])
        self.assertIn("write", info["resv.resync"][2])
        for n in names:
            self.assertEqual((1, 1, 1), tuple(info[n][3:6]), n)
        self.assertEqual(["store-9"], self.r.call("COMMAND", "GETKEYS", "RESV.PUSHED", "store-9",
                                                   "1-0", "OK"))
        d = pairs(pairs(self.r.call("COMMAND", "DOCS", "resv.pushed"))["resv.pushed"])
        self.assertEqual(["store", "entry_id", "result", "owner"],
                         [pairs(a)["name"] for a in d["arguments"]])
        i = self.info()
        for k in ("resv_push_queued", "resv_pushed_ok", "resv_pushed_failed", "resv_resyncs"):
            self.assertIn(k, i)


if __name__ == "__main__":
    unittest.main(verbosity=1)
