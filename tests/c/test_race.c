/*
 * Frees clients and webhook senders while their error callbacks are running
 * on Outbox's threads, round after round, and then releases the callbacks'
 * user_data at once, as outbox_client_free promises is safe.
 *
 * Natively a callback that runs after the free sees the poisoned magic and
 * aborts; `make sanitize` runs this under ThreadSanitizer (which reports the
 * unordered accesses to user_data) and AddressSanitizer (use after free).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>

#include "harness.h"

#define ROUNDS 20
#define EVENTS 100
#define ENDPOINTS 3
#define MAGIC 0x0DDBA11u

typedef struct {
    unsigned magic;             /* plain: written once more after the free */
    unsigned long long dropped; /* atomic: a sender's lanes report in parallel */
} user_state;

static void on_error(const outbox_delivery_error_t *error, void *user_data) {
    user_state *s = (user_state *)user_data;
    static const char message[] = "FAIL: an error callback ran after its free returned\n";
    if (s->magic != MAGIC) {
        if (write(2, message, sizeof message - 1)) {}
        abort();
    }
    __atomic_fetch_add(&s->dropped, error->count, __ATOMIC_RELAXED);
    h_sleep_ms(1); /* keep reports queued up behind this one */
    if (s->magic != MAGIC) {
        if (write(2, message, sizeof message - 1)) {}
        abort();
    }
}

static user_state *new_state(void) {
    user_state *s = (user_state *)calloc(1, sizeof *s);
    s->magic = MAGIC;
    return s;
}

/* What a caller may do once the free has returned. */
static void release_state(user_state *s) {
    s->magic = 0;
    free(s);
}

static void client_round(void) {
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    user_state *s = new_state();
    int i;
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_endpoint(config, rx_url()));
    CHECK_OK(outbox_config_set_flush_at(config, 1));
    CHECK_OK(outbox_config_set_max_queue_size(config, 20));
    CHECK_OK(outbox_config_set_shutdown_timeout_ms(config, 20));
    CHECK_OK(outbox_config_set_on_error(config, on_error, s));
    CHECK_OK(outbox_client_new(config, &client));
    outbox_config_free(config);
    for (i = 0; i < EVENTS; i++) CHECK_OK(outbox_track(client, "user-1", "Refused", NULL, NULL));
    outbox_client_free(client);
    release_state(s);
}

static void sender_round(void) {
    outbox_webhook_config_t *wc = NULL;
    outbox_webhook_sender_t *sender = NULL;
    user_state *s = new_state();
    char url[300];
    int i;
    CHECK_OK(outbox_webhook_config_new(&wc));
    for (i = 0; i < ENDPOINTS; i++) {
        snprintf(url, sizeof url, "%s/hooks/%d", rx_url(), i);
        CHECK_OK(outbox_webhook_config_add_endpoint(wc, url, NULL, 0, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, NULL));
    }
    CHECK_OK(outbox_webhook_config_set_max_queue_size(wc, 20));
    CHECK_OK(outbox_webhook_config_set_shutdown_timeout_ms(wc, 20));
    CHECK_OK(outbox_webhook_config_set_on_error(wc, on_error, s));
    CHECK_OK(outbox_webhook_sender_new(wc, &sender));
    outbox_webhook_config_free(wc);
    for (i = 0; i < EVENTS; i++) CHECK_OK(outbox_webhook_send(sender, "refused", "{}", NULL));
    outbox_webhook_sender_free(sender);
    release_state(s);
}

int main(void) {
    int round;
    h_begin("free while callbacks race");
    rx_reset();
    rx_faults("[{\"kind\": \"status\", \"status\": 400, \"forever\": true}]");
    for (round = 0; round < ROUNDS; round++) {
        client_round();
        sender_round();
    }
    rx_reset();
    return h_finish("test_race");
}
