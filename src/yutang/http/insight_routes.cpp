#include "yutang/http/insight_routes.hpp"

#include "yutang/http/json_out.hpp"
#include "yutang/http/params.hpp"

namespace yutang::http {
namespace {

boost::json::array SharesJson(const std::vector<insight::Share>& shares, bool with_sales) {
    boost::json::array out;
    for (const insight::Share& share : shares) {
        boost::json::object o{{"key", share.key}, {"customers", share.customers}};
        if (with_sales) {
            o["orders"] = share.orders;
            o["gmv_fen"] = share.gmv_fen;
        }
        out.push_back(std::move(o));
    }
    return out;
}

Result<Response> GetOverview(insight::OverviewReport* report, const Request& request, const staff::Principal& who) {
    YT_ASSIGN_OR_RETURN(std::optional<int64_t> asked, QueryInt(request, "days"));
    const int64_t days = asked.value_or(30);
    if (days < 1 || days > 366) return InvalidArgument("days must be between 1 and 366", "days");
    YT_ASSIGN_OR_RETURN(insight::Overview o, report->Compute(who.tenant, {.days = static_cast<int>(days)}));
    boost::json::array daily;
    for (const insight::DayFigures& d : o.daily) {
        daily.push_back({{"date", d.date},
                         {"new_customers", d.new_customers},
                         {"pool_size", d.pool_size},
                         {"orders", d.orders},
                         {"buyers", d.buyers},
                         {"gmv_fen", d.gmv_fen},
                         {"refunded_fen", d.refunded_fen}});
    }
    return JsonResponse({{"as_of", o.as_of.micros()},
                         {"time_zone", o.time_zone},
                         {"days", o.days},
                         {"customers", o.customers},
                         {"new_customers", o.new_customers},
                         {"buyers", o.buyers},
                         {"repeat_buyers", o.repeat_buyers},
                         {"repurchase_rate", o.repurchase_rate},
                         {"orders", o.orders},
                         {"gmv_fen", o.gmv_fen},
                         {"previous",
                          {{"new_customers", o.previous_new_customers},
                           {"orders", o.previous_orders},
                           {"gmv_fen", o.previous_gmv_fen}}},
                         {"daily", std::move(daily)},
                         {"by_platform", SharesJson(o.by_platform, true)},
                         {"by_channel", SharesJson(o.by_channel, false)},
                         {"by_lifecycle", SharesJson(o.by_lifecycle, false)}});
}

}  // namespace

void AddInsightRoutes(Router& router, const Guard& guard, insight::OverviewReport* overview) {
    AddGuardedRoute(router, guard,
                    {Method::kGet, "/api/v1/overview", "getOverview", "insight.read",
                     "The pool, its growth and sales per local day (数据看板)"},
                    [overview](Request& r, const staff::Principal& p) { return GetOverview(overview, r, p); });
}

}  // namespace yutang::http
