/*
 * The wire format from C: every vector of tests/vectors/events.json (shared
 * with the Rust, Python and Node suites) goes through the C API to the real
 * test receiver (tests/c/with-receiver.sh), and the event it received must
 * be the vector's `expected`, byte for byte. Then the same calls on a test
 * mode client, whose outbox_captured() must hold the same events as JSON
 * values (it re-encodes them, so it cannot show bytes).
 *
 * A call with options, or with a numeric id, goes through outbox_capture
 * with a Segment-shaped event (the short functions take strings and no
 * options); the others through outbox_track, outbox_identify, ...
 *
 * usage: test_vectors [EVENTS_JSON]   (default tests/vectors/events.json)
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#define WAIT_MS 10000
#define FACE "c"
#define LIBRARY_MASK "\"@library@\""
#define GENERATED_ID "@generated-message-id@"
#define GENERATED_TIMESTAMP "@generated-timestamp@"

static char library[128];

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    jbuf b = {NULL, 0, 0};
    char chunk[4096];
    size_t n;
    if (!f) return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) jb_put(&b, chunk, n);
    fclose(f);
    return b.data;
}

/* `text` with every `from` replaced by `to` (a new string). */
static char *replace_all(const char *text, const char *from, const char *to) {
    jbuf b = {NULL, 0, 0};
    const char *at;
    jb_puts(&b, "");
    while ((at = strstr(text, from)) != NULL) {
        jb_put(&b, text, (size_t)(at - text));
        jb_puts(&b, to);
        text = at + strlen(from);
    }
    jb_puts(&b, text);
    return b.data;
}

/* ---- making the call ---------------------------------------------------- */

static const char *opt_str(const jval *call, const char *key) {
    return json_str(call, key);
}

/* The object argument `key` as JSON text (a new string), or NULL. */
static char *object_text(const jval *call, const char *key) {
    const jval *v = json_get(call, key);
    jbuf b = {NULL, 0, 0};
    if (!v) return NULL;
    json_write(&b, v);
    return b.data;
}

static int has_numeric_id(const jval *call) {
    const char *keys[] = {"user_id", "group_id", "previous_id"};
    const jval *anon = json_get(json_get(call, "options"), "anonymous_id");
    size_t i;
    for (i = 0; i < 3; i++) {
        const jval *id = json_get(call, keys[i]);
        if (id && id->type == J_NUMBER) return 1;
    }
    return anon && anon->type == J_NUMBER;
}

/* Appends `"name":VALUE` when `v` is present. */
static void put_member(jbuf *b, const char *name, const jval *v) {
    if (!v) return;
    jb_puts(b, ",\"");
    jb_puts(b, name);
    jb_puts(b, "\":");
    json_write(b, v);
}

/* The call as one event in Segment's shape, for outbox_capture. */
static char *segment_event(const jval *call) {
    const jval *options = json_get(call, "options");
    jbuf b = {NULL, 0, 0};
    jb_puts(&b, "{\"type\":");
    json_write(&b, json_get(call, "call"));
    put_member(&b, "userId", json_get(call, "user_id"));
    put_member(&b, "anonymousId", json_get(options, "anonymous_id"));
    put_member(&b, "event", json_get(call, "event"));
    put_member(&b, "name", json_get(call, "name"));
    put_member(&b, "groupId", json_get(call, "group_id"));
    put_member(&b, "previousId", json_get(call, "previous_id"));
    put_member(&b, "messageId", json_get(options, "message_id"));
    put_member(&b, "timestamp", json_get(options, "timestamp"));
    put_member(&b, "properties", json_get(call, "properties"));
    put_member(&b, "traits", json_get(call, "traits"));
    put_member(&b, "context", json_get(options, "context"));
    put_member(&b, "integrations", json_get(options, "integrations"));
    jb_puts(&b, "}");
    return b.data;
}

/* Makes the call; returns its status, *id_out the message id. */
static outbox_status_t send_call(const outbox_client_t *client, const jval *call, char **id_out) {
    const char *kind = json_str(call, "call");
    char *properties = object_text(call, "properties"), *traits = object_text(call, "traits");
    outbox_status_t status;
    if (json_get(call, "options") || has_numeric_id(call)) {
        char *event = segment_event(call);
        status = outbox_capture(client, event, id_out);
        free(event);
    } else if (!strcmp(kind, "track")) {
        status = outbox_track(client, opt_str(call, "user_id"), opt_str(call, "event"), properties, id_out);
    } else if (!strcmp(kind, "identify")) {
        status = outbox_identify(client, opt_str(call, "user_id"), traits, id_out);
    } else if (!strcmp(kind, "group")) {
        status = outbox_group(client, opt_str(call, "user_id"), opt_str(call, "group_id"), traits, id_out);
    } else if (!strcmp(kind, "alias")) {
        status = outbox_alias(client, opt_str(call, "previous_id"), opt_str(call, "user_id"), id_out);
    } else if (!strcmp(kind, "page")) {
        status = outbox_page(client, opt_str(call, "user_id"), opt_str(call, "name"), properties, id_out);
    } else if (!strcmp(kind, "screen")) {
        status = outbox_screen(client, opt_str(call, "user_id"), opt_str(call, "name"), properties, id_out);
    } else {
        fprintf(stderr, "unknown call %s\n", kind ? kind : "(none)");
        status = OUTBOX_ERR_INVALID_EVENT;
    }
    free(properties);
    free(traits);
    return status;
}

/* ---- comparing ------------------------------------------------------------ */

static int is_uuid_v4(const char *s, size_t n) {
    size_t i;
    if (n != 36) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return 0;
        } else if (i == 14) {
            if (c != '4') return 0;
        } else if (i == 19) {
            if (!strchr("89ab", c) || !c) return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* YYYY-MM-DDTHH:MM:SS.mmmZ, as the engine writes times. */
static int is_engine_time(const char *s, size_t n) {
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    size_t i;
    if (n != 24) return 0;
    for (i = 0; i < n; i++) {
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return 0;
    }
    return 1;
}

typedef int (*shape_fn)(const char *, size_t);

/* Replaces the `len` bytes after the first `"key":"` with `mask`: the
 * top-level field comes before any caller text. 0 when they are not of
 * the right shape. */
static int mask_field(char **event, const char *key, size_t len, const char *mask, shape_fn valid) {
    char prefix[32];
    char *at;
    jbuf b = {NULL, 0, 0};
    snprintf(prefix, sizeof prefix, "\"%s\":\"", key);
    at = strstr(*event, prefix);
    if (!at) return 0;
    at += strlen(prefix);
    if (strlen(at) <= len || at[len] != '"' || !valid(at, len)) return 0;
    jb_put(&b, *event, (size_t)(at - *event));
    jb_puts(&b, mask);
    jb_puts(&b, at + len);
    free(*event);
    *event = b.data;
    return 1;
}

/* The event of a one-event body {"batch":[EVENT],"sentAt":"..."}, as a new
 * string; NULL when the body has another shape. */
static char *event_of_body(const char *body, size_t len) {
    const char *head = "{\"batch\":[", *tail = "],\"sentAt\":\"";
    size_t head_len = strlen(head), tail_len = strlen(tail) + 24 + 2;
    jbuf b = {NULL, 0, 0};
    if (len < head_len + tail_len || memcmp(body, head, head_len) != 0) return NULL;
    if (memcmp(body + len - tail_len, tail, strlen(tail)) != 0 || memcmp(body + len - 2, "\"}", 2) != 0) return NULL;
    if (!is_engine_time(body + len - 26, 24)) return NULL;
    jb_put(&b, body + head_len, len - head_len - tail_len);
    return b.data;
}

/* What this face must send: `expected`, or a known difference's bytes. */
static const char *bytes_for(const jval *v) {
    const jval *known = json_get(json_get(v, "differs"), FACE);
    if (known) {
        printf("  known difference %s: %s\n", json_str(v, "name"), json_str(known, "why"));
        return json_str(known, "sent");
    }
    return json_str(v, "expected");
}

/* Checks the bytes one call sent against `expected`, with the file's masks. */
static int check_sent(char *sent, const char *template_text, const char *id) {
    char *expected = replace_all(template_text, LIBRARY_MASK, library);
    jval *parsed = json_parse(sent);
    int ok = parsed && id && json_str(parsed, "messageId") && !strcmp(json_str(parsed, "messageId"), id);
    char *masked = NULL;
    size_t n = strlen(sent) + 1;
    json_free(parsed);
    masked = (char *)malloc(n);
    memcpy(masked, sent, n);
    if (!ok) fprintf(stderr, "  the call returned %s, which is not the messageId sent\n", id ? id : "(null)");
    if (ok && strstr(expected, GENERATED_ID)) ok = mask_field(&masked, "messageId", 36, GENERATED_ID, is_uuid_v4);
    if (ok && strstr(expected, GENERATED_TIMESTAMP)) ok = mask_field(&masked, "timestamp", 24, GENERATED_TIMESTAMP, is_engine_time);
    if (ok && strcmp(masked, expected) != 0) {
        fprintf(stderr, "  sent     %s\n  expected %s\n", masked, expected);
        ok = 0;
    }
    free(masked);
    free(expected);
    return ok;
}

/* A masked field of a captured event: checked, then set to the mask. */
static int mask_value(jval *event, const jval *expected, const char *key, const char *mask, shape_fn valid) {
    jval *got = (jval *)json_get(event, key);
    const char *want = json_str(expected, key);
    if (!want || strcmp(want, mask) != 0) return 1;
    if (!got || got->type != J_STRING || !valid(got->text, got->text_len)) return 0;
    free(got->text);
    got->text_len = strlen(mask);
    got->text = (char *)malloc(got->text_len + 1);
    memcpy(got->text, mask, got->text_len + 1);
    return 1;
}

static int check_captured(jval *event, const char *template_text, const char *id) {
    char *text = replace_all(template_text, LIBRARY_MASK, library);
    jval *expected = json_parse(text);
    int ok = expected && id && json_str(event, "messageId") && !strcmp(json_str(event, "messageId"), id);
    ok = ok && mask_value(event, expected, "messageId", GENERATED_ID, is_uuid_v4);
    ok = ok && mask_value(event, expected, "timestamp", GENERATED_TIMESTAMP, is_engine_time);
    ok = ok && json_equal(event, expected);
    if (!ok) {
        jbuf b = {NULL, 0, 0};
        json_write(&b, event);
        fprintf(stderr, "  captured %s\n  expected %s\n", b.data, text);
        free(b.data);
    }
    json_free(expected);
    free(text);
    return ok;
}

/* ---- the runs ------------------------------------------------------------- */

static outbox_client_t *new_client(int test_mode) {
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    CHECK_OK(outbox_config_new(&config));
    if (test_mode) CHECK_OK(outbox_config_set_test_mode(config, true));
    else CHECK_OK(outbox_config_set_endpoint(config, rx_url()));
    CHECK_OK(outbox_client_new(config, &client));
    outbox_config_free(config);
    return client;
}

static const char *skip_reason(const jval *v, const char *key) {
    return json_str(json_get(v, "skip"), key);
}

/* The received body of the only request since the last reset (a new buffer). */
static char *only_request_body(size_t *len) {
    jval *reqs = rx_requests();
    unsigned char *body = NULL;
    CHECK_EQ_U64(json_len(reqs), 1);
    if (json_len(reqs) == 1) body = base64_decode(json_str(json_at(reqs, 0), "body_base64"), len);
    json_free(reqs);
    return (char *)body;
}

static void test_wire(const jval *vectors) {
    outbox_client_t *client = new_client(0);
    size_t i, ran = 0;
    h_begin("events.json on the wire");
    for (i = 0; i < json_len(vectors); i++) {
        const jval *v = json_at(vectors, i);
        const char *reason = skip_reason(v, FACE);
        outbox_flush_result_t result = {0, 0, 0};
        char *id = NULL, *body, *sent;
        size_t len = 0;
        h_test = json_str(v, "name");
        if (reason) {
            printf("  skip %s: %s\n", h_test, reason);
            continue;
        }
        rx_reset();
        CHECK_OK(send_call(client, json_get(v, "call"), &id));
        CHECK_OK(outbox_flush(client, WAIT_MS, &result));
        CHECK_EQ_U64(result.delivered, 1);
        body = only_request_body(&len);
        sent = body ? event_of_body(body, len) : NULL;
        CHECK(sent != NULL);
        if (sent) CHECK(check_sent(sent, bytes_for(v), id));
        free(sent);
        free(body);
        outbox_string_free(id);
        ran++;
    }
    printf("  %zu of %zu vectors ran\n", ran, json_len(vectors));
    CHECK(ran >= 40);
    outbox_client_free(client);
}

static void test_captured(const jval *vectors) {
    outbox_client_t *client = new_client(1);
    size_t i;
    h_begin("events.json in test mode");
    for (i = 0; i < json_len(vectors); i++) {
        const jval *v = json_at(vectors, i);
        const char *reason = skip_reason(v, FACE) ? skip_reason(v, FACE) : skip_reason(v, "test_mode");
        outbox_flush_result_t result = {0, 0, 0};
        char *id = NULL, *text = NULL;
        jval *captured;
        h_test = json_str(v, "name");
        if (reason) {
            printf("  skip %s: %s\n", h_test, reason);
            continue;
        }
        CHECK_OK(outbox_clear_captured(client));
        CHECK_OK(send_call(client, json_get(v, "call"), &id));
        CHECK_OK(outbox_flush(client, WAIT_MS, &result));
        CHECK_OK(outbox_captured(client, &text));
        captured = json_parse(text);
        CHECK_EQ_U64(json_len(captured), 1);
        /* Values: a known byte difference does not show here. */
        if (json_len(captured) == 1) CHECK(check_captured((jval *)json_at(captured, 0), json_str(v, "expected"), id));
        json_free(captured);
        outbox_string_free(text);
        outbox_string_free(id);
    }
    outbox_client_free(client);
}

/* The short functions send object text as given: the known differences
 * listed in the file (key order, integers beyond 64 bits) are
 * outbox_capture's alone. */
static void test_short_functions_send_text_as_given(void) {
    const char *properties = "{\"zeta\":1,\"alpha\":{\"y\":1,\"x\":2},\"n\":123456789012345678901234567890}";
    outbox_client_t *client = new_client(0);
    outbox_flush_result_t result = {0, 0, 0};
    char *body, *sent, *want;
    size_t len = 0;
    h_begin("outbox_track sends properties text as given");
    rx_reset();
    CHECK_OK(outbox_track(client, "user-1", "Ordered", properties, NULL));
    CHECK_OK(outbox_flush(client, WAIT_MS, &result));
    body = only_request_body(&len);
    sent = body ? event_of_body(body, len) : NULL;
    want = replace_all("\"properties\":P,", "P", properties);
    CHECK(sent && strstr(sent, want));
    free(want);
    free(sent);
    free(body);
    outbox_client_free(client);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "tests/vectors/events.json";
    char *text = read_file(path);
    jval *file = json_parse(text);
    const jval *vectors = json_get(file, "vectors");
    if (!vectors || json_len(vectors) == 0) {
        fprintf(stderr, "cannot read the vectors of %s\n", path);
        return 2;
    }
    snprintf(library, sizeof library, "{\"name\":\"outbox-c\",\"version\":\"%s\"}", outbox_version());
    test_wire(vectors);
    test_captured(vectors);
    test_short_functions_send_text_as_given();
    json_free(file);
    free(text);
    return h_finish("test_vectors");
}
