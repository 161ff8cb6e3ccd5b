// The JSON form of rules: reading (Boost.JSON's SAX parser into a small tree that keeps
// duplicate keys and the exact spelling of numbers, then a strict walk that names every problem
// by JSON pointer) and canonical writing. The schema is in docs/design/rules.md.
#include <algorithm>
#include <array>
#include <exception>
#include <string>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>

#include "yutang/audience/internal/spec.hpp"
#include "yutang/audience/rule.hpp"

namespace yutang::audience {
namespace {

using internal::Message;
using internal::ValueKind;

// ---- Reading JSON into a tree ----

struct JsonMember;

struct JsonNode {
    enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
    Type type = Type::kNull;
    bool boolean = false;
    std::string text;  // a string's value or a number's spelling
    std::vector<JsonNode> items;
    std::vector<JsonMember> members;  // in document order, duplicates kept
};

struct JsonMember {
    std::string key;
    JsonNode value;
};

// Builds a JsonNode tree from the parser's events. Only ancestors of the value being read are
// on `open_`; each is the last element of its parent, which does not grow meanwhile, so the
// pointers stay valid.
class TreeBuilder {
  public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = kMaxRuleJsonBytes;
    static constexpr std::size_t max_key_size = kMaxRuleJsonBytes;

    const JsonNode& root() const { return root_; }

    bool on_document_begin(boost::json::error_code&) { return true; }
    bool on_document_end(boost::json::error_code&) { return true; }
    bool on_array_begin(boost::json::error_code&) {
        open_.push_back(Add(JsonNode{.type = JsonNode::Type::kArray}));
        return true;
    }
    bool on_array_end(std::size_t, boost::json::error_code&) {
        open_.pop_back();
        return true;
    }
    bool on_object_begin(boost::json::error_code&) {
        open_.push_back(Add(JsonNode{.type = JsonNode::Type::kObject}));
        return true;
    }
    bool on_object_end(std::size_t, boost::json::error_code&) {
        open_.pop_back();
        return true;
    }
    bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        text_.append(s.data(), s.size());
        Add(JsonNode{.type = JsonNode::Type::kString, .text = std::move(text_)});
        text_.clear();
        return true;
    }
    bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        key_.append(s.data(), s.size());
        return true;
    }
    bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_int64(int64_t, boost::json::string_view s, boost::json::error_code&) { return Number(s); }
    bool on_uint64(uint64_t, boost::json::string_view s, boost::json::error_code&) { return Number(s); }
    bool on_double(double, boost::json::string_view s, boost::json::error_code&) { return Number(s); }
    bool on_bool(bool b, boost::json::error_code&) {
        Add(JsonNode{.type = JsonNode::Type::kBool, .boolean = b});
        return true;
    }
    bool on_null(boost::json::error_code&) {
        Add(JsonNode{});
        return true;
    }
    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

  private:
    bool Number(boost::json::string_view s) {
        text_.append(s.data(), s.size());
        Add(JsonNode{.type = JsonNode::Type::kNumber, .text = std::move(text_)});
        text_.clear();
        return true;
    }

    JsonNode* Add(JsonNode node) {
        if (open_.empty()) {
            root_ = std::move(node);
            return &root_;
        }
        JsonNode* parent = open_.back();
        if (parent->type == JsonNode::Type::kArray) {
            parent->items.push_back(std::move(node));
            return &parent->items.back();
        }
        parent->members.push_back(JsonMember{.key = std::move(key_), .value = std::move(node)});
        key_.clear();
        return &parent->members.back().value;
    }

    JsonNode root_;
    std::vector<JsonNode*> open_;
    std::string key_;
    std::string text_;
};

Message SyntaxMessage(const boost::json::error_code& ec, size_t offset) {
    const std::string at = std::to_string(offset);
    std::string zh = "JSON 格式错误（第 " + at + " 字节）";
    if (ec == boost::json::error::incomplete) {
        zh = "JSON 不完整（第 " + at + " 字节处意外结束）";
    } else if (ec == boost::json::error::too_deep) {
        return {"malformed JSON at byte " + at + ": nested too deeply", "JSON 嵌套过深（第 " + at + " 字节）"};
    } else if (ec == boost::json::error::extra_data) {
        zh = "JSON 值之后还有多余内容（第 " + at + " 字节）";
    } else if (ec == boost::json::error::syntax) {
        zh += "：语法错误";
    }
    return {"malformed JSON at byte " + at + ": " + ec.message(), std::move(zh)};
}

// ---- From the tree to a rule ----

std::string EscapePointer(std::string_view key) {
    std::string out;
    for (const char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

constexpr std::array<std::string_view, 12> kSubjects = {
    "all", "any", "not", "tag", "attribute", "trait", "has", "consent", "event", "segment", "birthday", "months_since"};

const JsonNode* Find(const JsonNode& object, std::string_view key) {
    for (const auto& [name, value] : object.members) {
        if (name == key) return &value;
    }
    return nullptr;
}

class JsonReader {
  public:
    RuleResult Read(const JsonNode& root) {
        Rule rule;
        if (!ReadRule(root, "", 1, &rule)) return std::move(*error_);
        return rule;
    }

  private:
    bool Fail(std::string pointer, Message message) {
        error_ = RuleError{
            .pointer = std::move(pointer), .message_en = std::move(message.en), .message_zh = std::move(message.zh)};
        return false;
    }

    bool ReadRule(const JsonNode& node, const std::string& pointer, int depth, Rule* out) {
        if (depth > kMaxRuleDepth) return Fail(pointer, internal::TooDeepMessage());
        if (node.type != JsonNode::Type::kObject) {
            return Fail(pointer, {"expected a condition: an object such as {\"trait\":\"order_count\",…}",
                                  "此处应为一个条件对象，如 {\"trait\":\"order_count\",…}"});
        }
        std::string_view subject;
        for (size_t i = 0; i < node.members.size(); ++i) {
            const std::string& key = node.members[i].key;
            for (size_t j = 0; j < i; ++j) {
                if (node.members[j].key == key) {
                    return Fail(pointer + "/" + EscapePointer(key),
                                {"field '" + key + "' is given twice", "字段 '" + key + "' 重复出现"});
                }
            }
            if (std::find(kSubjects.begin(), kSubjects.end(), key) == kSubjects.end()) continue;
            if (!subject.empty()) {
                return Fail(pointer + "/" + EscapePointer(key),
                            {"a condition has one subject; found both '" + std::string(subject) + "' and '" + key + "'",
                             "一个条件只能有一个主体；同时出现了 '" + std::string(subject) + "' 和 '" + key + "'"});
            }
            subject = key;
        }
        if (subject.empty()) {
            return Fail(pointer, {"expected a condition: an object with one of all, any, not, tag, attribute, trait, "
                                  "has, consent, event, segment, birthday, months_since",
                                  "此处应为一个条件：对象须含 all、any、not、tag、attribute、trait、has、consent、"
                                  "event、segment、birthday、months_since 之一"});
        }
        const JsonNode& body = *Find(node, subject);
        if (subject == "all" || subject == "any") {
            return Only(node, pointer, {subject}) && ReadGroup(body, pointer, subject, depth, out);
        }
        if (subject == "not") {
            if (!Only(node, pointer, {"not"})) return false;
            Rule child;
            if (!ReadRule(body, pointer + "/not", depth + 1, &child)) return false;
            *out = Rule::Not(std::move(child));
            return true;
        }
        if (++conditions_ > kMaxRuleConditions) return Fail(pointer, internal::TooManyConditionsMessage());
        Condition condition;
        if (!ReadCondition(node, subject, pointer, &condition)) return false;
        if (auto problem = internal::CheckCondition(condition)) {
            return Fail(pointer + problem->part, std::move(problem->message));
        }
        *out = Rule::Of(std::move(condition));
        return true;
    }

    bool ReadGroup(const JsonNode& body, const std::string& pointer, std::string_view key, int depth, Rule* out) {
        const std::string here = pointer + "/" + std::string(key);
        if (body.type != JsonNode::Type::kArray) {
            return Fail(here, {"'" + std::string(key) + "' takes a list of conditions",
                               "'" + std::string(key) + "' 应为条件列表"});
        }
        if (body.items.empty()) {
            if (key == "any") return Fail(here, {"'any' needs at least one condition", "'any' 至少需要一个条件"});
            if (++conditions_ > kMaxRuleConditions) return Fail(pointer, internal::TooManyConditionsMessage());
            *out = Rule::Of(Everyone{});
            return true;
        }
        // A group of one is its condition: visual editors make these while one builds a rule.
        if (body.items.size() == 1) return ReadRule(body.items[0], here + "/0", depth, out);
        std::vector<Rule> children(body.items.size());
        for (size_t i = 0; i < body.items.size(); ++i) {
            if (!ReadRule(body.items[i], here + "/" + std::to_string(i), depth + 1, &children[i])) return false;
        }
        *out = key == "all" ? Rule::All(std::move(children)) : Rule::Any(std::move(children));
        return true;
    }

    // Fails on any field but `allowed`.
    bool Only(const JsonNode& object, const std::string& pointer, std::initializer_list<std::string_view> allowed) {
        for (const auto& [key, value] : object.members) {
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string list;
            for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
            return Fail(pointer + "/" + EscapePointer(key), {"unknown field '" + key + "' (expected " + list + ")",
                                                             "未知字段 '" + key + "'（可用字段：" + list + "）"});
        }
        return true;
    }

    bool String(const JsonNode* node, const std::string& pointer, std::string* out) {
        if (node == nullptr) return Fail(pointer, {"this field is required", "缺少此字段"});
        if (node->type != JsonNode::Type::kString) return Fail(pointer, {"expected a string", "此处应为字符串"});
        *out = node->text;
        return true;
    }

    bool ReadCondition(const JsonNode& node, std::string_view subject, const std::string& pointer, Condition* out) {
        if (subject == "tag") return ReadTag(node, pointer, out);
        if (subject == "attribute") {
            if (!Only(node, pointer, {"attribute", "op", "value", "type"})) return false;
            AttributeCondition c;
            if (!String(Find(node, "attribute"), pointer + "/attribute", &c.attribute)) return false;
            if (!ReadComparison(node, pointer, ValueKind::kAny, &c.test)) return false;
            *out = std::move(c);
            return true;
        }
        if (subject == "trait") return ReadTrait(node, pointer, out);
        if (subject == "has") {
            if (!Only(node, pointer, {"has"})) return false;
            std::string name;
            if (!String(Find(node, "has"), pointer + "/has", &name)) return false;
            auto kind = internal::IdentityByName(name);
            if (!kind) {
                return Fail(pointer + "/has", {"unknown identity '" + name +
                                                   "' (phone, email, wecom_external_userid, "
                                                   "wechat_unionid, wechat_openid, jd, taobao, douyin, pdd, youzan, "
                                                   "user_id, anonymous_id)",
                                               "未知的身份类型 '" + name + "'"});
            }
            *out = IdentityCondition{.kind = *kind};
            return true;
        }
        if (subject == "consent") return ReadConsent(node, pointer, out);
        if (subject == "event") return ReadEvent(node, pointer, out);
        if (subject == "segment") {
            if (!Only(node, pointer, {"segment"})) return false;
            const JsonNode& value = *Find(node, "segment");
            if (value.type == JsonNode::Type::kString) {
                *out = SegmentCondition{.segment = value.text};
                return true;
            }
            std::optional<int64_t> id;
            if (value.type == JsonNode::Type::kNumber) id = internal::ParseIntegerText(value.text);
            if (!id) return Fail(pointer + "/segment", {"expected a segment id or name", "此处应为分群 id 或名称"});
            *out = SegmentCondition{.segment = SegmentId(*id)};
            return true;
        }
        if (subject == "birthday") return ReadBirthday(node, pointer, out);
        // months_since
        if (!Only(node, pointer, {"months_since", "op", "value"})) return false;
        MonthsSinceCondition c;
        if (!String(Find(node, "months_since"), pointer + "/months_since", &c.attribute)) return false;
        if (!ReadComparison(node, pointer, ValueKind::kMonths, &c.test)) return false;
        *out = std::move(c);
        return true;
    }

    bool ReadTag(const JsonNode& node, const std::string& pointer, Condition* out) {
        if (!Only(node, pointer, {"tag", "op"})) return false;
        TagCondition c;
        const JsonNode& tags = *Find(node, "tag");
        const JsonNode* op = Find(node, "op");
        std::string op_name = "has";
        if (op != nullptr && !String(op, pointer + "/op", &op_name)) return false;
        if (op == nullptr && tags.type == JsonNode::Type::kArray) {
            return Fail(pointer + "/op", {"'op' is required with a list of tags: any_of or all_of",
                                          "标签列表需要 'op'：any_of 或 all_of"});
        }
        if (op_name == "has") {
            c.op = TagOp::kHas;
        } else if (op_name == "has_not") {
            c.op = TagOp::kHasNot;
        } else if (op_name == "any_of") {
            c.op = TagOp::kAnyOf;
        } else if (op_name == "all_of") {
            c.op = TagOp::kAllOf;
        } else {
            return Fail(pointer + "/op", {"unknown tag operator '" + op_name + "' (has, has_not, any_of, all_of)",
                                          "未知的标签运算 '" + op_name + "'（has、has_not、any_of、all_of）"});
        }
        const bool single = c.op == TagOp::kHas || c.op == TagOp::kHasNot;
        if (single) {
            if (tags.type != JsonNode::Type::kString) {
                return Fail(pointer + "/tag", {"'" + op_name +
                                                   "' takes one tag as a string; use any_of or all_of "
                                                   "for a list",
                                               "'" + op_name + "' 只带一个标签（字符串）；列表请用 any_of 或 all_of"});
            }
            c.tags.push_back(tags.text);
        } else {
            if (tags.type != JsonNode::Type::kArray) {
                return Fail(pointer + "/tag",
                            {"'" + op_name + "' takes a list of tags", "'" + op_name + "' 应为标签列表"});
            }
            for (size_t i = 0; i < tags.items.size(); ++i) {
                std::string tag;
                if (!String(&tags.items[i], pointer + "/tag/" + std::to_string(i), &tag)) return false;
                c.tags.push_back(std::move(tag));
            }
        }
        *out = std::move(c);
        return true;
    }

    bool ReadTrait(const JsonNode& node, const std::string& pointer, Condition* out) {
        if (!Only(node, pointer, {"trait", "op", "value", "within"})) return false;
        std::string name;
        if (!String(Find(node, "trait"), pointer + "/trait", &name)) return false;
        const auto trait = internal::TraitByName(name);
        if (!trait) {
            std::vector<std::string_view> names;
            for (const auto& info : internal::AllTraits()) names.push_back(info.name);
            const std::string suggestion = internal::Suggestion(name, names);
            return Fail(
                pointer + "/trait",
                {"unknown trait '" + name + "'" + (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"),
                 "未知的指标 '" + name + "'" + (suggestion.empty() ? "" : "；是否想写 '" + suggestion + "'？")});
        }
        TraitCondition c{.trait = *trait};
        if (!ReadComparison(node, pointer, internal::InfoOf(*trait).kind, &c.test)) return false;
        if (!ReadWindow(node, pointer, &c.window)) return false;
        *out = std::move(c);
        return true;
    }

    bool ReadWindow(const JsonNode& node, const std::string& pointer, std::optional<Duration>* out) {
        const JsonNode* within = Find(node, "within");
        if (within == nullptr) return true;
        std::optional<Duration> duration;
        if (within->type == JsonNode::Type::kString) duration = internal::ParseDurationText(within->text);
        if (!duration) {
            return Fail(pointer + "/within",
                        {"expected a window such as \"90d\" or \"12h\"", "此处应为时间窗口，如 \"90d\" 或 \"12h\""});
        }
        *out = duration;
        return true;
    }

    bool ReadConsent(const JsonNode& node, const std::string& pointer, Condition* out) {
        if (!Only(node, pointer, {"consent", "op"})) return false;
        std::string name;
        if (!String(Find(node, "consent"), pointer + "/consent", &name)) return false;
        const auto purpose = internal::PurposeByName(name);
        if (!purpose) {
            return Fail(pointer + "/consent", {"unknown consent purpose '" + name +
                                                   "' (marketing.sms, marketing.wecom, marketing.email, "
                                                   "marketing.phone, conversation_archive)",
                                               "未知的授权用途 '" + name +
                                                   "'（marketing.sms、marketing.wecom、marketing.email、"
                                                   "marketing.phone、conversation_archive）"});
        }
        ConsentCondition c{.purpose = *purpose};
        if (const JsonNode* op = Find(node, "op")) {
            std::string op_name;
            if (!String(op, pointer + "/op", &op_name)) return false;
            if (op_name != "consented" && op_name != "not_consented") {
                return Fail(pointer + "/op", {"a consent 'op' is consented or not_consented",
                                              "授权条件的 'op' 为 consented 或 not_consented"});
            }
            c.consented = op_name == "consented";
        }
        *out = c;
        return true;
    }

    bool ReadEvent(const JsonNode& node, const std::string& pointer, Condition* out) {
        if (!Only(node, pointer, {"event", "where", "count", "first", "last", "within"})) return false;
        EventCondition c;
        if (!String(Find(node, "event"), pointer + "/event", &c.event)) return false;
        if (const JsonNode* where = Find(node, "where")) {
            const std::string here = pointer + "/where";
            if (where->type != JsonNode::Type::kObject) {
                return Fail(here, {"'where' takes an object {\"property\",\"op\",\"value\"}",
                                   "'where' 应为对象 {\"property\",\"op\",\"value\"}"});
            }
            if (!NoDuplicates(*where, here) || !Only(*where, here, {"property", "op", "value", "type"})) return false;
            PropertyFilter filter;
            if (!String(Find(*where, "property"), here + "/property", &filter.property)) return false;
            if (!ReadComparison(*where, here, ValueKind::kAny, &filter.test)) return false;
            c.where = std::move(filter);
        }
        int measures = 0;
        for (const EventMeasure measure : {EventMeasure::kCount, EventMeasure::kFirst, EventMeasure::kLast}) {
            const std::string name(internal::EventMeasureName(measure));
            const JsonNode* test = Find(node, name);
            if (test == nullptr) continue;
            const std::string here = pointer + "/" + name;
            if (++measures > 1) {
                return Fail(here, {"an event condition takes one of count, first and last",
                                   "事件条件只能有 count、first、last 之一"});
            }
            if (test->type != JsonNode::Type::kObject) {
                return Fail(here, {"'" + name + "' takes an object {\"op\",\"value\"}",
                                   "'" + name + "' 应为对象 {\"op\",\"value\"}"});
            }
            if (!NoDuplicates(*test, here) || !Only(*test, here, {"op", "value"})) return false;
            c.measure = measure;
            const ValueKind kind = measure == EventMeasure::kCount ? ValueKind::kCount : ValueKind::kTime;
            if (!ReadComparison(*test, here, kind, &c.test)) return false;
        }
        if (!ReadWindow(node, pointer, &c.window)) return false;
        *out = std::move(c);
        return true;
    }

    bool ReadBirthday(const JsonNode& node, const std::string& pointer, Condition* out) {
        if (!Only(node, pointer, {"birthday", "op", "value"})) return false;
        BirthdayCondition c;
        if (!String(Find(node, "birthday"), pointer + "/birthday", &c.attribute)) return false;
        std::string op;
        if (!String(Find(node, "op"), pointer + "/op", &op)) return false;
        const JsonNode* value = Find(node, "value");
        if (op == "this_month" || op == "this_week") {
            c.period = op == "this_month" ? BirthdayPeriod::kThisMonth : BirthdayPeriod::kThisWeek;
            if (value != nullptr)
                return Fail(pointer + "/value", {"'" + op + "' takes no value", "'" + op + "' 不带值"});
        } else if (op == "next_days") {
            c.period = BirthdayPeriod::kNextDays;
            std::optional<int64_t> days;
            if (value != nullptr && value->type == JsonNode::Type::kNumber)
                days = internal::ParseIntegerText(value->text);
            if (!days) {
                return Fail(pointer + "/value",
                            {"'next_days' takes a number of days, 1 to 366", "'next_days' 应为天数，1 到 366"});
            }
            c.days = *days;
        } else {
            return Fail(pointer + "/op", {"a birthday 'op' is this_month, this_week or next_days",
                                          "生日条件的 'op' 为 this_month、this_week 或 next_days"});
        }
        *out = std::move(c);
        return true;
    }

    bool NoDuplicates(const JsonNode& object, const std::string& pointer) {
        for (size_t i = 0; i < object.members.size(); ++i) {
            for (size_t j = 0; j < i; ++j) {
                if (object.members[j].key == object.members[i].key) {
                    const std::string& key = object.members[i].key;
                    return Fail(pointer + "/" + EscapePointer(key),
                                {"field '" + key + "' is given twice", "字段 '" + key + "' 重复出现"});
                }
            }
        }
        return true;
    }

    // "op", "value" (and for attributes and properties "type") of `object`.
    bool ReadComparison(const JsonNode& object, const std::string& pointer, ValueKind kind, Comparison* out) {
        std::string op_name;
        if (!String(Find(object, "op"), pointer + "/op", &op_name)) return false;
        const auto op = internal::OpByName(op_name);
        if (!op) {
            return Fail(pointer + "/op", {"unknown operator '" + op_name +
                                              "' (=, !=, <, <=, >, >=, between, in, contains, starts_with, is_set, "
                                              "within, before)",
                                          "未知的运算符 '" + op_name + "'"});
        }
        out->op = *op;
        out->values.clear();
        enum class Hint { kNone, kDate, kMoney } hint = Hint::kNone;
        if (const JsonNode* type = Find(object, "type")) {
            if (type->type != JsonNode::Type::kString || (type->text != "date" && type->text != "money")) {
                return Fail(pointer + "/type", {"'type' is \"date\" or \"money\"", "'type' 为 \"date\" 或 \"money\""});
            }
            hint = type->text == "date" ? Hint::kDate : Hint::kMoney;
        }
        const JsonNode* value = Find(object, "value");
        const std::string here = pointer + "/value";
        if (*op == Op::kIsSet) {
            if (value != nullptr) return Fail(here, {"'is_set' takes no value", "'is_set' 不带值"});
            return true;
        }
        if (value == nullptr) return Fail(here, {"'value' is required", "缺少 'value'"});
        auto read = [&](const JsonNode& node, const std::string& at) {
            Value v;
            if (!ReadValue(node, at, kind, *op, hint == Hint::kDate, hint == Hint::kMoney, &v)) return false;
            out->values.push_back(std::move(v));
            return true;
        };
        if (*op == Op::kBetween || *op == Op::kIn) {
            if (value->type != JsonNode::Type::kArray) {
                return Fail(here,
                            {*op == Op::kBetween ? "'between' takes a list [low, high]" : "'in' takes a list of values",
                             *op == Op::kBetween ? "'between' 应为列表 [下限, 上限]" : "'in' 应为值的列表"});
            }
            for (size_t i = 0; i < value->items.size(); ++i) {
                if (!read(value->items[i], here + "/" + std::to_string(i))) return false;
            }
            return true;
        }
        if (value->type == JsonNode::Type::kArray) {
            return Fail(here,
                        {"'" + op_name + "' takes one value, not a list", "'" + op_name + "' 只带一个值，不是列表"});
        }
        return read(*value, here);
    }

    bool ReadValue(const JsonNode& node, const std::string& pointer, ValueKind kind, Op op, bool as_date, bool as_money,
                   Value* out) {
        using Type = JsonNode::Type;
        auto expected = [&](Message message) { return Fail(pointer, std::move(message)); };
        if (op == Op::kWithin || op == Op::kBefore) {
            std::optional<Duration> duration;
            if (node.type == Type::kString) duration = internal::ParseDurationText(node.text);
            if (!duration)
                return expected(
                    {"expected a duration such as \"30d\" or \"12h\"", "此处应为时长，如 \"30d\" 或 \"12h\""});
            *out = *duration;
            return true;
        }
        auto integer = [&]() -> bool {
            if (node.type != Type::kNumber || !internal::IsIntegerText(node.text)) {
                return expected({"expected a whole number", "此处应为整数"});
            }
            auto v = internal::ParseIntegerText(node.text);
            if (!v) return expected({"number out of range", "数字超出范围"});
            *out = *v;
            return true;
        };
        auto money = [&]() -> bool {
            std::optional<Money> v;
            if (node.type == Type::kNumber || node.type == Type::kString) v = internal::ParseYuanText(node.text);
            if (!v) {
                return expected({"expected an amount in yuan with at most two decimals, e.g. 500 or 99.90",
                                 "此处应为最多两位小数的金额（元），如 500 或 99.90"});
            }
            *out = *v;
            return true;
        };
        auto date = [&]() -> bool {
            std::optional<LocalDate> v;
            if (node.type == Type::kString) v = internal::ParseDateText(node.text);
            if (!v) return expected({"expected a date \"YYYY-MM-DD\"", "此处应为日期 \"YYYY-MM-DD\""});
            *out = *v;
            return true;
        };
        auto text = [&]() -> bool {
            if (node.type != Type::kString) return expected({"expected a string", "此处应为字符串"});
            *out = node.text;
            return true;
        };
        switch (kind) {
            case ValueKind::kCount:
            case ValueKind::kScore:
            case ValueKind::kMonths:
                return integer();
            case ValueKind::kMoney:
                return money();
            case ValueKind::kTime:
                return date();
            case ValueKind::kStage:
            case ValueKind::kString:
                return text();
            case ValueKind::kStaff:
                if (node.type == Type::kString && node.text == "none") {
                    *out = StaffId();
                    return true;
                }
                if (node.type == Type::kNumber && internal::IsIntegerText(node.text)) {
                    if (auto v = internal::ParseIntegerText(node.text)) {
                        *out = StaffId(*v);
                        return true;
                    }
                }
                return expected({"expected a staff id or \"none\"", "此处应为员工 id 或 \"none\""});
            case ValueKind::kAny:
                break;
        }
        if (as_date) return date();
        if (as_money) return money();
        switch (node.type) {
            case Type::kString:
                *out = node.text;
                return true;
            case Type::kBool:
                *out = node.boolean;
                return true;
            case Type::kNumber:
                if (internal::IsIntegerText(node.text)) {
                    if (auto v = internal::ParseIntegerText(node.text)) {
                        *out = *v;
                        return true;
                    }
                    return expected({"integer out of range", "整数超出范围"});
                }
                if (auto v = internal::ParseDoubleText(node.text)) {
                    *out = *v;
                    return true;
                }
                return expected({"number out of range", "数字超出范围"});
            default:
                return expected({"expected a string, a number or true/false", "此处应为字符串、数字或 true/false"});
        }
    }

    std::optional<RuleError> error_;
    int conditions_ = 0;
};

// ---- Writing ----

void WriteString(std::string* out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out->push_back('"');
    for (const char c : s) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out->push_back('\\');
            out->push_back(c);
        } else if (byte < 0x20) {
            *out += "\\u00";
            out->push_back(kHex[byte >> 4]);
            out->push_back(kHex[byte & 0xF]);
        } else {
            out->push_back(c);
        }
    }
    out->push_back('"');
}

void WriteValue(std::string* out, const Value& value) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) {
                *out += v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, int64_t>) {
                *out += internal::FormatInteger(v);
            } else if constexpr (std::is_same_v<T, double>) {
                *out += internal::FormatDouble(v);
            } else if constexpr (std::is_same_v<T, Money>) {
                *out += internal::FormatYuanValue(v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                WriteString(out, v);
            } else if constexpr (std::is_same_v<T, LocalDate>) {
                WriteString(out, FormatIsoDate(v));
            } else if constexpr (std::is_same_v<T, Duration>) {
                WriteString(out, internal::FormatDuration(v));
            } else {
                if (v.valid()) {
                    *out += internal::FormatInteger(v.value());
                } else {
                    *out += "\"none\"";
                }
            }
        },
        value);
}

// ,"op":…,"value":… and, for attributes and properties holding dates or money, ,"type":…
void WriteComparison(std::string* out, const Comparison& test, ValueKind kind) {
    *out += "\"op\":";
    WriteString(out, internal::OpName(test.op));
    if (test.op == Op::kIsSet) return;
    *out += ",\"value\":";
    if (test.op == Op::kBetween || test.op == Op::kIn) {
        out->push_back('[');
        for (size_t i = 0; i < test.values.size(); ++i) {
            if (i > 0) out->push_back(',');
            WriteValue(out, test.values[i]);
        }
        out->push_back(']');
    } else if (!test.values.empty()) {
        WriteValue(out, test.values[0]);
    } else {
        *out += "null";
    }
    if (kind == ValueKind::kAny && !test.values.empty() && test.op != Op::kWithin && test.op != Op::kBefore) {
        if (std::holds_alternative<LocalDate>(test.values[0])) *out += ",\"type\":\"date\"";
        if (std::holds_alternative<Money>(test.values[0])) *out += ",\"type\":\"money\"";
    }
}

bool IsDefaultCount(const EventCondition& c) {
    return c.measure == EventMeasure::kCount && c.test == Comparison{.op = Op::kGe, .values = {Value(int64_t{1})}};
}

void WriteCondition(std::string* out, const Condition& condition) {
    std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, Everyone>) {
                *out += "{\"all\":[]}";
            } else if constexpr (std::is_same_v<T, TagCondition>) {
                *out += "{\"tag\":";
                if (c.op == TagOp::kHas || c.op == TagOp::kHasNot) {
                    WriteString(out, c.tags.empty() ? std::string() : c.tags[0]);
                } else {
                    out->push_back('[');
                    for (size_t i = 0; i < c.tags.size(); ++i) {
                        if (i > 0) out->push_back(',');
                        WriteString(out, c.tags[i]);
                    }
                    out->push_back(']');
                }
                *out += ",\"op\":";
                WriteString(out, internal::TagOpName(c.op));
                out->push_back('}');
            } else if constexpr (std::is_same_v<T, AttributeCondition>) {
                *out += "{\"attribute\":";
                WriteString(out, c.attribute);
                out->push_back(',');
                WriteComparison(out, c.test, ValueKind::kAny);
                out->push_back('}');
            } else if constexpr (std::is_same_v<T, TraitCondition>) {
                const auto& info = internal::InfoOf(c.trait);
                *out += "{\"trait\":";
                WriteString(out, info.name);
                out->push_back(',');
                WriteComparison(out, c.test, info.kind);
                if (c.window) {
                    *out += ",\"within\":";
                    WriteString(out, internal::FormatDuration(*c.window));
                }
                out->push_back('}');
            } else if constexpr (std::is_same_v<T, IdentityCondition>) {
                *out += "{\"has\":";
                WriteString(out, internal::IdentityName(c.kind));
                out->push_back('}');
            } else if constexpr (std::is_same_v<T, ConsentCondition>) {
                *out += "{\"consent\":";
                WriteString(out, internal::PurposeName(c.purpose));
                *out += c.consented ? ",\"op\":\"consented\"}" : ",\"op\":\"not_consented\"}";
            } else if constexpr (std::is_same_v<T, EventCondition>) {
                *out += "{\"event\":";
                WriteString(out, c.event);
                if (c.where) {
                    *out += ",\"where\":{\"property\":";
                    WriteString(out, c.where->property);
                    out->push_back(',');
                    WriteComparison(out, c.where->test, ValueKind::kAny);
                    out->push_back('}');
                }
                if (!IsDefaultCount(c)) {
                    *out += ",\"";
                    *out += internal::EventMeasureName(c.measure);
                    *out += "\":{";
                    WriteComparison(out, c.test,
                                    c.measure == EventMeasure::kCount ? ValueKind::kCount : ValueKind::kTime);
                    out->push_back('}');
                }
                if (c.window) {
                    *out += ",\"within\":";
                    WriteString(out, internal::FormatDuration(*c.window));
                }
                out->push_back('}');
            } else if constexpr (std::is_same_v<T, SegmentCondition>) {
                *out += "{\"segment\":";
                if (const auto* id = std::get_if<SegmentId>(&c.segment)) {
                    *out += internal::FormatInteger(id->value());
                } else {
                    WriteString(out, std::get<std::string>(c.segment));
                }
                out->push_back('}');
            } else if constexpr (std::is_same_v<T, BirthdayCondition>) {
                *out += "{\"birthday\":";
                WriteString(out, c.attribute);
                *out += ",\"op\":";
                WriteString(out, internal::BirthdayPeriodName(c.period));
                if (c.period == BirthdayPeriod::kNextDays) *out += ",\"value\":" + internal::FormatInteger(c.days);
                out->push_back('}');
            } else {
                static_assert(std::is_same_v<T, MonthsSinceCondition>);
                *out += "{\"months_since\":";
                WriteString(out, c.attribute);
                out->push_back(',');
                WriteComparison(out, c.test, ValueKind::kMonths);
                out->push_back('}');
            }
        },
        condition);
}

void WriteRule(std::string* out, const Rule& rule) {
    switch (rule.kind) {
        case Rule::Kind::kCondition:
            WriteCondition(out, rule.condition);
            return;
        case Rule::Kind::kAll:
        case Rule::Kind::kAny:
            *out += rule.kind == Rule::Kind::kAll ? "{\"all\":[" : "{\"any\":[";
            for (size_t i = 0; i < rule.children.size(); ++i) {
                if (i > 0) out->push_back(',');
                WriteRule(out, rule.children[i]);
            }
            *out += "]}";
            return;
        case Rule::Kind::kNot:
            *out += "{\"not\":";
            if (rule.children.empty()) {
                *out += "{\"all\":[]}";
            } else {
                WriteRule(out, rule.children[0]);
            }
            out->push_back('}');
            return;
    }
}

}  // namespace

RuleResult ParseRuleJson(std::string_view json) {
    auto syntax_error = [&](size_t offset, Message message) {
        const auto [line, column] = internal::LineColumn(json, offset);
        return RuleError{.offset = offset,
                         .line = line,
                         .column = column,
                         .message_en = std::move(message.en),
                         .message_zh = std::move(message.zh)};
    };
    if (json.size() > kMaxRuleJsonBytes)
        return syntax_error(kMaxRuleJsonBytes, internal::TooLargeMessage(kMaxRuleJsonBytes));
    try {
        boost::json::parse_options options;
        // Each level of a rule is an object and an array in JSON.
        options.max_depth = 2 * static_cast<size_t>(kMaxRuleDepth) + 4;
        boost::json::basic_parser<TreeBuilder> parser(options);
        boost::json::error_code ec;
        const size_t consumed = parser.write_some(false, json.data(), json.size(), ec);
        if (ec) return syntax_error(consumed, SyntaxMessage(ec, consumed));
        if (consumed < json.size()) {
            return syntax_error(
                consumed, {"malformed JSON at byte " + std::to_string(consumed) + ": unexpected text after the value",
                           "JSON 值之后还有多余内容（第 " + std::to_string(consumed) + " 字节）"});
        }
        return JsonReader().Read(parser.handler().root());
    } catch (const std::exception& e) {
        // Only allocation failures reach here; the parser reports syntax errors through `ec`.
        return syntax_error(0, {std::string("could not read the rule: ") + e.what(), "无法读取规则"});
    }
}

std::string ToJson(const Rule& rule) {
    std::string out;
    WriteRule(&out, rule);
    return out;
}

}  // namespace yutang::audience
