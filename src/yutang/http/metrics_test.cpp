#include "yutang/http/metrics.hpp"

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace yutang::http {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Parses exposition text into "name{labels}" → value, checking every line's syntax on the way.
std::map<std::string, double> ParseExposition(const std::string& text) {
    static const std::regex kSample(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$)");
    static const std::regex kComment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
    std::map<std::string, double> samples;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("#")) {
            EXPECT_TRUE(std::regex_match(line, kComment)) << line;
            continue;
        }
        std::smatch match;
        EXPECT_TRUE(std::regex_match(line, match, kSample)) << line;
        if (match.empty()) continue;
        size_t space = line.rfind(' ');
        samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    EXPECT_TRUE(text.ends_with("\n"));
    return samples;
}

TEST(MetricsTest, CountsRequestsByRouteMethodStatus) {
    Metrics metrics("1.2.3", "abc123");
    size_t get_staff = metrics.RouteId("getStaff");
    EXPECT_EQ(metrics.RouteId("getStaff"), get_staff);
    metrics.Record(get_staff, Method::kGet, 200, microseconds(300));
    metrics.Record(get_staff, Method::kGet, 200, milliseconds(3));
    metrics.Record(get_staff, Method::kGet, 404, milliseconds(30));
    metrics.Record(Metrics::kUnmatchedRouteId, Method::kPost, 404, microseconds(10));
    metrics.Record(get_staff, Method::kGet, 418, microseconds(10));  // an unusual status

    auto samples = ParseExposition(metrics.Render());
    EXPECT_EQ(samples[R"(yutang_http_requests_total{route="getStaff",method="GET",status="200"})"], 2);
    EXPECT_EQ(samples[R"(yutang_http_requests_total{route="getStaff",method="GET",status="404"})"], 1);
    EXPECT_EQ(samples[R"(yutang_http_requests_total{route="getStaff",method="GET",status="418"})"], 1);
    EXPECT_EQ(samples[R"(yutang_http_requests_total{route="unmatched",method="POST",status="404"})"], 1);
    EXPECT_EQ(samples[R"(yutang_build_info{version="1.2.3",commit="abc123"})"], 1);
    EXPECT_EQ(samples.count("yutang_http_in_flight_requests"), 1u);
}

TEST(MetricsTest, HistogramIsCumulativeWithInfSumAndCount) {
    Metrics metrics("dev", "unknown");
    size_t route = metrics.RouteId("getStaff");
    metrics.Record(route, Method::kGet, 200, microseconds(100));         // ≤ 0.0005
    metrics.Record(route, Method::kGet, 200, microseconds(500));         // ≤ 0.0005 (bounds are inclusive)
    metrics.Record(route, Method::kGet, 200, milliseconds(20));          // ≤ 0.025
    metrics.Record(route, Method::kGet, 200, std::chrono::seconds(11));  // only +Inf

    std::string text = metrics.Render();
    EXPECT_NE(text.find("# TYPE yutang_http_request_duration_seconds histogram"), std::string::npos);
    EXPECT_NE(text.find("# TYPE yutang_http_requests_total counter"), std::string::npos);
    auto samples = ParseExposition(text);
    auto bucket = [&](const std::string& le) {
        std::string key = R"(yutang_http_request_duration_seconds_bucket{route="getStaff",le=")" + le + "\"}";
        EXPECT_EQ(samples.count(key), 1u) << key;
        return samples[key];
    };
    EXPECT_EQ(bucket("0.0005"), 2);
    EXPECT_EQ(bucket("0.001"), 2);
    EXPECT_EQ(bucket("0.01"), 2);
    EXPECT_EQ(bucket("0.025"), 3);
    EXPECT_EQ(bucket("10"), 3);
    EXPECT_EQ(bucket("+Inf"), 4);
    double previous = 0;
    for (double le : Metrics::kBuckets) {
        double value = bucket(fmt::format("{}", le));
        EXPECT_GE(value, previous);
        previous = value;
    }
    EXPECT_EQ(samples[R"(yutang_http_request_duration_seconds_count{route="getStaff"})"], 4);
    EXPECT_NEAR(samples[R"(yutang_http_request_duration_seconds_sum{route="getStaff"})"], 11.0206, 1e-6);
}

TEST(MetricsTest, EscapesLabelValues) {
    Metrics metrics("a\"b\\c\nd", "x");
    auto samples = ParseExposition(metrics.Render());
    EXPECT_EQ(samples.count(R"(yutang_build_info{version="a\"b\\c\nd",commit="x"})"), 1u);
}

TEST(MetricsTest, ConcurrentRecordingLosesNothing) {
    Metrics metrics("dev", "unknown");
    size_t route = metrics.RouteId("r");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                metrics.RequestStarted();
                metrics.Record(route, Method::kGet, 200, microseconds(i));
                metrics.RequestFinished();
            }
        });
    }
    std::string during = metrics.Render();  // must not crash or tear while recording
    for (auto& thread : threads) thread.join();
    auto samples = ParseExposition(metrics.Render());
    EXPECT_EQ(samples[R"(yutang_http_requests_total{route="r",method="GET",status="200"})"], 40000);
    EXPECT_EQ(samples[R"(yutang_http_request_duration_seconds_count{route="r"})"], 40000);
    EXPECT_EQ(samples["yutang_http_in_flight_requests"], 0);
    EXPECT_FALSE(during.empty());
}

}  // namespace
}  // namespace yutang::http
