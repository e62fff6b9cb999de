/* make demo: C's part. Signs with OUTBOX_SIGNING_SECRET and sends to
 * OUTBOX_ENDPOINT (the demo's `outbox listen`, which verifies the signature). */
#include <stdio.h>
#include <stdlib.h>

#include <outbox.h>

int main(void) {
    const char *endpoint = getenv("OUTBOX_ENDPOINT");
    const char *secret = getenv("OUTBOX_SIGNING_SECRET");
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    outbox_flush_result_t result = {0, 0, 0};
    if (!endpoint || !secret) {
        fprintf(stderr, "set OUTBOX_ENDPOINT and OUTBOX_SIGNING_SECRET\n");
        return 2;
    }
    if (outbox_config_new(&config) != OUTBOX_OK || outbox_config_set_endpoint(config, endpoint) != OUTBOX_OK ||
        outbox_config_set_signing_secrets(config, &secret, 1) != OUTBOX_OK ||
        outbox_client_new(config, &client) != OUTBOX_OK) {
        fprintf(stderr, "outbox: %s\n", outbox_last_error());
        outbox_config_free(config);
        return 1;
    }
    outbox_config_free(config);
    if (outbox_track(client, "c-user", "Signed Up", "{\"language\": \"c\", \"plan\": \"pro\"}", NULL) != OUTBOX_OK ||
        outbox_identify(client, "c-user", "{\"email\": \"dennis@example.com\"}", NULL) != OUTBOX_OK ||
        outbox_flush(client, 5000, &result) != OUTBOX_OK) {
        fprintf(stderr, "outbox: %s\n", outbox_last_error());
        outbox_client_free(client);
        return 1;
    }
    printf("c: delivered %llu, pending %llu\n", (unsigned long long)result.delivered, (unsigned long long)result.pending);
    outbox_client_free(client);
    return result.pending == 0 ? 0 : 1;
}
