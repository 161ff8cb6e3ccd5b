// Identities: the external ids that point at a customer, and which values count as one.
//
// A buyer is a JD account, a phone number on a Taobao order, a WeCom contact and a mini-program
// openid at once; each of those is an identity (kind + value) pointing at one dense customer id.
// Values are normalised before use (mainland phones to +86…, emails lower-cased) and some are
// refused as identities altogether: placeholders ("0", "null", "anonymous" …) and any masked or
// encrypted value (`1******6198`, `$…$…$`), which platforms now export instead of real contacts
// (see docs/design/identity.md). A refused value is kept only as a display hint.
//
//   auto phone = NormalizeIdentity({IdentityKind::kPhone, "138 1234 5678"});
//   phone->value;  // "+8613812345678"
//   phone->hint;   // "138****5678"
//   NormalizeIdentity({IdentityKind::kPhone, "1******6198"})->usable;  // false: masked
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "yutang/base/status.hpp"

namespace yutang::customers {

// Keep in sync with kKindRules in identity.cpp and docs/design/identity.md.
enum class IdentityKind {
    kUserId,               // Segment userId: the merchant's own account id
    kWechatUnionId,        // one person across the merchant's WeChat apps
    kPhone,                // E.164; mainland mobiles as +86…
    kWecomExternalUserId,  // a WeCom (企业微信) external contact
    kEmail,
    kJdBuyer,       // 京东 下单帐号
    kTaobaoBuyer,   // 淘宝/天猫 买家会员名
    kDouyinBuyer,   // 抖店 buyer id
    kPddBuyer,      // 拼多多 buyer id
    kYouzanBuyer,   // 有赞 buyer id
    kWechatOpenId,  // per app id: "<appid>:<openid>"
    kAnonymousId,   // Segment anonymousId: a device or browser
};

std::span<const IdentityKind> AllIdentityKinds();
std::string_view IdentityKindName(IdentityKind kind);  // "user_id", "wechat_unionid", "phone", …
Result<IdentityKind> ParseIdentityKind(std::string_view name, std::string_view field = "kind");

// How a kind takes part in resolution.
struct KindRule {
    int priority;          // higher decides more: see docs/design/identity.md
    int max_per_customer;  // a merge or attach that would exceed it is refused
    bool personal;         // personal information under PIPL: encrypted, masked, exported, erased
};
const KindRule& RuleFor(IdentityKind kind);

struct IdentityInput {
    IdentityKind kind;
    std::string value;
    std::string scope;  // wechat_openid: the app id; empty otherwise
};

struct NormalizedIdentity {
    IdentityKind kind;
    bool usable = false;          // false: a placeholder, masked or encrypted value — a hint only
    std::string value;            // normalised (usable only)
    std::string hint;             // safe to show: "138****5678", "d***@example.com", "已加密 encrypted"
    std::string refused_because;  // when !usable: "masked", "encrypted", "placeholder"
};

// Normalises one value. invalid_argument (field "value") when it is not a value of that kind at
// all (a phone with letters, an email without '@', an openid without its app id, over 256 bytes);
// a placeholder, masked or encrypted value is not an error but comes back with usable = false.
Result<NormalizedIdentity> NormalizeIdentity(const IdentityInput& input);

// "+8613812345678" → "138****5678"; other phones keep their last four digits.
std::string MaskPhone(std::string_view e164);
// "alice@example.com" → "a***@example.com".
std::string MaskEmail(std::string_view email);

}  // namespace yutang::customers
