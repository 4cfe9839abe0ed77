/* The floor: a store's table inventory, the holds of tables over time, pacing of covers
 * and parties per slot, and the waits of walk-ins (docs/keys.md, docs/commands.md).
 * Pure: encodings of the inventory and hold values, the hold window of a reservation,
 * overlap and capacity arithmetic. The module reads keys and asks these. */
#ifndef RESV_FLOOR_H
#define RESV_FLOOR_H

#include <stddef.h>

#include "resv_model.h"
#include "resv_time.h"

/* slot_minutes and turn_minutes are the store's settings (resv_settings.h).
 * No hold is longer than a day (a slot is at most 24 hours, turn_minutes at most 720):
 * the overlap search looks back this far from a window's end. */
#define RESV_FLOOR_HOLD_MAX  RESV_SECS_PER_DAY
#define RESV_FLOOR_JOIN_MAX  8 /* tables in one table_number ("T1+T2") or JOINS list */
#define RESV_FLOOR_SEATS_MAX 999
/* Tables of one store's inventory: availability and the waitlist work over every pair
 * of tables per call, so the inventory is bounded (a large restaurant has a few hundred). */
#define RESV_FLOOR_TABLES_MAX 500
#define RESV_FLOOR_TABLE_MAX  32 /* bytes of one table's name */
/* An encoded inventory or hold value: the longest inventory value is 3 digits of seats,
 * 8 joins of RESV_FLOOR_TABLE_MAX bytes and an area of 64 characters (256 bytes) with
 * their separators, 525 bytes. */
#define RESV_FLOOR_VALUE_MAX 1024

/* One table of the inventory. joins: table names separated by ','; area: free text. */
typedef struct {
    long seats;
    const char *joins;
    size_t joinsLen;
    const char *area;
    size_t areaLen;
} resvTableSpec;

/* "<seats>|<joins>|<area>" (area last: it may hold '|'). Returns the length written
 * (no NUL), or 0 when it does not fit in cap. */
size_t resvTableSpecEncode(const resvTableSpec *t, char *buf, size_t cap);
/* -1 when s is not such a value; the spans point into s. */
int resvTableSpecDecode(const char *s, size_t len, resvTableSpec *out);
/* A JOINS argument: 1 to RESV_FLOOR_JOIN_MAX table names (of at most RESV_FLOOR_TABLE_MAX
 * bytes, as a table's own name) separated by ',', none twice, none equal to self. */
int resvJoinsValid(const char *s, size_t len, const char *self, size_t selfLen);
/* 1 when name is one of the ','-separated list. */
int resvJoinsHas(const char *list, size_t listLen, const char *name, size_t nameLen);

/* The window a reservation holds its table: from its start instant for its slot's
 * length ("HH:MM-HH:MM", crossing midnight when the end is earlier), or turnMinutes
 * when the slot has no end. -1 when the date does not parse. */
int resvHoldWindow(const char *date, size_t dl, const char *slot, size_t sl, int turnMinutes,
                   resvInstant *start, resvInstant *end);
/* Half-open windows [a0, a1) and [b0, b1): a hold ending at 20:00 and one starting at
 * 20:00 do not overlap. */
int resvHoldsOverlap(resvInstant a0, resvInstant a1, resvInstant b0, resvInstant b1);

/* A hold as the store's held hash keeps it: "<start>|<end>|<table_number>". */
size_t resvHeldEncode(resvInstant start, resvInstant end, const char *table, size_t tl, char *buf,
                      size_t cap);
int resvHeldDecode(const char *s, size_t len, resvInstant *start, resvInstant *end,
                   const char **table, size_t *tl);

/* Pacing counts the parties that will come or came: pending, confirmed, arrived,
 * seated, completed (not cancelled, not no_show). */
int resvFloorCounts(resvStatus s);
/* A party's covers as counted: its customer_count as stored, 0 when unset or not a
 * whole number. */
long resvFloorParty(const char *s, size_t len);

/* A day's load (RESV_KEY_LOAD): per start minute of the day, the covers and parties of
 * the reservations that count starting in it. Minutes sum into slots of any length
 * (slot_minutes is a whole number of minutes), so a change of slot_minutes needs no
 * rewrite. Field "HH:MM" (the start instant's minute, seconds dropped), value
 * "<covers>|<parties>". */
#define RESV_LOAD_FIELD_LEN 5
#define RESV_LOAD_VALUE_MAX 48
void resvLoadField(resvInstant start, char buf[RESV_LOAD_FIELD_LEN + 1]);
/* The minute of the day (0..1439) a field names; -1 when it is not one. */
int resvLoadFieldParse(const char *s, size_t len);
size_t resvLoadEncode(long covers, long parties, char buf[RESV_LOAD_VALUE_MAX]);
/* -1 when s is not such a value (two whole numbers, parties at least 1). */
int resvLoadDecode(const char *s, size_t len, long *covers, long *parties);

/* The text of a pacing refusal after its code word (CONFLICT): the slot's covers with
 * the booking, the covers limit, then the same for parties (a limit 0: off). The module
 * writes it; the sidecar reads the numbers back for the HTTP error (booked, limit). */
#define RESV_FLOOR_CAPACITY_FMT "capacity: covers %ld/%ld parties %ld/%ld in the slot"
/* The four numbers of a whole such text, in that order; -1 when s is not one. */
int resvFloorCapacityParse(const char *s, long n[4]);

/* Availability slots of a day: slotMinutes long from 00:00 (the last one may be short). */
int resvFloorSlotCount(int slotMinutes);
/* The slots k (0..n-1, starting at dayStart + k * slotSecs) whose turn [s, s + turn) a
 * hold [hs, he) overlaps (resvHoldsOverlap): k in [*first, *last], none when *first >
 * *last. Availability marks each hold once instead of testing it in every slot. */
void resvFloorSlotsHeld(resvInstant dayStart, resvInstant slotSecs, int n, resvInstant turn,
                        resvInstant hs, resvInstant he, int *first, int *last);

/* The first instant from `from` at which a table is free for `len` seconds, given its
 * holds as windows sorted by start (overlaps allowed): what a walk-in's estimated wait
 * is made of. */
resvInstant resvFloorFirstGap(resvInstant from, resvInstant len, const resvInstant *starts,
                              const resvInstant *ends, int n);
/* The same for two tables joined: the first instant from `from` at which both are free
 * for `len` seconds. */
resvInstant resvFloorFirstGapBoth(resvInstant from, resvInstant len, const resvInstant *as,
                                  const resvInstant *ae, int an, const resvInstant *bs,
                                  const resvInstant *be, int bn);

#endif
