#include "yutang/audience/rule.hpp"

#include <algorithm>
#include <map>

#include "yutang/audience/internal/spec.hpp"

namespace yutang::audience {
namespace {

std::optional<RuleError> ErrorAt(std::string pointer, internal::Message message) {
    return RuleError{
        .pointer = std::move(pointer), .message_en = std::move(message.en), .message_zh = std::move(message.zh)};
}

std::optional<RuleError> ValidateNode(const Rule& rule, const std::string& pointer, int depth, int* conditions) {
    if (depth > kMaxRuleDepth) return ErrorAt(pointer, internal::TooDeepMessage());
    switch (rule.kind) {
        case Rule::Kind::kCondition:
            if (++*conditions > kMaxRuleConditions) return ErrorAt(pointer, internal::TooManyConditionsMessage());
            if (auto problem = internal::CheckCondition(rule.condition)) {
                return ErrorAt(pointer + problem->part, std::move(problem->message));
            }
            return std::nullopt;
        case Rule::Kind::kAll:
        case Rule::Kind::kAny: {
            const std::string key = rule.kind == Rule::Kind::kAll ? "/all" : "/any";
            if (rule.children.size() < 2) {
                return ErrorAt(pointer + key, {"a group needs at least two conditions", "一个分组至少需要两个条件"});
            }
            for (size_t i = 0; i < rule.children.size(); ++i) {
                if (auto error = ValidateNode(rule.children[i], pointer + key + "/" + std::to_string(i), depth + 1,
                                              conditions)) {
                    return error;
                }
            }
            return std::nullopt;
        }
        case Rule::Kind::kNot:
            if (rule.children.size() != 1) {
                return ErrorAt(pointer + "/not", {"'not' takes exactly one condition", "'not' 只能带一个条件"});
            }
            return ValidateNode(rule.children[0], pointer + "/not", depth + 1, conditions);
    }
    return std::nullopt;
}

// Segment references with the JSON pointer of each.
void CollectReferences(const Rule& rule, const std::string& pointer,
                       std::vector<std::pair<SegmentRef, std::string>>* out) {
    switch (rule.kind) {
        case Rule::Kind::kCondition:
            if (const auto* segment = std::get_if<SegmentCondition>(&rule.condition)) {
                out->emplace_back(segment->segment, pointer + "/segment");
            }
            return;
        case Rule::Kind::kAll:
        case Rule::Kind::kAny: {
            const std::string key = rule.kind == Rule::Kind::kAll ? "/all/" : "/any/";
            for (size_t i = 0; i < rule.children.size(); ++i) {
                CollectReferences(rule.children[i], pointer + key + std::to_string(i), out);
            }
            return;
        }
        case Rule::Kind::kNot:
            for (const Rule& child : rule.children) CollectReferences(child, pointer + "/not", out);
            return;
    }
}

std::string Describe(const ResolvedSegment& segment) {
    return std::to_string(segment.id.value()) + (segment.name.empty() ? "" : " '" + segment.name + "'");
}

class CycleFinder {
  public:
    CycleFinder(SegmentId self, const SegmentResolver& resolve) : self_(self), resolve_(resolve) {}

    Status Run(const Rule& rule) {
        std::vector<std::pair<SegmentRef, std::string>> references;
        CollectReferences(rule, "", &references);
        if (self_.valid()) {
            color_[self_.value()] = kOnPath;
            path_.push_back(ResolvedSegment{.id = self_, .name = "", .rule = {}});
        }
        for (const auto& [reference, pointer] : references) {
            pointer_ = pointer;
            YT_TRY(Visit(reference, 1));
        }
        return OkStatus();
    }

  private:
    enum Color { kOnPath = 1, kDone = 2 };

    Status Visit(const SegmentRef& reference, int depth) {
        std::optional<SegmentId> known;
        if (const auto* id = std::get_if<SegmentId>(&reference)) {
            known = *id;
        } else if (auto it = names_.find(std::get<std::string>(reference)); it != names_.end()) {
            known = it->second;
        }
        if (known && color_[known->value()] != 0) {
            if (color_[known->value()] == kDone) return OkStatus();
            return CycleThrough(*known);
        }
        if (depth > kMaxRuleDepth) {
            return InvalidArgument(
                "segments refer to each other more than " + std::to_string(kMaxRuleDepth) + " levels deep", pointer_);
        }
        auto resolved = resolve_(reference);
        if (!resolved.ok()) return resolved.status();
        const SegmentId id = resolved->id;
        if (const auto* name = std::get_if<std::string>(&reference)) names_[*name] = id;
        if (color_[id.value()] == kDone) return OkStatus();
        if (color_[id.value()] == kOnPath) return CycleThrough(id);
        color_[id.value()] = kOnPath;
        path_.push_back(std::move(resolved).value());
        for (const SegmentRef& next : ReferencedSegments(path_.back().rule)) YT_TRY(Visit(next, depth + 1));
        path_.pop_back();
        color_[id.value()] = kDone;
        return OkStatus();
    }

    Status CycleThrough(SegmentId id) {
        auto start = std::find_if(path_.begin(), path_.end(), [&](const ResolvedSegment& s) { return s.id == id; });
        std::string chain;
        for (auto it = start; it != path_.end(); ++it) chain += (it == start ? "" : " → ") + Describe(*it);
        if (start != path_.end()) chain += " → " + Describe(*start);
        return InvalidArgument("the segment refers back to itself: " + chain, pointer_);
    }

    SegmentId self_;
    const SegmentResolver& resolve_;
    std::map<int64_t, int> color_;
    std::map<std::string, SegmentId> names_;  // names already resolved
    std::vector<ResolvedSegment> path_;
    std::string pointer_;  // of the top-level reference being followed
};

}  // namespace

Rule Rule::Of(Condition condition) {
    Rule rule;
    rule.condition = std::move(condition);
    return rule;
}

Rule Rule::All(std::vector<Rule> children) {
    Rule rule;
    rule.kind = Kind::kAll;
    rule.children = std::move(children);
    return rule;
}

Rule Rule::Any(std::vector<Rule> children) {
    Rule rule;
    rule.kind = Kind::kAny;
    rule.children = std::move(children);
    return rule;
}

Rule Rule::Not(Rule child) {
    Rule rule;
    rule.kind = Kind::kNot;
    rule.children.push_back(std::move(child));
    return rule;
}

bool Rule::operator==(const Rule& other) const {
    if (kind != other.kind) return false;
    if (kind == Kind::kCondition) return condition == other.condition;
    return children == other.children;
}

std::string RuleError::where() const {
    if (line > 0) return std::to_string(line) + ":" + std::to_string(column);
    return pointer.empty() ? "/" : pointer;
}

Status RuleError::ToStatus() const { return InvalidArgument(where() + ": " + message_en, "rule"); }

std::optional<RuleError> Validate(const Rule& rule) {
    int conditions = 0;
    return ValidateNode(rule, "", 1, &conditions);
}

std::vector<SegmentRef> ReferencedSegments(const Rule& rule) {
    std::vector<std::pair<SegmentRef, std::string>> references;
    CollectReferences(rule, "", &references);
    std::vector<SegmentRef> out;
    for (auto& [reference, pointer] : references) {
        if (std::find(out.begin(), out.end(), reference) == out.end()) out.push_back(std::move(reference));
    }
    return out;
}

Status CheckCycles(const Rule& rule, SegmentId self, const SegmentResolver& resolve) {
    return CycleFinder(self, resolve).Run(rule);
}

}  // namespace yutang::audience
