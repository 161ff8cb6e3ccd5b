// The text form of rules: a lexer, a hand-written recursive-descent parser (NOT binds tighter
// than AND, AND tighter than OR) and the canonical printer. The grammar is in
// docs/design/rules.md; keep the two in step.
#include <algorithm>
#include <string>
#include <vector>

#include "yutang/audience/internal/spec.hpp"
#include "yutang/audience/rule.hpp"

namespace yutang::audience {
namespace {

using internal::Message;
using internal::ValueKind;

// ---- Lexer ----

enum class TokenKind { kEnd, kWord, kString, kNumber, kDate, kDuration, kMoney, kOp, kLParen, kRParen, kComma };

struct Token {
    TokenKind kind = TokenKind::kEnd;
    size_t begin = 0;
    size_t end = 0;
    // kWord: as written; kString: the contents, unescaped; kNumber, kDate: as written;
    // kDuration: "90d" or "12h"; kMoney: the amount without the currency sign.
    std::string text;
    Op op = Op::kEq;  // kOp
};

bool IsAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

bool IsSpace(char32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 /* 　 */ || c == 0xA0;
}

// Full-width punctuation a Chinese keyboard produces, read as its ASCII twin.
char32_t Halfwidth(char32_t c) {
    switch (c) {
        case 0xFF08:  // （
            return '(';
        case 0xFF09:  // ）
            return ')';
        case 0xFF0C:  // ，
        case 0x3001:  // 、
            return ',';
        case 0xFF1D:  // ＝
            return '=';
        case 0xFF1C:  // ＜
            return '<';
        case 0xFF1E:  // ＞
            return '>';
        case 0xFF01:  // ！
            return '!';
        default:
            return c;
    }
}

// The closing quote for an opening one, or 0.
char32_t ClosingQuote(char32_t c) {
    switch (c) {
        case '"':
        case '\'':
        case 0xFF02:  // ＂
            return c;
        case 0x201C:  // “ ”
            return 0x201D;
        case 0x2018:  // ‘ ’
            return 0x2019;
        case 0x300C:  // 「 」
            return 0x300D;
        default:
            return 0;
    }
}

bool IsCurrency(char32_t c) { return c == 0xA5 || c == 0xFFE5; }  // ¥ ￥

// Characters that end a word.
bool IsPunctuation(char32_t c) {
    const char32_t h = Halfwidth(c);
    return h == '(' || h == ')' || h == ',' || h == '=' || h == '<' || h == '>' || h == '!' || c == 0x2260 ||
           c == 0x2264 || c == 0x2265 || ClosingQuote(c) != 0 || c == 0x201D || c == 0x2019 || c == 0x300D ||
           IsCurrency(c);
}

bool IsWordStart(char32_t c) { return IsAsciiLetter(c) || c == '_' || (c >= 0x80 && !IsSpace(c) && !IsPunctuation(c)); }
// '.' and '-' continue a word (`orders_on.jd`, `attr.first-name`) but never start one.
bool IsWordPart(char32_t c) { return IsWordStart(c) || IsAsciiDigit(c) || c == '.' || c == '-'; }

class Lexer {
  public:
    explicit Lexer(std::string_view input) : input_(input) {}

    // The tokens, ending with kEnd; false with error_offset/error set on a lexical error.
    bool Run(std::vector<Token>* tokens) {
        while (true) {
            SkipSpace();
            if (failed_) return false;
            Token token;
            token.begin = i_;
            if (i_ >= input_.size()) {
                token.end = i_;
                tokens->push_back(std::move(token));
                return true;
            }
            if (!Lex(&token)) return false;
            token.end = i_;
            tokens->push_back(std::move(token));
        }
    }

    size_t error_offset() const { return error_offset_; }
    const Message& error() const { return error_; }

  private:
    // The code point at `at` (0 past the end); its length in *length. Fails on invalid UTF-8.
    char32_t At(size_t at, size_t* length = nullptr) {
        if (at >= input_.size()) {
            if (length != nullptr) *length = 0;
            return 0;
        }
        char32_t c = 0;
        const size_t n = internal::DecodeUtf8(input_, at, &c);
        if (n == 0) {
            Fail(at, internal::InvalidUtf8Message());
            if (length != nullptr) *length = 1;
            return 0xFFFD;
        }
        if (length != nullptr) *length = n;
        return c;
    }

    bool Fail(size_t at, Message message) {
        if (!failed_) {
            failed_ = true;
            error_offset_ = at;
            error_ = std::move(message);
        }
        return false;
    }

    void SkipSpace() {
        while (i_ < input_.size()) {
            size_t n = 0;
            const char32_t c = At(i_, &n);
            if (failed_ || !IsSpace(c)) return;
            i_ += n;
        }
    }

    bool Lex(Token* token) {
        size_t n = 0;
        const char32_t raw = At(i_, &n);
        if (failed_) return false;
        const char32_t c = Halfwidth(raw);
        if (c == '(' || c == ')' || c == ',') {
            token->kind = c == '(' ? TokenKind::kLParen : (c == ')' ? TokenKind::kRParen : TokenKind::kComma);
            i_ += n;
            return true;
        }
        if (c == '=' || c == '<' || c == '>' || c == '!' || c == 0x2260 || c == 0x2264 || c == 0x2265) {
            return LexOperator(token);
        }
        if (ClosingQuote(raw) != 0) return LexString(token, ClosingQuote(raw), n);
        if (IsCurrency(raw)) return LexMoney(token, n);
        if (IsAsciiDigit(c) || (c == '-' && IsAsciiDigit(At(i_ + 1)))) return LexNumber(token);
        if (IsWordStart(c)) {
            token->kind = TokenKind::kWord;
            const size_t start = i_;
            while (i_ < input_.size()) {
                size_t m = 0;
                const char32_t d = At(i_, &m);
                if (failed_) return false;
                if (!IsWordPart(d)) break;
                i_ += m;
            }
            token->text = std::string(input_.substr(start, i_ - start));
            return true;
        }
        return Fail(i_, {"unexpected character '" + std::string(input_.substr(i_, n)) + "'",
                         "无法识别的字符 '" + std::string(input_.substr(i_, n)) + "'"});
    }

    bool LexOperator(Token* token) {
        size_t n = 0;
        const char32_t first = Halfwidth(At(i_, &n));
        const size_t start = i_;
        i_ += n;
        size_t m = 0;
        const char32_t second = Halfwidth(At(i_, &m));
        auto take_second = [&] { i_ += m; };
        token->kind = TokenKind::kOp;
        switch (first) {
            case '=':
                token->op = Op::kEq;
                if (second == '=') take_second();
                return true;
            case '!':
                if (second != '=') {
                    return Fail(start, {"unexpected '!': write != for \"not equal\" or not before a condition",
                                        "无法识别的 '!'：不等于请写 !=，否定条件请写 not"});
                }
                token->op = Op::kNe;
                take_second();
                return true;
            case '<':
                token->op = Op::kLt;
                if (second == '=') {
                    token->op = Op::kLe;
                    take_second();
                } else if (second == '>') {
                    token->op = Op::kNe;
                    take_second();
                }
                return true;
            case '>':
                token->op = Op::kGt;
                if (second == '=') {
                    token->op = Op::kGe;
                    take_second();
                }
                return true;
            case 0x2260:
                token->op = Op::kNe;
                return true;
            case 0x2264:
                token->op = Op::kLe;
                return true;
            default:  // ≥
                token->op = Op::kGe;
                return true;
        }
    }

    bool LexString(Token* token, char32_t close, size_t open_length) {
        const size_t start = i_;
        i_ += open_length;
        token->kind = TokenKind::kString;
        while (true) {
            if (i_ >= input_.size()) {
                return Fail(start, {"this text has no closing quote", "此处的文本缺少右引号"});
            }
            size_t n = 0;
            const char32_t c = At(i_, &n);
            if (failed_) return false;
            if (c == close) {
                i_ += n;
                return true;
            }
            if (c == '\\') {
                i_ += n;
                if (i_ >= input_.size()) return Fail(start, {"this text has no closing quote", "此处的文本缺少右引号"});
                At(i_, &n);
                if (failed_) return false;
            }
            token->text.append(input_.substr(i_, n));
            i_ += n;
        }
    }

    size_t Digits() {
        const size_t start = i_;
        while (i_ < input_.size() && IsAsciiDigit(static_cast<unsigned char>(input_[i_]))) ++i_;
        return i_ - start;
    }

    // After a number, date or duration: nothing that would continue a word.
    bool EndOfLiteral(size_t start, std::string_view what_en, std::string_view what_zh) {
        size_t n = 0;
        const char32_t c = At(i_, &n);
        if (failed_) return false;
        if (i_ < input_.size() && IsWordPart(c)) {
            return Fail(i_, {"unexpected '" + std::string(input_.substr(i_, n)) + "' after " + std::string(what_en) +
                                 " '" + std::string(input_.substr(start, i_ - start)) + "'",
                             std::string(what_zh) + " '" + std::string(input_.substr(start, i_ - start)) +
                                 "' 后面出现了 '" + std::string(input_.substr(i_, n)) + "'"});
        }
        return true;
    }

    bool LexNumber(Token* token) {
        const size_t start = i_;
        const bool negative = input_[i_] == '-';
        if (negative) ++i_;
        const size_t integer_digits = Digits();
        // 2024-03-08
        if (!negative && integer_digits == 4 && i_ < input_.size() && input_[i_] == '-') {
            ++i_;
            if (Digits() == 2 && i_ < input_.size() && input_[i_] == '-') {
                ++i_;
                if (Digits() == 2) {
                    token->kind = TokenKind::kDate;
                    token->text = std::string(input_.substr(start, i_ - start));
                    return EndOfLiteral(start, "the date", "日期");
                }
            }
            return Fail(start, {"dates are written YYYY-MM-DD, e.g. 2024-03-08", "日期写作 YYYY-MM-DD，如 2024-03-08"});
        }
        // 90d, 12h, 90天, 12小时
        if (!negative) {
            const std::string_view rest = input_.substr(i_);
            std::string unit;
            size_t unit_bytes = 0;
            if (!rest.empty() && (rest[0] == 'd' || rest[0] == 'h')) {
                unit = rest.substr(0, 1);
                unit_bytes = 1;
            } else if (rest.starts_with("天")) {
                unit = "d";
                unit_bytes = std::string_view("天").size();
            } else if (rest.starts_with("小时")) {
                unit = "h";
                unit_bytes = std::string_view("小时").size();
            }
            if (unit_bytes > 0) {
                const size_t save = i_;
                i_ += unit_bytes;
                size_t n = 0;
                const char32_t after = At(i_, &n);
                if (failed_) return false;
                if (i_ >= input_.size() || !IsWordPart(after)) {
                    token->kind = TokenKind::kDuration;
                    token->text = std::string(input_.substr(start, save - start)) + unit;
                    return true;
                }
                i_ = save;
            }
        }
        token->kind = TokenKind::kNumber;
        if (i_ < input_.size() && input_[i_] == '.') {
            ++i_;
            if (Digits() == 0) return Fail(i_, {"expected digits after '.'", "'.' 后面应为数字"});
        }
        if (i_ < input_.size() && (input_[i_] == 'e' || input_[i_] == 'E')) {
            const size_t save = i_;
            ++i_;
            if (i_ < input_.size() && (input_[i_] == '+' || input_[i_] == '-')) ++i_;
            if (Digits() == 0) i_ = save;
        }
        token->text = std::string(input_.substr(start, i_ - start));
        return EndOfLiteral(start, "the number", "数字");
    }

    bool LexMoney(Token* token, size_t sign_length) {
        const size_t start = i_;
        i_ += sign_length;
        const size_t amount_start = i_;
        if (i_ < input_.size() && input_[i_] == '-') ++i_;
        if (Digits() == 0) {
            return Fail(start,
                        {"expected an amount after '¥', e.g. ¥500 or ¥99.90", "'¥' 后面应为金额，如 ¥500 或 ¥99.90"});
        }
        if (i_ < input_.size() && input_[i_] == '.') {
            ++i_;
            if (Digits() == 0) return Fail(i_, {"expected digits after '.'", "'.' 后面应为数字"});
        }
        token->kind = TokenKind::kMoney;
        token->text = std::string(input_.substr(amount_start, i_ - amount_start));
        return EndOfLiteral(start, "the amount", "金额");
    }

    std::string_view input_;
    size_t i_ = 0;
    bool failed_ = false;
    size_t error_offset_ = 0;
    Message error_;
};

// ---- Parser ----

std::string Lower(std::string_view word) {
    std::string out(word);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

constexpr std::string_view kConditionWords[] = {"everyone", "tag",     "has",      "consent",     "no",
                                                "event",    "segment", "birthday", "months_since"};

class TextParser {
  public:
    TextParser(std::string_view input, std::vector<Token> tokens) : input_(input), tokens_(std::move(tokens)) {}

    RuleResult Parse() {
        Node root;
        if (!ParseOr(0, &root)) return std::move(*error_);
        if (Peek().kind != TokenKind::kEnd) {
            FailExpected(Peek(), {"'and', 'or' or the end of the rule", "'and'、'or' 或规则结尾"}, {},
                         ConnectiveHint(Peek()));
            return std::move(*error_);
        }
        return std::move(root.rule);
    }

  private:
    struct Node {
        Rule rule;
        size_t begin = 0;
        int height = 1;
    };

    const Token& Peek(size_t ahead = 0) const { return tokens_[std::min(next_ + ahead, tokens_.size() - 1)]; }
    const Token& Next() {
        const Token& token = Peek();
        if (next_ < tokens_.size() - 1) ++next_;
        return token;
    }

    static bool IsKeyword(const Token& token, std::string_view keyword) {
        return token.kind == TokenKind::kWord && Lower(token.text) == keyword;
    }

    bool Fail(size_t offset, Message message) {
        if (!error_) {
            const auto [line, column] = internal::LineColumn(input_, offset);
            error_ = RuleError{.offset = offset,
                               .line = line,
                               .column = column,
                               .message_en = std::move(message.en),
                               .message_zh = std::move(message.zh)};
        }
        return false;
    }

    // "'≥ 2'" for a token as written (shortened), or "the end of the rule".
    Message Describe(const Token& token) const {
        if (token.kind == TokenKind::kEnd) return {"the end of the rule", "规则结尾"};
        std::string_view text = input_.substr(token.begin, token.end - token.begin);
        if (text.size() > 40) {
            size_t cut = 40;
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
            return {"'" + std::string(text.substr(0, cut)) + "…'", "'" + std::string(text.substr(0, cut)) + "…'"};
        }
        return {"'" + std::string(text) + "'", "'" + std::string(text) + "'"};
    }

    // 且 → "write 'and'": keywords are English.
    static Message ConnectiveHint(const Token& token) {
        if (token.kind != TokenKind::kWord) return {};
        static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
            {"且", "and"}, {"并且", "and"}, {"和", "and"}, {"或", "or"}, {"或者", "or"}, {"非", "not"}, {"不", "not"}};
        for (const auto& [chinese, keyword] : kWords) {
            if (token.text == chinese) {
                return {"write '" + std::string(keyword) + "' for " + std::string(chinese),
                        "「" + std::string(chinese) + "」请写作 '" + std::string(keyword) + "'"};
            }
        }
        return {};
    }

    // "expected <what> after '<after>', found <token>"
    bool FailExpected(const Token& found, const Message& what, std::string_view after = {}, const Message& hint = {}) {
        const Message got = Describe(found);
        Message message;
        if (after.empty()) {
            message.en = "expected " + what.en + ", found " + got.en;
            message.zh = "此处应为" + what.zh + "，实际为 " + got.zh;
        } else {
            message.en = "expected " + what.en + " after '" + std::string(after) + "', found " + got.en;
            message.zh = "'" + std::string(after) + "' 后面应为" + what.zh + "，实际为 " + got.zh;
        }
        if (!hint.en.empty()) {
            message.en += "; " + hint.en;
            message.zh += "；" + hint.zh;
        }
        return Fail(found.begin, std::move(message));
    }

    std::string SourceText(const Token& token) const {
        return std::string(input_.substr(token.begin, token.end - token.begin));
    }

    // ---- Structure ----

    bool ParseOr(int nesting, Node* out) {
        Node first;
        if (!ParseAnd(nesting, &first)) return false;
        if (!IsKeyword(Peek(), "or")) {
            *out = std::move(first);
            return true;
        }
        return Chain(nesting, std::move(first), "or", out);
    }

    bool ParseAnd(int nesting, Node* out) {
        Node first;
        if (!ParseUnary(nesting, &first)) return false;
        if (!IsKeyword(Peek(), "and")) {
            *out = std::move(first);
            return true;
        }
        return Chain(nesting, std::move(first), "and", out);
    }

    // first (keyword next)+ as one group.
    bool Chain(int nesting, Node first, std::string_view keyword, Node* out) {
        const size_t begin = first.begin;
        int height = first.height;
        std::vector<Rule> children;
        children.push_back(std::move(first.rule));
        while (IsKeyword(Peek(), keyword)) {
            Next();
            Node next;
            if (!(keyword == "or" ? ParseAnd(nesting, &next) : ParseUnary(nesting, &next))) return false;
            height = std::max(height, next.height);
            children.push_back(std::move(next.rule));
        }
        out->begin = begin;
        out->height = height + 1;
        if (out->height > kMaxRuleDepth) return Fail(begin, internal::TooDeepMessage());
        out->rule = keyword == "or" ? Rule::Any(std::move(children)) : Rule::All(std::move(children));
        return true;
    }

    bool ParseUnary(int nesting, Node* out) {
        if (!IsKeyword(Peek(), "not")) return ParsePrimary(nesting, out);
        const Token& not_token = Next();
        if (nesting + 1 > kMaxRuleDepth) return Fail(not_token.begin, internal::TooDeepMessage());
        Node child;
        if (!ParseUnary(nesting + 1, &child)) return false;
        out->begin = not_token.begin;
        out->height = child.height + 1;
        if (out->height > kMaxRuleDepth) return Fail(out->begin, internal::TooDeepMessage());
        out->rule = Rule::Not(std::move(child.rule));
        return true;
    }

    bool ParsePrimary(int nesting, Node* out) {
        if (Peek().kind != TokenKind::kLParen) return ParseCondition(out);
        const Token& open = Next();
        if (nesting + 1 > kMaxRuleDepth) return Fail(open.begin, internal::TooDeepMessage());
        if (!ParseOr(nesting + 1, out)) return false;
        if (Peek().kind != TokenKind::kRParen) {
            const auto [line, column] = internal::LineColumn(input_, open.begin);
            const std::string at = std::to_string(line) + ":" + std::to_string(column);
            return FailExpected(Peek(), {"'and', 'or' or ')' to close the '(' at " + at,
                                         "'and'、'or' 或与 " + at + " 处 '(' 配对的 ')'"});
        }
        Next();
        return true;
    }

    // ---- Conditions ----

    void Record(std::string part, const Token& token) { parts_.emplace_back(std::move(part), token.begin); }

    // Where a problem in part `part` of the condition was written.
    size_t OffsetOf(std::string_view part) const {
        size_t best_length = 0;
        size_t offset = parts_.empty() ? 0 : parts_.front().second;
        for (const auto& [recorded, at] : parts_) {
            const bool prefix =
                part.starts_with(recorded) && (part.size() == recorded.size() || part[recorded.size()] == '/');
            if (prefix && recorded.size() >= best_length) {
                best_length = recorded.size();
                offset = at;
            }
        }
        if (best_length < part.size()) {
            // "/value" of a list: where its first element was written.
            for (const auto& [recorded, at] : parts_) {
                if (recorded.size() > part.size() && recorded.starts_with(part) && recorded[part.size()] == '/') {
                    return at;
                }
            }
        }
        return offset;
    }

    bool ParseCondition(Node* out) {
        const Token& start = Peek();
        parts_.clear();
        Record("", start);
        if (start.kind != TokenKind::kWord) {
            Message hint;
            if (start.kind == TokenKind::kString) {
                hint = {"to match a tag write tag = " + SourceText(start), "匹配标签请写 tag = " + SourceText(start)};
            }
            return FailExpected(start, {"a condition", "一个条件"}, {}, hint);
        }
        if (++conditions_ > kMaxRuleConditions) return Fail(start.begin, internal::TooManyConditionsMessage());
        const std::string word = Lower(start.text);
        Condition condition;
        bool ok = false;
        if (word == "everyone") {
            Next();
            condition = Everyone{};
            ok = true;
        } else if (word == "tag") {
            ok = ParseTag(&condition);
        } else if (word == "has") {
            ok = ParseIdentity(&condition);
        } else if (word == "consent") {
            ok = ParseConsent(true, &condition);
        } else if (word == "no") {
            Next();
            if (!IsKeyword(Peek(), "consent")) return FailExpected(Peek(), {"'consent'", "'consent'"}, "no");
            ok = ParseConsent(false, &condition);
        } else if (word == "event") {
            ok = ParseEvent(&condition);
        } else if (word == "segment") {
            ok = ParseSegment(&condition);
        } else if (word == "birthday") {
            ok = ParseBirthday(&condition);
        } else if (word == "months_since") {
            ok = ParseMonthsSince(&condition);
        } else if (word.starts_with("attr.")) {
            ok = ParseAttribute(&condition);
        } else if (auto trait = internal::TraitByName(word)) {
            ok = ParseTrait(*trait, &condition);
        } else {
            return UnknownCondition(start);
        }
        if (!ok) return false;
        if (auto problem = internal::CheckCondition(condition)) {
            return Fail(OffsetOf(problem->part), std::move(problem->message));
        }
        out->rule = Rule::Of(std::move(condition));
        out->begin = start.begin;
        out->height = 1;
        return true;
    }

    bool UnknownCondition(const Token& token) {
        if (IsKeyword(token, "and") || IsKeyword(token, "or")) {
            return FailExpected(token, {"a condition", "一个条件"});
        }
        std::vector<std::string_view> candidates(std::begin(kConditionWords), std::end(kConditionWords));
        for (const auto& info : internal::AllTraits()) candidates.push_back(info.name);
        const std::string word = Lower(token.text);
        const std::string suggestion = internal::Suggestion(word, candidates);
        Message message{"unknown condition '" + token.text + "'", "未知的条件 '" + token.text + "'"};
        if (const Message hint = ConnectiveHint(token); !hint.en.empty()) {
            message.en += "; " + hint.en;
            message.zh += "；" + hint.zh;
        } else if (!suggestion.empty()) {
            message.en += "; did you mean '" + suggestion + "'?";
            message.zh += "；是否想写 '" + suggestion + "'？";
        } else if (std::any_of(token.text.begin(), token.text.end(), [](char c) { return (c & 0x80) != 0; })) {
            message.en += "; text goes in quotes after a subject, e.g. tag = \"" + token.text + "\"";
            message.zh += "；文本需加引号并写在条件主体之后，如 tag = \"" + token.text + "\"";
        } else if (word.find('.') == std::string::npos) {
            message.en += "; attributes are written attr." + token.text;
            message.zh += "；属性请写作 attr." + token.text;
        }
        return Fail(token.begin, std::move(message));
    }

    // One literal of `kind` after `op`; `after` names what precedes it, for messages.
    bool ParseValue(ValueKind kind, Op op, std::string part, std::string_view after, Value* out) {
        const Token& t = Peek();
        Record(std::move(part), t);
        const Message expected = internal::Expectation(kind, op);
        auto fail = [&]() {
            Message hint;
            if (t.kind == TokenKind::kWord && (kind == ValueKind::kString || kind == ValueKind::kAny) &&
                !IsKeyword(t, "true") && !IsKeyword(t, "false")) {
                hint = {"text goes in quotes, e.g. \"" + t.text + "\"", "文本需加引号，如 \"" + t.text + "\""};
            }
            return FailExpected(t, expected, after, hint);
        };
        if (op == Op::kWithin || op == Op::kBefore) {
            if (t.kind != TokenKind::kDuration) return fail();
            auto duration = internal::ParseDurationText(t.text);
            if (!duration) return fail();
            Next();
            *out = *duration;
            return true;
        }
        switch (kind) {
            case ValueKind::kCount:
            case ValueKind::kScore:
            case ValueKind::kMonths: {
                if (t.kind != TokenKind::kNumber || !internal::IsIntegerText(t.text)) return fail();
                auto v = internal::ParseIntegerText(t.text);
                if (!v)
                    return Fail(t.begin, {"'" + t.text + "' is not a whole number in range",
                                          "'" + t.text + "' 不是有效范围内的整数"});
                Next();
                *out = *v;
                return true;
            }
            case ValueKind::kMoney: {
                if (t.kind != TokenKind::kNumber && t.kind != TokenKind::kMoney) return fail();
                auto v = internal::ParseYuanText(t.text);
                if (!v) {
                    return Fail(t.begin, {"'" + t.text + "' is not an amount in yuan with at most two decimals",
                                          "'" + t.text + "' 不是最多两位小数的金额（元）"});
                }
                Next();
                *out = *v;
                return true;
            }
            case ValueKind::kTime: {
                if (t.kind != TokenKind::kDate) return fail();
                Next();
                *out = *internal::ParseDateText(t.text);
                return true;
            }
            case ValueKind::kStage:
                if (t.kind == TokenKind::kWord) {
                    *out = Lower(t.text);
                } else if (t.kind == TokenKind::kString) {
                    *out = t.text;
                } else {
                    return fail();
                }
                Next();
                return true;
            case ValueKind::kStaff:
                if (IsKeyword(t, "none")) {
                    Next();
                    *out = StaffId();
                    return true;
                }
                if (t.kind == TokenKind::kNumber && internal::IsIntegerText(t.text)) {
                    if (auto v = internal::ParseIntegerText(t.text)) {
                        Next();
                        *out = StaffId(*v);
                        return true;
                    }
                }
                return fail();
            case ValueKind::kString:
                if (t.kind != TokenKind::kString) return fail();
                Next();
                *out = t.text;
                return true;
            case ValueKind::kAny:
                break;
        }
        switch (t.kind) {
            case TokenKind::kString:
                *out = t.text;
                break;
            case TokenKind::kNumber:
                if (internal::IsIntegerText(t.text)) {
                    auto v = internal::ParseIntegerText(t.text);
                    if (!v)
                        return Fail(t.begin, {"'" + t.text + "' is not a number in range",
                                              "'" + t.text + "' 不是有效范围内的数字"});
                    *out = *v;
                } else {
                    auto v = internal::ParseDoubleText(t.text);
                    if (!v)
                        return Fail(t.begin, {"'" + t.text + "' is not a number in range",
                                              "'" + t.text + "' 不是有效范围内的数字"});
                    *out = *v;
                }
                break;
            case TokenKind::kMoney: {
                auto v = internal::ParseYuanText(t.text);
                if (!v) {
                    return Fail(t.begin, {"'" + t.text + "' is not an amount in yuan with at most two decimals",
                                          "'" + t.text + "' 不是最多两位小数的金额（元）"});
                }
                *out = *v;
                break;
            }
            case TokenKind::kDate:
                *out = *internal::ParseDateText(t.text);
                break;
            case TokenKind::kDuration:
                *out = *internal::ParseDurationText(t.text);
                break;
            case TokenKind::kWord:
                if (IsKeyword(t, "true") || IsKeyword(t, "false")) {
                    *out = IsKeyword(t, "true");
                    break;
                }
                return fail();
            default:
                return fail();
        }
        Next();
        return true;
    }

    // ( value, value … )
    bool ParseList(ValueKind kind, Op op, const std::string& part, std::string_view after, std::vector<Value>* out) {
        if (Peek().kind != TokenKind::kLParen) {
            return FailExpected(
                Peek(), {"a list in parentheses, e.g. (\"a\", \"b\")", "括号中的列表，如 (\"a\", \"b\")"}, after);
        }
        Next();
        std::string previous = "(";
        while (true) {
            if (out->size() >= kMaxListValues) {
                return Fail(Peek().begin, {"a list has at most " + std::to_string(kMaxListValues) + " values",
                                           "列表最多 " + std::to_string(kMaxListValues) + " 个值"});
            }
            Value value;
            if (!ParseValue(kind, op, part + "/" + std::to_string(out->size()), previous, &value)) return false;
            out->push_back(std::move(value));
            if (Peek().kind == TokenKind::kComma) {
                Next();
                previous = ",";
                continue;
            }
            if (Peek().kind == TokenKind::kRParen) {
                Next();
                return true;
            }
            return FailExpected(Peek(), {"',' or ')'", "',' 或 ')'"});
        }
    }

    // An operator and its values, written after `subject`.
    bool ParseComparison(ValueKind kind, bool settable, std::string_view subject, const std::string& prefix,
                         Comparison* out) {
        const Token& t = Peek();
        Record(prefix + "/op", t);
        const std::string word = t.kind == TokenKind::kWord ? Lower(t.text) : std::string();
        out->values.clear();
        if (t.kind == TokenKind::kOp) {
            Next();
            out->op = t.op;
            out->values.emplace_back();
            return ParseValue(kind, t.op, prefix + "/value", internal::OpText(t.op), &out->values.back());
        }
        if (word == "between") {
            Next();
            out->op = Op::kBetween;
            out->values.resize(2);
            if (!ParseValue(kind, Op::kBetween, prefix + "/value/0", "between", &out->values[0])) return false;
            if (!IsKeyword(Peek(), "and")) {
                return FailExpected(Peek(), {"'and' and the upper bound", "'and' 和上限"},
                                    SourceText(tokens_[next_ - 1]));
            }
            Next();
            return ParseValue(kind, Op::kBetween, prefix + "/value/1", "and", &out->values[1]);
        }
        if (word == "in") {
            Next();
            out->op = Op::kIn;
            return ParseList(kind, Op::kIn, prefix + "/value", "in", &out->values);
        }
        if (word == "contains" || word == "within" || word == "before") {
            Next();
            out->op = word == "contains" ? Op::kContains : (word == "within" ? Op::kWithin : Op::kBefore);
            out->values.emplace_back();
            return ParseValue(kind, out->op, prefix + "/value", word, &out->values.back());
        }
        if (word == "starts") {
            Next();
            if (!IsKeyword(Peek(), "with")) return FailExpected(Peek(), {"'with'", "'with'"}, "starts");
            Next();
            out->op = Op::kStartsWith;
            out->values.emplace_back();
            return ParseValue(kind, Op::kStartsWith, prefix + "/value", "starts with", &out->values.back());
        }
        if (word == "is") {
            Next();
            if (!IsKeyword(Peek(), "set")) return FailExpected(Peek(), {"'set'", "'set'"}, "is");
            Next();
            out->op = Op::kIsSet;
            return true;
        }
        const std::string ops = internal::AllowedOpsText(kind, settable);
        return FailExpected(t, {"an operator (" + ops + ")", "运算符（" + ops + "）"}, subject);
    }

    bool ParseWindow(std::optional<Duration>* out) {
        Next();  // within
        const Token& t = Peek();
        Record("/within", t);
        if (t.kind != TokenKind::kDuration) {
            return FailExpected(t, {"a window such as 90d or 12h", "时间窗口，如 90d 或 12h"}, "within");
        }
        *out = internal::ParseDurationText(t.text);
        Next();
        return true;
    }

    bool ParseTag(Condition* out) {
        Next();  // tag
        TagCondition c;
        const Token& t = Peek();
        Record("/op", t);
        auto one_tag = [&](std::string_view after) {
            const Token& tag = Peek();
            Record("/tag", tag);
            if (tag.kind != TokenKind::kString) {
                Message hint;
                if (tag.kind == TokenKind::kWord) {
                    hint = {"tag names go in quotes: tag = \"" + tag.text + "\"",
                            "标签名需加引号：tag = \"" + tag.text + "\""};
                }
                return FailExpected(tag, {"a tag name in quotes", "带引号的标签名"}, after, hint);
            }
            c.tags.push_back(tag.text);
            Next();
            return true;
        };
        auto tag_list = [&](std::string_view after) {
            std::vector<Value> values;
            if (!ParseList(ValueKind::kString, Op::kIn, "/tag", after, &values)) return false;
            for (Value& v : values) c.tags.push_back(std::move(std::get<std::string>(v)));
            return true;
        };
        if (t.kind == TokenKind::kOp && (t.op == Op::kEq || t.op == Op::kNe)) {
            c.op = t.op == Op::kEq ? TagOp::kHas : TagOp::kHasNot;
            Next();
            if (!one_tag(internal::OpText(t.op))) return false;
        } else if (IsKeyword(t, "any") || IsKeyword(t, "all")) {
            c.op = IsKeyword(t, "any") ? TagOp::kAnyOf : TagOp::kAllOf;
            const std::string which = Lower(t.text);
            Next();
            if (!IsKeyword(Peek(), "of")) return FailExpected(Peek(), {"'of'", "'of'"}, which);
            Next();
            if (!tag_list(which + " of")) return false;
        } else if (IsKeyword(t, "in")) {
            c.op = TagOp::kAnyOf;
            Next();
            if (!tag_list("in")) return false;
        } else {
            return FailExpected(t, {"=, !=, any of or all of", "=、!=、any of 或 all of"}, "tag");
        }
        *out = std::move(c);
        return true;
    }

    bool ParseIdentity(Condition* out) {
        Next();  // has
        const Token& t = Peek();
        Record("/has", t);
        const auto kind = t.kind == TokenKind::kWord ? internal::IdentityByName(Lower(t.text)) : std::nullopt;
        if (!kind) {
            return FailExpected(t,
                                {"an identity: phone, email, wecom, wechat_unionid, wechat_openid, jd, taobao, "
                                 "douyin, pdd, youzan, user_id or anonymous_id",
                                 "身份类型：phone、email、wecom、wechat_unionid、wechat_openid、jd、taobao、"
                                 "douyin、pdd、youzan、user_id 或 anonymous_id"},
                                "has");
        }
        Next();
        *out = IdentityCondition{.kind = *kind};
        return true;
    }

    bool ParseConsent(bool consented, Condition* out) {
        Next();  // consent
        const Token& t = Peek();
        Record("/consent", t);
        const auto purpose = t.kind == TokenKind::kWord ? internal::PurposeByName(Lower(t.text)) : std::nullopt;
        if (!purpose) {
            return FailExpected(t,
                                {"a purpose: marketing.sms, marketing.wecom, marketing.email, marketing.phone or "
                                 "conversation_archive",
                                 "授权用途：marketing.sms、marketing.wecom、marketing.email、marketing.phone 或 "
                                 "conversation_archive"},
                                "consent");
        }
        Next();
        *out = ConsentCondition{.purpose = *purpose, .consented = consented};
        return true;
    }

    bool ParseEvent(Condition* out) {
        Next();  // event
        EventCondition c;
        const Token& name = Peek();
        Record("/event", name);
        if (name.kind != TokenKind::kString) {
            return FailExpected(
                name, {"an event name in quotes, e.g. \"Order Completed\"", "带引号的事件名，如 \"Order Completed\""},
                "event");
        }
        c.event = name.text;
        Next();
        bool have_where = false;
        bool have_measure = false;
        bool have_window = false;
        while (Peek().kind == TokenKind::kWord) {
            const Token& t = Peek();
            const std::string word = Lower(t.text);
            if (word == "where") {
                if (have_where) return Fail(t.begin, {"'where' is given twice", "'where' 重复出现"});
                have_where = true;
                Next();
                const Token& property = Peek();
                Record("/where/property", property);
                if (property.kind != TokenKind::kWord && property.kind != TokenKind::kString) {
                    return FailExpected(property, {"a property name", "属性名"}, "where");
                }
                PropertyFilter filter{.property = property.text};
                Next();
                if (!ParseComparison(ValueKind::kAny, true, SourceText(property), "/where", &filter.test)) {
                    return false;
                }
                c.where = std::move(filter);
            } else if (word == "count" || word == "first" || word == "last") {
                if (have_measure) {
                    return Fail(t.begin, {"an event condition takes one of count, first and last",
                                          "事件条件只能有 count、first、last 之一"});
                }
                have_measure = true;
                c.measure = word == "count" ? EventMeasure::kCount
                                            : (word == "first" ? EventMeasure::kFirst : EventMeasure::kLast);
                Next();
                const ValueKind kind = c.measure == EventMeasure::kCount ? ValueKind::kCount : ValueKind::kTime;
                if (!ParseComparison(kind, false, word, "/" + word, &c.test)) return false;
            } else if (word == "within") {
                if (have_window) return Fail(t.begin, {"'within' is given twice", "'within' 重复出现"});
                have_window = true;
                if (!ParseWindow(&c.window)) return false;
            } else {
                break;
            }
        }
        *out = std::move(c);
        return true;
    }

    bool ParseSegment(Condition* out) {
        Next();  // segment
        const Token& t = Peek();
        Record("/segment", t);
        if (t.kind == TokenKind::kString) {
            *out = SegmentCondition{.segment = t.text};
            Next();
            return true;
        }
        if (t.kind == TokenKind::kNumber && internal::IsIntegerText(t.text)) {
            if (auto id = internal::ParseIntegerText(t.text)) {
                *out = SegmentCondition{.segment = SegmentId(*id)};
                Next();
                return true;
            }
        }
        return FailExpected(t, {"a segment id or a name in quotes", "分群 id 或带引号的分群名"}, "segment");
    }

    // attr.<name> after `after`.
    bool ParseAttributeName(std::string part, std::string_view after, std::string* out) {
        const Token& t = Peek();
        Record(std::move(part), t);
        if (t.kind != TokenKind::kWord || !Lower(t.text).starts_with("attr.")) {
            return FailExpected(t, {"a date attribute such as attr.birthday", "日期属性，如 attr.birthday"}, after);
        }
        *out = t.text.substr(5);
        Next();
        return true;
    }

    bool ParseBirthday(Condition* out) {
        Next();  // birthday
        BirthdayCondition c;
        if (!ParseAttributeName("/birthday", "birthday", &c.attribute)) return false;
        const Token& t = Peek();
        Record("/op", t);
        if (IsKeyword(t, "this")) {
            Next();
            if (IsKeyword(Peek(), "month") || IsKeyword(Peek(), "week")) {
                c.period = IsKeyword(Peek(), "month") ? BirthdayPeriod::kThisMonth : BirthdayPeriod::kThisWeek;
                Next();
                *out = std::move(c);
                return true;
            }
            return FailExpected(Peek(), {"'month' or 'week'", "'month' 或 'week'"}, "this");
        }
        if (IsKeyword(t, "next")) {
            Next();
            const Token& days = Peek();
            Record("/value", days);
            c.period = BirthdayPeriod::kNextDays;
            if (days.kind == TokenKind::kDuration && days.text.back() == 'd') {
                c.days = internal::ParseDurationText(days.text)->amount;
                Next();
                *out = std::move(c);
                return true;
            }
            if (days.kind == TokenKind::kNumber && internal::IsIntegerText(days.text) &&
                (IsKeyword(Peek(1), "days") || IsKeyword(Peek(1), "day"))) {
                if (auto v = internal::ParseIntegerText(days.text)) {
                    c.days = *v;
                    Next();
                    Next();
                    *out = std::move(c);
                    return true;
                }
            }
            return FailExpected(days, {"a number of days such as 7d", "天数，如 7d"}, "next");
        }
        return FailExpected(t, {"this month, this week or next 7d", "this month、this week 或 next 7d"},
                            "birthday attr." + c.attribute);
    }

    bool ParseMonthsSince(Condition* out) {
        Next();  // months_since
        MonthsSinceCondition c;
        if (!ParseAttributeName("/months_since", "months_since", &c.attribute)) return false;
        if (!ParseComparison(ValueKind::kMonths, false, "attr." + c.attribute, "", &c.test)) return false;
        *out = std::move(c);
        return true;
    }

    bool ParseAttribute(Condition* out) {
        const Token& t = Next();
        AttributeCondition c{.attribute = t.text.substr(5)};
        parts_.emplace_back("/attribute", t.begin);
        if (!ParseComparison(ValueKind::kAny, true, t.text, "", &c.test)) return false;
        *out = std::move(c);
        return true;
    }

    bool ParseTrait(Trait trait, Condition* out) {
        const Token& t = Next();
        const internal::TraitInfo& info = internal::InfoOf(trait);
        TraitCondition c{.trait = trait};
        if (!ParseComparison(info.kind, info.settable, Lower(t.text), "", &c.test)) return false;
        if (IsKeyword(Peek(), "within") && !ParseWindow(&c.window)) return false;
        *out = std::move(c);
        return true;
    }

    std::string_view input_;
    std::vector<Token> tokens_;
    size_t next_ = 0;
    int conditions_ = 0;
    std::vector<std::pair<std::string, size_t>> parts_;  // where each part of the current condition starts
    std::optional<RuleError> error_;
};

// ---- Printer ----

std::string Quote(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

bool IsPlainName(std::string_view name) {
    if (name.empty()) return false;
    const char first = name.front();
    if (!IsAsciiLetter(static_cast<unsigned char>(first)) && first != '_') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return IsAsciiLetter(u) || IsAsciiDigit(u) || c == '_' || c == '.';
    });
}

std::string PrintValue(const Value& value, ValueKind kind) {
    return std::visit(
        [&](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) {
                return v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, int64_t>) {
                return internal::FormatInteger(v);
            } else if constexpr (std::is_same_v<T, double>) {
                return internal::FormatDouble(v);
            } else if constexpr (std::is_same_v<T, Money>) {
                return (kind == ValueKind::kMoney ? "" : "¥") + internal::FormatYuanValue(v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return kind == ValueKind::kStage && IsPlainName(v) ? v : Quote(v);
            } else if constexpr (std::is_same_v<T, LocalDate>) {
                return FormatIsoDate(v);
            } else if constexpr (std::is_same_v<T, Duration>) {
                return internal::FormatDuration(v);
            } else {
                return v.valid() ? internal::FormatInteger(v.value()) : "none";
            }
        },
        value);
}

std::string PrintComparison(const Comparison& test, ValueKind kind) {
    auto value = [&](size_t i) { return i < test.values.size() ? PrintValue(test.values[i], kind) : "?"; };
    switch (test.op) {
        case Op::kIsSet:
            return "is set";
        case Op::kBetween:
            return "between " + value(0) + " and " + value(1);
        case Op::kIn: {
            std::string out = "in (";
            for (size_t i = 0; i < test.values.size(); ++i) out += (i > 0 ? ", " : "") + value(i);
            return out + ")";
        }
        default:
            return std::string(internal::OpText(test.op)) + " " + value(0);
    }
}

std::string PrintCondition(const Condition& condition) {
    return std::visit(
        [](const auto& c) -> std::string {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, Everyone>) {
                return "everyone";
            } else if constexpr (std::is_same_v<T, TagCondition>) {
                if (c.op == TagOp::kHas || c.op == TagOp::kHasNot) {
                    return std::string(c.op == TagOp::kHas ? "tag = " : "tag != ") +
                           Quote(c.tags.empty() ? std::string() : c.tags[0]);
                }
                std::string out = c.op == TagOp::kAnyOf ? "tag any of (" : "tag all of (";
                for (size_t i = 0; i < c.tags.size(); ++i) out += (i > 0 ? ", " : "") + Quote(c.tags[i]);
                return out + ")";
            } else if constexpr (std::is_same_v<T, AttributeCondition>) {
                return "attr." + c.attribute + " " + PrintComparison(c.test, ValueKind::kAny);
            } else if constexpr (std::is_same_v<T, TraitCondition>) {
                const auto& info = internal::InfoOf(c.trait);
                std::string out = std::string(info.name) + " " + PrintComparison(c.test, info.kind);
                if (c.window) out += " within " + internal::FormatDuration(*c.window);
                return out;
            } else if constexpr (std::is_same_v<T, IdentityCondition>) {
                return "has " + std::string(internal::IdentityTextName(c.kind));
            } else if constexpr (std::is_same_v<T, ConsentCondition>) {
                return (c.consented ? "consent " : "no consent ") + std::string(internal::PurposeName(c.purpose));
            } else if constexpr (std::is_same_v<T, EventCondition>) {
                std::string out = "event " + Quote(c.event);
                if (c.where) {
                    out += " where " + (IsPlainName(c.where->property) ? c.where->property : Quote(c.where->property)) +
                           " " + PrintComparison(c.where->test, ValueKind::kAny);
                }
                const bool default_count = c.measure == EventMeasure::kCount &&
                                           c.test == Comparison{.op = Op::kGe, .values = {Value(int64_t{1})}};
                if (!default_count) {
                    out += " " + std::string(internal::EventMeasureName(c.measure)) + " " +
                           PrintComparison(c.test,
                                           c.measure == EventMeasure::kCount ? ValueKind::kCount : ValueKind::kTime);
                }
                if (c.window) out += " within " + internal::FormatDuration(*c.window);
                return out;
            } else if constexpr (std::is_same_v<T, SegmentCondition>) {
                if (const auto* id = std::get_if<SegmentId>(&c.segment)) {
                    return "segment " + internal::FormatInteger(id->value());
                }
                return "segment " + Quote(std::get<std::string>(c.segment));
            } else if constexpr (std::is_same_v<T, BirthdayCondition>) {
                std::string out = "birthday attr." + c.attribute;
                switch (c.period) {
                    case BirthdayPeriod::kThisMonth:
                        return out + " this month";
                    case BirthdayPeriod::kThisWeek:
                        return out + " this week";
                    case BirthdayPeriod::kNextDays:
                        return out + " next " + internal::FormatInteger(c.days) + "d";
                }
                return out;
            } else {
                static_assert(std::is_same_v<T, MonthsSinceCondition>);
                return "months_since attr." + c.attribute + " " + PrintComparison(c.test, ValueKind::kMonths);
            }
        },
        condition);
}

bool IsGroup(const Rule& rule) { return rule.kind == Rule::Kind::kAll || rule.kind == Rule::Kind::kAny; }

void PrintRule(const Rule& rule, std::string* out) {
    auto child = [&](const Rule& c) {
        if (IsGroup(c)) {
            out->push_back('(');
            PrintRule(c, out);
            out->push_back(')');
        } else {
            PrintRule(c, out);
        }
    };
    switch (rule.kind) {
        case Rule::Kind::kCondition:
            *out += PrintCondition(rule.condition);
            return;
        case Rule::Kind::kAll:
        case Rule::Kind::kAny:
            for (size_t i = 0; i < rule.children.size(); ++i) {
                if (i > 0) *out += rule.kind == Rule::Kind::kAll ? " and " : " or ";
                child(rule.children[i]);
            }
            return;
        case Rule::Kind::kNot:
            *out += "not ";
            if (rule.children.empty()) {
                *out += "everyone";
            } else {
                child(rule.children[0]);
            }
            return;
    }
}

}  // namespace

RuleResult ParseRuleText(std::string_view text) {
    if (text.size() > kMaxRuleTextBytes) {
        const auto [line, column] = internal::LineColumn(text, kMaxRuleTextBytes);
        const internal::Message message = internal::TooLargeMessage(kMaxRuleTextBytes);
        return RuleError{.offset = kMaxRuleTextBytes,
                         .line = line,
                         .column = column,
                         .message_en = message.en,
                         .message_zh = message.zh};
    }
    Lexer lexer(text);
    std::vector<Token> tokens;
    if (!lexer.Run(&tokens)) {
        const auto [line, column] = internal::LineColumn(text, lexer.error_offset());
        return RuleError{.offset = lexer.error_offset(),
                         .line = line,
                         .column = column,
                         .message_en = lexer.error().en,
                         .message_zh = lexer.error().zh};
    }
    return TextParser(text, std::move(tokens)).Parse();
}

std::string ToText(const Rule& rule) {
    std::string out;
    PrintRule(rule, &out);
    return out;
}

}  // namespace yutang::audience
