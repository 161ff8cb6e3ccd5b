// Request metrics in the Prometheus text exposition format 0.0.4, served at GET /metrics.
//
//   yutang_http_requests_total{route="getStaff",method="GET",status="200"} 12
//   yutang_http_request_duration_seconds_bucket{route="getStaff",le="0.005"} 11   (histogram)
//   yutang_http_in_flight_requests 3
//   yutang_build_info{version="0.1.0",commit="1a2b3c4"} 1
//
// The server records every request; routes are labelled by RouteInfo::name (a bounded set,
// never the raw path, which would explode cardinality and could carry personal data).
//
//   Metrics metrics("0.1.0", "1a2b3c4");
//   size_t id = metrics.RouteId("getStaff");          // at start-up
//   metrics.Record(id, Method::kGet, 200, elapsed);   // per request, lock-free
//   std::string text = metrics.Render();
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "yutang/http/message.hpp"

namespace yutang::http {

class Metrics {
  public:
    // The route label of requests that matched no route (404, 405).
    static constexpr std::string_view kUnmatchedRoute = "unmatched";
    static constexpr size_t kUnmatchedRouteId = 0;
    // Upper bounds of the duration histogram, in seconds.
    static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    // Distinct route labels beyond this share the id of kUnmatchedRoute (and a warning is logged);
    // a fixed table keeps Record free of locks.
    static constexpr size_t kMaxRoutes = 1024;

    Metrics(std::string version, std::string commit);
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // The id of the series for route `name`, created on first use; the same name always gives
    // the same id. Thread-safe (takes a mutex: call it at start-up, not per request).
    size_t RouteId(std::string_view name);

    // Counts one finished request and its duration. Lock-free for the common statuses (relaxed
    // atomic increments); an unusual status takes a mutex. Thread-safe. `route_id` must come
    // from RouteId.
    void Record(size_t route_id, Method method, unsigned status, std::chrono::nanoseconds duration);

    // The in-flight gauge: the server calls these around each request. Thread-safe.
    void RequestStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
    void RequestFinished() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

    // The exposition text (Content-Type "text/plain; version=0.0.4; charset=utf-8"). Series with
    // no requests yet are left out. Thread-safe; concurrent Records may or may not be included,
    // but each histogram is internally consistent (buckets cumulative, +Inf == _count).
    std::string Render() const;

    static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  private:
    struct RouteSeries;

    std::string version_;
    std::string commit_;
    std::atomic<int64_t> in_flight_{0};

    std::mutex mutex_;  // guards registration and other_statuses_
    std::array<std::atomic<RouteSeries*>, kMaxRoutes> series_{};
    std::atomic<size_t> route_count_{0};
    std::map<std::tuple<size_t, Method, unsigned>, uint64_t> other_statuses_;
    mutable std::mutex other_mutex_;
};

}  // namespace yutang::http
