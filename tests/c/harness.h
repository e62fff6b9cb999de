/*
 * Test support shared by the C and C++ tests: checks that count failures,
 * and a tiny HTTP client for the test receiver's /_control/ API.
 *
 * The receiver is started by tests/c/with-receiver.sh, which passes its
 * base URL in OUTBOX_TEST_URL and kills it when the test ends.
 */
#ifndef OUTBOX_TEST_HARNESS_H
#define OUTBOX_TEST_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "outbox.h"

static int h_checks = 0;
static int h_failures = 0;
static const char *h_test = "";

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        h_checks++;                                                                              \
        if (!(cond)) {                                                                           \
            h_failures++;                                                                        \
            fprintf(stderr, "FAIL [%s] %s:%d: %s\n", h_test, __FILE__, __LINE__, #cond);         \
        }                                                                                        \
    } while (0)

/* Checks a status, printing the last error when it is not the one expected. */
#define CHECK_STATUS(call, expected)                                                             \
    do {                                                                                         \
        outbox_status_t check_status_got_ = (call);                                              \
        h_checks++;                                                                              \
        if (check_status_got_ != (expected)) {                                                   \
            h_failures++;                                                                        \
            fprintf(stderr, "FAIL [%s] %s:%d: %s gave %s, expected %s (last error: %s)\n",       \
                    h_test, __FILE__, __LINE__, #call, outbox_status_name((int)check_status_got_),\
                    #expected, outbox_last_error());                                             \
        }                                                                                        \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, OUTBOX_OK)

/* A function, not a block: the strings (C++ temporaries' c_str() among
 * them) must live until the comparison, which ends the full expression. */
#define CHECK_STR(got, want) h_check_str((got), (want), #got, __FILE__, __LINE__)

static inline void h_check_str(const char *got, const char *want, const char *expr, const char *file, int line) {
    h_checks++;
    if (!got || !want || strcmp(got, want) != 0) {
        h_failures++;
        fprintf(stderr, "FAIL [%s] %s:%d: %s is \"%s\", expected \"%s\"\n", h_test, file, line, expr,
                got ? got : "(null)", want ? want : "(null)");
    }
}

#define CHECK_EQ_U64(got, want)                                                                  \
    do {                                                                                         \
        unsigned long long check_g_ = (unsigned long long)(got), check_w_ = (unsigned long long)(want); \
        h_checks++;                                                                              \
        if (check_g_ != check_w_) {                                                              \
            h_failures++;                                                                        \
            fprintf(stderr, "FAIL [%s] %s:%d: %s is %llu, expected %llu\n", h_test, __FILE__,    \
                    __LINE__, #got, check_g_, check_w_);                                         \
        }                                                                                        \
    } while (0)

static inline void h_begin(const char *name) {
    h_test = name;
    printf("test %s\n", name);
    fflush(stdout);
}

/* Prints the closing line and gives the exit code. */
static inline int h_finish(const char *suite) {
    printf("%s: %d checks\n", suite, h_checks);
    printf("%d passed, %d failed\n", h_checks - h_failures, h_failures);
    return h_failures ? 1 : 0;
}

static inline void h_sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static inline long long h_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the receiver ---------------------------------------------------- */

static char h_url[256];
static int h_port;

/* Reads OUTBOX_TEST_URL (http://127.0.0.1:PORT). Exits when it is missing. */
static inline const char *rx_url(void) {
    if (!h_url[0]) {
        const char *url = getenv("OUTBOX_TEST_URL");
        const char *colon;
        if (!url || strncmp(url, "http://127.0.0.1:", 17) != 0 || strlen(url) >= sizeof h_url) {
            fprintf(stderr, "OUTBOX_TEST_URL must be http://127.0.0.1:PORT (run through tests/c/with-receiver.sh)\n");
            exit(2);
        }
        strcpy(h_url, url);
        colon = strrchr(h_url, ':');
        h_port = atoi(colon + 1);
    }
    return h_url;
}

/* One HTTP/1.1 request with Connection: close. Returns the body (malloc'd,
 * NUL-terminated; free it) and sets *status; NULL on a transport error. */
static inline char *rx_request(const char *method, const char *path, const char *body, int *status) {
    struct sockaddr_in addr;
    char head[512];
    size_t body_len = body ? strlen(body) : 0, cap = 4096, len = 0;
    char *buf, *start;
    int fd, n;
    rx_url();
    *status = 0;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return NULL;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)h_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { close(fd); return NULL; }
    n = snprintf(head, sizeof head,
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n", method, path, body_len);
    if (write(fd, head, (size_t)n) != n || (body_len && write(fd, body, body_len) != (ssize_t)body_len)) {
        close(fd);
        return NULL;
    }
    buf = (char *)malloc(cap);
    for (;;) {
        ssize_t got;
        if (len + 1 == cap) {
            char *bigger = (char *)realloc(buf, cap * 2);
            if (!bigger) { free(buf); close(fd); return NULL; }
            buf = bigger;
            cap *= 2;
        }
        got = read(fd, buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    if (sscanf(buf, "HTTP/1.1 %d", status) != 1) { free(buf); return NULL; }
    start = strstr(buf, "\r\n\r\n");
    if (!start) { free(buf); return NULL; }
    start += 4;
    memmove(buf, start, strlen(start) + 1);
    return buf;
}

/* GET or POST to the control API; the parsed JSON answer (json_free it). */
static inline jval *rx_call(const char *method, const char *path, const char *body) {
    int status;
    char *text = rx_request(method, path, body, &status);
    jval *v;
    if (!text || status != 200) {
        fprintf(stderr, "receiver: %s %s failed (status %d): %s\n", method, path, status, text ? text : "");
        free(text);
        return NULL;
    }
    v = json_parse(text);
    free(text);
    return v;
}

static inline void rx_reset(void) {
    jval *v = rx_call("POST", "/_control/reset", "");
    CHECK(v != NULL);
    json_free(v);
}

static inline void rx_faults(const char *rules) {
    jval *v = rx_call("POST", "/_control/faults", rules);
    CHECK(v != NULL);
    json_free(v);
}

typedef struct {
    unsigned long long requests, events, unique_events, duplicate_events, bad_requests;
} rx_stats_t;

static inline rx_stats_t rx_stats_of(const jval *s) {
    rx_stats_t r;
    r.requests = json_uint(json_get(s, "requests"));
    r.events = json_uint(json_get(s, "events"));
    r.unique_events = json_uint(json_get(s, "unique_events"));
    r.duplicate_events = json_uint(json_get(s, "duplicate_events"));
    r.bad_requests = json_uint(json_get(s, "bad_requests"));
    return r;
}

static inline rx_stats_t rx_stats(void) {
    jval *v = rx_call("GET", "/_control/stats", NULL);
    rx_stats_t r = rx_stats_of(v);
    json_free(v);
    return r;
}

/* Waits until the receiver has stored `unique` distinct events (or the timeout). */
static inline rx_stats_t rx_wait(unsigned long long unique, long timeout_ms) {
    char path[128];
    jval *v;
    rx_stats_t r;
    snprintf(path, sizeof path, "/_control/wait?unique=%llu&timeout_ms=%ld", unique, timeout_ms);
    v = rx_call("GET", path, NULL);
    r = rx_stats_of(json_get(v, "stats"));
    json_free(v);
    return r;
}

/* Every request the receiver recorded, as a JSON array (json_free it). */
static inline jval *rx_requests(void) {
    return rx_call("GET", "/_control/requests", NULL);
}

/* Every stored event, parsed out of the recorded ingest bodies: a new JSON
 * array document is not built; instead `fn` is called per event. */
typedef void (*rx_event_fn)(const jval *event, void *data);

static inline void rx_each_event(rx_event_fn fn, void *data) {
    jval *reqs = rx_requests();
    size_t i, j;
    for (i = 0; i < json_len(reqs); i++) {
        const jval *r = json_at(reqs, i);
        const char *body = json_str(r, "body");
        jval *doc;
        if (json_uint(json_get(r, "status")) != 200 || !body) continue;
        doc = json_parse(body);
        for (j = 0; j < json_len(json_get(doc, "batch")); j++) fn(json_at(json_get(doc, "batch"), j), data);
        json_free(doc);
    }
    json_free(reqs);
}

#endif
