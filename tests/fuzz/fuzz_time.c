/* libFuzzer harness for every parser of include/resv_time.h. Besides crashes it checks
 * properties: whatever a parser accepts formats back to a text that parses to the same
 * instant, and slots stay within their documented ranges. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resv_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exact-size copy, so that reading one byte too far is an ASan report. */
    char *s = malloc(size ? size : 1);
    char buf[RESV_DATETIME_LEN + 1];
    resvInstant t, back;
    resvSlot slot;
    if (s == NULL) return 0;
    memcpy(s, data, size);

    if (resvParseDate(s, size, &t) == 0) {
        if (t < 0 || t % 86400 != 0) abort();
        resvFormatDateTime(t, buf);
        if (memcmp(buf, s, RESV_DATE_LEN) != 0 || memcmp(buf + 10, "T00:00:00", 9) != 0) abort();
    }
    if (resvParseDateTime(s, size, &t) == 0) {
        resvFormatDateTime(t, buf);
        /* the canonical text is the input itself */
        if (memcmp(buf, s, RESV_DATETIME_LEN) != 0) abort();
        if (resvParseDateTime(buf, RESV_DATETIME_LEN, &back) || back != t) abort();
    }
    for (int endOfDay = 0; endOfDay <= 1; endOfDay++)
        if (resvParseDateOrDateTime(s, size, endOfDay, &t) == 0) {
            resvFormatDateTime(t, buf);
            if (resvParseDateTime(buf, RESV_DATETIME_LEN, &back) || back != t) abort();
        }
    if (resvParseSlot(s, size, &slot) == 0) {
        if (slot.start < 0 || slot.start > 1439) abort();
        if (slot.end != -1 && (slot.end < 0 || slot.end > 1440 || slot.end == slot.start)) abort();
        if ((size == 5) != (slot.end == -1)) abort();
        (void)resvStartInstant(0, &slot);
    }
    free(s);
    return 0;
}
