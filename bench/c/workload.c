/* One run of the cross-language workload from C (started by bench/compare.py).
 *
 *     workload --url URL --n N --mode loop|outage|exit
 *
 * Creates an Outbox client pointed at the receiver (defaults otherwise),
 * prints READY, makes N outbox_track calls of the same event in a tight
 * loop, then:
 *
 * - loop, outage: outbox_flush, then waits (at most 2 s more) for the
 *   receiver to count N events, and prints one JSON line;
 * - exit: prints the JSON line and returns from main without flushing or
 *   freeing the client (liboutbox's atexit hook delivers what it can within
 *   the shutdown timeout).
 *
 * Built by mk/bench.mk against the release liboutbox.so.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <outbox.h>

/* The same properties in every language (bench/python/workload.py). */
static const char PROPS[] =
    "{\"order_id\":\"ord-7f3a\",\"plan\":\"pro\",\"seats\":12,\"amount\":129.99,"
    "\"currency\":\"EUR\",\"coupon\":null,\"items\":[{\"sku\":\"sku-1\",\"qty\":2}]}";

static double now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long rss_kb(void) {
    char line[256];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1) break;
    fclose(f);
    return kb;
}

/* GET path on the receiver (http://127.0.0.1:PORT); 1 if the answer says "ok":true. */
static int receiver_ok(const char *url, const char *path) {
    int port = 0, fd, ok = 0;
    char req[512], resp[4096];
    size_t got = 0;
    ssize_t r;
    struct sockaddr_in addr;
    const char *colon = strrchr(url, ':');
    if (!colon || sscanf(colon + 1, "%d", &port) != 1) return 0;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
        int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
        if (write(fd, req, (size_t)len) == len) {
            while (got < sizeof resp - 1 && (r = read(fd, resp + got, sizeof resp - 1 - got)) > 0) got += (size_t)r;
            resp[got] = '\0';
            ok = strstr(resp, "\"ok\":true") != NULL;
        }
    }
    close(fd);
    return ok;
}

int main(int argc, char **argv) {
    const char *url = NULL, *mode = "loop";
    long n = 100000;
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    outbox_flush_result_t result = {0, 0, 0};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url")) url = argv[i + 1];
        else if (!strcmp(argv[i], "--n")) n = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
        /* --lib and --queue are accepted and ignored (always Outbox, defaults). */
    }
    if (!url || n <= 0) {
        fprintf(stderr, "usage: workload --url URL --n N --mode loop|outage|exit\n");
        return 2;
    }
    if (outbox_config_new(&config) != OUTBOX_OK || outbox_config_set_endpoint(config, url) != OUTBOX_OK ||
        outbox_config_set_api_key(config, "bench-key") != OUTBOX_OK || outbox_client_new(config, &client) != OUTBOX_OK) {
        fprintf(stderr, "outbox: %s\n", outbox_last_error());
        return 1;
    }
    outbox_config_free(config);
    long rss_before = rss_kb();
    printf("READY\n");
    fflush(stdout);

    double cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID), t0 = now_ns(CLOCK_MONOTONIC);
    for (long i = 0; i < n; i++) {
        if (outbox_track(client, "user-1234567", "Order Completed", PROPS, NULL) != OUTBOX_OK) {
            fprintf(stderr, "outbox_track: %s\n", outbox_last_error());
            return 1;
        }
    }
    double t1 = now_ns(CLOCK_MONOTONIC), cpu1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    printf("{\"version\":\"%s\",\"enqueue_wall_ns\":%.1f,\"enqueue_cpu_ns\":%.1f,\"rss_before_kb\":%ld,"
           "\"rss_after_loop_kb\":%ld",
           outbox_version(), (t1 - t0) / (double)n, (cpu1 - cpu0) / (double)n, rss_before, rss_kb());
    if (!strcmp(mode, "exit")) {
        printf("}\n");
        fflush(stdout);
        return 0; /* no flush, no free: the atexit hook decides */
    }
    if (outbox_flush(client, 300000, &result) != OUTBOX_OK) fprintf(stderr, "outbox_flush: %s\n", outbox_last_error());
    double t2 = now_ns(CLOCK_MONOTONIC);
    char path[128];
    snprintf(path, sizeof path, "/_control/wait?unique=%ld&timeout_ms=2000", n);
    int reached = receiver_ok(url, path);
    double t3 = now_ns(CLOCK_MONOTONIC);
    printf(",\"flush_s\":%.6f,", (t2 - t0) / 1e9);
    if (reached) printf("\"total_s\":%.6f}\n", (t3 - t0) / 1e9);
    else printf("\"total_s\":null}\n");
    fflush(stdout);
    outbox_client_free(client);
    return 0;
}
