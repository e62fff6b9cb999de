// Outbox from C++: queue events and a signed webhook, flush, report. The
// collector's URL is the first argument or OUTBOX_ENDPOINT; `make test`
// builds this with CMake's find_package(outbox) (see CMakeLists.txt here)
// and runs it against the local test receiver.
#include <chrono>
#include <cstdlib>
#include <iostream>

#include <outbox.hpp>

int main(int argc, char **argv) {
    using namespace std::chrono_literals;
    const char *endpoint = argc > 1 ? argv[1] : std::getenv("OUTBOX_ENDPOINT");
    if (!endpoint) {
        std::cerr << "usage: quickstart URL (or set OUTBOX_ENDPOINT)\n";
        return 2;
    }
    try {
        outbox::Client client(outbox::Options(endpoint).api_key("my-write-key").on_error([](const outbox::DeliveryError &e) {
            std::cerr << "outbox: " << e.count << " event(s) dropped (" << e.reason << "): " << e.message << "\n";
        }));
        std::string id = client.track("user-42", "Order Completed", R"({"total": 99.5})");
        client.identify("user-42", R"({"plan": "pro"})");
        outbox::FlushResult events = client.flush(5s);
        std::cout << id << ": delivered " << events.delivered << ", pending " << events.pending << "\n";

        // A webhook, signed with Standard Webhooks, to one endpoint.
        outbox::WebhookSender hooks(outbox::WebhookOptions().endpoint(std::string(endpoint) + "/hooks/orders",
                                                                       {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}));
        std::string hook_id = hooks.send("order.completed", R"({"order": "ord_1", "total": 99.5})");
        outbox::FlushResult webhooks = hooks.flush(5s);
        std::cout << hook_id << ": webhook pending " << webhooks.pending << "\n";
        return events.complete() && events.failed == 0 && webhooks.complete() && webhooks.failed == 0 ? 0 : 1;
    } catch (const outbox::Error &e) {
        std::cerr << "outbox: " << e.what() << " (" << e.code() << ")\n";
        return 1;
    }
}
