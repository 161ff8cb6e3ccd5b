// Reading JSON request bodies: strict validation with byte offsets in errors, then typed field
// access with errors that name the field. simdjson On-Demand underneath (the ingest hot path).
//
//   Response CreateStaff(Request& request) {
//       JsonBody json;
//       if (Status s = json.Parse(request.body); !s.ok()) return ErrorResponse(s, request.request_id);
//       Result<std::string> email = json.root().GetString("email");           // required
//       Result<std::optional<std::string>> name = json.root().GetOptionalString("name");
//       ...
//   }
//
// With ResultHandler (router.hpp) the same reads as YT_ASSIGN_OR_RETURN(std::string email,
// json.root().GetString("email")).
//
// Errors are invalid_argument with the JSON field in Status::field(): "email" for a top-level
// field, "address.city" inside GetObject("address"), "body" for malformed JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "yutang/base/status.hpp"

namespace yutang::http {

namespace internal {
struct JsonSlot;  // a pooled parser and buffer (json_body.cpp)
}  // namespace internal

// Fully validates `body` as one JSON value (RFC 8259: any top-level value; no comments, no
// trailing commas, valid UTF-8, nothing after the value but whitespace). OK or invalid_argument
// with field "body" and message "malformed JSON at offset N: <what>", N being the 0-based byte
// offset where the input stops being JSON. Thread-safe.
Status CheckJson(std::string_view body);

// A JSON object inside a JsonBody. Getters look fields up in any order (the first occurrence
// of a duplicated key wins). Valid only while its JsonBody lives. A value may be read once:
// reading the same key twice, or a parent's field while a nested JsonObject is still being
// read, is a misuse that simdjson reports as an error (returned as invalid_argument).
// Not thread-safe.
class JsonObject {
  public:
    JsonObject() = default;

    // Required field: invalid_argument "<field> is required" if missing or null, "<field> must
    // be a string/an integer/…" on a wrong type.
    Result<std::string> GetString(std::string_view key);
    Result<int64_t> GetInt(std::string_view key);    // integers only: 1.0 and 1e3 are rejected
    Result<double> GetDouble(std::string_view key);  // any JSON number
    Result<bool> GetBool(std::string_view key);
    // A nested object; its errors name fields "<this path>.<key>.<field>".
    Result<JsonObject> GetObject(std::string_view key);

    // Optional field: nullopt if missing or null; the same type errors as above.
    Result<std::optional<std::string>> GetOptionalString(std::string_view key);
    Result<std::optional<int64_t>> GetOptionalInt(std::string_view key);
    Result<std::optional<double>> GetOptionalDouble(std::string_view key);
    Result<std::optional<bool>> GetOptionalBool(std::string_view key);
    Result<std::optional<JsonObject>> GetOptionalObject(std::string_view key);

    // Escape hatch for arrays and other shapes: the raw On-Demand value (nullopt if missing or
    // null). Use FieldName(key) in errors about it.
    Result<std::optional<simdjson::ondemand::value>> Find(std::string_view key);

    // The field name reported for `key` in errors: "address.city".
    std::string FieldName(std::string_view key) const;

  private:
    friend class JsonBody;
    JsonObject(simdjson::ondemand::object object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {}

    simdjson::ondemand::object object_;
    std::string prefix_;  // "" at the root, "address." inside GetObject("address")
};

// Owns a parsed request body. Parsers and padded buffers come from a small per-thread pool, so
// a steady stream of requests allocates nothing here once warm. Not copyable or movable (the
// root object points into it); create it on the stack in the handler.
class JsonBody {
  public:
    JsonBody();
    ~JsonBody();
    JsonBody(const JsonBody&) = delete;
    JsonBody& operator=(const JsonBody&) = delete;

    // Validates `body` like CheckJson, then requires a top-level object (invalid_argument
    // "request body must be a JSON object", field "body"). Copies `body`. Call once.
    Status Parse(std::string_view body);

    // The top-level object. Precondition: Parse returned OK.
    JsonObject& root() { return root_; }

  private:
    internal::JsonSlot* slot_;
    simdjson::ondemand::document document_;
    JsonObject root_;
};

}  // namespace yutang::http
