// outbox.hpp - a header-only C++17 wrapper over outbox.h (liboutbox).
//
// RAII handles (move-only `Client` and `WebhookSender`), builders for their
// options, `std::string_view` arguments, exceptions that carry the status
// and message, and a `std::function` error callback.
//
//     outbox::Client client(outbox::Options("https://collector.example.com").api_key("key"));
//     std::string id = client.track("user-42", "Order Completed", R"({"total": 99.5})");
//     outbox::FlushResult r = client.flush(std::chrono::seconds(5));
//
// Errors: every failure throws `outbox::Error` (a `std::runtime_error`) with
// `status()` (an `outbox_status_t`), `code()` (a stable snake_case code) and
// `what()` (the message). Delivery failures never throw: they are reported
// to the error callback and counted in `stats()`.
//
// Strings: arguments are `std::string_view`, copied for the call, so they
// need not be NUL-terminated. A view holding a NUL byte is refused
// (`OUTBOX_ERR_INVALID_ARGUMENT`), except for bodies (`sign`, `verify`),
// which are bytes. Optional arguments (properties, traits, names) are
// omitted when the view is empty.
//
// Threads: a `Client` / `WebhookSender` may be used from many threads at
// once; `Options` and `WebhookOptions` are single-threaded builders. The
// error callback runs on Outbox's threads (see outbox_on_error_fn in
// outbox.h); an exception it throws is caught and discarded, so it never
// unwinds into liboutbox. It may call `flush`, `shutdown` and `deliver` on
// its own client, but must not destroy (or move-assign over) that client:
// the callback is a `std::function` the client owns, still running. The
// exit hook (a client never destroyed) calls no callback.
#ifndef OUTBOX_HPP
#define OUTBOX_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbox.h"

namespace outbox {

/// A failed call: its status, stable code and message.
class Error : public std::runtime_error {
public:
    Error(outbox_status_t status, const std::string &message, std::string code)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}

    /// The `outbox_status_t` the C call returned.
    outbox_status_t status() const noexcept { return status_; }
    /// A stable snake_case code (`"invalid_event"`, `"no_matching_signature"`, ...).
    const std::string &code() const noexcept { return code_; }

private:
    outbox_status_t status_;
    std::string code_;
};

using Stats = outbox_stats_t;

/// The outcome of `flush` / `shutdown` for the events queued before the call.
struct FlushResult {
    std::uint64_t delivered = 0;
    std::uint64_t failed = 0;
    std::uint64_t pending = 0;
    /// True when nothing queued before the call is still pending.
    bool complete() const noexcept { return pending == 0; }
};

/// The outcome of `Client::deliver`.
struct DeliverResult {
    bool delivered = false;
    /// The last HTTP status received, or 0.
    std::uint16_t http_status = 0;
    std::uint32_t attempts = 0;
    /// Why it was not delivered (empty when it was).
    std::string error;
};

/// Events that will never be delivered, as the error callback receives them.
struct DeliveryError {
    /// `"queue_full"`, `"rejected"`, `"too_large"`, `"retries_exhausted"`,
    /// `"shutdown"` or `"endpoint_gone"`.
    std::string reason;
    /// The HTTP status that caused it, or 0.
    std::uint16_t status = 0;
    /// Exactly how many events were lost (may exceed `message_ids.size()`).
    std::uint64_t count = 0;
    std::vector<std::string> message_ids;
    std::string message;
    /// For webhook senders, the endpoint URL concerned.
    std::optional<std::string> endpoint;
};

using ErrorCallback = std::function<void(const DeliveryError &)>;

enum class Scheme : outbox_scheme_t {
    StandardWebhooks = OUTBOX_SCHEME_STANDARD_WEBHOOKS,
    HmacSha256 = OUTBOX_SCHEME_HMAC_SHA256,
};

/// How a user hash is computed (`user_hash`).
enum class UserHashAlgorithm : outbox_user_hash_algorithm_t {
    HmacSha256 = OUTBOX_USER_HASH_HMAC_SHA256,
    Sha256 = OUTBOX_USER_HASH_SHA256,
};

enum class OnFull : outbox_on_full_t {
    DropOldest = OUTBOX_ON_FULL_DROP_OLDEST,
    DropNewest = OUTBOX_ON_FULL_DROP_NEWEST,
    Block = OUTBOX_ON_FULL_BLOCK,
};

enum class SpoolSync : outbox_spool_sync_t {
    Batch = OUTBOX_SPOOL_SYNC_BATCH,
    Event = OUTBOX_SPOOL_SYNC_EVENT,
};

/// What a client found in its spool directory when it was created.
using SpoolRecovery = outbox_spool_recovery_t;

enum class AuthScheme : outbox_auth_scheme_t {
    Bearer = OUTBOX_AUTH_BEARER,
    Basic = OUTBOX_AUTH_BASIC,
};

/// One HTTP header.
struct Header {
    std::string name;
    std::string value;
};

namespace detail {

/// Throws `Error` for a failed status, with the thread's last error.
inline void check(outbox_status_t status) {
    if (status != OUTBOX_OK) throw Error(status, outbox_last_error(), outbox_last_error_code());
}

/// A NUL-terminated copy of a view; refuses embedded NUL bytes.
class CString {
public:
    CString(std::string_view value, const char *what) : value_(value) {
        if (value_.find('\0') != std::string::npos)
            throw Error(OUTBOX_ERR_INVALID_ARGUMENT, std::string(what) + " contains a NUL byte", "invalid_argument");
    }
    const char *get() const noexcept { return value_.c_str(); }

private:
    std::string value_;
};

/// Like `CString`, but an empty view stands for "none" (NULL).
class OptCString {
public:
    OptCString(std::string_view value, const char *what) {
        if (!value.empty()) value_.emplace(value, what);
    }
    const char *get() const noexcept { return value_ ? value_->get() : nullptr; }

private:
    std::optional<CString> value_;
};

/// A list of strings as the `const char *const *` + length the C ABI takes.
class CStringArray {
public:
    CStringArray(const std::vector<std::string> &values, const char *what) {
        strings_.reserve(values.size());
        for (const auto &v : values) strings_.emplace_back(v, what);
        for (const auto &s : strings_) pointers_.push_back(s.get());
    }
    const char *const *data() const noexcept { return pointers_.empty() ? nullptr : pointers_.data(); }
    std::size_t size() const noexcept { return pointers_.size(); }

private:
    std::vector<CString> strings_;
    std::vector<const char *> pointers_;
};

/// Takes ownership of a string from liboutbox.
inline std::string take(char *s) {
    std::unique_ptr<char, void (*)(char *)> owned(s, outbox_string_free);
    return s ? std::string(s) : std::string();
}

inline std::uint64_t millis(std::chrono::milliseconds ms) {
    return ms.count() < 0 ? 0 : static_cast<std::uint64_t>(ms.count());
}

inline FlushResult flush_result(const outbox_flush_result_t &r) {
    FlushResult out;
    out.delivered = r.delivered;
    out.failed = r.failed;
    out.pending = r.pending;
    return out;
}

/// The C callback behind every `ErrorCallback`. Never lets an exception out.
inline void on_error_trampoline(const outbox_delivery_error_t *error, void *user_data) noexcept {
    try {
        const auto &callback = *static_cast<const ErrorCallback *>(user_data);
        DeliveryError e;
        e.reason = error->reason;
        e.status = error->status;
        e.count = error->count;
        e.message_ids.reserve(error->message_ids_len);
        for (std::size_t i = 0; i < error->message_ids_len; i++) e.message_ids.emplace_back(error->message_ids[i]);
        e.message = error->message;
        if (error->endpoint) e.endpoint = std::string(error->endpoint);
        callback(e);
    } catch (...) {
        // An exception must not unwind into liboutbox; delivery goes on.
    }
}

/// Parses a JSON array of strings, as `outbox_batch` returns ids. The ids
/// are message ids (UUIDs, or the caller's own), so only `\"` and `\\`
/// escapes need decoding; others are kept as written.
inline std::vector<std::string> parse_id_array(const std::string &json) {
    std::vector<std::string> ids;
    std::size_t i = 0;
    while ((i = json.find('"', i)) != std::string::npos) {
        std::string id;
        for (i++; i < json.size() && json[i] != '"'; i++) {
            if (json[i] == '\\' && i + 1 < json.size() && (json[i + 1] == '"' || json[i + 1] == '\\')) i++;
            id.push_back(json[i]);
        }
        ids.push_back(std::move(id));
        i++;
    }
    return ids;
}

struct ConfigDeleter {
    void operator()(outbox_config_t *c) const noexcept { outbox_config_free(c); }
};
struct WebhookConfigDeleter {
    void operator()(outbox_webhook_config_t *c) const noexcept { outbox_webhook_config_free(c); }
};

} // namespace detail

/// The version of liboutbox.
inline std::string version() { return outbox_version(); }

/// Client options. Each setter checks its value at once and throws `Error`
/// (`OUTBOX_ERR_INVALID_OPTION`) naming the problem; defaults and meanings
/// are those of the `outbox_config_set_*` functions in outbox.h.
class Options {
public:
    /// Options for the collector at `endpoint` (may be empty in test mode).
    explicit Options(std::string_view endpoint = {}) {
        outbox_config_t *c = nullptr;
        detail::check(outbox_config_new(&c));
        config_.reset(c);
        detail::check(outbox_config_set_library(c, "outbox-cpp", outbox_version()));
        if (!endpoint.empty()) this->endpoint(endpoint);
    }

    Options &endpoint(std::string_view url) {
        detail::check(outbox_config_set_endpoint(config_.get(), detail::CString(url, "endpoint").get()));
        return *this;
    }
    Options &path(std::string_view path) {
        detail::check(outbox_config_set_path(config_.get(), detail::CString(path, "path").get()));
        return *this;
    }
    Options &api_key(std::string_view key) {
        detail::check(outbox_config_set_api_key(config_.get(), detail::CString(key, "api_key").get()));
        return *this;
    }
    Options &auth_scheme(AuthScheme scheme) {
        detail::check(outbox_config_set_auth_scheme(config_.get(), static_cast<outbox_auth_scheme_t>(scheme)));
        return *this;
    }
    /// Secrets that sign every request (several during rotation).
    Options &signing_secrets(const std::vector<std::string> &secrets) {
        detail::CStringArray a(secrets, "signing secret");
        detail::check(outbox_config_set_signing_secrets(config_.get(), a.data(), a.size()));
        return *this;
    }
    Options &signing_secret(std::string_view secret) { return signing_secrets({std::string(secret)}); }
    /// The signing scheme; `hmac_header` names the HMAC scheme's header.
    Options &signature_scheme(Scheme scheme, std::string_view hmac_header = {}) {
        detail::check(outbox_config_set_signature_scheme(config_.get(), static_cast<outbox_scheme_t>(scheme),
                                                         detail::OptCString(hmac_header, "hmac_header").get()));
        return *this;
    }
    Options &flush_at(std::size_t n) {
        detail::check(outbox_config_set_flush_at(config_.get(), n));
        return *this;
    }
    Options &flush_interval(std::chrono::milliseconds interval) {
        detail::check(outbox_config_set_flush_interval_ms(config_.get(), detail::millis(interval)));
        return *this;
    }
    Options &max_batch_size(std::size_t n) {
        detail::check(outbox_config_set_max_batch_size(config_.get(), n));
        return *this;
    }
    Options &max_batch_bytes(std::size_t n) {
        detail::check(outbox_config_set_max_batch_bytes(config_.get(), n));
        return *this;
    }
    Options &max_event_bytes(std::size_t n) {
        detail::check(outbox_config_set_max_event_bytes(config_.get(), n));
        return *this;
    }
    Options &max_queue_size(std::size_t n) {
        detail::check(outbox_config_set_max_queue_size(config_.get(), n));
        return *this;
    }
    Options &max_queue_bytes(std::size_t n) {
        detail::check(outbox_config_set_max_queue_bytes(config_.get(), n));
        return *this;
    }
    Options &on_full(OnFull policy, std::chrono::milliseconds block_timeout = std::chrono::milliseconds(0)) {
        detail::check(outbox_config_set_on_full(config_.get(), static_cast<outbox_on_full_t>(policy), detail::millis(block_timeout)));
        return *this;
    }
    Options &request_timeout(std::chrono::milliseconds timeout) {
        detail::check(outbox_config_set_request_timeout_ms(config_.get(), detail::millis(timeout)));
        return *this;
    }
    Options &connect_timeout(std::chrono::milliseconds timeout) {
        detail::check(outbox_config_set_connect_timeout_ms(config_.get(), detail::millis(timeout)));
        return *this;
    }
    /// Retries before an event is given up (3: four attempts in all; default: never).
    Options &max_retries(std::uint32_t n) {
        detail::check(outbox_config_set_max_retries(config_.get(), n));
        return *this;
    }
    Options &retry_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
        detail::check(outbox_config_set_retry_backoff_ms(config_.get(), detail::millis(initial), detail::millis(max)));
        return *this;
    }
    Options &max_concurrent_requests(std::size_t n) {
        detail::check(outbox_config_set_max_concurrent_requests(config_.get(), n));
        return *this;
    }
    Options &gzip(bool on) {
        detail::check(outbox_config_set_gzip(config_.get(), on));
        return *this;
    }
    /// Adds a header sent with every request.
    Options &header(std::string_view name, std::string_view value) {
        detail::check(outbox_config_add_header(config_.get(), detail::CString(name, "header name").get(),
                                               detail::CString(value, "header value").get()));
        return *this;
    }
    /// Proxy URL; empty: from the environment (the default).
    Options &proxy(std::string_view url) {
        detail::check(outbox_config_set_proxy(config_.get(), detail::OptCString(url, "proxy").get()));
        return *this;
    }
    Options &disabled(bool on) {
        detail::check(outbox_config_set_disabled(config_.get(), on));
        return *this;
    }
    Options &debug(bool on) {
        detail::check(outbox_config_set_debug(config_.get(), on));
        return *this;
    }
    /// Called with every group of events that will never be delivered, on
    /// an Outbox thread (see outbox_on_error_fn). Exceptions are discarded.
    Options &on_error(ErrorCallback callback) {
        on_error_ = std::move(callback);
        return *this;
    }
    Options &shutdown_timeout(std::chrono::milliseconds timeout) {
        detail::check(outbox_config_set_shutdown_timeout_ms(config_.get(), detail::millis(timeout)));
        return *this;
    }
    /// Keep requests in memory; read them back with `Client::captured()`.
    Options &test_mode(bool on) {
        detail::check(outbox_config_set_test_mode(config_.get(), on));
        return *this;
    }

    /// Keep queued events on disk in `dir` until delivered (survives a
    /// crash); empty: memory only (the default).
    Options &spool_dir(std::string_view dir) {
        detail::check(outbox_config_set_spool_dir(config_.get(), detail::OptCString(dir, "spool_dir").get()));
        return *this;
    }
    Options &spool_sync(SpoolSync sync) {
        detail::check(outbox_config_set_spool_sync(config_.get(), static_cast<outbox_spool_sync_t>(sync)));
        return *this;
    }

    /// The C config, for options this wrapper does not cover.
    outbox_config_t *native() const noexcept { return config_.get(); }

private:
    friend class Client;
    std::unique_ptr<outbox_config_t, detail::ConfigDeleter> config_;
    ErrorCallback on_error_;
};

/// An Outbox client (see outbox_client_t): move-only; thread-safe. The
/// destructor delivers what is queued (bounded by the shutdown timeout) and
/// frees it.
class Client {
public:
    /// A client with `options` (only read: one `Options` may serve several clients).
    explicit Client(const Options &options) {
        if (options.on_error_) on_error_ = std::make_unique<ErrorCallback>(options.on_error_);
        detail::check(outbox_config_set_on_error(options.config_.get(), on_error_ ? detail::on_error_trampoline : nullptr,
                                                 on_error_.get()));
        detail::check(outbox_client_new(options.config_.get(), &client_));
    }

    ~Client() { outbox_client_free(client_); }

    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;
    Client(Client &&other) noexcept
        : client_(std::exchange(other.client_, nullptr)), on_error_(std::move(other.on_error_)) {}
    Client &operator=(Client &&other) noexcept {
        if (this != &other) {
            outbox_client_free(client_);
            client_ = std::exchange(other.client_, nullptr);
            on_error_ = std::move(other.on_error_);
        }
        return *this;
    }

    /// Queues a `track` event; returns its message id. `properties`: JSON
    /// object text, or empty for none.
    std::string track(std::string_view user_id, std::string_view event, std::string_view properties = {}) const {
        char *id = nullptr;
        detail::check(outbox_track(client_, detail::CString(user_id, "user_id").get(), detail::CString(event, "event").get(),
                                   detail::OptCString(properties, "properties").get(), &id));
        return detail::take(id);
    }
    std::string identify(std::string_view user_id, std::string_view traits = {}) const {
        char *id = nullptr;
        detail::check(outbox_identify(client_, detail::CString(user_id, "user_id").get(),
                                      detail::OptCString(traits, "traits").get(), &id));
        return detail::take(id);
    }
    std::string group(std::string_view user_id, std::string_view group_id, std::string_view traits = {}) const {
        char *id = nullptr;
        detail::check(outbox_group(client_, detail::CString(user_id, "user_id").get(), detail::CString(group_id, "group_id").get(),
                                   detail::OptCString(traits, "traits").get(), &id));
        return detail::take(id);
    }
    std::string alias(std::string_view previous_id, std::string_view user_id) const {
        char *id = nullptr;
        detail::check(outbox_alias(client_, detail::CString(previous_id, "previous_id").get(),
                                   detail::CString(user_id, "user_id").get(), &id));
        return detail::take(id);
    }
    std::string page(std::string_view user_id, std::string_view name = {}, std::string_view properties = {}) const {
        char *id = nullptr;
        detail::check(outbox_page(client_, detail::CString(user_id, "user_id").get(), detail::OptCString(name, "name").get(),
                                  detail::OptCString(properties, "properties").get(), &id));
        return detail::take(id);
    }
    std::string screen(std::string_view user_id, std::string_view name = {}, std::string_view properties = {}) const {
        char *id = nullptr;
        detail::check(outbox_screen(client_, detail::CString(user_id, "user_id").get(), detail::OptCString(name, "name").get(),
                                    detail::OptCString(properties, "properties").get(), &id));
        return detail::take(id);
    }
    /// Queues one event in Segment's JSON shape, every field available.
    std::string capture(std::string_view event_json) const {
        char *id = nullptr;
        detail::check(outbox_capture(client_, detail::CString(event_json, "event_json").get(), &id));
        return detail::take(id);
    }
    /// Queues a JSON array of events (all or none); returns their ids in order.
    std::vector<std::string> batch(std::string_view events_json) const {
        char *ids = nullptr;
        detail::check(outbox_batch(client_, detail::CString(events_json, "events_json").get(), &ids));
        return detail::parse_id_array(detail::take(ids));
    }
    /// Waits until everything queued before the call is settled, or `timeout`.
    FlushResult flush(std::chrono::milliseconds timeout) const {
        outbox_flush_result_t r{};
        detail::check(outbox_flush(client_, detail::millis(timeout), &r));
        return detail::flush_result(r);
    }
    /// Flushes for up to `timeout`, gives up the rest, and stops accepting events.
    FlushResult shutdown(std::chrono::milliseconds timeout) const {
        outbox_flush_result_t r{};
        detail::check(outbox_shutdown(client_, detail::millis(timeout), &r));
        return detail::flush_result(r);
    }
    Stats stats() const {
        Stats s{};
        detail::check(outbox_stats(client_, &s));
        return s;
    }
    /// Sends events now, bypassing the queue, and waits for the outcome.
    /// Throws only for unusable input; a refusal is `result.delivered == false`.
    DeliverResult deliver(std::string_view events_json, std::chrono::milliseconds timeout) const {
        outbox_deliver_result_t r{};
        outbox_status_t status = outbox_deliver(client_, detail::CString(events_json, "events_json").get(), detail::millis(timeout), &r);
        DeliverResult out;
        out.delivered = r.delivered;
        out.http_status = r.http_status;
        out.attempts = r.attempts;
        if (status == OUTBOX_ERR_NOT_DELIVERED) out.error = outbox_last_error();
        else detail::check(status);
        return out;
    }
    /// In test mode: the events "sent" so far, as a JSON array.
    std::string captured() const {
        char *json = nullptr;
        detail::check(outbox_captured(client_, &json));
        return detail::take(json);
    }
    void clear_captured() const { detail::check(outbox_clear_captured(client_)); }
    /// What the client found in its spool directory when it was created.
    SpoolRecovery spool_recovery() const {
        SpoolRecovery r{};
        detail::check(outbox_spool_recovery(client_, &r));
        return r;
    }

    /// The C handle (still owned by this object).
    outbox_client_t *native() const noexcept { return client_; }

private:
    outbox_client_t *client_ = nullptr;
    // Outlives the C client: destroyed after outbox_client_free returns.
    std::unique_ptr<ErrorCallback> on_error_;
};

/// Webhook sender options (see outbox_webhook_config_t).
class WebhookOptions {
public:
    WebhookOptions() {
        outbox_webhook_config_t *c = nullptr;
        detail::check(outbox_webhook_config_new(&c));
        config_.reset(c);
    }

    /// Adds an endpoint; `index()` after this call is its index.
    WebhookOptions &endpoint(std::string_view url, const std::vector<std::string> &secrets = {},
                             Scheme scheme = Scheme::StandardWebhooks, std::string_view hmac_header = {}) {
        detail::CStringArray a(secrets, "secret");
        detail::check(outbox_webhook_config_add_endpoint(config_.get(), detail::CString(url, "url").get(), a.data(), a.size(),
                                                         static_cast<outbox_scheme_t>(scheme),
                                                         detail::OptCString(hmac_header, "hmac_header").get(), &last_));
        return *this;
    }
    /// The index of the endpoint added last.
    std::size_t index() const noexcept { return last_; }
    WebhookOptions &endpoint_timeout(std::size_t index, std::chrono::milliseconds timeout) {
        detail::check(outbox_webhook_config_set_endpoint_timeout_ms(config_.get(), index, detail::millis(timeout)));
        return *this;
    }
    WebhookOptions &endpoint_header(std::size_t index, std::string_view name, std::string_view value) {
        detail::check(outbox_webhook_config_add_endpoint_header(config_.get(), index, detail::CString(name, "header name").get(),
                                                                detail::CString(value, "header value").get()));
        return *this;
    }
    WebhookOptions &max_message_bytes(std::size_t n) {
        detail::check(outbox_webhook_config_set_max_message_bytes(config_.get(), n));
        return *this;
    }
    WebhookOptions &max_queue_size(std::size_t n) {
        detail::check(outbox_webhook_config_set_max_queue_size(config_.get(), n));
        return *this;
    }
    WebhookOptions &max_queue_bytes(std::size_t n) {
        detail::check(outbox_webhook_config_set_max_queue_bytes(config_.get(), n));
        return *this;
    }
    WebhookOptions &on_full(OnFull policy, std::chrono::milliseconds block_timeout = std::chrono::milliseconds(0)) {
        detail::check(outbox_webhook_config_set_on_full(config_.get(), static_cast<outbox_on_full_t>(policy), detail::millis(block_timeout)));
        return *this;
    }
    WebhookOptions &max_retries(std::uint32_t n) {
        detail::check(outbox_webhook_config_set_max_retries(config_.get(), n));
        return *this;
    }
    WebhookOptions &retry_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
        detail::check(outbox_webhook_config_set_retry_backoff_ms(config_.get(), detail::millis(initial), detail::millis(max)));
        return *this;
    }
    WebhookOptions &max_concurrent_requests(std::size_t n) {
        detail::check(outbox_webhook_config_set_max_concurrent_requests(config_.get(), n));
        return *this;
    }
    WebhookOptions &connect_timeout(std::chrono::milliseconds timeout) {
        detail::check(outbox_webhook_config_set_connect_timeout_ms(config_.get(), detail::millis(timeout)));
        return *this;
    }
    WebhookOptions &proxy(std::string_view url) {
        detail::check(outbox_webhook_config_set_proxy(config_.get(), detail::OptCString(url, "proxy").get()));
        return *this;
    }
    WebhookOptions &on_error(ErrorCallback callback) {
        on_error_ = std::move(callback);
        return *this;
    }
    WebhookOptions &shutdown_timeout(std::chrono::milliseconds timeout) {
        detail::check(outbox_webhook_config_set_shutdown_timeout_ms(config_.get(), detail::millis(timeout)));
        return *this;
    }
    WebhookOptions &debug(bool on) {
        detail::check(outbox_webhook_config_set_debug(config_.get(), on));
        return *this;
    }
    WebhookOptions &test_mode(bool on) {
        detail::check(outbox_webhook_config_set_test_mode(config_.get(), on));
        return *this;
    }

    outbox_webhook_config_t *native() const noexcept { return config_.get(); }

private:
    friend class WebhookSender;
    std::unique_ptr<outbox_webhook_config_t, detail::WebhookConfigDeleter> config_;
    ErrorCallback on_error_;
    std::size_t last_ = 0;
};

/// Signed webhooks to every endpoint (see outbox_webhook_sender_t): move-only; thread-safe.
class WebhookSender {
public:
    explicit WebhookSender(const WebhookOptions &options) {
        if (options.on_error_) on_error_ = std::make_unique<ErrorCallback>(options.on_error_);
        detail::check(outbox_webhook_config_set_on_error(options.config_.get(), on_error_ ? detail::on_error_trampoline : nullptr,
                                                         on_error_.get()));
        detail::check(outbox_webhook_sender_new(options.config_.get(), &sender_));
    }
    ~WebhookSender() { outbox_webhook_sender_free(sender_); }

    WebhookSender(const WebhookSender &) = delete;
    WebhookSender &operator=(const WebhookSender &) = delete;
    WebhookSender(WebhookSender &&other) noexcept
        : sender_(std::exchange(other.sender_, nullptr)), on_error_(std::move(other.on_error_)) {}
    WebhookSender &operator=(WebhookSender &&other) noexcept {
        if (this != &other) {
            outbox_webhook_sender_free(sender_);
            sender_ = std::exchange(other.sender_, nullptr);
            on_error_ = std::move(other.on_error_);
        }
        return *this;
    }

    /// Queues `{"type", "timestamp", "data"}` to every endpoint; returns the `webhook-id`.
    std::string send(std::string_view type, std::string_view data_json) const {
        char *id = nullptr;
        detail::check(outbox_webhook_send(sender_, detail::CString(type, "type").get(), detail::CString(data_json, "data_json").get(), &id));
        return detail::take(id);
    }
    /// Queues a body you built (one JSON value), sent byte for byte and signed; returns the message id.
    std::string send_raw(std::string_view body_json) const {
        char *id = nullptr;
        detail::check(outbox_webhook_send_raw(sender_, detail::CString(body_json, "body_json").get(), &id));
        return detail::take(id);
    }
    FlushResult flush(std::chrono::milliseconds timeout) const {
        outbox_flush_result_t r{};
        detail::check(outbox_webhook_flush(sender_, detail::millis(timeout), &r));
        return detail::flush_result(r);
    }
    FlushResult shutdown(std::chrono::milliseconds timeout) const {
        outbox_flush_result_t r{};
        detail::check(outbox_webhook_shutdown(sender_, detail::millis(timeout), &r));
        return detail::flush_result(r);
    }
    Stats stats() const {
        Stats s{};
        detail::check(outbox_webhook_stats(sender_, &s));
        return s;
    }
    /// In test mode: the requests that would have been sent, as a JSON array.
    std::string captured() const {
        char *json = nullptr;
        detail::check(outbox_webhook_captured(sender_, &json));
        return detail::take(json);
    }

    outbox_webhook_sender_t *native() const noexcept { return sender_; }

private:
    outbox_webhook_sender_t *sender_ = nullptr;
    std::unique_ptr<ErrorCallback> on_error_;
};

/// Signs one body (see outbox_sign); returns the headers to send.
inline std::vector<Header> sign(Scheme scheme, const std::vector<std::string> &secrets, std::string_view id, std::int64_t timestamp,
                                std::string_view body, std::string_view hmac_header = {}) {
    detail::CStringArray s(secrets, "secret");
    outbox_header_t headers[OUTBOX_SIGN_MAX_HEADERS];
    std::size_t n = 0;
    detail::check(outbox_sign(static_cast<outbox_scheme_t>(scheme), detail::OptCString(hmac_header, "hmac_header").get(), s.data(),
                              s.size(), detail::CString(id, "id").get(), timestamp,
                              reinterpret_cast<const std::uint8_t *>(body.data()), body.size(), headers, OUTBOX_SIGN_MAX_HEADERS, &n));
    std::vector<Header> out;
    for (std::size_t i = 0; i < n; i++) out.push_back(Header{headers[i].name, headers[i].value});
    outbox_headers_free(headers, n);
    return out;
}

/// Verifies a received webhook (see outbox_verify). Throws `Error` with
/// status `OUTBOX_ERR_VERIFY` and the reason in `code()` when it fails.
/// `now`: unix seconds to check against (default: the system clock).
inline void verify(Scheme scheme, std::string_view body, const std::vector<Header> &headers, const std::vector<std::string> &secrets,
                   std::chrono::seconds tolerance = std::chrono::seconds(OUTBOX_DEFAULT_TOLERANCE_SECS),
                   std::optional<std::int64_t> now = std::nullopt, std::string_view hmac_header = {}) {
    std::vector<detail::CString> strings;
    strings.reserve(headers.size() * 2);
    std::vector<outbox_header_t> pairs;
    for (const auto &h : headers) {
        strings.emplace_back(h.name, "header name");
        strings.emplace_back(h.value, "header value");
    }
    for (std::size_t i = 0; i < headers.size(); i++) pairs.push_back(outbox_header_t{strings[2 * i].get(), strings[2 * i + 1].get()});
    detail::CStringArray s(secrets, "secret");
    std::int64_t now_value = now.value_or(0);
    detail::check(outbox_verify(static_cast<outbox_scheme_t>(scheme), detail::OptCString(hmac_header, "hmac_header").get(),
                                reinterpret_cast<const std::uint8_t *>(body.data()), body.size(), pairs.data(), pairs.size(), s.data(),
                                s.size(), tolerance.count() < 0 ? 0 : static_cast<std::uint64_t>(tolerance.count()),
                                now ? &now_value : nullptr));
}

/// The user hash of `user_id`, for front-end identity verification: hex
/// HMAC-SHA256 keyed with `secret` by default, or `UserHashAlgorithm::Sha256`
/// (hex SHA-256 of `user_id + secret`, Notifizz's user token).
inline std::string user_hash(std::string_view secret, std::string_view user_id,
                             UserHashAlgorithm algorithm = UserHashAlgorithm::HmacSha256) {
    char *hash = nullptr;
    detail::check(outbox_user_hash_with(static_cast<outbox_user_hash_algorithm_t>(algorithm), detail::CString(secret, "secret").get(),
                                        detail::CString(user_id, "user_id").get(), &hash));
    return detail::take(hash);
}

/// Whether `hash` is the user hash of `user_id` under `algorithm` (constant time).
inline bool verify_user_hash(std::string_view secret, std::string_view user_id, std::string_view hash,
                             UserHashAlgorithm algorithm = UserHashAlgorithm::HmacSha256) {
    outbox_status_t status =
        outbox_verify_user_hash_with(static_cast<outbox_user_hash_algorithm_t>(algorithm), detail::CString(secret, "secret").get(),
                                     detail::CString(user_id, "user_id").get(), detail::CString(hash, "hash").get());
    if (status == OUTBOX_ERR_VERIFY) return false;
    detail::check(status);
    return true;
}

/// Parses a scheme name (`"standard-webhooks"`, `"hmac-sha256"`, ...).
inline Scheme parse_scheme(std::string_view name) {
    outbox_scheme_t scheme = 0;
    detail::check(outbox_scheme_parse(detail::CString(name, "name").get(), &scheme));
    return static_cast<Scheme>(scheme);
}

} // namespace outbox

#endif
