/* What a status change does, decided in one place for RESV.UPSERT and RESV.STATUS
 * (contract §2): refused, or applied with its side effects. Pure: a handler reads what
 * the plan needs, asks resvPlanStatus, then carries the effects out and replies. */
#ifndef RESV_PLAN_H
#define RESV_PLAN_H

#include <stddef.h>

#include "resv_model.h"
#include "resv_time.h"

typedef struct {
    int creating;    /* no stored record: `to` (or pending) is its first status */
    resvStatus from; /* the stored status */
    resvStatus to;   /* the status asked for, when statusGiven */
    int statusGiven;
    int statusDiffers;       /* the stored status's bytes are not `to`'s name (a record
                                written by hand): rewritten even when it does not move */
    resvOrigin origin;       /* a provider's data may jump forward, and never moves back */
    int strict;              /* RESV.STATUS: the transition table whatever the origin, and
                                the same status is a no-op whatever else is given */
    int fieldsChanged;       /* another given field differs from the stored one */
    int arrivalGiven;        /* arrival_time comes with the command */
    int updatedGiven;        /* updated_at comes with the command */
    const char *storedTable; /* table_number stored ("" or NULL: none) */
    size_t storedTableLen;
    const char *givenTable; /* table_number given; NULL: not given */
    size_t givenTableLen;
    int force;     /* FORCE: over the pacing limits (resvPlanFloor) */
    int hasSystem; /* a system_id after the command: a provider that can be told (PUSH) */
} resvPlanInput;

typedef enum {
    RESV_PLAN_APPLY,      /* carry out the effects (none: nothing changes) */
    RESV_PLAN_BAD_MOVE,   /* not in the transition table: CONFLICT cannot move */
    RESV_PLAN_NEED_TABLE, /* seated without a table_number: ERR missing table_number */
} resvPlanVerdict;

/* Effects, the bits of resvPlan.effects. */
enum {
    RESV_PLAN_WRITE = 1 << 0,  /* the record changes (audit entry and feed) */
    RESV_PLAN_STATUS = 1 << 1, /* write resvPlan.status */
    /* a provider's backwards status: kept out, and noted in the audit entry */
    RESV_PLAN_IGNORED = 1 << 2,
    RESV_PLAN_STAMP_ARRIVAL = 1 << 3, /* arrival_time := the server's time */
    RESV_PLAN_STAMP_UPDATED = 1 << 4, /* updated_at := the server's time */
    /* hold resvPlan.table: CONFLICT when another reservation holds it */
    RESV_PLAN_TAKE_TABLE = 1 << 5,
    /* release resvPlan.release when this reservation holds it */
    RESV_PLAN_RELEASE_TABLE = 1 << 6,
    /* queue the new status for the provider: our own move of a reservation that came
       from a provider system (one without a system_id has nobody to be told) */
    RESV_PLAN_PUSH = 1 << 7,
    /* hold resvPlan.hold over the reservation's window (resv_floor.h) after the change;
       without it the reservation holds no table over time */
    RESV_PLAN_HOLD = 1 << 8,
};

typedef struct {
    unsigned effects;  /* RESV_PLAN_* bits; 0: nothing to do */
    resvStatus status; /* the status after the command */
    const char *table; /* TAKE_TABLE: the table to hold (the given one, else stored) */
    size_t tableLen;
    const char *release; /* RELEASE_TABLE: the stored table */
    size_t releaseLen;
    const char *hold; /* HOLD: the table_number after the change */
    size_t holdLen;
} resvPlan;

/* The plan for one command. *out is filled for RESV_PLAN_APPLY only. */
resvPlanVerdict resvPlanStatus(const resvPlanInput *in, resvPlan *out);

/* ---- the floor: what a hold over time or the pacing of a slot allows ---- */

typedef struct {
    int provider;               /* the provider's data: never refused, flagged overbooked */
    int force;                  /* FORCE by admin or store_manager: over the pacing limits */
    int walkIn;                 /* a walk-in seated: here already, over the pacing flagged */
    int unknownTable;           /* a table of table_number is not in the store's inventory */
    int notJoinable;            /* joined tables that the inventory does not let join */
    long party;                 /* customer_count after the change (0: not given) */
    long seats;                 /* seats of the held tables together (0: no hold checked) */
    int held;                   /* another reservation holds one of the tables in the window */
    int heldKept;               /* the hold is the one the reservation had: a clash is not this
                                   write's, so it is flagged, never refused */
    int paced;                  /* created or moved: the slot's pacing applies */
    int paceKept;               /* flagged before the write: the slot's counts decide its
                                   flag again even where the write raises nothing */
    int slotNew;                /* created, or moved into another slot, or live again: the
                                   slot gains a party */
    long partyWas;              /* the party it had counted in the slot already (0 when
                                   slotNew): its covers go up only past it */
    long covers, coversLimit;   /* the slot's covers with this party; limit 0: off */
    long parties, partiesLimit; /* the slot's parties with this one; limit 0: off */
} resvFloorInput;

typedef enum {
    RESV_FLOOR_OK,
    RESV_FLOOR_OVERBOOKED,    /* stored, flagged overbooked, an event on the feed (the
                                 provider's data, or our own forced over the pacing) */
    RESV_FLOOR_UNKNOWN_TABLE, /* ERR: not in the inventory */
    RESV_FLOOR_NOT_JOINABLE,  /* ERR: these tables do not join */
    RESV_FLOOR_TOO_SMALL,     /* ERR: party over the seats */
    RESV_FLOOR_HELD,          /* CONFLICT: the holder */
    RESV_FLOOR_CAPACITY,      /* CONFLICT capacity: booked and limit */
} resvFloorVerdict;

/* The one rule of the floor for every write: our own API is refused what the floor
 * cannot seat (pacing unless forced: then stored, flagged; and only a limit the write
 * raises: more covers in the slot, or a party new to it); the provider's booking is
 * stored, flagged. A walk-in is refused a table like our API, never the pacing (it
 * paces bookings taken ahead; the party is at the door): over it, flagged. */
resvFloorVerdict resvPlanFloor(const resvFloorInput *in);
/* 1 when the slot's pacing is exceeded (the counts include the booking). */
int resvPlanOverPace(const resvFloorInput *in);
/* The window a seated party holds its tables over, for the writes and the readers alike:
 * it keeps them until it leaves, so its window [*s, *e) (now, now: none) is widened to
 * cover [now, now + slotSecs) too, moving on with the clock. */
void resvPlanSeatedWindow(resvInstant now, resvInstant slotSecs, resvInstant *s, resvInstant *e);

#endif
