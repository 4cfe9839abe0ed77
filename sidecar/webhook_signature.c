#include "webhook_signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_PREFIX      "whsec_"
#define WEBHOOK_PREFIX_LEN  6
#define WEBHOOK_KEY_MAX     128 /* decoded secret bytes; the spec suggests 24..64 */
#define WEBHOOK_MSGID_MAX   256
#define WEBHOOK_TS_DIGITS   12 /* far beyond year 9999, small enough for a long */
#define WEBHOOK_MAC_LEN     32 /* SHA-256 */
#define WEBHOOK_B64_MAC_LEN 44 /* base64 of 32 bytes */

static int webhookIsB64Char(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Strict standard base64 (with padding) into out; returns the decoded length or -1.
 * EVP_DecodeBlock alone skips surrounding whitespace and counts padding as zero
 * bytes, so the shape is checked first and the padding subtracted after. */
static int webhookB64Decode(const char *s, size_t len, unsigned char *out, size_t outmax) {
    size_t pad = 0;
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > outmax) return -1;
    if (s[len - 1] == '=') pad++;
    if (s[len - 2] == '=') pad++;
    for (size_t i = 0; i < len - pad; i++)
        if (!webhookIsB64Char((unsigned char)s[i])) return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    if (n < 0 || (size_t)n < pad) return -1;
    return n - (int)pad;
}

/* The HMAC key from "whsec_<base64>". */
static int webhookSecretKey(const char *secret, unsigned char key[WEBHOOK_KEY_MAX],
                            size_t *keylen) {
    if (secret == NULL || strncmp(secret, WEBHOOK_PREFIX, WEBHOOK_PREFIX_LEN) != 0) return -1;
    const char *b64 = secret + WEBHOOK_PREFIX_LEN;
    size_t len = strnlen(b64, WEBHOOK_KEY_MAX * 2);
    int n = webhookB64Decode(b64, len, key, WEBHOOK_KEY_MAX);
    if (n <= 0) return -1;
    *keylen = (size_t)n;
    return 0;
}

/* HMAC-SHA256 of "msgId.timestamp.body", fed in pieces so the body is never copied. */
static int webhookMac(const unsigned char *key, size_t keylen, const char *msgId, const char *ts,
                      const unsigned char *body, size_t bodylen,
                      unsigned char mac[WEBHOOK_MAC_LEN]) {
    int ok = 0;
    size_t maclen = 0;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    if (ctx && EVP_MAC_init(ctx, key, keylen, params) &&
        EVP_MAC_update(ctx, (const unsigned char *)msgId, strlen(msgId)) &&
        EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
        EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) &&
        EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
        (bodylen == 0 || EVP_MAC_update(ctx, body, bodylen)) &&
        EVP_MAC_final(ctx, mac, &maclen, WEBHOOK_MAC_LEN) && maclen == WEBHOOK_MAC_LEN)
        ok = 1;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    return ok ? 0 : -1;
}

int webhookSecretGenerate(char out[WEBHOOK_SECRET_MAX]) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return -1;
    memcpy(out, WEBHOOK_PREFIX, WEBHOOK_PREFIX_LEN);
    /* 32 bytes -> 44 characters and a NUL: 51 bytes in all, within the 64. */
    EVP_EncodeBlock((unsigned char *)out + WEBHOOK_PREFIX_LEN, raw, sizeof raw);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

/* The header is an untrusted sender's: bounded, printable ASCII, no spaces. */
static int webhookMsgIdValid(const char *id) {
    size_t n = strnlen(id, WEBHOOK_MSGID_MAX + 1);
    if (n == 0 || n > WEBHOOK_MSGID_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7F) return 0;
    return 1;
}

static int webhookParseTimestamp(const char *ts, long *out) {
    long v = 0;
    size_t n = strnlen(ts, WEBHOOK_TS_DIGITS + 1);
    if (n == 0 || n > WEBHOOK_TS_DIGITS) return -1;
    for (size_t i = 0; i < n; i++) {
        if (ts[i] < '0' || ts[i] > '9') return -1;
        v = v * 10 + (ts[i] - '0');
    }
    *out = v;
    return 0;
}

int webhookVerify(const char *secret, const char *msgId, const char *timestamp,
                  const char *signatureHeader, const unsigned char *body, size_t bodylen,
                  time_t now, long tolerance, const char **why) {
    unsigned char key[WEBHOOK_KEY_MAX], mac[WEBHOOK_MAC_LEN], sig[WEBHOOK_B64_MAC_LEN];
    size_t keylen;
    long ts;
    int sawV1 = 0, match = 0;
    const char *dummy;
    if (why == NULL) why = &dummy;

    if (webhookSecretKey(secret, key, &keylen)) {
        *why = "webhook secret is not whsec_<base64>";
        return -1;
    }
    if (msgId == NULL || !webhookMsgIdValid(msgId)) {
        *why = "missing or invalid webhook-id header";
        return -1;
    }
    if (timestamp == NULL || webhookParseTimestamp(timestamp, &ts)) {
        *why = "missing or invalid webhook-timestamp header";
        return -1;
    }
    if (tolerance < 0) tolerance = 0;
    /* Compared as differences in long long so that no operand can overflow. */
    if ((long long)ts < (long long)now - tolerance) {
        *why = "webhook-timestamp is too old";
        return -1;
    }
    if ((long long)ts > (long long)now + tolerance) {
        *why = "webhook-timestamp is too far in the future";
        return -1;
    }
    if (signatureHeader == NULL || *signatureHeader == '\0') {
        *why = "missing webhook-signature header";
        return -1;
    }
    if (body == NULL && bodylen > 0) {
        *why = "missing body";
        return -1;
    }
    if (webhookMac(key, keylen, msgId, timestamp, body, bodylen, mac)) {
        OPENSSL_cleanse(key, sizeof key);
        *why = "cannot compute the signature";
        return -1;
    }
    OPENSSL_cleanse(key, sizeof key);

    /* Space-separated "version,signature" entries; unknown versions are skipped so a
     * sender can roll out new schemes, and every v1 entry is checked (no early exit on
     * a match keeps the time independent of which entry matched). */
    for (const char *p = signatureHeader; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        size_t n = (size_t)(e - p);
        if (n > 3 && memcmp(p, "v1,", 3) == 0) {
            sawV1 = 1;
            int len = webhookB64Decode(p + 3, n - 3, sig, sizeof sig);
            if (len == WEBHOOK_MAC_LEN && CRYPTO_memcmp(sig, mac, WEBHOOK_MAC_LEN) == 0) match = 1;
        }
        p = e;
    }
    if (match) return 0;
    *why = sawV1 ? "webhook signature does not match" : "no v1 signature in webhook-signature";
    return -1;
}

char *webhookSign(const char *secret, const char *msgId, long timestamp, const unsigned char *body,
                  size_t bodylen) {
    unsigned char key[WEBHOOK_KEY_MAX], mac[WEBHOOK_MAC_LEN];
    size_t keylen;
    char ts[32];
    if (msgId == NULL || (body == NULL && bodylen > 0) || webhookSecretKey(secret, key, &keylen))
        return NULL;
    snprintf(ts, sizeof ts, "%ld", timestamp);
    int rc = webhookMac(key, keylen, msgId, ts, body, bodylen, mac);
    OPENSSL_cleanse(key, sizeof key);
    if (rc) return NULL;
    char *out = malloc(3 + WEBHOOK_B64_MAC_LEN + 1);
    if (out == NULL) return NULL;
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, mac, WEBHOOK_MAC_LEN);
    return out;
}
