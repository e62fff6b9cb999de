// The C++ wrapper test (include/outbox.hpp) against the real test receiver:
// RAII and moves, the options builder, exceptions with status and message,
// the std::function error callback, webhooks, signing helpers, and 8
// threads tracking at once with every event arriving exactly once.
// Built against liboutbox.so and liboutbox.a by `make test-c`.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>

#include "harness.h"
#include "outbox.hpp"

using namespace std::chrono_literals;

static_assert(!std::is_copy_constructible_v<outbox::Client>, "Client is move-only");
static_assert(!std::is_copy_assignable_v<outbox::Client>, "Client is move-only");
static_assert(std::is_nothrow_move_constructible_v<outbox::Client>, "Client moves");
static_assert(std::is_nothrow_move_assignable_v<outbox::Client>, "Client moves");
static_assert(!std::is_copy_constructible_v<outbox::WebhookSender>, "WebhookSender is move-only");
static_assert(std::is_nothrow_move_constructible_v<outbox::WebhookSender>, "WebhookSender moves");

static const char *SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// Runs `f`, which must throw outbox::Error with `status`; returns the error.
template <typename F>
static outbox::Error expect_error(F f, outbox_status_t status) {
    try {
        f();
    } catch (const outbox::Error &e) {
        CHECK_STATUS(e.status(), status);
        return e;
    }
    CHECK(!"an outbox::Error was thrown");
    return outbox::Error(OUTBOX_OK, "", "");
}

static outbox::Options receiver_options() {
    outbox::Options o(rx_url());
    o.flush_interval(20ms).retry_backoff(10ms, 100ms);
    return o;
}

static void test_capture_calls() {
    h_begin("c++ capture calls");
    rx_reset();
    outbox::Client client(receiver_options().api_key("k-1").header("X-Team", "growth").flush_interval(60s));
    std::vector<std::string> ids;
    ids.push_back(client.track("user-1", "Order Completed", R"({"total": 99.5})"));
    ids.push_back(client.identify("user-1", R"({"plan": "pro"})"));
    ids.push_back(client.group("user-1", "acme"));
    ids.push_back(client.alias("anon-1", "user-1"));
    ids.push_back(client.page("user-1", "Pricing"));
    ids.push_back(client.screen("user-1"));
    ids.push_back(client.capture(R"({"type": "track", "anonymousId": "a-1", "event": "Viewed", "messageId": "cpp-1"})"));
    CHECK_STR(ids.back().c_str(), "cpp-1");
    for (const auto &id : client.batch(R"([{"type": "track", "userId": "u", "event": "A"}, {"type": "identify", "userId": "u"}])"))
        ids.push_back(id);
    CHECK_EQ_U64(ids.size(), 9);
    CHECK(client.batch("[]").empty());

    outbox::FlushResult r = client.flush(10s);
    CHECK_EQ_U64(r.delivered, 9);
    CHECK(r.complete());
    outbox::Stats s = client.stats();
    CHECK_EQ_U64(s.enqueued, 9);
    CHECK_EQ_U64(s.delivered, 9);

    jval *got = rx_call("GET", "/_control/ids", nullptr);
    std::multiset<std::string> received;
    for (size_t i = 0; i < json_len(got); i++) received.insert(json_at(got, i)->text);
    json_free(got);
    CHECK(received == std::multiset<std::string>(ids.begin(), ids.end()));

    jval *reqs = rx_requests();
    const jval *h = json_get(json_at(reqs, 0), "headers");
    CHECK_STR(json_str(h, "authorization"), "Bearer k-1");
    CHECK_STR(json_str(h, "x-team"), "growth");
    jval *body = json_parse(json_str(json_at(reqs, 0), "body"));
    const jval *lib = json_get(json_get(json_at(json_get(body, "batch"), 0), "context"), "library");
    CHECK_STR(json_str(lib, "name"), "outbox-cpp");
    CHECK_STR(json_str(lib, "version"), outbox::version().c_str());
    json_free(body);
    json_free(reqs);

    // deliver, outside the queue.
    outbox::DeliverResult d = client.deliver(R"({"type": "track", "userId": "u", "event": "Paid"})", 10s);
    CHECK(d.delivered);
    CHECK_EQ_U64(d.http_status, 200);
    CHECK(d.error.empty());
    rx_faults(R"([{"kind": "status", "status": 403}])");
    d = client.deliver(R"({"type": "track", "userId": "u", "event": "Refused"})", 10s);
    CHECK(!d.delivered);
    CHECK_EQ_U64(d.http_status, 403);
    CHECK(!d.error.empty());

    r = client.shutdown(5s);
    CHECK(r.complete());
    expect_error([&] { client.track("u", "late"); }, OUTBOX_ERR_CLOSED);
}

static void test_errors() {
    h_begin("c++ exceptions");
    outbox::Client client(outbox::Options().test_mode(true).max_event_bytes(2000).max_batch_bytes(10000));
    outbox::Error e = expect_error([&] { client.track("user-1", ""); }, OUTBOX_ERR_INVALID_EVENT);
    CHECK(std::string(e.what()).find("event name") != std::string::npos);
    CHECK_STR(e.code().c_str(), "invalid_event");
    e = expect_error([&] { client.track("user-1", "e", "{"); }, OUTBOX_ERR_JSON);
    CHECK_STR(e.code().c_str(), "invalid_json");
    expect_error([&] { client.identify("user-1", "[1]"); }, OUTBOX_ERR_INVALID_EVENT);
    expect_error([&] { client.track("user-1", "e", R"({"x": ")" + std::string(3000, 'x') + "\"}"); }, OUTBOX_ERR_TOO_LARGE);
    expect_error([&] { client.track("user-\xff", "e"); }, OUTBOX_ERR_UTF8);
    e = expect_error([&] { client.track(std::string_view("a\0b", 3), "e"); }, OUTBOX_ERR_INVALID_ARGUMENT);
    CHECK(std::string(e.what()).find("user_id contains a NUL byte") != std::string::npos);
    expect_error([&] { client.batch(R"([{"type": "track"}])"); }, OUTBOX_ERR_INVALID_EVENT);
    expect_error([] { outbox::Options().flush_at(0); }, OUTBOX_ERR_INVALID_OPTION);
    expect_error([] { outbox::Client c(outbox::Options("ftp://nope")); }, OUTBOX_ERR_INVALID_OPTION);
    expect_error([] { outbox::Options().header("bad name", "v"); }, OUTBOX_ERR_INVALID_OPTION);
    expect_error([] { outbox::Client c{outbox::Options()}; }, OUTBOX_ERR_INVALID_OPTION);
    expect_error([] { outbox::Options().spool_sync(static_cast<outbox::SpoolSync>(7)); }, OUTBOX_ERR_INVALID_OPTION);
    CHECK_EQ_U64(client.spool_recovery().events, 0);

    // Test mode reads back what was "sent".
    std::string id = client.identify("user-9", R"({"a": 1})");
    client.flush(5s);
    jval *captured = json_parse(client.captured().c_str());
    CHECK_EQ_U64(json_len(captured), 1);
    CHECK_STR(json_str(json_at(captured, 0), "messageId"), id.c_str());
    json_free(captured);
    client.clear_captured();
    CHECK_STR(client.captured().c_str(), "[]");

    // Moves: the moved-to client works, the moved-from one refuses politely.
    outbox::Client moved(std::move(client));
    CHECK(!moved.track("user-1", "after move").empty());
    expect_error([&] { client.track("user-1", "moved from"); }, OUTBOX_ERR_NULL);
    outbox::Client other(outbox::Options().test_mode(true));
    other = std::move(moved);
    CHECK(!other.track("user-1", "after assignment").empty());
    CHECK(moved.native() == nullptr);
}

static void test_callback() {
    h_begin("c++ error callback");
    rx_reset();
    std::mutex lock;
    std::vector<outbox::DeliveryError> seen;
    std::atomic<int> calls{0};
    std::thread::id main_thread = std::this_thread::get_id();
    std::thread::id callback_thread;
    {
        outbox::Client client(receiver_options().flush_interval(60s).on_error([&](const outbox::DeliveryError &e) {
            std::lock_guard<std::mutex> g(lock);
            seen.push_back(e);
            callback_thread = std::this_thread::get_id();
            if (++calls == 1) throw std::runtime_error("a throwing callback must not stop delivery");
        }));
        // 403 refuses the batch whole (a 400 would split it to find the bad event).
        rx_faults(R"([{"kind": "status", "status": 403}])");
        std::string a = client.track("user-1", "Rejected A");
        std::string b = client.track("user-1", "Rejected B");
        outbox::FlushResult r = client.flush(10s);
        CHECK_EQ_U64(r.failed, 2);
        for (int i = 0; i < 1000 && calls.load() < 1; i++) std::this_thread::sleep_for(5ms);
        CHECK_EQ_U64(calls.load(), 1);
        {
            std::lock_guard<std::mutex> g(lock);
            CHECK_STR(seen.at(0).reason.c_str(), "rejected");
            CHECK_EQ_U64(seen.at(0).status, 403);
            CHECK_EQ_U64(seen.at(0).count, 2);
            CHECK(std::set<std::string>(seen.at(0).message_ids.begin(), seen.at(0).message_ids.end()) == std::set<std::string>({a, b}));
            CHECK(!seen.at(0).endpoint.has_value());
            CHECK(callback_thread != main_thread);
        }
        // The exception thrown by the callback changed nothing.
        client.track("user-1", "Accepted");
        CHECK_EQ_U64(client.flush(10s).delivered, 1);
        CHECK_EQ_U64(client.stats().dropped_rejected, 2);
    }
    CHECK_EQ_U64(rx_stats().unique_events, 1);
}

// 8 threads track at once; every event arrives exactly once.
static void test_threads() {
    h_begin("c++ 8 threads");
    rx_reset();
    const int threads = 8, per_thread = 1000;
    std::vector<std::vector<std::string>> ids(threads);
    {
        outbox::Client client(receiver_options().flush_at(200));
        std::vector<std::thread> pool;
        std::atomic<int> failures{0};
        for (int t = 0; t < threads; t++) {
            pool.emplace_back([&, t] {
                try {
                    std::string user = "user-" + std::to_string(t);
                    for (int i = 0; i < per_thread; i++)
                        ids[t].push_back(client.track(user, "Threaded", "{\"i\": " + std::to_string(i) + "}"));
                } catch (...) {
                    failures++;
                }
            });
        }
        for (auto &th : pool) th.join();
        CHECK_EQ_U64(failures.load(), 0);
        outbox::FlushResult r = client.flush(30s);
        CHECK(r.complete());
        outbox::Stats s = client.stats();
        CHECK_EQ_U64(s.enqueued, threads * per_thread);
        CHECK_EQ_U64(s.delivered, threads * per_thread);
        CHECK_EQ_U64(s.dropped, 0);
    }
    rx_stats_t rs = rx_stats();
    CHECK_EQ_U64(rs.events, threads * per_thread);
    CHECK_EQ_U64(rs.unique_events, threads * per_thread);
    CHECK_EQ_U64(rs.duplicate_events, 0);
    std::vector<std::string> sent, received;
    for (auto &v : ids) sent.insert(sent.end(), v.begin(), v.end());
    jval *got = rx_call("GET", "/_control/ids", nullptr);
    for (size_t i = 0; i < json_len(got); i++) received.emplace_back(json_at(got, i)->text);
    json_free(got);
    std::sort(sent.begin(), sent.end());
    std::sort(received.begin(), received.end());
    CHECK(std::adjacent_find(sent.begin(), sent.end()) == sent.end());
    CHECK(sent == received);
    rx_reset();
}

// A spool in a fresh directory: delivery as usual, and a second client on
// the same directory after a clean shutdown has nothing to recover.
static void test_spool() {
    h_begin("c++ spool");
    rx_reset();
    char dir[] = "/tmp/outbox-cpp-spool-XXXXXX";
    CHECK(mkdtemp(dir) != nullptr);
    {
        outbox::Client client(receiver_options().spool_dir(dir).spool_sync(outbox::SpoolSync::Event));
        for (int i = 0; i < 10; i++) client.track("user-1", "Spooled");
        CHECK(client.flush(10s).complete());
        CHECK_EQ_U64(client.stats().delivered, 10);
    }
    {
        outbox::Client again(receiver_options().spool_dir(dir));
        CHECK_EQ_U64(again.spool_recovery().events, 0);
    }
    CHECK_EQ_U64(rx_stats().unique_events, 10);
    CHECK(system((std::string("rm -rf '") + dir + "'").c_str()) == 0);
    rx_reset();
}

static void test_webhooks_and_signing() {
    h_begin("c++ webhooks and signing");
    rx_reset();
    std::string url = std::string(rx_url()) + "/hooks/cpp";
    std::string sent_id;
    {
        outbox::WebhookOptions wo;
        wo.endpoint(url, {SECRET}).endpoint_header(wo.index(), "X-Tenant", "t-9").endpoint_timeout(wo.index(), 2s).retry_backoff(10ms, 100ms);
        outbox::WebhookSender sender(wo);
        sent_id = sender.send("order.shipped", R"({"order": 17})");
        CHECK(sender.flush(10s).complete());
        CHECK_EQ_U64(sender.stats().delivered, 1);
        expect_error([&] { sender.send("", "{}"); }, OUTBOX_ERR_INVALID_EVENT);
        expect_error([&] { sender.send_raw("{nope"); }, OUTBOX_ERR_JSON);
        outbox::WebhookSender moved(std::move(sender));
        CHECK(moved.shutdown(1s).complete());
    }
    jval *reqs = rx_requests();
    const jval *r = json_at(reqs, 0);
    std::vector<outbox::Header> headers;
    const jval *h = json_get(r, "headers");
    for (size_t i = 0; i < json_len(h); i++) headers.push_back({h->keys[i], h->items[i].text});
    CHECK_STR(json_str(h, "webhook-id"), sent_id.c_str());
    CHECK_STR(json_str(h, "x-tenant"), "t-9");
    size_t body_len = 0;
    unsigned char *body = base64_decode(json_str(r, "body_base64"), &body_len);
    std::string body_text(reinterpret_cast<char *>(body), body_len);
    free(body);
    outbox::verify(outbox::Scheme::StandardWebhooks, body_text, headers, {SECRET});
    outbox::Error e = expect_error([&] { outbox::verify(outbox::Scheme::StandardWebhooks, body_text + " ", headers, {SECRET}); },
                                   OUTBOX_ERR_VERIFY);
    CHECK_STR(e.code().c_str(), "no_matching_signature");
    json_free(reqs);

    // The first published Standard Webhooks vector, through the wrapper.
    auto signed_headers = outbox::sign(outbox::Scheme::StandardWebhooks, {SECRET}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                       R"({"test": 2432232314})");
    CHECK_EQ_U64(signed_headers.size(), 3);
    CHECK_STR(signed_headers.at(2).value.c_str(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    outbox::verify(outbox::Scheme::StandardWebhooks, R"({"test": 2432232314})", signed_headers, {SECRET}, 300s, 1614265330);
    e = expect_error([&] { outbox::verify(outbox::Scheme::StandardWebhooks, R"({"test": 2432232314})", signed_headers, {SECRET}, 300s,
                                          1614265330 + 301); },
                     OUTBOX_ERR_VERIFY);
    CHECK_STR(e.code().c_str(), "timestamp_too_old");
    // Bodies are bytes: a NUL inside is fine.
    std::string binary("a\0b", 3);
    auto sha = outbox::sign(outbox::Scheme::HmacSha256, {"k"}, "", 0, binary, "X-Sig");
    CHECK_STR(sha.at(0).name.c_str(), "X-Sig");
    outbox::verify(outbox::Scheme::HmacSha256, binary, sha, {"k"}, 300s, std::nullopt, "X-Sig");

    std::string hash = outbox::user_hash("secret", "user-1");
    CHECK_EQ_U64(hash.size(), 64);
    CHECK(outbox::verify_user_hash("secret", "user-1", hash));
    CHECK(!outbox::verify_user_hash("secret", "user-2", hash));
    /* Notifizz's user token: sha256("user_123" + "secret"), from tests/vectors/signatures.json. */
    std::string plain = outbox::user_hash("secret", "user_123", outbox::UserHashAlgorithm::Sha256);
    CHECK_STR(plain.c_str(), "7a7595e8c03284d08a7bff8ba14f2831d83e1a40f9ab308510ef0bda6af946e1");
    CHECK(outbox::verify_user_hash("secret", "user_123", plain, outbox::UserHashAlgorithm::Sha256));
    CHECK(!outbox::verify_user_hash("secret", "user_123", plain));
    CHECK(outbox::parse_scheme("sha256") == outbox::Scheme::HmacSha256);
    expect_error([] { outbox::parse_scheme("rot13"); }, OUTBOX_ERR_INVALID_ARGUMENT);
    rx_reset();
}

int main() {
    rx_url();
    test_capture_calls();
    test_errors();
    test_callback();
    test_threads();
    test_spool();
    test_webhooks_and_signing();
    return h_finish("test_cpp");
}
