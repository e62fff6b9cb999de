/* Outbox from C: queue two events, flush, report. The collector's URL is
 * the first argument or OUTBOX_ENDPOINT; `make test` runs this against the
 * local test receiver, built with `pkg-config --cflags --libs outbox`:
 *
 *     cc quickstart.c $(pkg-config --cflags --libs outbox) -o quickstart
 */
#include <stdio.h>
#include <stdlib.h>

#include <outbox.h>

/* Called on an Outbox thread for events that will never be delivered. */
static void on_error(const outbox_delivery_error_t *error, void *user_data) {
    (void)user_data;
    fprintf(stderr, "outbox: %llu event(s) dropped (%s): %s\n",
            (unsigned long long)error->count, error->reason, error->message);
}

int main(int argc, char **argv) {
    const char *endpoint = argc > 1 ? argv[1] : getenv("OUTBOX_ENDPOINT");
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    outbox_flush_result_t result = {0, 0, 0};
    char *id = NULL;

    if (!endpoint) {
        fprintf(stderr, "usage: quickstart URL (or set OUTBOX_ENDPOINT)\n");
        return 2;
    }
    if (outbox_config_new(&config) != OUTBOX_OK ||
        outbox_config_set_endpoint(config, endpoint) != OUTBOX_OK ||
        outbox_config_set_api_key(config, "my-write-key") != OUTBOX_OK ||
        outbox_config_set_on_error(config, on_error, NULL) != OUTBOX_OK ||
        outbox_client_new(config, &client) != OUTBOX_OK) {
        fprintf(stderr, "outbox: %s\n", outbox_last_error());
        outbox_config_free(config);
        return 1;
    }
    outbox_config_free(config); /* the client keeps its own copy */

    /* Properties are JSON text; the message id comes back if you ask. */
    if (outbox_track(client, "user-42", "Order Completed", "{\"total\": 99.5}", &id) != OUTBOX_OK ||
        outbox_identify(client, "user-42", "{\"plan\": \"pro\"}", NULL) != OUTBOX_OK) {
        fprintf(stderr, "outbox: %s\n", outbox_last_error());
        outbox_client_free(client);
        return 1;
    }

    if (outbox_flush(client, 5000, &result) != OUTBOX_OK) {
        fprintf(stderr, "outbox: %s\n", outbox_last_error());
    }
    printf("%s: delivered %llu, pending %llu\n", id, (unsigned long long)result.delivered,
           (unsigned long long)result.pending);

    outbox_string_free(id);
    outbox_client_free(client); /* delivers anything left, then frees */
    return result.pending == 0 && result.failed == 0 ? 0 : 1;
}
