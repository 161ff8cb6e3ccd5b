#include "yutang/customers/identity.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace yutang::customers {
namespace {

using K = IdentityKind;

constexpr std::array kKinds = {K::kUserId,   K::kWechatUnionId, K::kPhone,        K::kWecomExternalUserId,
                               K::kEmail,    K::kJdBuyer,       K::kTaobaoBuyer,  K::kDouyinBuyer,
                               K::kPddBuyer, K::kYouzanBuyer,   K::kWechatOpenId, K::kAnonymousId};

// Indexed by IdentityKind. Keep in sync with the enum and docs/design/identity.md.
constexpr std::array<std::string_view, kKinds.size()> kKindNames = {
    "user_id", "wechat_unionid", "phone",         "wecom_external_userid", "email", "jd", "taobao", "douyin",
    "pdd",     "youzan",         "wechat_openid", "anonymous_id"};

// Priority: ids that one person cannot share (the merchant's own account id, the WeChat
// unionid) decide over contact data, which decides over platform accounts and devices.
// Limits: the ids one person has exactly one of are capped at 1, which is also what refuses a
// merge of two people who have different ones; the others are capped where real people stop
// and shared or recycled values begin (a family phone, a shop's test account, a shared device).
constexpr std::array<KindRule, kKinds.size()> kKindRules = {{
    {100, 1, false},  // user_id
    {90, 1, true},    // wechat_unionid
    {80, 3, true},    // phone
    {70, 3, true},    // wecom_external_userid
    {60, 3, true},    // email
    {50, 3, true},    // jd
    {50, 3, true},    // taobao
    {50, 3, true},    // douyin
    {50, 3, true},    // pdd
    {50, 3, true},    // youzan
    {40, 10, true},   // wechat_openid
    {10, 50, false},  // anonymous_id
}};

constexpr std::array<std::string_view, 12> kPlaceholders = {"0",         "-1",      "null", "nil", "none", "undefined",
                                                            "anonymous", "unknown", "n/a",  "na",  "-",    "—"};

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string Lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool IsPlaceholder(std::string_view value) {
    if (value.empty()) return true;
    const std::string lower = Lower(value);
    return std::find(kPlaceholders.begin(), kPlaceholders.end(), lower) != kPlaceholders.end();
}

// Platforms' ciphertext and masks: "$…$…$" (抖店), "#…#…#", "##密文", "1******6198" (京东).
bool IsEncrypted(std::string_view value) {
    if (value.find("密文") != std::string_view::npos) return true;
    if (value.size() >= 3 && (value.front() == '$' || value.front() == '#') && value.back() == value.front()) {
        return true;
    }
    return false;
}
bool IsMasked(std::string_view value) { return value.find('*') != std::string_view::npos; }

NormalizedIdentity Refused(IdentityKind kind, std::string hint, std::string why) {
    return NormalizedIdentity{kind, false, "", std::move(hint), std::move(why)};
}

// First and last character around "***" (whole UTF-8 characters, never split bytes).
std::string GenericHint(std::string_view value) {
    auto char_length = [](unsigned char lead) -> size_t {
        return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    };
    const size_t first = std::min(char_length(static_cast<unsigned char>(value.front())), value.size());
    size_t last_start = value.size() - 1;
    while (last_start > 0 && (static_cast<unsigned char>(value[last_start]) & 0xc0) == 0x80) --last_start;
    if (last_start < first) return std::string(value.substr(0, first)) + "***";
    return std::string(value.substr(0, first)) + "***" + std::string(value.substr(last_start));
}

Result<NormalizedIdentity> NormalizePhone(std::string_view raw) {
    // Keep digits and a leading '+'; drop the separators people and spreadsheets add
    // (spaces, dashes, dots, parentheses, a leading apostrophe, "tel:").
    std::string digits;
    bool plus = false;
    std::string_view s = raw;
    if (s.substr(0, 4) == "tel:") s.remove_prefix(4);
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            digits += c;
        } else if (c == '+' && digits.empty() && !plus) {
            plus = true;
        } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\'') {
            continue;
        } else {
            return InvalidArgument("not a phone number", "value");
        }
    }
    // Mainland mobiles: 1[3-9] and 9 more digits, with or without 86 / 0086 / +86 in front.
    std::string national = digits;
    if (!plus && national.rfind("0086", 0) == 0)
        national = national.substr(4);
    else if ((plus || national.size() == 13) && national.rfind("86", 0) == 0)
        national = national.substr(2);
    if (national.size() == 11 && national[0] == '1' && national[1] >= '3' && national[1] <= '9' &&
        (plus ? digits.rfind("86", 0) == 0 : true)) {
        const std::string e164 = "+86" + national;
        return NormalizedIdentity{K::kPhone, true, e164, MaskPhone(e164), ""};
    }
    if (plus && digits.size() >= 8 && digits.size() <= 15) {
        const std::string e164 = "+" + digits;
        return NormalizedIdentity{K::kPhone, true, e164, MaskPhone(e164), ""};
    }
    return InvalidArgument("not a mobile number (expected 11 digits starting with 1, e.g. 138-0000-0000, or +86 …)",
                           "value");
}

Result<NormalizedIdentity> NormalizeEmail(std::string_view raw) {
    const std::string email = Lower(raw);
    const size_t at = email.find('@');
    const bool valid = at != std::string::npos && at > 0 && at + 1 < email.size() &&
                       email.find('@', at + 1) == std::string::npos && email.find('.', at) != std::string::npos &&
                       email.find(' ') == std::string::npos;
    if (!valid) return InvalidArgument("not an email address", "value");
    return NormalizedIdentity{K::kEmail, true, email, MaskEmail(email), ""};
}

}  // namespace

std::span<const IdentityKind> AllIdentityKinds() { return kKinds; }

std::string_view IdentityKindName(IdentityKind kind) { return kKindNames.at(static_cast<size_t>(kind)); }

Result<IdentityKind> ParseIdentityKind(std::string_view name, std::string_view field) {
    for (IdentityKind k : kKinds) {
        if (IdentityKindName(k) == name) return k;
    }
    return InvalidArgument("unknown identity kind: " + std::string(name), std::string(field));
}

const KindRule& RuleFor(IdentityKind kind) { return kKindRules.at(static_cast<size_t>(kind)); }

std::string MaskPhone(std::string_view e164) {
    if (e164.rfind("+86", 0) == 0 && e164.size() == 14) {
        return std::string(e164.substr(3, 3)) + "****" + std::string(e164.substr(10));
    }
    if (e164.size() <= 4) return "****";
    return "****" + std::string(e164.substr(e164.size() - 4));
}

std::string MaskEmail(std::string_view email) {
    const size_t at = email.find('@');
    if (at == std::string_view::npos || at == 0) return "***";
    return std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

Result<NormalizedIdentity> NormalizeIdentity(const IdentityInput& input) {
    const std::string_view value = Trim(input.value);
    if (value.size() > 256) return InvalidArgument("identity value is longer than 256 bytes", "value");
    if (IsPlaceholder(value)) return Refused(input.kind, "", "placeholder");
    if (IsEncrypted(value)) return Refused(input.kind, "已加密 encrypted", "encrypted");
    if (IsMasked(value)) return Refused(input.kind, std::string(value), "masked");
    switch (input.kind) {
        case K::kPhone:
            return NormalizePhone(value);
        case K::kEmail:
            return NormalizeEmail(value);
        case K::kWechatOpenId: {
            const std::string_view scope = Trim(input.scope);
            if (scope.empty()) return InvalidArgument("a wechat_openid needs its app id", "scope");
            const std::string scoped = std::string(scope) + ":" + std::string(value);
            return NormalizedIdentity{input.kind, true, scoped, GenericHint(value), ""};
        }
        default:
            return NormalizedIdentity{input.kind, true, std::string(value), GenericHint(value), ""};
    }
}

}  // namespace yutang::customers
