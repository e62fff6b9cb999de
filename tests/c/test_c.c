/*
 * The C ABI test: drives every function of outbox.h against the real test
 * receiver (started by tests/c/with-receiver.sh, URL in OUTBOX_TEST_URL).
 * Built twice, against liboutbox.so and liboutbox.a, and run under valgrind
 * memcheck (no suppressions) by `make test-c`. fork() has its own program,
 * test_fork.c.
 *
 * usage: test_c [VECTORS_JSON]   (default tests/vectors/signatures.json)
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "harness.h"

#define WAIT_MS 10000

static const char *SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static char *self_path;

/* A config aimed at the receiver that sends promptly. */
static outbox_config_t *receiver_config(void) {
    outbox_config_t *config = NULL;
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_endpoint(config, rx_url()));
    CHECK_OK(outbox_config_set_flush_interval_ms(config, 20));
    CHECK_OK(outbox_config_set_retry_backoff_ms(config, 10, 100));
    return config;
}

static outbox_client_t *new_client(outbox_config_t *config) {
    outbox_client_t *client = NULL;
    CHECK_OK(outbox_client_new(config, &client));
    CHECK(client != NULL);
    outbox_config_free(config);
    return client;
}

static void check_balanced(const outbox_stats_t *s) {
    CHECK_EQ_U64(s->enqueued, s->delivered + s->dropped + s->pending);
    CHECK_EQ_U64(s->dropped, s->dropped_queue_full + s->dropped_rejected + s->dropped_too_large +
                                 s->dropped_retries_exhausted + s->dropped_shutdown + s->dropped_endpoint_gone);
}

/* ---- version, names, last error --------------------------------------- */

static void test_basics(void) {
    char buf[8];
    size_t needed = 0;
    outbox_config_t *config = NULL;
    h_begin("basics");
    CHECK(outbox_version() != NULL && strlen(outbox_version()) >= 5);
    if (getenv("OUTBOX_EXPECTED_VERSION")) CHECK_STR(outbox_version(), getenv("OUTBOX_EXPECTED_VERSION"));
    /* The header's compile-time version is the library's. */
    CHECK_STR(outbox_version(), OUTBOX_VERSION);
    {
        char parts[32];
        snprintf(parts, sizeof parts, "%d.%d.%d", OUTBOX_VERSION_MAJOR, OUTBOX_VERSION_MINOR, OUTBOX_VERSION_PATCH);
        CHECK_STR(parts, OUTBOX_VERSION);
        CHECK_EQ_U64(OUTBOX_VERSION_NUM,
                     (OUTBOX_VERSION_MAJOR << 16) | (OUTBOX_VERSION_MINOR << 8) | OUTBOX_VERSION_PATCH);
    }
    CHECK_STR(outbox_status_name(OUTBOX_OK), "OUTBOX_OK");
    CHECK_STR(outbox_status_name(OUTBOX_ERR_VERIFY), "OUTBOX_ERR_VERIFY");
    CHECK_STR(outbox_status_name(OUTBOX_ERR_PANIC), "OUTBOX_ERR_PANIC");
    CHECK_STR(outbox_status_name(12345), "OUTBOX_UNKNOWN_STATUS");
    CHECK_STR(outbox_status_name(-1), "OUTBOX_UNKNOWN_STATUS");

    /* A failure sets the thread's last error; a success clears it. */
    CHECK_STATUS(outbox_config_new(NULL), OUTBOX_ERR_NULL);
    CHECK_STR(outbox_last_error(), "config_out is NULL");
    CHECK_STR(outbox_last_error_code(), "null_argument");
    /* Copying it: too small, then big enough; copying never clears it. */
    CHECK_STATUS(outbox_last_error_copy(buf, sizeof buf, &needed), OUTBOX_ERR_BUFFER);
    CHECK_EQ_U64(needed, strlen("config_out is NULL") + 1);
    CHECK_STR(buf, "config_");
    CHECK_STATUS(outbox_last_error_copy(NULL, 0, &needed), OUTBOX_ERR_BUFFER);
    {
        char big[64];
        CHECK_OK(outbox_last_error_copy(big, sizeof big, NULL));
        CHECK_STR(big, "config_out is NULL");
    }
    CHECK_STR(outbox_last_error_code(), "null_argument");
    /* Frees and other non-status functions leave it alone. */
    outbox_string_free(NULL);
    outbox_config_free(NULL);
    outbox_client_free(NULL);
    outbox_webhook_config_free(NULL);
    outbox_webhook_sender_free(NULL);
    outbox_headers_free(NULL, 3);
    CHECK_STR(outbox_last_error_code(), "null_argument");
    CHECK_OK(outbox_config_new(&config));
    CHECK_STR(outbox_last_error(), "");
    CHECK_STR(outbox_last_error_code(), "");
    CHECK_OK(outbox_last_error_copy(buf, sizeof buf, &needed));
    CHECK_EQ_U64(needed, 1);
    CHECK_STR(buf, "");
    outbox_config_free(config);
}

/* ---- every setter ------------------------------------------------------ */

static void test_config(void) {
    outbox_config_t *c = NULL;
    outbox_client_t *client = NULL;
    const char *secrets[] = {SECRET, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"};
    const char *bad_secrets[] = {SECRET, NULL};
    h_begin("config");
    CHECK_OK(outbox_config_new(&c));

    /* Every setter accepts a good value. */
    CHECK_OK(outbox_config_set_endpoint(c, rx_url()));
    CHECK_OK(outbox_config_set_path(c, "/v1/batch"));
    CHECK_OK(outbox_config_set_api_key(c, "key-1"));
    CHECK_OK(outbox_config_set_api_key(c, NULL));
    CHECK_OK(outbox_config_set_auth_scheme(c, OUTBOX_AUTH_BASIC));
    CHECK_OK(outbox_config_set_auth_scheme(c, OUTBOX_AUTH_BEARER));
    CHECK_OK(outbox_config_set_signing_secrets(c, secrets, 2));
    CHECK_OK(outbox_config_set_signing_secrets(c, NULL, 0));
    CHECK_OK(outbox_config_set_signature_scheme(c, OUTBOX_SCHEME_HMAC_SHA256, "X-Signature"));
    CHECK_OK(outbox_config_set_signature_scheme(c, OUTBOX_SCHEME_HMAC_SHA256, NULL));
    CHECK_OK(outbox_config_set_signature_scheme(c, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL));
    CHECK_OK(outbox_config_set_flush_at(c, 10));
    CHECK_OK(outbox_config_set_flush_interval_ms(c, 100));
    CHECK_OK(outbox_config_set_max_batch_size(c, 50));
    CHECK_OK(outbox_config_set_max_batch_bytes(c, 100000));
    CHECK_OK(outbox_config_set_max_event_bytes(c, 16000));
    CHECK_OK(outbox_config_set_max_queue_size(c, 1000));
    CHECK_OK(outbox_config_set_max_queue_bytes(c, 1 << 20));
    CHECK_OK(outbox_config_set_on_full(c, OUTBOX_ON_FULL_BLOCK, 50));
    CHECK_OK(outbox_config_set_on_full(c, OUTBOX_ON_FULL_DROP_NEWEST, 0));
    CHECK_OK(outbox_config_set_on_full(c, OUTBOX_ON_FULL_DROP_OLDEST, 0));
    /* Any option by name, from JSON, checked exactly as its typed setter. */
    CHECK_OK(outbox_config_set_option(c, "flush_at", "50"));
    CHECK_OK(outbox_config_set_option(c, "max_retries", "null"));
    CHECK_OK(outbox_config_set_option(c, "headers", "{\"X-Team\": \"core\"}"));
    CHECK_OK(outbox_config_set_option(c, "retry_max_backoff", "1500"));
    CHECK_STATUS(outbox_config_set_option(c, "flush_at", "0"), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "flush_at must be at least 1, got 0") != NULL);
    CHECK_STATUS(outbox_config_set_option(c, "flush_att", "1"), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "did you mean \"flush_at\"") != NULL);
    CHECK_STATUS(outbox_config_set_option(c, "spool_sync", "\"often\""), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_option(c, "gzip", "1"), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "gzip must be true or false") != NULL);
    CHECK_STATUS(outbox_config_set_option(c, "flush_at", "{"), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_option(c, NULL, "1"), OUTBOX_ERR_NULL);
    CHECK_OK(outbox_config_set_option(c, "headers", "{}"));
    CHECK_OK(outbox_config_set_request_timeout_ms(c, 2000));
    CHECK_OK(outbox_config_set_connect_timeout_ms(c, 1000));
    CHECK_OK(outbox_config_set_max_retries(c, 3));
    CHECK_OK(outbox_config_set_max_retries(c, OUTBOX_RETRY_FOREVER));
    CHECK_OK(outbox_config_set_retry_backoff_ms(c, 10, 1000));
    CHECK_OK(outbox_config_set_max_concurrent_requests(c, 2));
    CHECK_OK(outbox_config_set_gzip(c, false));
    CHECK_OK(outbox_config_add_header(c, "X-Team", "growth"));
    CHECK_OK(outbox_config_clear_headers(c));
    CHECK_OK(outbox_config_set_proxy(c, "http://127.0.0.1:9"));
    CHECK_OK(outbox_config_set_proxy(c, NULL));
    CHECK_OK(outbox_config_set_disabled(c, false));
    CHECK_OK(outbox_config_set_debug(c, true));
    CHECK_OK(outbox_config_set_on_error(c, NULL, NULL));
    CHECK_OK(outbox_config_set_shutdown_timeout_ms(c, 1000));
    CHECK_OK(outbox_config_set_test_mode(c, false));
    CHECK_OK(outbox_config_set_library(c, "my-service", "1.2.3"));
    CHECK_OK(outbox_config_set_spool_sync(c, OUTBOX_SPOOL_SYNC_EVENT));
    CHECK_OK(outbox_config_set_spool_sync(c, OUTBOX_SPOOL_SYNC_BATCH));
    CHECK_OK(outbox_config_set_spool_dir(c, "/tmp/outbox-c-test-unused"));
    CHECK_OK(outbox_config_set_spool_dir(c, NULL));
    CHECK_OK(outbox_client_new(c, &client));
    CHECK(client != NULL);
    outbox_client_free(client);

    /* And refuses bad ones, saying which. */
    CHECK_STATUS(outbox_config_set_endpoint(c, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_endpoint(c, "http://\xff\xfe"), OUTBOX_ERR_UTF8);
    CHECK_STR(outbox_last_error_code(), "invalid_utf8");
    CHECK_STATUS(outbox_config_set_path(c, "v1/batch"), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "path") != NULL);
    CHECK_STATUS(outbox_config_set_api_key(c, ""), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_auth_scheme(c, 7), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_signing_secrets(c, NULL, 2), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_signing_secrets(c, bad_secrets, 2), OUTBOX_ERR_NULL);
    CHECK(strstr(outbox_last_error(), "secrets[1]") != NULL);
    CHECK_STATUS(outbox_config_set_signature_scheme(c, 9, NULL), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_signature_scheme(c, OUTBOX_SCHEME_STANDARD_WEBHOOKS, "X-Sig"), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_flush_at(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "flush_at") != NULL);
    CHECK_OK(outbox_config_set_flush_interval_ms(c, 0)); /* no timer */
    CHECK_OK(outbox_config_set_flush_interval_ms(c, 500));
    CHECK_STATUS(outbox_config_set_max_batch_size(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_max_batch_bytes(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_max_event_bytes(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_max_queue_size(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_max_queue_bytes(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_on_full(c, 3, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_request_timeout_ms(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_connect_timeout_ms(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_retry_backoff_ms(c, 0, 10), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_retry_backoff_ms(c, 100, 10), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_max_concurrent_requests(c, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_add_header(c, "Bad Name", "v"), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_add_header(c, "X-Ok", "a\r\nInjected: 1"), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_add_header(c, "X-Ok", NULL), OUTBOX_ERR_NULL);
    /* What HTTP itself refuses is refused here, not retried forever later. */
    CHECK_STATUS(outbox_config_add_header(c, "X-Trace(id)", "1"), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "X-Trace(id)") != NULL);
    CHECK_STATUS(outbox_config_add_header(c, "X-Ok", "a\x01b"), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_add_header(c, "X-Ok", "a\x7f"), OUTBOX_ERR_INVALID_OPTION);
    /* Durations are bounded (one day): huge values never reach the engine. */
    CHECK_STATUS(outbox_config_set_flush_interval_ms(c, UINT64_MAX), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "flush_interval must be at most one day") != NULL);
    CHECK_STATUS(outbox_config_set_request_timeout_ms(c, 86400001), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_connect_timeout_ms(c, OUTBOX_TIMEOUT_FOREVER), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_retry_backoff_ms(c, 10, UINT64_MAX), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_shutdown_timeout_ms(c, UINT64_MAX - 1), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_on_full(c, OUTBOX_ON_FULL_BLOCK, UINT64_MAX - 1), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "block_timeout must be at most one day") != NULL);
    CHECK_OK(outbox_config_set_on_full(c, OUTBOX_ON_FULL_BLOCK, OUTBOX_TIMEOUT_FOREVER));
    CHECK_OK(outbox_config_set_on_full(c, OUTBOX_ON_FULL_BLOCK, 86400000));
    CHECK_OK(outbox_config_set_on_full(c, OUTBOX_ON_FULL_DROP_OLDEST, 0));
    CHECK_STATUS(outbox_config_set_proxy(c, "\xc3\x28"), OUTBOX_ERR_UTF8);
    CHECK_STATUS(outbox_config_set_library(c, "", "1"), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_library(c, "x", NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_spool_dir(c, ""), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_config_set_spool_dir(c, "/tmp/\xff"), OUTBOX_ERR_UTF8);
    CHECK_STATUS(outbox_config_set_spool_sync(c, 2), OUTBOX_ERR_INVALID_OPTION);

    /* A NULL config is refused by every setter. */
    CHECK_STATUS(outbox_config_set_endpoint(NULL, "http://x"), OUTBOX_ERR_NULL);
    CHECK_STR(outbox_last_error(), "config is NULL");
    CHECK_STATUS(outbox_config_set_path(NULL, "/"), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_api_key(NULL, "k"), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_auth_scheme(NULL, 0), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_signing_secrets(NULL, secrets, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_signature_scheme(NULL, 0, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_flush_at(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_flush_interval_ms(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_max_batch_size(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_max_batch_bytes(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_max_event_bytes(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_max_queue_size(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_max_queue_bytes(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_on_full(NULL, 0, 0), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_request_timeout_ms(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_connect_timeout_ms(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_max_retries(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_retry_backoff_ms(NULL, 1, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_max_concurrent_requests(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_gzip(NULL, true), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_add_header(NULL, "a", "b"), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_clear_headers(NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_proxy(NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_disabled(NULL, true), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_debug(NULL, true), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_on_error(NULL, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_shutdown_timeout_ms(NULL, 1), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_test_mode(NULL, true), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_library(NULL, "a", "b"), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_spool_dir(NULL, "/tmp/x"), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_config_set_spool_sync(NULL, 0), OUTBOX_ERR_NULL);

    /* Checks that need the whole config happen in outbox_client_new. */
    CHECK_STATUS(outbox_client_new(NULL, &client), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_client_new(c, NULL), OUTBOX_ERR_NULL);
    CHECK_OK(outbox_config_set_max_batch_bytes(c, 1000));
    client = (outbox_client_t *)c; /* any non-NULL value: a failure sets it to NULL */
    CHECK_STATUS(outbox_client_new(c, &client), OUTBOX_ERR_INVALID_OPTION);
    CHECK(client == NULL);
    CHECK(strstr(outbox_last_error(), "max_batch_bytes") != NULL);
    CHECK_STR(outbox_last_error_code(), "invalid_option");
    outbox_config_free(c);

    CHECK_OK(outbox_config_new(&c));
    CHECK_STATUS(outbox_client_new(c, &client), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "endpoint is required") != NULL);
    CHECK_OK(outbox_config_set_endpoint(c, "ftp://example.com"));
    CHECK_STATUS(outbox_client_new(c, &client), OUTBOX_ERR_INVALID_OPTION);
    CHECK_OK(outbox_config_set_endpoint(c, "https://collector:99999"));
    CHECK_STATUS(outbox_client_new(c, &client), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "invalid port number") != NULL);
    CHECK_OK(outbox_config_set_endpoint(c, "http://user:pass@exa mple.com/?token=abc"));
    CHECK_STATUS(outbox_client_new(c, &client), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "pass") == NULL && strstr(outbox_last_error(), "abc") == NULL);
    CHECK_OK(outbox_config_set_endpoint(c, rx_url()));
    /* A proxy the HTTP client would ignore is refused where it is set. */
    CHECK_STATUS(outbox_config_set_proxy(c, "socks5://proxy:1080"), OUTBOX_ERR_INVALID_OPTION);
    CHECK(strstr(outbox_last_error(), "proxy socks5://proxy:1080 must be an http:// or https:// URL") != NULL);
    CHECK_OK(outbox_config_set_proxy(c, NULL));
    CHECK_OK(outbox_config_set_endpoint(c, rx_url()));
    {
        const char *not_base64[] = {"whsec_not base64!"};
        CHECK_OK(outbox_config_set_signing_secrets(c, not_base64, 1));
        CHECK_STATUS(outbox_client_new(c, &client), OUTBOX_ERR_INVALID_OPTION);
        CHECK(strstr(outbox_last_error(), "signing") != NULL);
    }
    outbox_config_free(c);
}

/* ---- delivery of every capture call ------------------------------------ */

typedef struct {
    const char *id;
    int found;
    char type[16];
    char detail[256];
} wanted_event;

typedef struct {
    wanted_event *events;
    size_t len;
    int library_ok;
    size_t seen;
} wanted;

static void find_event(const jval *event, void *data) {
    wanted *w = (wanted *)data;
    const char *id = json_str(event, "messageId");
    const jval *lib = json_get(json_get(event, "context"), "library");
    size_t i;
    w->seen++;
    if (!lib || !json_str(lib, "name") || strcmp(json_str(lib, "name"), "outbox-c") != 0) w->library_ok = 0;
    for (i = 0; i < w->len; i++) {
        const jval *props = json_get(event, "properties"), *traits = json_get(event, "traits");
        if (!id || strcmp(id, w->events[i].id) != 0) continue;
        w->events[i].found++;
        snprintf(w->events[i].type, sizeof w->events[i].type, "%s", json_str(event, "type") ? json_str(event, "type") : "");
        snprintf(w->events[i].detail, sizeof w->events[i].detail, "%s|%s|%s|%s|%s|%s|%s|%lld|%s",
                 json_str(event, "userId") ? json_str(event, "userId") : "-",
                 json_str(event, "event") ? json_str(event, "event") : "-",
                 json_str(event, "name") ? json_str(event, "name") : "-",
                 json_str(event, "groupId") ? json_str(event, "groupId") : "-",
                 json_str(event, "previousId") ? json_str(event, "previousId") : "-",
                 json_str(props, "plan") ? json_str(props, "plan") : "-",
                 json_str(traits, "email") ? json_str(traits, "email") : "-",
                 json_int(json_get(traits, "seats")),
                 json_str(event, "anonymousId") ? json_str(event, "anonymousId") : "-");
    }
}

/* Verifies one recorded request's Standard Webhooks signature with outbox_verify. */
static outbox_status_t verify_recorded(const jval *request, outbox_scheme_t scheme, const char *hmac_header, const char *secret) {
    const jval *headers = json_get(request, "headers");
    outbox_header_t pairs[64];
    size_t n = json_len(headers), i, body_len = 0;
    unsigned char *body = base64_decode(json_str(request, "body_base64"), &body_len);
    outbox_status_t status;
    if (n > 64) n = 64;
    for (i = 0; i < n; i++) {
        pairs[i].name = headers->keys[i];
        pairs[i].value = headers->items[i].text;
    }
    status = outbox_verify(scheme, hmac_header, body, body_len, pairs, n, &secret, 1, OUTBOX_DEFAULT_TOLERANCE_SECS, NULL);
    free(body);
    return status;
}

static void test_delivery(void) {
    outbox_config_t *config = receiver_config();
    outbox_client_t *client;
    outbox_flush_result_t result;
    outbox_stats_t stats;
    rx_stats_t rs;
    char *ids[10] = {0};
    char *batch_ids = NULL;
    jval *parsed, *reqs;
    wanted w;
    wanted_event events[10];
    size_t i;
    h_begin("delivery");
    rx_reset();
    CHECK_OK(outbox_config_set_api_key(config, "write-key-1"));
    CHECK_OK(outbox_config_add_header(config, "X-Team", "growth"));
    CHECK_OK(outbox_config_set_signing_secrets(config, &SECRET, 1));
    CHECK_OK(outbox_config_set_gzip(config, false));
    /* Nothing leaves before the flush, so its result counts every event
     * (it counts what settles while it waits). */
    CHECK_OK(outbox_config_set_flush_at(config, 100));
    CHECK_OK(outbox_config_set_flush_interval_ms(config, 60000));
    client = new_client(config);

    CHECK_OK(outbox_track(client, "user-1", "Order Completed", "{\"plan\": \"pro\", \"total\": 99.5}", &ids[0]));
    CHECK_OK(outbox_identify(client, "user-1", "{\"email\": \"ada@example.com\"}", &ids[1]));
    CHECK_OK(outbox_group(client, "user-1", "acme", "{\"seats\": 12}", &ids[2]));
    CHECK_OK(outbox_alias(client, "anon-7", "user-1", &ids[3]));
    CHECK_OK(outbox_page(client, "user-1", "Pricing", "{\"plan\": \"team\"}", &ids[4]));
    CHECK_OK(outbox_screen(client, "user-1", NULL, NULL, &ids[5]));
    CHECK_OK(outbox_capture(client,
        "{\"type\": \"track\", \"anonymousId\": \"anon-9\", \"event\": \"Viewed\", \"messageId\": \"my-id-1\","
        " \"timestamp\": \"2024-05-01T12:00:00Z\", \"context\": {\"ip\": \"10.0.0.1\"}}", &ids[6]));
    CHECK_STR(ids[6], "my-id-1");
    CHECK_OK(outbox_batch(client,
        "[{\"type\": \"track\", \"userId\": \"user-2\", \"event\": \"Batched\"},"
        " {\"type\": \"identify\", \"userId\": 42, \"traits\": {\"seats\": 3}},"
        " {\"type\": \"screen\", \"userId\": \"user-2\", \"name\": \"Home\"}]", &batch_ids));
    /* Without an out-pointer the call stays short. */
    CHECK_OK(outbox_track(client, "user-3", "No Id Wanted", NULL, NULL));

    parsed = json_parse(batch_ids);
    CHECK(json_len(parsed) == 3);
    for (i = 0; i < 3 && i < json_len(parsed); i++) ids[7 + i] = strdup(json_at(parsed, i)->text);
    json_free(parsed);
    outbox_string_free(batch_ids);

    memset(&result, 0xff, sizeof result);
    CHECK_OK(outbox_flush(client, WAIT_MS, &result));
    CHECK_EQ_U64(result.delivered, 11);
    CHECK_EQ_U64(result.failed, 0);
    CHECK_EQ_U64(result.pending, 0);
    CHECK_OK(outbox_flush(client, WAIT_MS, NULL));

    rs = rx_stats();
    CHECK_EQ_U64(rs.unique_events, 11);
    CHECK_EQ_U64(rs.duplicate_events, 0);

    memset(events, 0, sizeof events);
    for (i = 0; i < 10; i++) events[i].id = ids[i] ? ids[i] : "missing";
    w.events = events;
    w.len = 10;
    w.library_ok = 1;
    w.seen = 0;
    rx_each_event(find_event, &w);
    CHECK_EQ_U64(w.seen, 11);
    CHECK(w.library_ok);
    for (i = 0; i < 10; i++) CHECK_EQ_U64(events[i].found, 1);
    CHECK_STR(events[0].type, "track");
    CHECK_STR(events[0].detail, "user-1|Order Completed|-|-|-|pro|-|0|-");
    CHECK_STR(events[1].type, "identify");
    CHECK_STR(events[1].detail, "user-1|-|-|-|-|-|ada@example.com|0|-");
    CHECK_STR(events[2].type, "group");
    CHECK_STR(events[2].detail, "user-1|-|-|acme|-|-|-|12|-");
    CHECK_STR(events[3].type, "alias");
    CHECK_STR(events[3].detail, "user-1|-|-|-|anon-7|-|-|0|-");
    CHECK_STR(events[4].type, "page");
    CHECK_STR(events[4].detail, "user-1|-|Pricing|-|-|team|-|0|-");
    CHECK_STR(events[5].type, "screen");
    CHECK_STR(events[5].detail, "user-1|-|-|-|-|-|-|0|-");
    CHECK_STR(events[6].type, "track");
    CHECK_STR(events[6].detail, "-|Viewed|-|-|-|-|-|0|anon-9");
    CHECK_STR(events[7].detail, "user-2|Batched|-|-|-|-|-|0|-");
    CHECK_STR(events[8].detail, "42|-|-|-|-|-|-|3|-");
    CHECK_STR(events[9].detail, "user-2|-|Home|-|-|-|-|0|-");

    /* Every request carried the API key, the extra header and a valid signature. */
    reqs = rx_requests();
    CHECK(json_len(reqs) >= 1);
    for (i = 0; i < json_len(reqs); i++) {
        const jval *r = json_at(reqs, i);
        const jval *h = json_get(r, "headers");
        CHECK_STR(json_str(h, "authorization"), "Bearer write-key-1");
        CHECK_STR(json_str(h, "x-team"), "growth");
        CHECK_STR(json_str(r, "path"), "/v1/batch");
        CHECK_OK(verify_recorded(r, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, SECRET));
        CHECK_STATUS(verify_recorded(r, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
                     OUTBOX_ERR_VERIFY);
        CHECK_STR(outbox_last_error_code(), "no_matching_signature");
    }
    json_free(reqs);

    CHECK_OK(outbox_stats(client, &stats));
    CHECK_EQ_U64(stats.enqueued, 11);
    CHECK_EQ_U64(stats.delivered, 11);
    CHECK_EQ_U64(stats.dropped, 0);
    CHECK_EQ_U64(stats.pending, 0);
    CHECK(stats.requests >= 1);
    check_balanced(&stats);

    for (i = 0; i < 7; i++) outbox_string_free(ids[i]); /* from liboutbox */
    for (i = 7; i < 10; i++) free(ids[i]);              /* from strdup */
    outbox_client_free(client);
}

/* ---- the error callback ------------------------------------------------ */

typedef struct {
    pthread_mutex_t lock;
    int calls;
    void *user_data_seen;
    pthread_t thread;
    char reason[32];
    unsigned status;
    unsigned long long count;
    size_t ids_len;
    char ids[8][64];
    char message[256];
    int endpoint_null;
    char endpoint[256];
} callback_log;

static void on_error(const outbox_delivery_error_t *error, void *user_data) {
    callback_log *log = (callback_log *)user_data;
    size_t i;
    pthread_mutex_lock(&log->lock);
    log->calls++;
    log->user_data_seen = user_data;
    log->thread = pthread_self();
    snprintf(log->reason, sizeof log->reason, "%s", error->reason);
    log->status = error->status;
    log->count = error->count;
    log->ids_len = error->message_ids_len;
    for (i = 0; i < error->message_ids_len && i < 8; i++) snprintf(log->ids[i], sizeof log->ids[i], "%s", error->message_ids[i]);
    snprintf(log->message, sizeof log->message, "%s", error->message);
    log->endpoint_null = error->endpoint == NULL;
    snprintf(log->endpoint, sizeof log->endpoint, "%s", error->endpoint ? error->endpoint : "");
    pthread_mutex_unlock(&log->lock);
}

static int log_calls(callback_log *log) {
    int n;
    pthread_mutex_lock(&log->lock);
    n = log->calls;
    pthread_mutex_unlock(&log->lock);
    return n;
}

static int wait_calls(callback_log *log, int n) {
    long long deadline = h_now_ms() + WAIT_MS;
    while (log_calls(log) < n && h_now_ms() < deadline) h_sleep_ms(5);
    return log_calls(log);
}

static int has_id(callback_log *log, const char *id) {
    size_t i;
    for (i = 0; i < log->ids_len && i < 8; i++)
        if (!strcmp(log->ids[i], id)) return 1;
    return 0;
}

static void test_callback(void) {
    callback_log log;
    outbox_config_t *config = receiver_config();
    outbox_client_t *client;
    outbox_flush_result_t result;
    outbox_stats_t stats;
    char *ids[3] = {0};
    char *late = (char *)"sentinel";
    int i;
    h_begin("callback");
    memset(&log, 0, sizeof log);
    pthread_mutex_init(&log.lock, NULL);
    rx_reset();
    CHECK_OK(outbox_config_set_on_error(config, on_error, &log));
    CHECK_OK(outbox_config_set_flush_at(config, 100));
    CHECK_OK(outbox_config_set_flush_interval_ms(config, 60000));
    CHECK_OK(outbox_config_set_shutdown_timeout_ms(config, 300));
    client = new_client(config);

    /* A permanent 4xx about the whole client (403: a 400 would split the
     * batch to find the event at fault): reported from a background thread,
     * with our user_data. */
    rx_faults("[{\"kind\": \"status\", \"status\": 403}]");
    for (i = 0; i < 3; i++) CHECK_OK(outbox_track(client, "user-1", "Rejected", NULL, &ids[i]));
    CHECK_OK(outbox_flush(client, WAIT_MS, &result));
    CHECK_EQ_U64(result.failed, 3);
    CHECK_EQ_U64(result.delivered, 0);
    CHECK_EQ_U64(result.pending, 0);
    CHECK(wait_calls(&log, 1) == 1);
    pthread_mutex_lock(&log.lock);
    CHECK(log.user_data_seen == &log);
    CHECK(!pthread_equal(log.thread, pthread_self()));
    CHECK_STR(log.reason, "rejected");
    CHECK_EQ_U64(log.status, 403);
    CHECK_EQ_U64(log.count, 3);
    CHECK_EQ_U64(log.ids_len, 3);
    for (i = 0; i < 3; i++) CHECK(ids[i] && has_id(&log, ids[i]));
    CHECK(log.endpoint_null);
    pthread_mutex_unlock(&log.lock);
    CHECK_OK(outbox_stats(client, &stats));
    CHECK_EQ_U64(stats.dropped_rejected, 3);
    check_balanced(&stats);
    for (i = 0; i < 3; i++) outbox_string_free(ids[i]);

    /* Shutdown gives up what the receiver never answers: reported on this thread. */
    rx_faults("[{\"kind\": \"hang\", \"forever\": true}]");
    CHECK_OK(outbox_track(client, "user-1", "Hung 1", NULL, &ids[0]));
    CHECK_OK(outbox_track(client, "user-1", "Hung 2", NULL, &ids[1]));
    CHECK_OK(outbox_shutdown(client, 300, &result));
    CHECK_EQ_U64(result.pending, 2);
    CHECK_EQ_U64(result.delivered, 0);
    CHECK(log_calls(&log) == 2);
    pthread_mutex_lock(&log.lock);
    CHECK_STR(log.reason, "shutdown");
    CHECK(pthread_equal(log.thread, pthread_self()));
    CHECK_EQ_U64(log.count, 2);
    /* In-flight events are counted; their ids stay with the aborted request. */
    CHECK(log.ids_len == 0 || (has_id(&log, ids[0]) && has_id(&log, ids[1])));
    pthread_mutex_unlock(&log.lock);
    outbox_string_free(ids[0]);
    outbox_string_free(ids[1]);
    /* Shutdown is idempotent: the same result again. */
    CHECK_OK(outbox_shutdown(client, 300, &result));
    CHECK_EQ_U64(result.pending, 2);
    CHECK_OK(outbox_stats(client, &stats));
    CHECK_EQ_U64(stats.dropped_shutdown, 2);
    CHECK_EQ_U64(stats.pending, 0);
    check_balanced(&stats);

    /* A closed client refuses events, and leaves the out-pointer NULL. */
    CHECK_STATUS(outbox_track(client, "user-1", "Too Late", NULL, &late), OUTBOX_ERR_CLOSED);
    CHECK(late == NULL);
    CHECK_STR(outbox_last_error_code(), "closed");
    outbox_client_free(client);
    CHECK(log_calls(&log) == 2);
    rx_reset();
    pthread_mutex_destroy(&log.lock);
}

/* ---- calls from inside the error callback ------------------------------ */

/* A call that hangs fails the whole program instead of stalling `make`. */
static void on_hang(int sig) {
    static const char message[] = "FAIL: a call did not return within the watchdog's time (hang)\n";
    (void)sig;
    if (write(2, message, sizeof message - 1)) {}
    _exit(1);
}

static void watchdog(unsigned seconds) {
    signal(SIGALRM, on_hang);
    alarm(seconds);
}

static int load_flag(const int *flag) { return __atomic_load_n(flag, __ATOMIC_ACQUIRE); }
static void store_flag(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELEASE); }

static int wait_flag(const int *flag) {
    long long deadline = h_now_ms() + WAIT_MS;
    while (!load_flag(flag) && h_now_ms() < deadline) h_sleep_ms(5);
    return load_flag(flag);
}

/* A callback that drives its own client: what it saw and what its calls returned. */
typedef struct {
    outbox_client_t *client;
    outbox_webhook_sender_t *sender;
    int calls;
    char reason[32];
    outbox_status_t track_status, flush_status, deliver_status, shutdown_status;
    outbox_flush_result_t flush_result, shutdown_result;
    int go;   /* the test's own calls on the client have returned */
    int done; /* set last: the callback touches nothing after it */
} reentry;

/* On the first report: queue an event, flush it, deliver one, shut down. */
static void flush_deliver_shutdown_on_error(const outbox_delivery_error_t *error, void *user_data) {
    reentry *r = (reentry *)user_data;
    if (__atomic_fetch_add(&r->calls, 1, __ATOMIC_ACQ_REL) != 0) return;
    snprintf(r->reason, sizeof r->reason, "%s", error->reason);
    r->track_status = outbox_track(r->client, "user-1", "Queued In Callback", NULL, NULL);
    r->flush_status = outbox_flush(r->client, OUTBOX_TIMEOUT_FOREVER, &r->flush_result);
    r->deliver_status = outbox_deliver(r->client, "{\"type\": \"track\", \"userId\": \"user-1\", \"event\": \"Delivered In Callback\"}",
                                       WAIT_MS, NULL);
    r->shutdown_status = outbox_shutdown(r->client, WAIT_MS, &r->shutdown_result);
    store_flag(&r->done);
}

/* flush (even with no deadline), deliver and shutdown called from inside the
 * client's own callback complete instead of waiting on themselves. */
static void test_calls_from_callback(void) {
    reentry r;
    outbox_config_t *config = receiver_config();
    rx_stats_t rs;
    h_begin("flush, deliver and shutdown from inside the error callback complete");
    memset(&r, 0, sizeof r);
    rx_reset();
    watchdog(120);
    rx_faults("[{\"kind\": \"status\", \"status\": 400}]");
    CHECK_OK(outbox_config_set_on_error(config, flush_deliver_shutdown_on_error, &r));
    r.client = new_client(config);
    CHECK_OK(outbox_track(r.client, "user-1", "Rejected", NULL, NULL));
    CHECK(wait_flag(&r.done));
    CHECK_STR(r.reason, "rejected");
    CHECK_OK(r.track_status);
    CHECK_OK(r.flush_status);
    CHECK_EQ_U64(r.flush_result.pending, 0);
    CHECK_OK(r.deliver_status);
    CHECK_OK(r.shutdown_status);
    CHECK_EQ_U64(r.shutdown_result.pending, 0);
    rs = rx_wait(2, WAIT_MS);
    CHECK_EQ_U64(rs.unique_events, 2);
    outbox_client_free(r.client);
    CHECK_EQ_U64(__atomic_load_n(&r.calls, __ATOMIC_ACQUIRE), 1);
    alarm(0);
    rx_reset();
}

/* Frees its own client (or sender) from inside its callback, once no other
 * call on it is running (a free must be the last call: TSAN saw the test's
 * own outbox_track still running when it did not wait). */
static void free_on_error(const outbox_delivery_error_t *error, void *user_data) {
    reentry *r = (reentry *)user_data;
    if (__atomic_fetch_add(&r->calls, 1, __ATOMIC_ACQ_REL) != 0) return;
    snprintf(r->reason, sizeof r->reason, "%s", error->reason);
    wait_flag(&r->go);
    if (r->client) outbox_client_free(r->client);
    if (r->sender) outbox_webhook_sender_free(r->sender);
    /* Returned at once, and no other callback of it runs: r is ours alone. */
    store_flag(&r->done);
}

/* Freed from inside its own callback (on Outbox's reporting thread): the
 * free returns at once, and the client is shut down, delivering what it
 * held, and freed once the callback returns. */
static void test_free_from_own_callback(void) {
    reentry r;
    outbox_config_t *config = receiver_config();
    h_begin("free from inside the client's own callback");
    memset(&r, 0, sizeof r);
    rx_reset();
    watchdog(120);
    CHECK_OK(outbox_config_set_on_error(config, free_on_error, &r));
    CHECK_OK(outbox_config_set_flush_at(config, 100));
    CHECK_OK(outbox_config_set_flush_interval_ms(config, 60000));
    CHECK_OK(outbox_config_set_max_queue_size(config, 1));
    CHECK_OK(outbox_config_set_on_full(config, OUTBOX_ON_FULL_DROP_NEWEST, 0));
    r.client = new_client(config);
    CHECK_OK(outbox_track(r.client, "user-1", "Kept", NULL, NULL));
    CHECK_OK(outbox_track(r.client, "user-1", "Dropped", NULL, NULL)); /* queue full: reported */
    /* From here on the client belongs to the callback. */
    store_flag(&r.go);
    CHECK(wait_flag(&r.done));
    CHECK_STR(r.reason, "queue_full");
    /* The deferred free's shutdown delivers the event the queue held. */
    CHECK_EQ_U64(rx_wait(1, WAIT_MS).unique_events, 1);
    h_sleep_ms(50);
    CHECK_EQ_U64(__atomic_load_n(&r.calls, __ATOMIC_ACQUIRE), 1);
    alarm(0);
    rx_reset();
}

static void test_free_sender_from_own_callback(void) {
    reentry r;
    outbox_webhook_config_t *wc = NULL;
    char url[300];
    h_begin("free a webhook sender from inside its own callback");
    memset(&r, 0, sizeof r);
    rx_reset();
    watchdog(120);
    snprintf(url, sizeof url, "%s/hooks/gone", rx_url());
    rx_faults("[{\"kind\": \"status\", \"status\": 410, \"path\": \"/hooks/gone\", \"forever\": true}]");
    CHECK_OK(outbox_webhook_config_new(&wc));
    CHECK_OK(outbox_webhook_config_add_endpoint(wc, url, &SECRET, 1, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, NULL));
    CHECK_OK(outbox_webhook_config_set_on_error(wc, free_on_error, &r));
    CHECK_OK(outbox_webhook_sender_new(wc, &r.sender));
    outbox_webhook_config_free(wc);
    CHECK_OK(outbox_webhook_send(r.sender, "invoice.paid", "{\"n\": 1}", NULL));
    store_flag(&r.go);
    CHECK(wait_flag(&r.done));
    CHECK_STR(r.reason, "endpoint_gone");
    h_sleep_ms(50);
    CHECK_EQ_U64(__atomic_load_n(&r.calls, __ATOMIC_ACQUIRE), 1);
    alarm(0);
    rx_reset();
}

/* The callback that outbox_shutdown runs on this thread frees the client:
 * the free waits until outbox_shutdown is done with it (valgrind and ASan
 * see a use after free otherwise). */
static void test_free_from_callback_run_by_shutdown(void) {
    reentry r;
    outbox_config_t *config = receiver_config();
    outbox_flush_result_t result;
    h_begin("free from the callback that outbox_shutdown runs");
    memset(&r, 0, sizeof r);
    rx_reset();
    watchdog(120);
    rx_faults("[{\"kind\": \"hang\", \"forever\": true}]");
    CHECK_OK(outbox_config_set_on_error(config, free_on_error, &r));
    r.client = new_client(config);
    CHECK_OK(outbox_track(r.client, "user-1", "Hung", NULL, NULL));
    h_sleep_ms(100); /* in flight */
    store_flag(&r.go); /* the callback runs inside outbox_shutdown, on this thread */
    CHECK_OK(outbox_shutdown(r.client, 300, &result));
    CHECK_EQ_U64(result.pending, 1);
    CHECK(load_flag(&r.done));
    CHECK_STR(r.reason, "shutdown");
    CHECK_EQ_U64(__atomic_load_n(&r.calls, __ATOMIC_ACQUIRE), 1);
    /* r.client is freed: not freed again here. */
    alarm(0);
    rx_reset();
}

/* Makes a failing call of its own: invalid JSON. */
static void failing_call_on_error(const outbox_delivery_error_t *error, void *user_data) {
    reentry *r = (reentry *)user_data;
    (void)error;
    __atomic_fetch_add(&r->calls, 1, __ATOMIC_ACQ_REL);
    r->track_status = outbox_track(r->client, "user-1", "Bad", "{not json", NULL);
}

/* The callback's own failures do not become the last error of the
 * outbox_shutdown or outbox_client_free that ran it on this thread. */
static void test_callback_keeps_last_error(void) {
    reentry r;
    outbox_config_t *config;
    outbox_flush_result_t result;
    outbox_stats_t stats;
    h_begin("a callback's failing calls leave the caller's last error alone");
    memset(&r, 0, sizeof r);
    rx_reset();
    rx_faults("[{\"kind\": \"hang\", \"forever\": true}]");

    config = receiver_config();
    CHECK_OK(outbox_config_set_on_error(config, failing_call_on_error, &r));
    r.client = new_client(config);
    CHECK_OK(outbox_track(r.client, "user-1", "Hung", NULL, NULL));
    h_sleep_ms(100);
    CHECK_OK(outbox_shutdown(r.client, 300, &result));
    CHECK_EQ_U64(__atomic_load_n(&r.calls, __ATOMIC_ACQUIRE), 1);
    CHECK_STATUS(r.track_status, OUTBOX_ERR_JSON);
    CHECK_STR(outbox_last_error_code(), ""); /* outbox_shutdown succeeded */
    outbox_client_free(r.client);

    /* A void free leaves the last error as it was. */
    memset(&r, 0, sizeof r);
    config = receiver_config();
    CHECK_OK(outbox_config_set_on_error(config, failing_call_on_error, &r));
    CHECK_OK(outbox_config_set_shutdown_timeout_ms(config, 300));
    r.client = new_client(config);
    CHECK_OK(outbox_track(r.client, "user-1", "Hung", NULL, NULL));
    h_sleep_ms(100);
    CHECK_STATUS(outbox_stats(NULL, &stats), OUTBOX_ERR_NULL);
    outbox_client_free(r.client);
    CHECK_EQ_U64(__atomic_load_n(&r.calls, __ATOMIC_ACQUIRE), 1);
    CHECK_STATUS(r.track_status, OUTBOX_ERR_JSON);
    CHECK_STR(outbox_last_error_code(), "null_argument");
    rx_reset();
}

/* ---- every bad-input status --------------------------------------------- */

static void test_bad_inputs(void) {
    outbox_config_t *config = NULL;
    outbox_client_t *client;
    outbox_stats_t stats;
    char *id = (char *)"sentinel";
    char big[40000];
    char long_batch[4000];
    size_t i;
    h_begin("bad inputs");
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_test_mode(config, true));
    CHECK_OK(outbox_config_set_max_event_bytes(config, 1000));
    CHECK_OK(outbox_config_set_max_batch_bytes(config, 5000));
    CHECK_OK(outbox_config_set_max_queue_bytes(config, 3000));
    client = new_client(config);

    /* NULL */
    CHECK_STATUS(outbox_track(NULL, "u", "e", NULL, &id), OUTBOX_ERR_NULL);
    CHECK(id == NULL);
    CHECK_STR(outbox_last_error(), "client is NULL");
    CHECK_STATUS(outbox_track(client, NULL, "e", NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STR(outbox_last_error(), "user_id is NULL");
    CHECK_STATUS(outbox_track(client, "u", NULL, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_identify(NULL, "u", NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_identify(client, NULL, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_group(client, "u", NULL, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_alias(client, NULL, "u", NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_page(client, NULL, NULL, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_screen(NULL, "u", NULL, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_capture(client, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_batch(client, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_flush(NULL, 10, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_shutdown(NULL, 10, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_stats(NULL, &stats), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_stats(client, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_deliver(NULL, "{}", 10, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_captured(client, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_clear_captured(NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_user_hash("s", "u", NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_scheme_parse("standard", NULL), OUTBOX_ERR_NULL);

    /* invalid UTF-8 */
    id = (char *)"sentinel";
    CHECK_STATUS(outbox_track(client, "user-\xff", "e", NULL, &id), OUTBOX_ERR_UTF8);
    CHECK(id == NULL);
    CHECK(strstr(outbox_last_error(), "user_id is not valid UTF-8") != NULL);
    CHECK_STATUS(outbox_track(client, "u", "caf\xc3", NULL, NULL), OUTBOX_ERR_UTF8);
    CHECK_STATUS(outbox_identify(client, "u", "{\"a\": \"\xed\xa0\x80\"}", NULL), OUTBOX_ERR_UTF8);
    CHECK_STATUS(outbox_capture(client, "{\"type\": \"\xc0\xaf\"}", NULL), OUTBOX_ERR_UTF8);
    CHECK_STR(outbox_last_error_code(), "invalid_utf8");

    /* invalid JSON */
    CHECK_STATUS(outbox_track(client, "u", "e", "{\"plan\":", NULL), OUTBOX_ERR_JSON);
    CHECK(strstr(outbox_last_error(), "properties") != NULL);
    CHECK_STR(outbox_last_error_code(), "invalid_json");
    CHECK_STATUS(outbox_identify(client, "u", "{'single': 1}", NULL), OUTBOX_ERR_JSON);
    CHECK_STATUS(outbox_group(client, "u", "g", "{} trailing", NULL), OUTBOX_ERR_JSON);
    CHECK_STATUS(outbox_page(client, "u", "p", "nope", NULL), OUTBOX_ERR_JSON);
    CHECK_STATUS(outbox_capture(client, "{\"type\": ", NULL), OUTBOX_ERR_JSON);
    CHECK_STATUS(outbox_batch(client, "[{]", NULL), OUTBOX_ERR_JSON);
    CHECK_STATUS(outbox_batch(client, "{\"type\":", NULL), OUTBOX_ERR_JSON);

    /* invalid events */
    CHECK_STATUS(outbox_track(client, "u", "", NULL, NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK(strstr(outbox_last_error(), "event name") != NULL);
    CHECK_STATUS(outbox_track(client, "", "e", NULL, NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_track(client, "u", "e", "[1, 2]", NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_group(client, "u", "", NULL, NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_alias(client, "", "u", NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_capture(client, "{\"type\": \"track\", \"userId\": \"u\", \"event\": \"e\", \"propertis\": {}}", NULL),
                 OUTBOX_ERR_INVALID_EVENT);
    CHECK(strstr(outbox_last_error(), "propertis") != NULL);
    CHECK_STATUS(outbox_capture(client, "{\"type\": \"bogus\", \"userId\": \"u\"}", NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_capture(client, "[{\"type\": \"identify\", \"userId\": \"u\"}]", NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_capture(client, "{\"type\": \"track\", \"userId\": \"u\", \"event\": \"e\", \"timestamp\": \"yesterday\"}", NULL),
                 OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_batch(client, "{\"type\": \"identify\", \"userId\": \"u\"}", NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_batch(client, "[{\"type\": \"identify\", \"userId\": \"u\"}, {\"type\": \"track\", \"userId\": \"u\"}]", &id),
                 OUTBOX_ERR_INVALID_EVENT);
    CHECK(strstr(outbox_last_error(), "event 1") != NULL);
    CHECK(id == NULL);
    CHECK_STR(outbox_last_error_code(), "invalid_event");

    /* over-size input */
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"b\": \"", 7);
    memcpy(big + sizeof big - 3, "\"}", 3);
    CHECK_STATUS(outbox_track(client, "u", "e", big, NULL), OUTBOX_ERR_TOO_LARGE);
    CHECK(strstr(outbox_last_error(), "max_event_bytes") != NULL);
    CHECK_STR(outbox_last_error_code(), "event_too_large");
    memcpy(big + 987, "\"}", 3); /* 989 bytes: under the limit as text, over it once serialized */
    CHECK_STATUS(outbox_track(client, "u", "e", big, NULL), OUTBOX_ERR_TOO_LARGE);
    CHECK(strstr(outbox_last_error(), "once serialized") != NULL);
    memset(long_batch, ' ', sizeof long_batch);
    long_batch[0] = '[';
    long_batch[sizeof long_batch - 2] = ']';
    long_batch[sizeof long_batch - 1] = '\0';
    CHECK_STATUS(outbox_batch(client, long_batch, NULL), OUTBOX_ERR_TOO_LARGE);
    CHECK(strstr(outbox_last_error(), "max_queue_bytes") != NULL);

    /* Nothing bad was queued. */
    CHECK_OK(outbox_stats(client, &stats));
    CHECK_EQ_U64(stats.enqueued, 0);

    /* A good call clears the last error. */
    CHECK_OK(outbox_track(client, "u", "e", "  {\"ok\": true}  ", NULL));
    CHECK_STR(outbox_last_error(), "");
    CHECK_OK(outbox_batch(client, "[]", &id));
    CHECK_STR(id, "[]");
    outbox_string_free(id);
    for (i = 0; i < 3; i++) CHECK_OK(outbox_flush(client, WAIT_MS, NULL));
    CHECK_OK(outbox_shutdown(client, WAIT_MS, NULL));
    CHECK_STATUS(outbox_identify(client, "u", NULL, NULL), OUTBOX_ERR_CLOSED);
    CHECK_STATUS(outbox_batch(client, "[{\"type\": \"identify\", \"userId\": \"u\"}]", NULL), OUTBOX_ERR_CLOSED);
    CHECK_STATUS(outbox_deliver(client, "{\"type\": \"identify\", \"userId\": \"u\"}", 100, NULL), OUTBOX_ERR_CLOSED);
    outbox_client_free(client);
}

/* ---- deliver, test mode, disabled -------------------------------------- */

/* Properties nested `levels` deep: {"a":{"a":...1...}}. Caller frees. */
static char *nested_properties(size_t levels) {
    char *text = malloc(levels * 6 + 2);
    size_t i, n = 0;
    for (i = 0; i < levels; i++) { memcpy(text + n, "{\"a\":", 5); n += 5; }
    text[n++] = '1';
    for (i = 0; i < levels; i++) text[n++] = '}';
    text[n] = '\0';
    return text;
}

/* One nesting limit (64) for every language, enforced at the call site: a
 * deeper event is refused there and never reaches the receiver. */
static void test_deep_nesting(void) {
    outbox_config_t *config = NULL;
    outbox_client_t *client;
    outbox_stats_t stats;
    char *ok = nested_properties(64), *deep = nested_properties(65), *deeper = nested_properties(5000);
    h_begin("deep nesting");
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_test_mode(config, true));
    client = new_client(config);
    CHECK_OK(outbox_track(client, "u", "e", ok, NULL));
    CHECK_STATUS(outbox_track(client, "u", "e", deep, NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK(strstr(outbox_last_error(), "nested more than 64 levels deep") != NULL);
    CHECK(outbox_track(client, "u", "e", deeper, NULL) != OUTBOX_OK);
    CHECK_OK(outbox_stats(client, &stats));
    CHECK(stats.enqueued == 1);
    outbox_client_free(client);
    free(ok);
    free(deep);
    free(deeper);
}

static void test_deliver_and_modes(void) {
    outbox_config_t *config = receiver_config();
    outbox_client_t *client;
    outbox_deliver_result_t dr;
    outbox_stats_t stats;
    char *json = NULL, *id = NULL;
    jval *events;
    h_begin("deliver, test mode, disabled");
    rx_reset();
    CHECK_OK(outbox_config_set_max_retries(config, 0));
    client = new_client(config);
    CHECK_OK(outbox_deliver(client, "{\"type\": \"track\", \"userId\": \"u\", \"event\": \"Paid\", \"messageId\": \"pay-1\"}", WAIT_MS, &dr));
    CHECK(dr.delivered);
    CHECK_EQ_U64(dr.http_status, 200);
    CHECK_EQ_U64(dr.attempts, 1);
    CHECK_EQ_U64(rx_stats().unique_events, 1);
    rx_faults("[{\"kind\": \"status\", \"status\": 422}]");
    CHECK_STATUS(outbox_deliver(client, "[{\"type\": \"identify\", \"userId\": \"u\"}]", WAIT_MS, &dr), OUTBOX_ERR_NOT_DELIVERED);
    CHECK(!dr.delivered);
    CHECK_EQ_U64(dr.http_status, 422);
    CHECK_STR(outbox_last_error_code(), "not_delivered");
    CHECK_STATUS(outbox_deliver(client, "[]", WAIT_MS, &dr), OUTBOX_ERR_INVALID_EVENT);
    CHECK_OK(outbox_stats(client, &stats));
    CHECK_EQ_U64(stats.enqueued, 0); /* deliver bypasses the queue */
    outbox_client_free(client);

    /* Test mode: nothing leaves the process; captured() reads it back. */
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_test_mode(config, true));
    client = new_client(config);
    CHECK_OK(outbox_track(client, "user-5", "Tested", "{\"n\": 1}", &id));
    CHECK_OK(outbox_flush(client, WAIT_MS, NULL));
    CHECK_OK(outbox_captured(client, &json));
    events = json_parse(json);
    CHECK_EQ_U64(json_len(events), 1);
    CHECK_STR(json_str(json_at(events, 0), "userId"), "user-5");
    CHECK_STR(json_str(json_at(events, 0), "messageId"), id);
    json_free(events);
    outbox_string_free(json);
    outbox_string_free(id);
    CHECK_OK(outbox_clear_captured(client));
    CHECK_OK(outbox_captured(client, &json));
    CHECK_STR(json, "[]");
    outbox_string_free(json);
    outbox_client_free(client);

    /* Disabled: calls validate and return ids, nothing is queued. */
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_disabled(config, true));
    client = new_client(config);
    CHECK_OK(outbox_track(client, "u", "e", NULL, &id));
    CHECK(id != NULL && strlen(id) == 36);
    outbox_string_free(id);
    CHECK_STATUS(outbox_track(client, "u", "", NULL, NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_OK(outbox_stats(client, &stats));
    CHECK_EQ_U64(stats.enqueued, 0);
    outbox_client_free(client);
    CHECK_EQ_U64(rx_stats().unique_events, 1);
    rx_reset();
}

/* ---- webhooks -------------------------------------------------------------- */

/* What to look at when events are not arriving: the last error and success. */
static void test_health(void) {
    outbox_client_t *client;
    outbox_health_t health;
    outbox_flush_result_t result;
    char *last_error = (char *)"sentinel";
    h_begin("health");
    rx_reset();
    client = new_client(receiver_config());
    CHECK_OK(outbox_health(client, &health, &last_error));
    CHECK(last_error == NULL);
    CHECK(health.last_success_unix_ms == 0 && health.consecutive_failures == 0);
    rx_faults("[{\"kind\": \"status\", \"status\": 503, \"times\": 2}]");
    CHECK_OK(outbox_track(client, "u", "e", NULL, NULL));
    CHECK_OK(outbox_flush(client, WAIT_MS, &result));
    CHECK_EQ_U64(result.pending, 0);
    CHECK_OK(outbox_health(client, &health, &last_error));
    CHECK_STR(last_error, "HTTP 503");
    outbox_string_free(last_error);
    CHECK(health.last_success_unix_ms >= health.last_error_unix_ms && health.last_error_unix_ms > 1700000000000LL);
    CHECK_EQ_U64(health.consecutive_failures, 0);
    CHECK_OK(outbox_health(client, &health, NULL));
    CHECK_STATUS(outbox_health(client, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_health(NULL, &health, NULL), OUTBOX_ERR_NULL);
    outbox_client_free(client);
}

/* A body built by the caller leaves byte for byte, signed (PocketPing's
 * forwarding: X-PocketPing-Signature: sha256=<hex> over the exact body). */
static void test_webhook_send_raw(void) {
    const char *secret = "pp-secret";
    const char *body = "{\"event\":{\"name\":\"clicked\",\"data\":{\"n\":1.50},\"timestamp\":\"2026-01-01T00:00:00Z\","
                       "\"sessionId\":\"s-1\"},\"session\":{\"id\":\"s-1\"},\"sentAt\":\"2026-01-01T00:00:01Z\"}";
    outbox_webhook_config_t *wc = NULL;
    outbox_webhook_sender_t *sender = NULL;
    outbox_flush_result_t result;
    char url[300], *id = NULL;
    jval *reqs;
    h_begin("webhook send_raw");
    rx_reset();
    snprintf(url, sizeof url, "%s/hooks/pocketping", rx_url());
    CHECK_OK(outbox_webhook_config_new(&wc));
    CHECK_OK(outbox_webhook_config_add_endpoint(wc, url, &secret, 1, OUTBOX_SCHEME_HMAC_SHA256, "X-PocketPing-Signature", NULL));
    CHECK_OK(outbox_webhook_config_set_max_message_bytes(wc, 1000));
    CHECK_OK(outbox_webhook_sender_new(wc, &sender));
    outbox_webhook_config_free(wc);

    CHECK_OK(outbox_webhook_send_raw(sender, body, &id));
    CHECK(id != NULL && strncmp(id, "msg_", 4) == 0);
    CHECK_OK(outbox_webhook_flush(sender, WAIT_MS, &result));
    CHECK_EQ_U64(result.pending, 0);
    reqs = rx_requests();
    CHECK_EQ_U64(json_len(reqs), 1);
    if (json_len(reqs) == 1) {
        CHECK_STR(json_str(json_at(reqs, 0), "body"), body);
        CHECK_OK(verify_recorded(json_at(reqs, 0), OUTBOX_SCHEME_HMAC_SHA256, "X-PocketPing-Signature", secret));
    }
    json_free(reqs);
    outbox_string_free(id);

    id = (char *)"sentinel";
    CHECK_STATUS(outbox_webhook_send_raw(sender, "{\"a\": ", &id), OUTBOX_ERR_JSON);
    CHECK(id == NULL);
    CHECK_STATUS(outbox_webhook_send_raw(sender, NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_send_raw(NULL, "{}", NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_send_raw(sender, "\"\xff\"", NULL), OUTBOX_ERR_UTF8);
    {
        char big[1200];
        memset(big, 'x', sizeof big);
        big[0] = '"';
        big[sizeof big - 2] = '"';
        big[sizeof big - 1] = '\0';
        CHECK_STATUS(outbox_webhook_send_raw(sender, big, NULL), OUTBOX_ERR_TOO_LARGE);
    }
    CHECK_OK(outbox_webhook_shutdown(sender, WAIT_MS, &result));
    CHECK_STATUS(outbox_webhook_send_raw(sender, "{}", NULL), OUTBOX_ERR_CLOSED);
    outbox_webhook_sender_free(sender);
}

static void test_webhooks(void) {
    outbox_webhook_config_t *wc = NULL;
    outbox_webhook_sender_t *sender = NULL;
    outbox_flush_result_t result;
    outbox_stats_t stats;
    callback_log log;
    char url_a[300], url_b[300], url_gone[300];
    const char *sha_secret = "it's a secret";
    size_t index = 99, i, checked = 0;
    char *id = NULL, *json = NULL;
    jval *reqs;
    h_begin("webhooks");
    memset(&log, 0, sizeof log);
    pthread_mutex_init(&log.lock, NULL);
    rx_reset();
    snprintf(url_a, sizeof url_a, "%s/hooks/a", rx_url());
    snprintf(url_b, sizeof url_b, "%s/hooks/b", rx_url());
    snprintf(url_gone, sizeof url_gone, "%s/hooks/gone", rx_url());

    CHECK_OK(outbox_webhook_config_new(&wc));
    CHECK_OK(outbox_webhook_config_add_endpoint(wc, url_a, &SECRET, 1, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, &index));
    CHECK_EQ_U64(index, 0);
    CHECK_OK(outbox_webhook_config_add_endpoint_header(wc, 0, "X-Tenant", "t-1"));
    CHECK_OK(outbox_webhook_config_set_endpoint_timeout_ms(wc, 0, 2000));
    CHECK_OK(outbox_webhook_config_add_endpoint(wc, url_b, &sha_secret, 1, OUTBOX_SCHEME_HMAC_SHA256, "X-Sig", &index));
    CHECK_EQ_U64(index, 1);
    CHECK_OK(outbox_webhook_config_add_endpoint(wc, url_gone, NULL, 0, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, NULL));
    CHECK_OK(outbox_webhook_config_set_max_message_bytes(wc, 10000));
    CHECK_OK(outbox_webhook_config_set_max_queue_size(wc, 100));
    CHECK_OK(outbox_webhook_config_set_max_queue_bytes(wc, 1 << 20));
    CHECK_OK(outbox_webhook_config_set_on_full(wc, OUTBOX_ON_FULL_DROP_NEWEST, 0));
    CHECK_OK(outbox_webhook_config_set_max_retries(wc, 5));
    CHECK_OK(outbox_webhook_config_set_retry_backoff_ms(wc, 10, 100));
    CHECK_OK(outbox_webhook_config_set_max_concurrent_requests(wc, 2));
    CHECK_OK(outbox_webhook_config_set_connect_timeout_ms(wc, 1000));
    CHECK_OK(outbox_webhook_config_set_proxy(wc, NULL));
    CHECK_OK(outbox_webhook_config_set_on_error(wc, on_error, &log));
    CHECK_OK(outbox_webhook_config_set_shutdown_timeout_ms(wc, 1000));
    CHECK_OK(outbox_webhook_config_set_debug(wc, false));
    CHECK_OK(outbox_webhook_config_set_test_mode(wc, false));

    /* Bad values. */
    CHECK_STATUS(outbox_webhook_config_add_endpoint(wc, "ftp://x", NULL, 0, 0, NULL, NULL), OUTBOX_ERR_INVALID_OPTION);
    {
        const char *bad = "whsec_!!";
        CHECK_STATUS(outbox_webhook_config_add_endpoint(wc, url_a, &bad, 1, 0, NULL, NULL), OUTBOX_ERR_INVALID_OPTION);
        CHECK_STR(outbox_last_error_code(), "invalid_secret");
    }
    CHECK_STATUS(outbox_webhook_config_add_endpoint(wc, url_a, NULL, 0, 5, NULL, NULL), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_endpoint_timeout_ms(wc, 7, 100), OUTBOX_ERR_INVALID_ARGUMENT);
    CHECK_STR(outbox_last_error(), "no endpoint 7: the config has 3");
    CHECK_STATUS(outbox_webhook_config_add_endpoint_header(wc, 3, "X-A", "b"), OUTBOX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(outbox_webhook_config_add_endpoint_header(wc, 0, "X A", "b"), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_endpoint_timeout_ms(wc, 0, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_max_message_bytes(wc, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_max_queue_size(wc, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_max_queue_bytes(wc, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_on_full(wc, 9, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_retry_backoff_ms(wc, 5, 1), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_max_concurrent_requests(wc, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_connect_timeout_ms(wc, 0), OUTBOX_ERR_INVALID_OPTION);
    CHECK_STATUS(outbox_webhook_config_set_proxy(NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_config_set_test_mode(NULL, true), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_config_new(NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_sender_new(NULL, &sender), OUTBOX_ERR_NULL);

    rx_faults("[{\"kind\": \"status\", \"status\": 410, \"path\": \"/hooks/gone\", \"forever\": true}]");
    CHECK_OK(outbox_webhook_sender_new(wc, &sender));
    outbox_webhook_config_free(wc);
    CHECK_OK(outbox_webhook_send(sender, "invoice.paid", "{\"invoice\": \"in_1\", \"amount\": 4200}", &id));
    CHECK(id != NULL && strncmp(id, "msg_", 4) == 0);
    /* Webhooks leave at once, so what settles before the flush starts is not
     * in its result: check pending here, and the counts in the stats below. */
    CHECK_OK(outbox_webhook_flush(sender, WAIT_MS, &result));
    CHECK_EQ_U64(result.pending, 0);
    CHECK(result.delivered <= 2 && result.failed <= 1);
    CHECK(wait_calls(&log, 1) == 1);
    pthread_mutex_lock(&log.lock);
    CHECK_STR(log.reason, "endpoint_gone");
    CHECK_EQ_U64(log.status, 410);
    CHECK_STR(log.endpoint, url_gone);
    CHECK(has_id(&log, id));
    pthread_mutex_unlock(&log.lock);

    reqs = rx_requests();
    for (i = 0; i < json_len(reqs); i++) {
        const jval *r = json_at(reqs, i);
        const char *path = json_str(r, "path");
        jval *body = json_parse(json_str(r, "body"));
        if (!strcmp(path, "/hooks/a")) {
            CHECK_OK(verify_recorded(r, OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, SECRET));
            CHECK_STR(json_str(json_get(r, "headers"), "webhook-id"), id);
            CHECK_STR(json_str(json_get(r, "headers"), "x-tenant"), "t-1");
            checked++;
        } else if (!strcmp(path, "/hooks/b")) {
            CHECK_OK(verify_recorded(r, OUTBOX_SCHEME_HMAC_SHA256, "X-Sig", sha_secret));
            CHECK_STATUS(verify_recorded(r, OUTBOX_SCHEME_HMAC_SHA256, NULL, sha_secret), OUTBOX_ERR_VERIFY);
            CHECK_STR(outbox_last_error_code(), "missing_header");
            checked++;
        }
        CHECK_STR(json_str(body, "type"), "invoice.paid");
        CHECK_STR(json_str(json_get(body, "data"), "invoice"), "in_1");
        json_free(body);
    }
    CHECK_EQ_U64(checked, 2);
    json_free(reqs);
    outbox_string_free(id);

    /* Bad sends. */
    CHECK_STATUS(outbox_webhook_send(sender, "", "{}", NULL), OUTBOX_ERR_INVALID_EVENT);
    CHECK_STATUS(outbox_webhook_send(sender, "t", "{", NULL), OUTBOX_ERR_JSON);
    CHECK_STATUS(outbox_webhook_send(sender, "t", NULL, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_send(NULL, "t", "{}", NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_send(sender, "\xff", "{}", NULL), OUTBOX_ERR_UTF8);
    {
        char big[12000];
        memset(big, 'x', sizeof big);
        big[0] = '"';
        big[sizeof big - 2] = '"';
        big[sizeof big - 1] = '\0';
        CHECK_STATUS(outbox_webhook_send(sender, "t", big, NULL), OUTBOX_ERR_TOO_LARGE);
        big[9990] = '"';
        big[9991] = '\0';
        CHECK_STATUS(outbox_webhook_send(sender, "t", big, NULL), OUTBOX_ERR_TOO_LARGE); /* with the envelope */
    }

    CHECK_OK(outbox_webhook_stats(sender, &stats));
    CHECK_EQ_U64(stats.enqueued, 3);
    CHECK_EQ_U64(stats.delivered, 2);
    CHECK_EQ_U64(stats.dropped_endpoint_gone, 1);
    check_balanced(&stats);
    CHECK_STATUS(outbox_webhook_stats(sender, NULL), OUTBOX_ERR_NULL);
    CHECK_OK(outbox_webhook_shutdown(sender, WAIT_MS, &result));
    CHECK_EQ_U64(result.pending, 0);
    CHECK_STATUS(outbox_webhook_send(sender, "t", "{}", NULL), OUTBOX_ERR_CLOSED);
    CHECK_STATUS(outbox_webhook_flush(NULL, 1, NULL), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_webhook_shutdown(NULL, 1, NULL), OUTBOX_ERR_NULL);
    outbox_webhook_sender_free(sender);

    /* Test mode, and a sender needs an endpoint. */
    CHECK_OK(outbox_webhook_config_new(&wc));
    CHECK_STATUS(outbox_webhook_sender_new(wc, &sender), OUTBOX_ERR_INVALID_OPTION);
    CHECK(sender == NULL);
    CHECK_OK(outbox_webhook_config_add_endpoint(wc, "https://hooks.example.com/x", &sha_secret, 1, OUTBOX_SCHEME_HMAC_SHA256, NULL, NULL));
    CHECK_OK(outbox_webhook_config_set_test_mode(wc, true));
    CHECK_OK(outbox_webhook_sender_new(wc, &sender));
    outbox_webhook_config_free(wc);
    CHECK_OK(outbox_webhook_send(sender, "user.created", "{\"id\": 7}", NULL));
    CHECK_OK(outbox_webhook_flush(sender, WAIT_MS, NULL));
    CHECK_OK(outbox_webhook_captured(sender, &json));
    reqs = json_parse(json);
    CHECK_EQ_U64(json_len(reqs), 1);
    CHECK_STR(json_str(json_at(reqs, 0), "url"), "https://hooks.example.com/x");
    CHECK(json_str(json_get(json_at(reqs, 0), "headers"), "X-Hub-Signature-256") != NULL);
    json_free(reqs);
    outbox_string_free(json);
    CHECK_STATUS(outbox_webhook_captured(sender, NULL), OUTBOX_ERR_NULL);
    outbox_webhook_sender_free(sender);
    pthread_mutex_destroy(&log.lock);
    rx_reset();
}

/* ---- the signing vectors ----------------------------------------------- */

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *text;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = (char *)malloc((size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) { free(text); text = NULL; }
    if (text) text[n] = '\0';
    fclose(f);
    return text;
}

typedef struct {
    outbox_scheme_t scheme;
    const char *header;
    const char **secrets;
    size_t secrets_len;
    unsigned char *body;
    size_t body_len;
    int body_utf8;
} vector_input;

static int vector_read(const jval *v, vector_input *in) {
    const jval *secrets = json_get(v, "secrets");
    const char *scheme = json_str(v, "scheme");
    size_t i;
    memset(in, 0, sizeof *in);
    if (!scheme) return 0;
    in->scheme = !strcmp(scheme, "hmac-sha256") ? OUTBOX_SCHEME_HMAC_SHA256 : OUTBOX_SCHEME_STANDARD_WEBHOOKS;
    in->header = json_str(v, "header");
    in->secrets_len = json_len(secrets);
    in->secrets = (const char **)calloc(in->secrets_len + 1, sizeof *in->secrets);
    for (i = 0; i < in->secrets_len; i++) in->secrets[i] = json_at(secrets, i)->text;
    if (json_str(v, "body")) {
        const jval *b = json_get(v, "body");
        in->body = (unsigned char *)malloc(b->text_len + 1);
        memcpy(in->body, b->text, b->text_len);
        in->body_len = b->text_len;
        in->body_utf8 = 1;
    } else if (json_str(v, "body_base64")) {
        in->body = base64_decode(json_str(v, "body_base64"), &in->body_len);
        if (!in->body) return 0;
    }
    return 1;
}

static void vector_free(vector_input *in) {
    free(in->secrets);
    free(in->body);
}

/* The vectors name algorithms as the other languages do. */
static outbox_user_hash_algorithm_t user_hash_algorithm(const char *name) {
    return strcmp(name, "sha256") == 0 ? OUTBOX_USER_HASH_SHA256 : OUTBOX_USER_HASH_HMAC_SHA256;
}

static void test_vectors(const char *path) {
    char *text = read_file(path);
    jval *all = json_parse(text);
    const jval *section;
    size_t i, j, ran[6] = {0};
    h_begin("signing vectors");
    CHECK(all != NULL);
    if (!all) {
        fprintf(stderr, "cannot read %s\n", path);
        free(text);
        return;
    }

    section = json_get(all, "sign");
    for (i = 0; i < json_len(section); i++) {
        const jval *v = json_at(section, i), *expected = json_get(v, "expected");
        vector_input in;
        outbox_header_t headers[OUTBOX_SIGN_MAX_HEADERS];
        size_t n = 0;
        int64_t ts = (int64_t)json_int(json_get(v, "timestamp"));
        h_test = json_str(v, "name");
        CHECK(vector_read(v, &in));
        CHECK_OK(outbox_sign(in.scheme, in.header, in.secrets, in.secrets_len, json_str(v, "id"), ts, in.body, in.body_len,
                             headers, OUTBOX_SIGN_MAX_HEADERS, &n));
        CHECK_EQ_U64(n, json_len(expected));
        for (j = 0; j < n; j++) CHECK_STR(headers[j].value, json_str(expected, headers[j].name));
        /* What we sign, we verify (Standard Webhooks only signs text). */
        if (in.body_utf8 || in.scheme == OUTBOX_SCHEME_HMAC_SHA256)
            CHECK_OK(outbox_verify(in.scheme, in.header, in.body, in.body_len, headers, n, in.secrets, in.secrets_len,
                                   OUTBOX_DEFAULT_TOLERANCE_SECS, &ts));
        outbox_headers_free(headers, n);
        CHECK(n == 0 || headers[0].name == NULL);
        vector_free(&in);
        ran[0]++;
    }
    CHECK(ran[0] > 0 && ran[0] == json_len(section));

    section = json_get(all, "sign_errors");
    for (i = 0; i < json_len(section); i++) {
        const jval *v = json_at(section, i);
        vector_input in;
        outbox_header_t headers[OUTBOX_SIGN_MAX_HEADERS];
        size_t n = 99;
        h_test = json_str(v, "name");
        CHECK(vector_read(v, &in));
        CHECK_STATUS(outbox_sign(in.scheme, in.header, in.secrets, in.secrets_len, "msg", 1, (const uint8_t *)"{}", 2,
                                 headers, OUTBOX_SIGN_MAX_HEADERS, &n), OUTBOX_ERR_INVALID_ARGUMENT);
        CHECK_STR(outbox_last_error_code(), json_str(v, "error"));
        CHECK_EQ_U64(n, 0);
        vector_free(&in);
        ran[1]++;
    }
    CHECK(ran[1] > 0 && ran[1] == json_len(section));

    section = json_get(all, "verify");
    for (i = 0; i < json_len(section); i++) {
        const jval *v = json_at(section, i), *hv = json_get(v, "headers"), *now_v = json_get(v, "now"), *tol = json_get(v, "tolerance");
        vector_input in;
        outbox_header_t *headers = (outbox_header_t *)calloc(json_len(hv) + 1, sizeof *headers);
        int64_t now = (int64_t)json_int(now_v);
        outbox_status_t got;
        h_test = json_str(v, "name");
        CHECK(vector_read(v, &in));
        for (j = 0; j < json_len(hv); j++) {
            headers[j].name = hv->keys[j];
            headers[j].value = hv->items[j].text;
        }
        got = outbox_verify(in.scheme, in.header, in.body, in.body_len, headers, json_len(hv), in.secrets, in.secrets_len,
                            tol ? json_uint(tol) : OUTBOX_DEFAULT_TOLERANCE_SECS, now_v ? &now : NULL);
        if (json_get(v, "ok")->boolean) {
            CHECK_STATUS(got, OUTBOX_OK);
        } else {
            CHECK_STATUS(got, OUTBOX_ERR_VERIFY);
            CHECK_STR(outbox_last_error_code(), json_str(v, "error"));
        }
        free(headers);
        vector_free(&in);
        ran[2]++;
    }
    CHECK(ran[2] > 0 && ran[2] == json_len(section));

    section = json_get(all, "user_hash");
    for (i = 0; i < json_len(section); i++) {
        const jval *v = json_at(section, i);
        outbox_user_hash_algorithm_t algorithm = user_hash_algorithm(json_str(v, "algorithm"));
        char *hash = NULL;
        h_test = json_str(v, "name");
        CHECK_OK(outbox_user_hash_with(algorithm, json_str(v, "secret"), json_str(v, "user_id"), &hash));
        CHECK_STR(hash, json_str(v, "hash"));
        outbox_string_free(hash);
        CHECK_OK(outbox_verify_user_hash_with(algorithm, json_str(v, "secret"), json_str(v, "user_id"), json_str(v, "hash")));
        if (algorithm == OUTBOX_USER_HASH_HMAC_SHA256) {
            hash = NULL;
            CHECK_OK(outbox_user_hash(json_str(v, "secret"), json_str(v, "user_id"), &hash));
            CHECK_STR(hash, json_str(v, "hash"));
            outbox_string_free(hash);
        }
        ran[3]++;
    }
    CHECK(ran[3] > 0 && ran[3] == json_len(section));

    section = json_get(all, "verify_user_hash");
    for (i = 0; i < json_len(section); i++) {
        const jval *v = json_at(section, i);
        outbox_status_t got = outbox_verify_user_hash_with(user_hash_algorithm(json_str(v, "algorithm")), json_str(v, "secret"),
                                                           json_str(v, "user_id"), json_str(v, "hash"));
        h_test = json_str(v, "name");
        if (json_get(v, "ok")->boolean) {
            CHECK_STATUS(got, OUTBOX_OK);
        } else {
            CHECK_STATUS(got, OUTBOX_ERR_VERIFY);
            CHECK_STR(outbox_last_error_code(), "hash_mismatch");
        }
        ran[4]++;
    }
    CHECK(ran[4] > 0 && ran[4] == json_len(section));

    section = json_get(all, "scheme_names");
    for (i = 0; i < json_len(section); i++) {
        const jval *v = json_at(section, i);
        outbox_scheme_t scheme = 99;
        outbox_status_t got = outbox_scheme_parse(json_str(v, "input"), &scheme);
        h_test = json_str(v, "input");
        if (json_str(v, "name")) {
            CHECK_STATUS(got, OUTBOX_OK);
            CHECK_STR(outbox_scheme_name(scheme), json_str(v, "name"));
        } else {
            CHECK_STATUS(got, OUTBOX_ERR_INVALID_ARGUMENT);
            CHECK_STR(outbox_last_error_code(), json_str(v, "error"));
        }
        ran[5]++;
    }
    CHECK(ran[5] > 0 && ran[5] == json_len(section));
    h_test = "signing vectors";
    printf("  vectors run: sign %zu, sign_errors %zu, verify %zu, user_hash %zu, verify_user_hash %zu, scheme_names %zu\n",
           ran[0], ran[1], ran[2], ran[3], ran[4], ran[5]);

    /* Misuse of the signing functions. */
    {
        outbox_header_t headers[OUTBOX_SIGN_MAX_HEADERS];
        size_t n = 0;
        const char *secret = SECRET;
        char *hash = NULL;
        outbox_scheme_t scheme = 42;
        CHECK_STATUS(outbox_sign(OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, &secret, 1, "id", 1, (const uint8_t *)"{}", 2, headers, 2, &n),
                     OUTBOX_ERR_BUFFER);
        CHECK_EQ_U64(n, 3);
        CHECK_STR(outbox_last_error_code(), "buffer_too_small");
        CHECK_STATUS(outbox_sign(OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, &secret, 1, "id", 1, NULL, 0, NULL, 0, &n), OUTBOX_ERR_BUFFER);
        CHECK_EQ_U64(n, 3);
        CHECK_STATUS(outbox_sign(OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, &secret, 1, NULL, 1, NULL, 0, headers, 3, &n), OUTBOX_ERR_NULL);
        CHECK_STATUS(outbox_sign(OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, &secret, 1, "id", 1, NULL, 5, headers, 3, &n), OUTBOX_ERR_NULL);
        CHECK_STATUS(outbox_sign(OUTBOX_SCHEME_STANDARD_WEBHOOKS, NULL, &secret, 1, "id", 1, NULL, 0, headers, 3, NULL), OUTBOX_ERR_NULL);
        CHECK_STATUS(outbox_sign(7, NULL, &secret, 1, "id", 1, NULL, 0, headers, 3, &n), OUTBOX_ERR_INVALID_ARGUMENT);
        CHECK_STR(outbox_last_error_code(), "invalid_argument");
        CHECK_STATUS(outbox_sign(OUTBOX_SCHEME_STANDARD_WEBHOOKS, "X-Sig", &secret, 1, "id", 1, NULL, 0, headers, 3, &n),
                     OUTBOX_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(outbox_sign(OUTBOX_SCHEME_HMAC_SHA256, NULL, &secret, 1, NULL, 0, NULL, 0, headers, 3, &n), OUTBOX_OK);
        CHECK_EQ_U64(n, 1);
        CHECK_STR(headers[0].name, "X-Hub-Signature-256");
        outbox_headers_free(headers, n);
        outbox_headers_free(headers, n); /* harmless twice */
        CHECK_STATUS(outbox_verify(OUTBOX_SCHEME_HMAC_SHA256, NULL, NULL, 0, NULL, 2, &secret, 1, 300, NULL), OUTBOX_ERR_NULL);
        headers[0].name = "X-Hub-Signature-256";
        headers[0].value = "sha256=\xff";
        CHECK_STATUS(outbox_verify(OUTBOX_SCHEME_HMAC_SHA256, NULL, NULL, 0, headers, 1, &secret, 1, 300, NULL), OUTBOX_ERR_UTF8);
        CHECK_STATUS(outbox_verify(OUTBOX_SCHEME_HMAC_SHA256, NULL, NULL, 0, NULL, 0, NULL, 0, 300, NULL), OUTBOX_ERR_VERIFY);
        CHECK_STR(outbox_last_error_code(), "no_secret");
        CHECK_STATUS(outbox_user_hash(NULL, "u", &hash), OUTBOX_ERR_NULL);
        CHECK(hash == NULL);
        CHECK_STATUS(outbox_user_hash("s", "\xff", &hash), OUTBOX_ERR_UTF8);
        CHECK_STATUS(outbox_verify_user_hash("s", "u", NULL), OUTBOX_ERR_NULL);
        CHECK_STATUS(outbox_user_hash_with(7, "s", "u", &hash), OUTBOX_ERR_INVALID_ARGUMENT);
        CHECK(hash == NULL);
        CHECK(strstr(outbox_last_error(), "OUTBOX_USER_HASH_SHA256") != NULL);
        CHECK_STATUS(outbox_verify_user_hash_with(7, "s", "u", "00"), OUTBOX_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(outbox_scheme_parse("rot13", &scheme), OUTBOX_ERR_INVALID_ARGUMENT);
        CHECK_EQ_U64(scheme, 42);
        CHECK_STR(outbox_last_error_code(), "unknown_scheme");
        CHECK(outbox_scheme_name(5) == NULL);
    }
    json_free(all);
    free(text);
}

/* ---- the spool: surviving a crash --------------------------------------- */

#define SPOOL_EVENTS 5

/* Run as `test_c spool-child DIR`: queues events with a spool in DIR while
 * its collector is unreachable, then dies by SIGKILL. */
static int spool_child(const char *dir) {
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    int i, ok = 1;
    ok &= outbox_config_new(&config) == OUTBOX_OK;
    ok &= outbox_config_set_endpoint(config, "http://127.0.0.1:9") == OUTBOX_OK; /* nothing listens there */
    ok &= outbox_config_set_spool_dir(config, dir) == OUTBOX_OK;
    ok &= outbox_config_set_spool_sync(config, OUTBOX_SPOOL_SYNC_EVENT) == OUTBOX_OK;
    ok &= outbox_client_new(config, &client) == OUTBOX_OK;
    outbox_config_free(config);
    for (i = 0; i < SPOOL_EVENTS; i++) ok &= outbox_track(client, "user-1", "before the crash", NULL, NULL) == OUTBOX_OK;
    if (!ok) return 3;
    raise(SIGKILL);
    return 4;
}

static void count_crash_event(const jval *event, void *data) {
    const char *name = json_str(event, "event");
    if (name && !strcmp(name, "before the crash")) (*(int *)data)++;
}

static void test_spool(void) {
    char dir[] = "/tmp/outbox-c-spool-XXXXXX";
    outbox_config_t *config;
    outbox_client_t *client;
    outbox_spool_recovery_t recovery;
    outbox_flush_result_t result;
    outbox_stats_t stats;
    pid_t pid;
    int status = -1, delivered = 0;
    char command[128];
    h_begin("spool: a SIGKILLed process's events are delivered by the next");
    rx_reset();
    CHECK(mkdtemp(dir) != NULL);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *args[] = {self_path, (char *)"spool-child", dir, NULL};
        execv(self_path, args);
        _exit(127);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    config = receiver_config();
    CHECK_OK(outbox_config_set_spool_dir(config, dir));
    client = new_client(config);
    CHECK_OK(outbox_spool_recovery(client, &recovery));
    CHECK_EQ_U64(recovery.adopted, 1);
    CHECK_EQ_U64(recovery.events, SPOOL_EVENTS);
    CHECK_EQ_U64(recovery.damaged, 0);
    CHECK_OK(outbox_flush(client, WAIT_MS, &result));
    CHECK_EQ_U64(result.pending, 0);
    rx_each_event(count_crash_event, &delivered);
    CHECK_EQ_U64(delivered, SPOOL_EVENTS);
    CHECK_OK(outbox_stats(client, &stats));
    CHECK_EQ_U64(stats.spool_errors, 0);
    CHECK_STATUS(outbox_spool_recovery(NULL, &recovery), OUTBOX_ERR_NULL);
    CHECK_STATUS(outbox_spool_recovery(client, NULL), OUTBOX_ERR_NULL);
    outbox_client_free(client);

    /* A spool directory that cannot be created is refused at creation. */
    config = receiver_config();
    CHECK_OK(outbox_config_set_spool_dir(config, "/proc/outbox-cannot-be-here"));
    client = (outbox_client_t *)config;
    CHECK_STATUS(outbox_client_new(config, &client), OUTBOX_ERR_INVALID_OPTION);
    CHECK(client == NULL);
    outbox_config_free(config);

    /* Without a spool, there is nothing to recover. */
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_test_mode(config, true));
    client = new_client(config);
    recovery.adopted = 9;
    CHECK_OK(outbox_spool_recovery(client, &recovery));
    CHECK_EQ_U64(recovery.adopted + recovery.events + recovery.damaged, 0);
    outbox_client_free(client);

    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    CHECK(system(command) == 0);
    rx_reset();
}

/* ---- the exit hook ------------------------------------------------------- */

/* The client an exit child never frees. Kept where LeakSanitizer sees it
 * (a program's global client), since not freeing it is the point;
 * volatile, so the compiler keeps a store that is never read. */
static outbox_client_t *volatile never_freed;

/* Run as `test_c exit-hook-child`: queues three events and returns from main
 * without freeing the client; the exit hook must deliver them. */
static int exit_hook_child(void) {
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    int i, ok = 1;
    ok &= outbox_config_new(&config) == OUTBOX_OK;
    ok &= outbox_config_set_endpoint(config, rx_url()) == OUTBOX_OK;
    ok &= outbox_config_set_flush_interval_ms(config, 60000) == OUTBOX_OK;
    ok &= outbox_config_set_shutdown_timeout_ms(config, 5000) == OUTBOX_OK;
    ok &= outbox_client_new(config, &client) == OUTBOX_OK;
    never_freed = client;
    outbox_config_free(config);
    for (i = 0; i < 3; i++) ok &= outbox_track(client, "user-1", "at exit", NULL, NULL) == OUTBOX_OK;
    return ok ? 0 : 3;
}

/* Set by an atexit handler registered after the client, so it runs before
 * Outbox's exit hook: main has returned by then. */
static volatile int main_returned;

static void mark_main_returned(void) { main_returned = 1; }

static void exit_callback_on_error(const outbox_delivery_error_t *error, void *user_data) {
    static const char message[] = "the error callback ran after main returned\n";
    (void)error;
    if (main_returned) {
        if (write(2, message, sizeof message - 1)) {}
        _exit(5);
    }
    ((int *)user_data)[0]++;
}

/* Run as `test_c exit-callback-child`: an event the receiver never answers
 * is given up by the exit hook; the callback's user_data lives in main's
 * stack frame, which is gone by then, so the hook must not call it. (Built
 * with ASan's detect_stack_use_after_return, the old hook is reported.) */
static int exit_callback_child(void) {
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    int calls = 0, ok = 1;
    ok &= outbox_config_new(&config) == OUTBOX_OK;
    ok &= outbox_config_set_endpoint(config, rx_url()) == OUTBOX_OK;
    ok &= outbox_config_set_flush_interval_ms(config, 20) == OUTBOX_OK;
    ok &= outbox_config_set_shutdown_timeout_ms(config, 200) == OUTBOX_OK;
    ok &= outbox_config_set_on_error(config, exit_callback_on_error, &calls) == OUTBOX_OK;
    ok &= outbox_client_new(config, &client) == OUTBOX_OK;
    never_freed = client;
    outbox_config_free(config);
    ok &= atexit(mark_main_returned) == 0;
    ok &= outbox_track(client, "user-1", "never answered", NULL, NULL) == OUTBOX_OK;
    h_sleep_ms(100);
    return ok ? 0 : 3;
}

static void test_exit_hook_calls_no_callback(void) {
    pid_t pid;
    int status = -1;
    h_begin("the exit hook calls no error callback");
    rx_reset();
    rx_faults("[{\"kind\": \"hang\", \"forever\": true}]");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *args[] = {self_path, (char *)"exit-callback-child", NULL};
        execv(self_path, args);
        _exit(127);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    rx_reset();
}

static void test_exit_hook(void) {
    pid_t pid;
    int status = -1;
    rx_stats_t rs;
    h_begin("exit hook");
    rx_reset();
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *args[] = {self_path, (char *)"exit-hook-child", NULL};
        execv(self_path, args);
        _exit(127);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Delivered before the child's exit returned: no waiting needed. */
    rs = rx_stats();
    CHECK_EQ_U64(rs.unique_events, 3);
    rx_reset();
}

int main(int argc, char **argv) {
    const char *vectors = "tests/vectors/signatures.json";
    self_path = argv[0];
    if (argc > 1 && !strcmp(argv[1], "exit-hook-child")) return exit_hook_child();
    if (argc > 1 && !strcmp(argv[1], "exit-callback-child")) return exit_callback_child();
    if (argc > 2 && !strcmp(argv[1], "spool-child")) return spool_child(argv[2]);
    if (argc > 1) vectors = argv[1];
    rx_url();
    test_basics();
    test_config();
    test_delivery();
    test_callback();
    test_calls_from_callback();
    test_free_from_own_callback();
    test_free_sender_from_own_callback();
    test_free_from_callback_run_by_shutdown();
    test_callback_keeps_last_error();
    test_bad_inputs();
    test_deep_nesting();
    test_deliver_and_modes();
    test_webhooks();
    test_webhook_send_raw();
    test_health();
    test_vectors(vectors);
    test_spool();
    test_exit_hook();
    test_exit_hook_calls_no_callback();
    return h_finish("test_c");
}
