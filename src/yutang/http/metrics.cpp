#include "yutang/http/metrics.hpp"

#include <vector>

#include <fmt/format.h>

#include "yutang/base/log.hpp"

namespace yutang::http {
namespace {

// Statuses Yutang actually sends get a lock-free counter slot; anything else goes to a map.
constexpr std::array<unsigned, 30> kCommonStatuses = {200, 201, 202, 204, 206, 301, 302, 304, 307, 308,
                                                      400, 401, 403, 404, 405, 406, 408, 409, 410, 412,
                                                      413, 415, 422, 429, 431, 500, 501, 502, 503, 504};

int StatusSlot(unsigned status) {
    for (size_t i = 0; i < kCommonStatuses.size(); ++i) {
        if (kCommonStatuses[i] == status) return static_cast<int>(i);
    }
    return -1;
}

// Prometheus label values escape backslash, double quote and line feed.
void AppendLabelValue(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

}  // namespace

struct Metrics::RouteSeries {
    std::string name;
    std::array<std::array<std::atomic<uint64_t>, kCommonStatuses.size()>, kMethodCount> counters{};
    // Non-cumulative counts per bucket; the last slot is "above the largest bound".
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> sum_nanos{0};
};

Metrics::Metrics(std::string version, std::string commit) : version_(std::move(version)), commit_(std::move(commit)) {
    size_t id = RouteId(kUnmatchedRoute);
    (void)id;
}

Metrics::~Metrics() {
    for (auto& slot : series_) delete slot.load(std::memory_order_relaxed);
}

size_t Metrics::RouteId(std::string_view name) {
    std::lock_guard lock(mutex_);
    size_t count = route_count_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < count; ++i) {
        if (series_[i].load(std::memory_order_relaxed)->name == name) return i;
    }
    if (count == kMaxRoutes) {
        spdlog::warn("metrics: more than {} routes; '{}' is counted as '{}'", kMaxRoutes, name, kUnmatchedRoute);
        return kUnmatchedRouteId;
    }
    auto* series = new RouteSeries();
    series->name = std::string(name);
    series_[count].store(series, std::memory_order_release);
    route_count_.store(count + 1, std::memory_order_release);
    return count;
}

void Metrics::Record(size_t route_id, Method method, unsigned status, std::chrono::nanoseconds duration) {
    RouteSeries* series = route_id < kMaxRoutes ? series_[route_id].load(std::memory_order_acquire) : nullptr;
    if (series == nullptr) series = series_[kUnmatchedRouteId].load(std::memory_order_acquire);
    int slot = StatusSlot(status);
    if (slot >= 0) {
        series->counters[static_cast<size_t>(method)][static_cast<size_t>(slot)].fetch_add(1,
                                                                                           std::memory_order_relaxed);
    } else {
        std::lock_guard lock(other_mutex_);
        ++other_statuses_[{route_id, method, status}];
    }
    double seconds = std::chrono::duration<double>(duration).count();
    size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
    series->buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    series->sum_nanos.fetch_add(static_cast<uint64_t>(duration.count()), std::memory_order_relaxed);
}

std::string Metrics::Render() const {
    std::string out;
    out.reserve(4096);
    auto it = std::back_inserter(out);

    out += "# HELP yutang_build_info Build identity of the running server.\n";
    out += "# TYPE yutang_build_info gauge\n";
    out += "yutang_build_info{version=\"";
    AppendLabelValue(out, version_);
    out += "\",commit=\"";
    AppendLabelValue(out, commit_);
    out += "\"} 1\n";

    out += "# HELP yutang_http_in_flight_requests HTTP requests being handled now.\n";
    out += "# TYPE yutang_http_in_flight_requests gauge\n";
    fmt::format_to(it, "yutang_http_in_flight_requests {}\n", in_flight_.load(std::memory_order_relaxed));

    size_t count = route_count_.load(std::memory_order_acquire);
    std::vector<const RouteSeries*> routes;
    routes.reserve(count);
    for (size_t i = 0; i < count; ++i) routes.push_back(series_[i].load(std::memory_order_acquire));

    auto append_labels = [&out](const std::string& route, Method method, unsigned status) {
        out += "{route=\"";
        AppendLabelValue(out, route);
        out += "\",method=\"";
        out += MethodName(method);
        out += "\",status=\"";
        fmt::format_to(std::back_inserter(out), "{}\"}} ", status);
    };

    out += "# HELP yutang_http_requests_total HTTP requests by route name, method and status.\n";
    out += "# TYPE yutang_http_requests_total counter\n";
    for (const RouteSeries* series : routes) {
        for (int m = 0; m < kMethodCount; ++m) {
            for (size_t s = 0; s < kCommonStatuses.size(); ++s) {
                uint64_t value = series->counters[static_cast<size_t>(m)][s].load(std::memory_order_relaxed);
                if (value == 0) continue;
                out += "yutang_http_requests_total";
                append_labels(series->name, static_cast<Method>(m), kCommonStatuses[s]);
                fmt::format_to(it, "{}\n", value);
            }
        }
    }
    {
        std::lock_guard lock(other_mutex_);
        for (const auto& [key, value] : other_statuses_) {
            const auto& [route_id, method, status] = key;
            out += "yutang_http_requests_total";
            append_labels(routes[route_id < routes.size() ? route_id : 0]->name, method, status);
            fmt::format_to(it, "{}\n", value);
        }
    }

    out += "# HELP yutang_http_request_duration_seconds Time from request headers received to response ready.\n";
    out += "# TYPE yutang_http_request_duration_seconds histogram\n";
    for (const RouteSeries* series : routes) {
        std::array<uint64_t, kBuckets.size() + 1> counts;
        uint64_t total = 0;
        for (size_t b = 0; b < counts.size(); ++b) {
            counts[b] = series->buckets[b].load(std::memory_order_relaxed);
            total += counts[b];
        }
        if (total == 0) continue;
        uint64_t cumulative = 0;
        for (size_t b = 0; b < kBuckets.size(); ++b) {
            cumulative += counts[b];
            out += "yutang_http_request_duration_seconds_bucket{route=\"";
            AppendLabelValue(out, series->name);
            fmt::format_to(it, "\",le=\"{}\"}} {}\n", kBuckets[b], cumulative);
        }
        out += "yutang_http_request_duration_seconds_bucket{route=\"";
        AppendLabelValue(out, series->name);
        fmt::format_to(it, "\",le=\"+Inf\"}} {}\n", total);
        out += "yutang_http_request_duration_seconds_sum{route=\"";
        AppendLabelValue(out, series->name);
        double sum = static_cast<double>(series->sum_nanos.load(std::memory_order_relaxed)) / 1e9;
        fmt::format_to(it, "\"}} {}\n", sum);
        out += "yutang_http_request_duration_seconds_count{route=\"";
        AppendLabelValue(out, series->name);
        fmt::format_to(it, "\"}} {}\n", total);
    }
    return out;
}

}  // namespace yutang::http
