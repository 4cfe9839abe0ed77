/* Time zones of the tz database (Debian tzdata, /usr/share/zoneinfo): one store's wall
 * clock from a UTC instant and back, with daylight saving. Each store has its own zone
 * in the same process, so nothing here touches TZ, tzset() or localtime(): a zone is a
 * value the caller loads once and keeps.
 *
 * A zone file is TZif (RFC 8536) version 2 or later; only its 64-bit part is read,
 * and the POSIX TZ rule of its footer ("PST8PDT,M3.2.0,M11.1.0") gives the instants
 * after its last transition. Files with leap seconds (the right/ tree) are refused.
 *
 * Wall clock to UTC, where a wall clock time is not one instant:
 * - a skipped time (spring forward, 02:30 on a night that goes 02:00 -> 03:00) maps
 *   forward by the gap: it is read with the offset before the change, so 02:30
 *   becomes the instant shown as 03:30;
 * - a repeated time (fall back, 01:30 on a night that goes 02:00 -> 01:00) takes the
 *   earlier of its two instants (the one still in daylight saving time). */
#ifndef RESV_TZ_H
#define RESV_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "resv_time.h"

typedef struct resvTz resvTz;

#define RESV_TZ_DIR         "/usr/share/zoneinfo"
#define RESV_TZ_NAME_MAX    64    /* bytes of a zone name; the longest IANA name has 32 */
#define RESV_TZ_FILE_MAX    65536 /* bytes of a zone file; tzdata's largest has about 4k */
#define RESV_TZ_TIMES_MAX   2000  /* transitions; tzdata's most has 310 */
#define RESV_TZ_TYPES_MAX   256   /* local time types, as many as a TZif index can name */
#define RESV_TZ_CHARS_MAX   256   /* bytes of abbreviations */
#define RESV_TZ_OFFSET_MAX  93599 /* |UTC offset| in seconds (RFC 8536: under 26 hours) */
#define RESV_TZ_INSTANT_MAX 1000000000000LL /* |UTC seconds| accepted: about 31000 years */
/* |wall clock| accepted: its instant is within RESV_TZ_INSTANT_MAX too */
#define RESV_TZ_WALL_MAX (RESV_TZ_INSTANT_MAX - RESV_TZ_OFFSET_MAX - 1)

/* 1 when name looks like an IANA zone name: 1..RESV_TZ_NAME_MAX bytes of
 * components separated by single '/', each starting with an ASCII capital letter and
 * made of letters, digits, '_', '-' and '+' (so no "..", no leading or trailing '/',
 * nothing outside the tz directory and none of its lowercase helper files). */
int resvTzNameValid(const char *name, size_t len);

/* Loads dir/name (dir NULL: RESV_TZ_DIR). Returns the zone, or NULL with *why saying
 * what is wrong (a static string, for "ERR invalid timezone: <why>"). */
resvTz *resvTzLoad(const char *dir, const char *name, size_t len, const char **why);

/* The same from the bytes of a zone file (at most RESV_TZ_FILE_MAX), which it does
 * not keep. Never reads outside buf[0..len). */
resvTz *resvTzParse(const unsigned char *buf, size_t len, const char **why);

void resvTzFree(resvTz *tz);

/* The wall clock and its UTC offset (seconds east of Greenwich, +28800 for +08:00)
 * at a UTC instant (seconds since 1970-01-01T00:00:00Z). Returns -1 when
 * |utc| > RESV_TZ_INSTANT_MAX. resvFormatDateTime prints the wall clock when it is
 * within its years 1970..9999. */
int resvTzToLocal(const resvTz *tz, int64_t utc, resvInstant *wall, int32_t *offset);

typedef enum {
    RESV_TZ_WALL_RANGE = -1,  /* |wall| > RESV_TZ_WALL_MAX: *utc untouched */
    RESV_TZ_WALL_UNIQUE = 0,  /* one instant shows this wall clock */
    RESV_TZ_WALL_SKIPPED = 1, /* none does: *utc is mapped forward by the gap */
    RESV_TZ_WALL_REPEATED = 2 /* two do: *utc is the earlier */
} resvTzWall;

/* The UTC instant of a wall clock time, as the header comment says. */
resvTzWall resvTzToUtc(const resvTz *tz, resvInstant wall, int64_t *utc);

#endif
