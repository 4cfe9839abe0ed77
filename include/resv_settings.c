/* A store's settings (resv_settings.h). */
#include "resv_settings.h"

#include <string.h>

#include "resv_model.h"
#include "resv_tz.h"

/* Bounds: a no-show deadline within a day of the start; a slot from 5 minutes to 4
 * hours; a turn from a quarter hour to 12 hours; pacing limits per slot, 0 for none. */
const resvSettingSpec resvSettings[RESV_ST_COUNT] = {
    [RESV_ST_TIMEZONE] = {"timezone", 1, 0, 0, 0,
                          "must be an IANA time zone name such as Asia/Shanghai"},
    [RESV_ST_NO_SHOW_AFTER_MINUTES] = {"no_show_after_minutes", 0, 0, 1440, 0,
                                       "must be an integer from 0 (off) to 1440"},
    [RESV_ST_SLOT_MINUTES] = {"slot_minutes", 0, 5, 240, 30, "must be an integer from 5 to 240"},
    [RESV_ST_TURN_MINUTES] = {"turn_minutes", 0, 15, 720, 90, "must be an integer from 15 to 720"},
    [RESV_ST_MAX_COVERS_PER_SLOT] = {"max_covers_per_slot", 0, 0, 99999, 0,
                                     "must be an integer from 0 (off) to 99999"},
    [RESV_ST_MAX_PARTIES_PER_SLOT] = {"max_parties_per_slot", 0, 0, 9999, 0,
                                      "must be an integer from 0 (off) to 9999"},
};

int resvSettingLookup(const char *name, size_t len) {
    for (int i = 0; i < RESV_ST_COUNT; i++)
        if (strlen(resvSettings[i].name) == len && memcmp(resvSettings[i].name, name, len) == 0)
            return i;
    return -1;
}

int resvSettingCheck(resvSetting s, const char *v, size_t len, long *num, const char **why) {
    const resvSettingSpec *spec = &resvSettings[s];
    *why = spec->why;
    if (spec->isZone) return resvTzNameValid(v, len) ? 0 : -1;
    return resvParseUint(v, len, spec->min, spec->max, num);
}
