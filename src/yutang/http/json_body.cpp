#include "yutang/http/json_body.hpp"

#include <memory>
#include <vector>

#include <boost/json/stream_parser.hpp>

namespace yutang::http {
namespace ondemand = simdjson::ondemand;
namespace {

// Deeper nesting is refused. Request bodies of ours are a few levels deep; the cap bounds the
// validator's recursion (and Boost.JSON's on the error path) whatever a client sends.
constexpr int kMaxDepth = 128;

constexpr std::string_view kBodyField = "body";

}  // namespace

// A parser and its padded input buffer, reused across requests on one thread.
namespace internal {
struct JsonSlot {
    ondemand::parser parser;
    std::string buffer;  // body followed by SIMDJSON_PADDING bytes
};
}  // namespace internal

namespace {

std::vector<std::unique_ptr<internal::JsonSlot>>& Pool() {
    thread_local std::vector<std::unique_ptr<internal::JsonSlot>> pool;
    return pool;
}

internal::JsonSlot* AcquireSlot() {
    auto& pool = Pool();
    if (pool.empty()) return new internal::JsonSlot();
    internal::JsonSlot* slot = pool.back().release();
    pool.pop_back();
    return slot;
}

void ReleaseSlot(internal::JsonSlot* slot) {
    // A few slots per thread cover nesting; big buffers are not kept (one huge body must not pin
    // megabytes per thread forever).
    constexpr size_t kMaxPooled = 4;
    constexpr size_t kMaxKeptBuffer = 256 * 1024;
    auto& pool = Pool();
    if (pool.size() >= kMaxPooled || slot->buffer.capacity() > kMaxKeptBuffer) {
        delete slot;
        return;
    }
    pool.emplace_back(slot);
}

simdjson::padded_string_view Load(internal::JsonSlot& slot, std::string_view body) {
    slot.buffer.assign(body);
    slot.buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    return simdjson::padded_string_view(slot.buffer.data(), body.size(), slot.buffer.size());
}

simdjson::error_code ValidateValue(ondemand::value value, int depth);

simdjson::error_code ValidateObject(ondemand::object object, int depth) {
    if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
    for (auto field : object) {
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return error;
        ondemand::value value;
        if (auto error = field.value().get(value)) return error;
        if (auto error = ValidateValue(value, depth + 1)) return error;
    }
    return simdjson::SUCCESS;
}

simdjson::error_code ValidateArray(ondemand::array array, int depth) {
    if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
    for (auto element : array) {
        ondemand::value value;
        if (auto error = element.get(value)) return error;
        if (auto error = ValidateValue(value, depth + 1)) return error;
    }
    return simdjson::SUCCESS;
}

// On-Demand only checks what is read, so validation reads everything: every key, string,
// number and literal.
template <typename V>
simdjson::error_code ValidateScalarOrContainer(V& value, int depth) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return error;
    switch (type) {
        case ondemand::json_type::object: {
            ondemand::object object;
            if (auto error = value.get_object().get(object)) return error;
            return ValidateObject(object, depth);
        }
        case ondemand::json_type::array: {
            ondemand::array array;
            if (auto error = value.get_array().get(array)) return error;
            return ValidateArray(array, depth);
        }
        case ondemand::json_type::string: {
            std::string_view text;
            return value.get_string().get(text);
        }
        case ondemand::json_type::number: {
            ondemand::number number;
            simdjson::error_code error = value.get_number().get(number);
            // Integers beyond 64 bits are valid JSON (RFC 8259 §6 leaves range to implementations)
            // but get_number() refuses them; get_double() reads them and still checks the syntax.
            if (error == simdjson::NUMBER_ERROR) {
                double approximate = 0;
                error = value.get_double().get(approximate);
            }
            return error;
        }
        case ondemand::json_type::boolean: {
            bool flag = false;
            return value.get_bool().get(flag);
        }
        case ondemand::json_type::null: {
            bool is_null = false;
            if (auto error = value.is_null().get(is_null)) return error;
            return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
        }
    }
    return simdjson::TAPE_ERROR;
}

simdjson::error_code ValidateValue(ondemand::value value, int depth) { return ValidateScalarOrContainer(value, depth); }

// The error path only: where does the input stop being JSON? Boost.JSON's stream_parser reports
// how many bytes it consumed before failing, which is exactly that offset.
Status MalformedJson(std::string_view body, simdjson::error_code simdjson_error) {
    boost::json::parse_options options;
    options.max_depth = kMaxDepth + 2;
    boost::json::stream_parser parser({}, options);
    boost::system::error_code error;
    size_t offset = parser.write(body.data(), body.size(), error);
    if (!error) {
        parser.finish(error);
        offset = body.size();
    }
    std::string what;
    if (error) {
        what = error.message();
    } else {
        // Valid for Boost.JSON but not for simdjson: numbers out of range (1e400, integers
        // beyond 64 bits) or nesting deeper than kMaxDepth.
        what = simdjson::error_message(simdjson_error);
        offset = 0;
    }
    return InvalidArgument("malformed JSON at offset " + std::to_string(offset) + ": " + what, std::string(kBodyField));
}

// Validates the whole document; leaves it rewound on success.
simdjson::error_code ValidateDocument(ondemand::document& document) {
    if (auto error = ValidateScalarOrContainer(document, 0)) return error;
    // current_location() fails (OUT_OF_BOUNDS) exactly when the whole input has been consumed.
    const char* location = nullptr;
    if (document.current_location().get(location) == simdjson::SUCCESS) return simdjson::TRAILING_CONTENT;
    document.rewind();
    return simdjson::SUCCESS;
}

Status TypeError(const JsonObject& object, std::string_view key, std::string_view what) {
    std::string field = object.FieldName(key);
    return InvalidArgument(field + " must be " + std::string(what), field);
}

}  // namespace

Status CheckJson(std::string_view body) {
    internal::JsonSlot* slot = AcquireSlot();
    ondemand::document document;
    simdjson::error_code error = slot->parser.iterate(Load(*slot, body)).get(document);
    if (!error) error = ValidateDocument(document);
    ReleaseSlot(slot);
    if (error) return MalformedJson(body, error);
    return OkStatus();
}

JsonBody::JsonBody() : slot_(AcquireSlot()) {}
JsonBody::~JsonBody() { ReleaseSlot(slot_); }

Status JsonBody::Parse(std::string_view body) {
    simdjson::error_code error = slot_->parser.iterate(Load(*slot_, body)).get(document_);
    if (!error) error = ValidateDocument(document_);
    if (error) return MalformedJson(body, error);
    ondemand::object object;
    if (document_.get_object().get(object)) {
        return InvalidArgument("request body must be a JSON object", std::string(kBodyField));
    }
    root_ = JsonObject(object, "");
    return OkStatus();
}

std::string JsonObject::FieldName(std::string_view key) const {
    std::string name = prefix_;
    name += key;
    return name;
}

Result<std::optional<ondemand::value>> JsonObject::Find(std::string_view key) {
    ondemand::value value;
    simdjson::error_code error = object_.find_field_unordered(key).get(value);
    if (error == simdjson::NO_SUCH_FIELD) return std::optional<ondemand::value>();
    if (error) {
        std::string field = FieldName(key);
        return InvalidArgument(field + " cannot be read", field);
    }
    bool is_null = false;
    if (!value.is_null().get(is_null) && is_null) return std::optional<ondemand::value>();
    return std::optional<ondemand::value>(value);
}

Result<std::optional<std::string>> JsonObject::GetOptionalString(std::string_view key) {
    YT_ASSIGN_OR_RETURN(std::optional<ondemand::value> value, Find(key));
    if (!value) return std::optional<std::string>();
    std::string_view text;
    if (value->get_string().get(text)) return TypeError(*this, key, "a string");
    return std::optional<std::string>(std::string(text));
}

Result<std::optional<int64_t>> JsonObject::GetOptionalInt(std::string_view key) {
    YT_ASSIGN_OR_RETURN(std::optional<ondemand::value> value, Find(key));
    if (!value) return std::optional<int64_t>();
    ondemand::json_type type;
    if (value->type().get(type) || type != ondemand::json_type::number) return TypeError(*this, key, "an integer");
    std::string_view token = value->raw_json_token();
    // 1.0 and 1e3 are integral values but not integers as written; refusing them keeps ids and
    // amounts (integer fen) from ever passing through a double.
    if (token.find_first_of(".eE") != std::string_view::npos) return TypeError(*this, key, "an integer");
    int64_t number = 0;
    if (value->get_int64().get(number)) {
        std::string field = FieldName(key);
        return InvalidArgument(field + " is out of range", field);
    }
    return std::optional<int64_t>(number);
}

Result<std::optional<double>> JsonObject::GetOptionalDouble(std::string_view key) {
    YT_ASSIGN_OR_RETURN(std::optional<ondemand::value> value, Find(key));
    if (!value) return std::optional<double>();
    double number = 0;
    if (value->get_double().get(number)) return TypeError(*this, key, "a number");
    return std::optional<double>(number);
}

Result<std::optional<bool>> JsonObject::GetOptionalBool(std::string_view key) {
    YT_ASSIGN_OR_RETURN(std::optional<ondemand::value> value, Find(key));
    if (!value) return std::optional<bool>();
    bool flag = false;
    if (value->get_bool().get(flag)) return TypeError(*this, key, "true or false");
    return std::optional<bool>(flag);
}

Result<std::optional<JsonObject>> JsonObject::GetOptionalObject(std::string_view key) {
    YT_ASSIGN_OR_RETURN(std::optional<ondemand::value> value, Find(key));
    if (!value) return std::optional<JsonObject>();
    ondemand::object object;
    if (value->get_object().get(object)) return TypeError(*this, key, "an object");
    return std::optional<JsonObject>(JsonObject(object, FieldName(key) + "."));
}

namespace {

template <typename T>
Result<T> Required(const JsonObject& object, std::string_view key, Result<std::optional<T>> result) {
    if (!result.ok()) return result.status();
    if (!result.value()) {
        std::string field = object.FieldName(key);
        return InvalidArgument(field + " is required", field);
    }
    return std::move(*std::move(result).value());
}

}  // namespace

Result<std::string> JsonObject::GetString(std::string_view key) { return Required(*this, key, GetOptionalString(key)); }
Result<int64_t> JsonObject::GetInt(std::string_view key) { return Required(*this, key, GetOptionalInt(key)); }
Result<double> JsonObject::GetDouble(std::string_view key) { return Required(*this, key, GetOptionalDouble(key)); }
Result<bool> JsonObject::GetBool(std::string_view key) { return Required(*this, key, GetOptionalBool(key)); }
Result<JsonObject> JsonObject::GetObject(std::string_view key) { return Required(*this, key, GetOptionalObject(key)); }

}  // namespace yutang::http
