// Reading JSON response bodies in tests.
#pragma once

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/support/http_client.hpp"

namespace yutang::testing {

// The body as an object; adds a test failure (and returns {}) if it is not one.
inline boost::json::object ParseObject(const std::string& body) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << body;
        return {};
    }
    return value.as_object();
}

// The body of a response expected to have `status`, as an object; a test failure and {} otherwise.
inline boost::json::object ExpectJson(const HttpResponse& response, int status) {
    EXPECT_EQ(response.status, status) << response.body;
    return response.status == status ? ParseObject(response.body) : boost::json::object();
}

// error.code of an error body, or "" when there is none.
inline std::string ErrorCodeOf(const std::string& body) {
    const auto object = ParseObject(body);
    const auto* error = object.if_contains("error");
    if (!error || !error->is_object()) return "";
    return std::string(error->as_object().at("code").as_string());
}

// error.field of an error body, or "" when there is none.
inline std::string ErrorFieldOf(const std::string& body) {
    const auto object = ParseObject(body);
    const auto* error = object.if_contains("error");
    if (!error || !error->is_object()) return "";
    const auto* field = error->as_object().if_contains("field");
    return field && field->is_string() ? std::string(field->as_string()) : "";
}

}  // namespace yutang::testing
