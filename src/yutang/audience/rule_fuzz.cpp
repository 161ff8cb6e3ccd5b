// libFuzzer target for the rule parsers. Every input goes to the text parser and to the JSON
// parser; whatever parses must be valid and round-trip exactly:
//   text → rule → text → rule (same rule, same canonical text), rule → JSON → rule (same rule),
//   JSON → rule → JSON → rule (same rule, same canonical JSON), rule → text → rule.
// Errors must point inside the input. Built and run by scripts/fuzz.sh (clang, ASan, UBSan).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "yutang/audience/rule.hpp"

namespace {

using yutang::audience::ParseRuleJson;
using yutang::audience::ParseRuleText;
using yutang::audience::Rule;
using yutang::audience::RuleResult;

[[noreturn]] void Die(const char* what, std::string_view input, const std::string& detail) {
    std::fprintf(stderr, "rule_fuzz: %s\ninput: %.*s\ndetail: %s\n", what, static_cast<int>(input.size()), input.data(),
                 detail.c_str());
    std::abort();
}

void CheckError(const RuleResult& result, std::string_view input, bool text_form) {
    const auto& error = result.error();
    if (error.message_en.empty() || error.message_zh.empty()) Die("error without a message", input, error.where());
    // Text errors always have a position; JSON errors have one (syntax) or a pointer (meaning).
    if (text_form && error.line < 1) Die("text error without a position", input, error.message_en);
    if (error.line > 0 && (error.offset > input.size() || error.column < 1)) {
        Die("error position outside the input", input, error.where() + " " + error.message_en);
    }
    if (error.line == 0 && !error.pointer.empty() && error.pointer[0] != '/') {
        Die("malformed JSON pointer", input, error.pointer);
    }
}

// The rule must be valid and survive both forms unchanged.
void CheckRule(const Rule& rule, std::string_view input) {
    if (auto problem = yutang::audience::Validate(rule)) Die("parsed rule is invalid", input, problem->message_en);
    const std::string text = yutang::audience::ToText(rule);
    const RuleResult from_text = ParseRuleText(text);
    if (!from_text.ok()) Die("canonical text does not parse", input, text + " → " + from_text.error().message_en);
    if (!(from_text.value() == rule)) Die("text round trip changed the rule", input, text);
    if (yutang::audience::ToText(from_text.value()) != text) Die("canonical text is not stable", input, text);
    const std::string json = yutang::audience::ToJson(rule);
    const RuleResult from_json = ParseRuleJson(json);
    if (!from_json.ok()) Die("canonical JSON does not parse", input, json + " → " + from_json.error().message_en);
    if (!(from_json.value() == rule)) Die("JSON round trip changed the rule", input, json);
    if (yutang::audience::ToJson(from_json.value()) != json) Die("canonical JSON is not stable", input, json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const RuleResult text = ParseRuleText(input);
    if (text.ok()) {
        CheckRule(text.value(), input);
    } else {
        CheckError(text, input, true);
    }
    const RuleResult json = ParseRuleJson(input);
    if (json.ok()) {
        CheckRule(json.value(), input);
    } else {
        CheckError(json, input, false);
    }
    return 0;
}
