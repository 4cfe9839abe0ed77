/* Standard Webhooks (https://www.standardwebhooks.com) signatures: HMAC-SHA256 over
 * "webhook-id.webhook-timestamp.body", keyed with the base64 part of a "whsec_" secret,
 * sent as "v1,<base64>". OpenSSL does the HMAC, the base64 and the randomness. */
#ifndef WEBHOOK_SIGNATURE_H
#define WEBHOOK_SIGNATURE_H

#include <stddef.h>
#include <time.h>

#define WEBHOOK_SECRET_MAX 64

/* Writes "whsec_<base64 of 32 random bytes>" from OpenSSL RAND_bytes. 0 ok. */
int webhookSecretGenerate(char out[WEBHOOK_SECRET_MAX]);

/* Verifies headers webhook-id/webhook-timestamp/webhook-signature over the raw body;
 * tolerance in seconds (300). 0 ok; -1 and *why otherwise. Constant-time compare. */
int webhookVerify(const char *secret, const char *msgId, const char *timestamp,
                  const char *signatureHeader, const unsigned char *body, size_t bodylen,
                  time_t now, long tolerance, const char **why);

/* "v1,<base64>" malloc'd, for tests, the fake provider and outgoing notifications. */
char *webhookSign(const char *secret, const char *msgId, long timestamp, const unsigned char *body,
                  size_t bodylen);

#endif
