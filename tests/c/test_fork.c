/*
 * fork() after creating a client: the parent and the child both deliver,
 * each its own events, exactly once. Two children: one leaves its events to
 * the exit hook, the other flushes and frees its client explicitly.
 *
 * Run under valgrind by `make test-c` with tests/c/valgrind-fork.supp,
 * which covers only what fork() leaves behind in a child (see there).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/wait.h>

#include "harness.h"

#define WAIT_MS 10000

typedef struct {
    int parent, child_exit, child_free, before, other;
} fork_counts;

static void count_event(const jval *event, void *data) {
    fork_counts *c = (fork_counts *)data;
    const char *name = json_str(event, "event");
    if (!name) c->other++;
    else if (!strcmp(name, "from parent")) c->parent++;
    else if (!strcmp(name, "from child (exit hook)")) c->child_exit++;
    else if (!strcmp(name, "from child (free)")) c->child_free++;
    else if (!strcmp(name, "before fork")) c->before++;
    else c->other++;
}

/* The body of a child: an empty queue of its own, then 20 events. */
static void child(outbox_client_t *client, int use_exit_hook) {
    int ok = 1, i;
    outbox_stats_t s;
    ok &= outbox_stats(client, &s) == OUTBOX_OK && s.enqueued == 0;
    for (i = 0; i < 20; i++)
        ok &= outbox_track(client, "user-2", use_exit_hook ? "from child (exit hook)" : "from child (free)", NULL, NULL) == OUTBOX_OK;
    if (use_exit_hook) exit(ok ? 0 : 3); /* the atexit hook delivers */
    {
        outbox_flush_result_t r;
        ok &= outbox_flush(client, WAIT_MS, &r) == OUTBOX_OK && r.delivered == 20 && r.pending == 0;
        outbox_client_free(client);
        exit(ok ? 0 : 3);
    }
}

int main(void) {
    outbox_config_t *config = NULL;
    outbox_client_t *client = NULL;
    outbox_flush_result_t result;
    fork_counts counts = {0, 0, 0, 0, 0};
    rx_stats_t rs;
    pid_t pids[2];
    int i, k;
    h_begin("fork: parent and children deliver");
    rx_reset();
    CHECK_OK(outbox_config_new(&config));
    CHECK_OK(outbox_config_set_endpoint(config, rx_url()));
    /* Nothing leaves before a flush, so events are still queued at the fork. */
    CHECK_OK(outbox_config_set_flush_at(config, 1000));
    CHECK_OK(outbox_config_set_flush_interval_ms(config, 60000));
    CHECK_OK(outbox_client_new(config, &client));
    outbox_config_free(config);
    for (i = 0; i < 5; i++) CHECK_OK(outbox_track(client, "user-1", "before fork", NULL, NULL));

    for (k = 0; k < 2; k++) {
        fflush(stdout);
        fflush(stderr);
        pids[k] = fork();
        CHECK(pids[k] >= 0);
        if (pids[k] == 0) child(client, k == 0);
        /* The parent keeps tracking between and after the forks. */
        for (i = 0; i < 10; i++) CHECK_OK(outbox_track(client, "user-1", "from parent", NULL, NULL));
    }
    for (k = 0; k < 2; k++) {
        int status = -1;
        CHECK(waitpid(pids[k], &status, 0) == pids[k]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_OK(outbox_flush(client, WAIT_MS, &result));
    CHECK_EQ_U64(result.delivered, 25);
    CHECK_EQ_U64(result.pending, 0);

    rs = rx_wait(65, WAIT_MS);
    CHECK_EQ_U64(rs.unique_events, 65);
    CHECK_EQ_U64(rs.duplicate_events, 0);
    rx_each_event(count_event, &counts);
    CHECK_EQ_U64(counts.before, 5);
    CHECK_EQ_U64(counts.parent, 20);
    CHECK_EQ_U64(counts.child_exit, 20);
    CHECK_EQ_U64(counts.child_free, 20);
    CHECK_EQ_U64(counts.other, 0);
    outbox_client_free(client);
    return h_finish("test_fork");
}
