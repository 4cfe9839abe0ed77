"""A store's settings (issue 11, item 2): RESV.STORE.SET/GET and GET/PUT
/stores/{store_id}/settings; each store's own wall clock on everything the server
stamps, across both daylight-saving changes of America/Los_Angeles (checked against
Python's zoneinfo for the same instants, with resv.test-clock standing for now); and
the no-show sweep: exactly once, on the master only, never again after an AOF reload,
with an audit entry of origin auto, a change feed event and an outbox entry."""
import os
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Redis, RedisTestCase, RespError, pairs  # noqa: E402
from sidecar_harness import API, Sidecar  # noqa: E402

S = "store-tz"
LA = ZoneInfo("America/Los_Angeles")
SH = ZoneInfo("Asia/Shanghai")
DEFAULTS = {"timezone": "Asia/Shanghai", "no_show_after_minutes": 0, "slot_minutes": 30,
            "turn_minutes": 90, "max_covers_per_slot": 0, "max_parties_per_slot": 0}


def utc(*a):
    return int(datetime(*a, tzinfo=timezone.utc).timestamp())


def wall(ts, zone):
    """The wall clock of zone at UTC seconds ts, as the module writes it."""
    return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%dT%H:%M:%S")


def info(r):
    return {k: v for k, v in (line.split(":", 1) for line in r.call("INFO", "resv").splitlines()
                              if ":" in line)}


def wait_for(pred, what, timeout=10):
    deadline = time.time() + timeout
    while not pred():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class StoreSettingsCommands(RedisTestCase):
    def tearDown(self):
        self.r.call("CONFIG", "SET", "resv.test-clock", "0")
        self.r.call("CONFIG", "SET", "resv.default-timezone", "Asia/Shanghai")
        self.r.call("CONFIG", "SET", "resv.noshow-interval-ms", "30000")

    def get(self, store=S):
        return pairs(self.r.call("RESV.STORE.GET", store))

    def test_defaults_without_a_write(self):
        self.assertEqual(DEFAULTS, self.get())
        self.assertEqual(DEFAULTS, self.r3.call("RESV.STORE.GET", S))  # a map in RESP3
        self.assertEqual(0, self.r.call("EXISTS", "resv:{%s}:settings" % S))
        # the default zone follows resv.default-timezone
        self.r.call("CONFIG", "SET", "resv.default-timezone", "Europe/London")
        self.assertEqual("Europe/London", self.get()["timezone"])
        e = self.r.try_call("CONFIG", "SET", "resv.default-timezone", "Mars/Olympus")
        self.assertIsInstance(e, RespError)
        self.assertIn("timezone", str(e))
        self.assertEqual(["resv.default-timezone", "Europe/London"],
                         self.r.call("CONFIG", "GET", "resv.default-timezone"))

    def test_set_get_and_reset(self):
        got = pairs(self.r.call("RESV.STORE.SET", S, "timezone", "America/Los_Angeles",
                                "no_show_after_minutes", "15", "turn_minutes", "120"))
        want = dict(DEFAULTS, timezone="America/Los_Angeles", no_show_after_minutes=15,
                    turn_minutes=120)
        self.assertEqual(want, got)
        self.assertEqual(want, self.get())
        self.assertEqual({"timezone": "America/Los_Angeles", "no_show_after_minutes": "15",
                          "turn_minutes": "120"},
                         pairs(self.r.call("HGETALL", "resv:{%s}:settings" % S)))
        # another store is untouched; an empty value is the default again
        self.assertEqual(DEFAULTS, self.get("store-other"))
        got = pairs(self.r.call("RESV.STORE.SET", S, "timezone", "", "turn_minutes", ""))
        self.assertEqual(dict(DEFAULTS, no_show_after_minutes=15), got)
        self.assertEqual({"no_show_after_minutes": "15"},
                         pairs(self.r.call("HGETALL", "resv:{%s}:settings" % S)))

    def test_refusals_name_the_field_and_change_nothing(self):
        self.r.call("RESV.STORE.SET", S, "slot_minutes", "20")
        cases = [
            (("slot_minutes", "25", "tz", "UTC"), "ERR unknown field 'tz'"),
            (("slot_minutes", "25", "slot_minutes", "30"), "ERR field 'slot_minutes' given twice"),
            (("slot_minutes", "25", "turn_minutes", "5"), "ERR invalid turn_minutes"),
            (("slot_minutes", "241"), "ERR invalid slot_minutes"),
            (("no_show_after_minutes", "-1"), "ERR invalid no_show_after_minutes"),
            (("no_show_after_minutes", "1441"), "ERR invalid no_show_after_minutes"),
            (("no_show_after_minutes", "015"), "ERR invalid no_show_after_minutes"),
            (("slot_minutes", "25", "timezone", "Asia/Atlantis"), "ERR invalid timezone"),
            (("timezone", "../../etc/passwd"), "ERR invalid timezone"),
            (("timezone", "posixrules"), "ERR invalid timezone"),
            (("timezone", "asia/shanghai"), "ERR invalid timezone"),
        ]
        for args, prefix in cases:
            self.refused(prefix, "RESV.STORE.SET", S, *args)
        self.assertEqual(20, self.get()["slot_minutes"])
        self.refused("ERR invalid store", "RESV.STORE.SET", "a{b}", "slot_minutes", "25")
        self.refused("ERR wrong number", "RESV.STORE.SET", S, "slot_minutes")
        self.refused("ERR syntax error at 'x'", "RESV.STORE.GET", S, "x")
        self.r.call("SET", "resv:{bad}:settings", "x")
        self.refused("WRONGTYPE", "RESV.STORE.SET", "bad", "slot_minutes", "25")
        self.refused("WRONGTYPE", "RESV.STORE.GET", "bad")
        # the audit origin of the sweep is not for clients
        self.refused("ERR invalid ORIGIN", "RESV.UPSERT", S, "R1", "ORIGIN", "auto",
                     "reservation_date", "2026-03-08")

    def test_settings_of_another_type_are_refused(self):
        """Every command that reads a store's settings (its clock, slots, turn, pacing)
        answers WRONGTYPE when the settings key holds another type, as RESV.STORE.GET
        does, and changes nothing: none takes the defaults for settings it cannot read.
        Commands that read no setting are not concerned."""
        b = "bad-settings"
        r = self.r
        for rid in ("B1", "B2", "B3"):
            r.call("RESV.UPSERT", b, rid, "reservation_date", "2030-05-01", "reservation_time",
                   "18:00", "customer_count", "2", "customer_name", "张三",
                   "system_id", "sys-1")  # a provider's booking: its changes are pushed
        r.call("RESV.STATUS", b, "B2", "confirmed")
        r.call("RESV.STATUS", b, "B3", "confirmed")
        eid = r.call("RESV.OUTBOX", b)[0][0]
        r.call("RESV.PUSHED", b, r.call("RESV.OUTBOX", b)[1][0], "FAILED", "HTTP 400")
        r.call("RESV.TABLE.SET", b, "A1", "SEATS", "4")
        wait = r.call("RESV.WAIT.ADD", b, "李四", "13800000000", "2")[1]
        r.call("SET", "resv:{%s}:settings" % b, "x")
        for cmd in (["RESV.UPSERT", b, "B1", "notes", "x"],
                    ["RESV.UPSERT", b, "B9", "reservation_date", "2030-05-01"],
                    ["RESV.STATUS", b, "B1", "confirmed"], ["RESV.DEL", b, "B1"],
                    ["RESV.PUSHED", b, eid, "OK"], ["RESV.RESYNC", b],
                    ["RESV.TABLES", b], ["RESV.AVAILABILITY", b, "2030-05-01"],
                    ["RESV.WAIT.ADD", b, "王五", "13900000000", "3"], ["RESV.WAIT.LIST", b],
                    ["RESV.WAIT.SEAT", b, wait, "A1"], ["RESV.FIND", b, "QUERY", "张"],
                    ["RESV.STATS", b, "FROM", "2030-05-01", "TO", "2030-05-01", "BUCKET",
                     "SLOT"]):
            self.refused("WRONGTYPE", *cmd)
        for cmd in (["RESV.GET", b, "B1"], ["RESV.LIST", b], ["RESV.HISTORY", b, "B1"],
                    ["RESV.OUTBOX", b], ["RESV.FAILURES", b], ["RESV.FIND", b, "QUERY", "B1"],
                    ["RESV.STATS", b, "FROM", "2030-05-01", "TO", "2030-05-01"],
                    ["RESV.UPSERT", b, "B1", "customer_count", "2"]):  # unchanged
            self.assertNotIsInstance(r.try_call(*cmd), RespError, cmd)

    def test_command_metadata(self):
        docs = self.r.call("COMMAND", "INFO", "resv.store.set", "resv.store.get")
        self.assertEqual(-4, docs[0][1])
        self.assertIn("write", docs[0][2])
        self.assertEqual(-2, docs[1][1])  # a word past the store: a syntax error at it
        self.assertIn("readonly", docs[1][2])
        self.assertEqual(["resv:{x}:settings"],
                         self.r.call("COMMAND", "GETKEYS", "RESV.STORE.SET", "resv:{x}:settings",
                                     "slot_minutes", "30"))

    # ---- each store's wall clock ----

    def stamp(self, store, rid, ts):
        """Creates a reservation at UTC ts; returns its record."""
        self.r.call("CONFIG", "SET", "resv.test-clock", str(ts))
        self.assertEqual("created", self.r.call(
            "RESV.UPSERT", store, rid, "reservation_date", "2026-12-24", "reservation_time",
            "19:00", "status", "confirmed", "system_id", "sys-1"))
        return pairs(self.r.call("RESV.GET", store, rid))

    def test_dst_days_in_los_angeles(self):
        self.r.call("RESV.STORE.SET", S, "timezone", "America/Los_Angeles")
        self.r.call("RESV.STORE.SET", "store-sh", "timezone", "Asia/Shanghai")
        instants = {
            "before spring": (utc(2026, 3, 8, 9, 59, 59), "2026-03-08T01:59:59"),
            "after spring": (utc(2026, 3, 8, 10, 0, 0), "2026-03-08T03:00:00"),
            "summer": (utc(2026, 7, 1, 19, 0, 0), "2026-07-01T12:00:00"),
            "first 01:30": (utc(2026, 11, 1, 8, 30, 0), "2026-11-01T01:30:00"),
            "second 01:30": (utc(2026, 11, 1, 9, 30, 0), "2026-11-01T01:30:00"),
            "winter": (utc(2026, 12, 1, 20, 0, 0), "2026-12-01T12:00:00"),
        }
        for i, (name, (ts, want)) in enumerate(sorted(instants.items())):
            with self.subTest(name):
                self.assertEqual(want, wall(ts, LA))  # the test's own arithmetic
                rec = self.stamp(S, "R%d" % i, ts)
                self.assertEqual(wall(ts, LA), rec["created_at"])
                self.assertEqual(wall(ts, LA), rec["updated_at"])
                # the same instant in another store of the same process
                other = self.stamp("store-sh", "S%d" % i, ts)
                self.assertEqual(wall(ts, SH), other["created_at"])
                h = pairs(self.r.call("RESV.HISTORY", S, "R%d" % i)[0])
                self.assertEqual(wall(ts, LA), h["at"])

    def test_clock_before_1970_west_of_utc(self):
        # one second after 1970 in UTC is still 1969 in New York: the stamps and the
        # store's today take the day by floor division (they read 1970-01-01T-4:... and
        # a time of day below zero with C's %)
        self.r.call("RESV.STORE.SET", S, "timezone", "America/New_York")
        rec = self.stamp(S, "R1", 1)
        self.assertEqual("1969-12-31T19:00:01", rec["created_at"])
        self.assertEqual(wall(1, ZoneInfo("America/New_York")), rec["updated_at"])
        # Shanghai at the same instant is 08:00 on the first: the other side of UTC
        other = self.stamp("store-sh", "S1", 1)
        self.assertEqual("1970-01-01T08:00:01", other["created_at"])

    def test_every_stamp_is_the_store_clock(self):
        self.r.call("RESV.STORE.SET", S, "timezone", "America/Los_Angeles")
        t0 = utc(2026, 11, 1, 9, 45, 0)  # 01:45 PST, the second time that night
        rec = self.stamp(S, "R1", t0)
        self.r.call("CONFIG", "SET", "resv.test-clock", str(t0 + 60))
        rec = pairs(self.r.call("RESV.STATUS", S, "R1", "arrived"))
        self.assertEqual(wall(t0 + 60, LA), rec["arrival_time"])  # the default arrival
        self.assertEqual(wall(t0 + 60, LA), rec["updated_at"])
        self.assertEqual(wall(t0, LA), rec["created_at"])
        feed = self.r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")
        self.assertEqual([wall(t0, LA), wall(t0 + 60, LA)], [pairs(f)["at"] for _, f in feed])
        (eid, entry), = self.r.call("RESV.OUTBOX", S)
        self.assertEqual(wall(t0 + 60, LA), pairs(entry)["changed_at"])
        self.r.call("CONFIG", "SET", "resv.test-clock", str(t0 + 120))
        self.assertEqual(1, self.r.call("RESV.PUSHED", S, eid, "OK"))
        self.assertEqual(wall(t0 + 120, LA), pairs(self.r.call("RESV.GET", S, "R1"))["synced_at"])
        # data of no store: resv.default-timezone's clock
        sysrec = pairs(self.r.call("RESV.SYSTEM.CREATE", "name", "Y", "store_id", S))
        self.assertEqual(wall(t0 + 120, SH), sysrec["created_at"])

    def test_real_clock(self):
        self.r.call("RESV.STORE.SET", S, "timezone", "America/Los_Angeles")
        before = time.time()
        rec = self.stamp(S, "R1", 0)
        after = time.time()
        # The module's time(NULL) is the kernel's coarse clock, which can still read the
        # second before Python's time.time() just after a second boundary: a stamped
        # second is accepted when it falls in [before - 1 s, after + 1 s], no wider.
        seconds = range(int(before - 1), int(after + 1) + 1)
        self.assertIn(rec["created_at"], [wall(t, LA) for t in seconds])

    # ---- no-shows ----

    def make(self, rid, start, status="confirmed", store=S):
        """A reservation starting at wall clock `start` (a naive datetime of the store)."""
        self.assertEqual("created", self.r.call(
            "RESV.UPSERT", store, rid, "reservation_date", start.strftime("%Y-%m-%d"),
            "reservation_time", start.strftime("%H:%M"), "status", status,
            "external_reservation_id", "YD-" + rid, "system_id", "sys-1"))

    def status(self, rid, store=S):
        return pairs(self.r.call("RESV.GET", store, rid))["status"]

    def autos(self, rid, store=S):
        return [pairs(e) for e in self.r.call("RESV.HISTORY", store, rid)
                if pairs(e)["origin"] == "auto"]

    def sweep_at(self, ts):
        """Sets the clock and waits for two sweeps after it."""
        self.r.call("CONFIG", "SET", "resv.test-clock", str(ts))
        n = int(info(self.r)["resv_no_show_sweeps"])
        wait_for(lambda: int(info(self.r)["resv_no_show_sweeps"]) >= n + 2, "two sweeps")

    def test_no_show_once_at_its_deadline(self):
        now = utc(2026, 12, 1, 20, 0, 0)  # 12:00 PST
        self.r.call("CONFIG", "SET", "resv.test-clock", str(now))
        self.r.call("RESV.STORE.SET", S, "timezone", "America/Los_Angeles",
                    "no_show_after_minutes", "15")
        local = datetime(2026, 12, 1, 12, 0)
        self.make("due", local - timedelta(minutes=16))
        self.make("pending", local - timedelta(minutes=14), "pending")
        self.make("arrived", local - timedelta(minutes=60), "arrived")
        self.make("yesterday", local - timedelta(hours=20))
        self.make("tomorrow", local + timedelta(days=1))
        self.assertEqual("created", self.r.call("RESV.UPSERT", S, "bare", "reservation_date",
                                                "2026-11-30", "status", "confirmed"))
        # a store in Shanghai at the same instant (04:00 on 2 December): its own deadline
        self.r.call("RESV.STORE.SET", "store-sh", "no_show_after_minutes", "30")
        self.make("sh-due", datetime(2026, 12, 2, 3, 29), store="store-sh")
        self.make("sh-early", datetime(2026, 12, 2, 3, 31), store="store-sh")
        # no setting, long overdue: left alone
        self.make("off", local - timedelta(hours=3), store="store-off")
        self.r.call("CONFIG", "SET", "resv.noshow-interval-ms", "20")
        self.sweep_at(now)
        got = {rid: self.status(rid) for rid in ("due", "pending", "arrived", "yesterday",
                                                 "tomorrow", "bare")}
        self.assertEqual({"due": "no_show", "pending": "pending", "arrived": "arrived",
                          "yesterday": "no_show", "tomorrow": "confirmed", "bare": "confirmed"},
                         got)
        self.assertEqual("no_show", self.status("sh-due", "store-sh"))
        self.assertEqual("confirmed", self.status("sh-early", "store-sh"))
        self.assertEqual("confirmed", self.status("off", "store-off"))
        # the pending one two minutes later; the others never again
        self.sweep_at(now + 120)
        self.assertEqual("no_show", self.status("pending"))
        self.sweep_at(now + 3600)
        for rid in ("due", "pending", "yesterday"):
            a, = self.autos(rid)
            self.assertEqual({"at": wall(now if rid != "pending" else now + 120, LA),
                              "origin": "auto", "actor": "resv.noshow", "event": "status",
                              "status": "no_show"},
                             {k: a[k] for k in ("at", "origin", "actor", "event", "status")})
            self.assertIn("status", a["changed"].split(","))
        rec = pairs(self.r.call("RESV.GET", S, "due"))
        self.assertEqual("pending", rec["sync_status"])  # queued for the provider
        ob = [pairs(f) for _, f in self.r.call("RESV.OUTBOX", S, "COUNT", "100")]
        self.assertEqual(["YD-yesterday", "YD-due", "YD-pending"],  # by start
                         [e["external_id"] for e in ob])
        self.assertEqual({"no_show"}, {e["status"] for e in ob})
        feed = [pairs(f) for _, f in self.r.call("XRANGE", "resv:{%s}:changes" % S, "-", "+")]
        swept = [(f["reservation_id"], f["event"], f["status"]) for f in feed
                 if f["status"] == "no_show"]
        self.assertEqual([("yesterday", "status", "no_show"), ("due", "status", "no_show"),
                          ("pending", "status", "no_show")], swept)
        # a late guest still arrives
        self.assertEqual("arrived", pairs(self.r.call("RESV.STATUS", S, "due", "arrived"))[
            "status"])
        # turned off: nothing more; on again: swept again
        self.r.call("RESV.STORE.SET", S, "no_show_after_minutes", "0")
        self.make("later", local + timedelta(minutes=30))
        self.sweep_at(now + 7200)
        self.assertEqual("confirmed", self.status("later"))
        self.r.call("RESV.STORE.SET", S, "no_show_after_minutes", "10")
        self.sweep_at(now + 7200)
        self.assertEqual("no_show", self.status("later"))

    def test_no_show_in_the_repeated_hour(self):
        """01:30 on 1 November 2026 happens twice in Los Angeles; a start then is the
        earlier (08:30 UTC), so 15 minutes later is 08:45 UTC."""
        self.r.call("RESV.STORE.SET", S, "timezone", "America/Los_Angeles",
                    "no_show_after_minutes", "15")
        self.r.call("CONFIG", "SET", "resv.test-clock", str(utc(2026, 11, 1, 8, 0, 0)))
        self.make("R1", datetime(2026, 11, 1, 1, 30))
        self.make("R2", datetime(2026, 11, 1, 2, 30))  # after the night: 10:30 UTC
        self.r.call("CONFIG", "SET", "resv.noshow-interval-ms", "20")
        self.sweep_at(utc(2026, 11, 1, 8, 44, 0))
        self.assertEqual("confirmed", self.status("R1"))
        self.sweep_at(utc(2026, 11, 1, 8, 46, 0))
        self.assertEqual("no_show", self.status("R1"))
        self.assertEqual("confirmed", self.status("R2"))
        self.sweep_at(utc(2026, 11, 1, 10, 44, 0))
        self.assertEqual("confirmed", self.status("R2"))
        self.sweep_at(utc(2026, 11, 1, 10, 46, 0))
        self.assertEqual("no_show", self.status("R2"))


class NoShowMasterOnly(unittest.TestCase):
    """The replica tracks the stores from the replicated settings but never sweeps; it
    does once promoted. An AOF reload does not sweep again."""

    def test_replica_promotion_and_aof(self):
        master = Redis()
        replica = Redis(replicaof=master.port)
        m, rc = master.client(), replica.client()
        try:
            wait_for(lambda: "master_link_status:up" in rc.call("INFO", "replication"),
                     "the replica")
            now = utc(2026, 12, 1, 20, 0, 0)
            m.call("CONFIG", "SET", "resv.test-clock", str(now))
            m.call("RESV.STORE.SET", S, "timezone", "America/Los_Angeles",
                   "no_show_after_minutes", "15")
            for rid, minutes in (("R1", 16), ("R2", 10)):
                start = datetime(2026, 12, 1, 12, 0) - timedelta(minutes=minutes)
                m.call("RESV.UPSERT", S, rid, "reservation_date", start.strftime("%Y-%m-%d"),
                       "reservation_time", start.strftime("%H:%M"), "status", "confirmed")
            for c in (m, rc):
                c.call("CONFIG", "SET", "resv.noshow-interval-ms", "20")
            wait_for(lambda: pairs(m.call("RESV.GET", S, "R1"))["status"] == "no_show",
                     "the master's sweep")
            self.assertEqual(1, m.call("WAIT", "1", "5000"))
            wait_for(lambda: pairs(rc.call("RESV.GET", S, "R1"))["status"] == "no_show",
                     "replication")
            # the replica's clock is past R2's deadline too: it still does nothing
            rc.call("CONFIG", "SET", "resv.test-clock", str(now + 600))
            time.sleep(0.3)
            self.assertEqual("confirmed", pairs(rc.call("RESV.GET", S, "R2"))["status"])
            self.assertEqual("0", info(rc)["resv_no_show_sweeps"])
            wait_for(lambda: m.call("DEBUG", "DIGEST") == rc.call("DEBUG", "DIGEST"),
                     "equal digests")
            md = m.call("DEBUG", "DIGEST")
            # the master from its AOF: the same data, and R1 keeps its one auto entry
            m.close()
            master.stop()
            master.start(port=master.port)
            m = master.client()
            self.assertEqual(md, m.call("DEBUG", "DIGEST"), "AOF reload differs")
            # promoted, the replica sweeps the store it learned of by replication
            rc.call("REPLICAOF", "NO", "ONE")
            wait_for(lambda: pairs(rc.call("RESV.GET", S, "R2"))["status"] == "no_show",
                     "the promoted replica's sweep")
            for c in (m, rc):
                autos = [pairs(e) for e in c.call("RESV.HISTORY", S, "R1")
                         if pairs(e)["origin"] == "auto"]
                self.assertEqual(1, len(autos))
        finally:
            for c in (m, rc):
                c.close()
            replica.close()
            master.close()


class StoreSettingsHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis()
        cls.sc = Sidecar(cls.redis.port)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()
        cls.redis.close()

    def req(self, method, store, body=None, role="admin", stores=None, query=""):
        return self.sc.request(method, API + "/stores/%s/settings%s" % (store, query), body,
                               token=self.sc.token(role, stores))

    def test_get_put(self):
        st, _, body = self.req("GET", "s-http", role="staff")
        self.assertEqual(200, st, body)
        self.assertEqual(dict(DEFAULTS, store_id="s-http"), body)
        st, _, body = self.req("PUT", "s-http", {"timezone": "America/Los_Angeles",
                                                 "no_show_after_minutes": 20},
                               role="store_manager", stores=["s-http"])
        self.assertEqual(200, st, body)
        want = dict(DEFAULTS, store_id="s-http", timezone="America/Los_Angeles",
                    no_show_after_minutes=20)
        self.assertEqual(want, body)
        self.assertIsInstance(body["no_show_after_minutes"], int)
        self.assertEqual((200, want), self.req("GET", "s-http", role="floor_manager")[::2])
        # null: back to the default
        st, _, body = self.req("PUT", "s-http", {"timezone": None})
        self.assertEqual("Asia/Shanghai", body["timezone"])
        self.assertEqual(20, body["no_show_after_minutes"])
        # the store's clock on a reservation written through the API
        c = self.redis.client()
        c.call("RESV.STORE.SET", "s-http", "timezone", "America/Los_Angeles")
        before = time.time()
        c.call("RESV.UPSERT", "s-http", "H1", "reservation_date", "2026-12-24")
        after = time.time()
        rec = pairs(c.call("RESV.GET", "s-http", "H1"))
        c.close()
        self.assertTrue(wall(int(before), LA) <= rec["created_at"] <= wall(int(after) + 1, LA))

    def test_refusals(self):
        cases = [
            ("PUT", {"slot_minutes": 30}, "staff", None, "", 403, None),
            ("PUT", {"slot_minutes": 30}, "floor_manager", None, "", 403, None),
            ("PUT", {"slot_minutes": 30}, "store_manager", ["other"], "", 403, None),
            ("GET", None, "staff", ["other"], "", 403, None),
            ("PUT", {"slot": 30}, "admin", None, "", 400, "'slot'"),
            ("PUT", {"slot_minutes": "30"}, "admin", None, "", 400, "slot_minutes"),
            ("PUT", {"slot_minutes": 30.5}, "admin", None, "", 400, "slot_minutes"),
            ("PUT", {"timezone": 8}, "admin", None, "", 400, "timezone"),
            ("PUT", {"timezone": "Asia/Atlantis"}, "admin", None, "", 400, "timezone"),
            ("PUT", {"turn_minutes": 10000}, "admin", None, "", 400, "turn_minutes"),
            ("PUT", {"no_show_after_minutes": -5}, "admin", None, "", 400,
             "no_show_after_minutes"),
            ("PUT", {}, "admin", None, "", 400, "setting"),
            ("PUT", [1], "admin", None, "", 400, "object"),
            ("GET", None, "admin", None, "?verbose=1", 400, "verbose"),
        ]
        self.req("PUT", "s-ref", {"slot_minutes": 45})
        for method, body, role, stores, query, status, words in cases:
            with self.subTest(method=method, body=body, role=role, query=query):
                st, _, got = self.req(method, "s-ref", body, role, stores, query)
                self.assertEqual(status, st, got)
                self.assertIn("error", got)
                if words:
                    self.assertIn(words, got["error"]["message"])
        st, _, got = self.req("GET", "s-ref")
        self.assertEqual(45, got["slot_minutes"])
        self.assertEqual(401, self.sc.request("GET", API + "/stores/s-ref/settings")[0])
        self.assertEqual(400, self.req("GET", "a%7Bb")[0])


if __name__ == "__main__":
    unittest.main(verbosity=1)
