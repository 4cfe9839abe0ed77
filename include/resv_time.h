/* Store-local wall-clock times: parsing and formatting of the seed's date, datetime
 * and slot formats. Pure functions, no allocation, shared by the module and the
 * sidecar and callable from a fuzzer. */
#ifndef RESV_TIME_H
#define RESV_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Seconds since 1970-01-01T00:00:00 of the store's wall clock (no time zone). */
typedef int64_t resvInstant;

#define RESV_DATETIME_LEN 19 /* YYYY-MM-DDTHH:MM:SS */
#define RESV_DATE_LEN     10 /* YYYY-MM-DD */
#define RESV_SECS_PER_DAY 86400

typedef struct {
    int start; /* minutes after midnight, 0..1439 */
    int end;   /* minutes after midnight, 1..1440, or -1 for a single HH:MM */
} resvSlot;

/* Each returns 0 on success, -1 when the text is not exactly the format. */
int resvParseDateTime(const char *s, size_t len, resvInstant *out);
int resvParseDate(const char *s, size_t len, resvInstant *out);
/* A datetime, or a bare date taken as its first (endOfDay 0) or last second. */
int resvParseDateOrDateTime(const char *s, size_t len, int endOfDay, resvInstant *out);
int resvParseSlot(const char *s, size_t len, resvSlot *out);

/* Writes YYYY-MM-DDTHH:MM:SS and a NUL; buf holds at least RESV_DATETIME_LEN+1. */
void resvFormatDateTime(resvInstant t, char *buf);

/* The start instant: the day of reservation_date plus the slot's start. */
resvInstant resvStartInstant(resvInstant date, const resvSlot *slot);
/* The start instant of a record from its stored reservation_date and reservation_time
 * (without a valid slot: the date itself; 0 when the date does not parse). */
resvInstant resvRecordStart(const char *date, size_t dl, const char *slot, size_t tl);
/* The day (YYYY-MM-DD and a NUL) of an instant. */
void resvDayOf(resvInstant t, char day[RESV_DATE_LEN + 1]);
/* The first instant of t's day, by floor division: an instant before 1970 (a store's
 * clock west of UTC at a test clock near 0) belongs to 1969-12-31, where `t - t % 86400`
 * (C's % truncates toward zero) would give 1970-01-01. */
resvInstant resvDayStart(resvInstant t);

/* The proleptic Gregorian calendar, for any year: days since 1970-01-01 of a date
 * (month 1..12, day 1..31), and back. The one calendar of the project (resv_tz.c
 * computes daylight-saving rules with it). */
int64_t resvDaysFromCivil(int y, int m, int d);
void resvCivilFromDays(int64_t days, int *y, int *m, int *d);

#endif
