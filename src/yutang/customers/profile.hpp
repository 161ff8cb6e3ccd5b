// The profile beyond identities: typed attributes, tags in groups, notes, the consent ledger,
// the owner guide and the source channel.
//
// Attribute values and note texts are personal and stored encrypted; the attribute "name" is
// also searchable through a blind index (exact match on the normalised name). Consent is an
// append-only ledger: the current state of a purpose is its latest record. A customer here is a
// canonical id; the reads take every id merged into it, and Merge() moves a merged customer's
// profile onto the winner (the resolver calls it for every merge).
//
//   ProfileStore profiles(keys, clock);
//   YT_TRY(profiles.SetAttributes(s, tenant, customer, {{"gender", AttributeValue::String("female")}}, "console"));
//   YT_ASSIGN_OR_RETURN(Tag tag, profiles.EnsureTag(s, tenant, "人群", "母婴"));
//   YT_TRY(profiles.AddTag(s, tenant, customer, tag.id, "console", staff));
//   YT_TRY(profiles.RecordConsent(s, tenant, customer, {.purpose = "marketing.wecom", .granted = true, …}).status());
#pragma once

#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/store/database.hpp"

namespace yutang::customers {

// ---- attributes -------------------------------------------------------------------------------

enum class AttributeType { kString, kNumber, kBoolean, kDate, kDateTime, kJson };
std::string_view AttributeTypeName(AttributeType type);  // "string", "number", …
std::optional<AttributeType> ParseAttributeType(std::string_view name);

// A value in its canonical text: numbers as written by JSON ("12", "3.5"), booleans "true" /
// "false", dates "YYYY-MM-DD", date-times RFC 3339 UTC, JSON minified.
struct AttributeValue {
    AttributeType type = AttributeType::kString;
    std::string text;

    static AttributeValue String(std::string text) { return {AttributeType::kString, std::move(text)}; }
    friend bool operator==(const AttributeValue&, const AttributeValue&) = default;
};

// A string that looks like a date ("2024-05-01") or a date-time becomes one; anything else
// stays a string.
AttributeValue ClassifyString(std::string text);

struct AttributeInput {
    std::string name;
    std::optional<AttributeValue> value;  // nullopt removes the attribute
};

struct Attribute {
    std::string name;
    AttributeValue value;
    std::string source;
    Timestamp updated_at;
};

struct AttributeLimits {
    size_t max_name_bytes = 64;
    size_t max_value_bytes = 4096;
    size_t max_per_customer = 200;
};

// Attributes that identify or describe the person (name, birthday, address, contact details …):
// shown masked unless revealed. The others (会员等级, preferences …) are shown as they are.
bool IsPersonalAttribute(std::string_view name);
// "王小明" → "王**", a date → "****-03-08" (month and day stay: birthday campaigns need them),
// anything else personal → its first character and "***". Non-personal values unchanged.
std::string MaskAttribute(std::string_view name, const AttributeValue& value);

// Attribute names: 1–64 bytes of letters, digits, '_', '.', '-' (Segment trait keys such as
// "firstName" or "baby_birthday"). invalid_argument (field) otherwise.
Status ValidateAttributeName(std::string_view name, std::string_view field);

// ---- tags -------------------------------------------------------------------------------------

struct TagGroup {
    int64_t id = 0;
    std::string name;
    bool exclusive = false;  // a customer holds at most one tag of the group (会员等级 …)
};

struct Tag {
    int64_t id = 0;
    int64_t group_id = 0;
    std::string group;
    std::string name;
    int64_t customers = 0;  // filled by Tags() only
};

struct CustomerTag {
    Tag tag;
    std::string source;
    std::optional<StaffId> tagged_by;
    Timestamp tagged_at;
};

// The group a tag lands in when none is named.
inline constexpr std::string_view kDefaultTagGroup = "未分组";

// ---- notes ------------------------------------------------------------------------------------

struct Note {
    int64_t id = 0;
    CustomerId customer;
    std::optional<StaffId> author;
    std::string body;
    Timestamp created_at;
};

// ---- consent ----------------------------------------------------------------------------------

// Purposes: "marketing.sms", "marketing.wecom", "marketing.email", "marketing.phone" (marketing
// per channel, PIPL art. 13/14 consent) and "conversation_archive" (会话存档, PIPL art. 29 separate
// consent).
std::span<const std::string_view> ConsentPurposes();
bool IsConsentPurpose(std::string_view purpose);

struct ConsentInput {
    std::string purpose;
    bool granted = false;
    std::optional<Timestamp> given_at;  // when the customer decided; default: now
    std::string source;                 // "console", "wecom", "mini_program", "import" …
    std::string notice_version;         // the privacy notice the customer saw
    std::optional<StaffId> recorded_by;
};

struct ConsentRecord {
    int64_t id = 0;
    std::string purpose;
    bool granted = false;
    Timestamp given_at;
    Timestamp recorded_at;
    std::string source;
    std::string notice_version;
    std::optional<StaffId> recorded_by;
};

// The latest record of each purpose in `history` (given_at, then id, decide), by purpose.
std::vector<ConsentRecord> CurrentConsent(std::span<const ConsentRecord> history);

// ---- the store --------------------------------------------------------------------------------

struct OwnerAndSource {
    std::optional<StaffId> owner;
    std::string source_channel;
    std::optional<Timestamp> last_seen_at;
};

// Stateless apart from its keys; every method runs inside the caller's transaction. `ids` are
// a customer's canonical id and the ids merged into it (reads cover all of them).
class ProfileStore {
  public:
    ProfileStore(const KeyRing& keys, const Clock& clock, AttributeLimits limits = {});

    // Sets (or with a null value removes) attributes; unchanged values are not rewritten.
    // invalid_argument (field "attributes.<name>") for a bad name or a value too long,
    // resource_exhausted beyond max_per_customer. Returns how many attributes changed.
    Result<int> SetAttributes(store::Session& session, TenantId tenant, CustomerId customer,
                              std::span<const AttributeInput> attributes, std::string_view source);
    // Sorted by name.
    Result<std::vector<Attribute>> Attributes(store::Session& session, TenantId tenant,
                                              std::span<const int64_t> ids) const;
    // Customers whose "name" attribute equals `name` (trimmed, case-folded for ASCII).
    Result<std::vector<CustomerId>> FindByName(store::Session& session, TenantId tenant, std::string_view name) const;

    // already_exists when the name is taken; invalid_argument (field "name") when empty or
    // longer than 64 characters.
    Result<TagGroup> CreateTagGroup(store::Session& session, TenantId tenant, std::string_view name, bool exclusive);
    Result<std::vector<TagGroup>> TagGroups(store::Session& session, TenantId tenant) const;
    // The tag `name` in group `group` ("" = the default group), created (with its group) when
    // missing.
    Result<Tag> EnsureTag(store::Session& session, TenantId tenant, std::string_view group, std::string_view name);
    // not_found for an unknown group; already_exists for a name the group has.
    Result<Tag> CreateTag(store::Session& session, TenantId tenant, int64_t group_id, std::string_view name);
    // Every tag with the number of customers holding it, by group then name.
    Result<std::vector<Tag>> Tags(store::Session& session, TenantId tenant) const;
    Result<std::optional<Tag>> FindTag(store::Session& session, TenantId tenant, int64_t tag_id) const;
    // Removes the tag from every customer and marks it deleted (its id is never reused; creating
    // its name again brings it back). Deleting a deleted tag is a no-op; not_found for an id
    // that never existed.
    Status DeleteTag(store::Session& session, TenantId tenant, int64_t tag_id);

    // Adds a tag (in an exclusive group, replacing the customer's other tag of that group).
    // Adding a tag the customer has is a no-op. not_found for an unknown tag.
    Status AddTag(store::Session& session, TenantId tenant, CustomerId customer, int64_t tag_id,
                  std::string_view source, std::optional<StaffId> by);
    Status RemoveTag(store::Session& session, TenantId tenant, CustomerId customer, int64_t tag_id);
    Result<std::vector<CustomerTag>> CustomerTags(store::Session& session, TenantId tenant,
                                                  std::span<const int64_t> ids) const;

    // invalid_argument (field "body") for an empty note or one over 2,000 characters.
    Result<Note> AddNote(store::Session& session, TenantId tenant, CustomerId customer, std::string_view body,
                         std::optional<StaffId> author);
    // Newest first.
    Result<std::vector<Note>> Notes(store::Session& session, TenantId tenant, std::span<const int64_t> ids) const;

    // invalid_argument (field "purpose" / "given_at" / "source" / "notice_version").
    Result<ConsentRecord> RecordConsent(store::Session& session, TenantId tenant, CustomerId customer,
                                        const ConsentInput& consent);
    // Oldest first.
    Result<std::vector<ConsentRecord>> ConsentHistory(store::Session& session, TenantId tenant,
                                                      std::span<const int64_t> ids) const;

    Result<OwnerAndSource> OwnerAndSourceOf(store::Session& session, TenantId tenant, CustomerId customer) const;
    // The caller checks that the staff member exists in the merchant.
    Status SetOwner(store::Session& session, TenantId tenant, CustomerId customer, std::optional<StaffId> owner);
    // Moves last_seen_at forward (never back), to the hour: a time less than an hour after the
    // stored one is not written, so last_seen_at is at most an hour behind the latest event.
    Status MarkSeen(store::Session& session, TenantId tenant, CustomerId customer, Timestamp at);
    // The same for many customers (each once), reading their times 64 per query first and
    // writing only those it moves: a customer seen within the hour costs no UPDATE. Returns
    // each existing customer's last_seen_at as it leaves it.
    Result<std::vector<std::pair<int64_t, Timestamp>>> MarkSeen(store::Session& session, TenantId tenant,
                                                                std::span<const std::pair<int64_t, Timestamp>> seen);

    // After `loser` was merged into `winner`: tags (the winner's win within exclusive groups),
    // attributes (the winner's values win), notes move; owner, source channel and last seen
    // are taken from the loser where the winner has none. Consent records stay where they are
    // (the ledger is never changed) and are read through the merged ids.
    Status Merge(store::Session& session, TenantId tenant, CustomerId loser, CustomerId winner);
    // Erasure (PIPL art. 47): attributes, tags and notes of `ids` are deleted, the owner
    // cleared. The consent ledger stays as the merchant's evidence.
    Status Erase(store::Session& session, TenantId tenant, std::span<const int64_t> ids);

  private:
    std::string AttributeContext(TenantId tenant) const;
    std::string NoteContext(TenantId tenant) const;
    std::string NameIndex(TenantId tenant, std::string_view name) const;

    const KeyRing& keys_;
    const Clock& clock_;
    AttributeLimits limits_;
};

// What a process knows of its customers' last_seen_at, from what MarkSeen returned in
// transactions it saw commit, so that the next MarkSeen can leave out the customers it would not
// move without reading them. A stored last_seen_at never moves back, so a time once stored
// stays a lower bound of it; marks that did not commit are never recorded. Thread-safe. Bounded:
// past `capacity` customers it forgets them all and learns again.
class LastSeenHints {
  public:
    explicit LastSeenHints(size_t capacity = size_t{1} << 18) : capacity_(capacity) {}

    // `seen` without the customers MarkSeen would leave as they are.
    std::vector<std::pair<int64_t, Timestamp>> Unsettled(TenantId tenant,
                                                         std::span<const std::pair<int64_t, Timestamp>> seen) const;
    // What MarkSeen returned, once its transaction has committed.
    void Committed(TenantId tenant, std::span<const std::pair<int64_t, Timestamp>> stored);

  private:
    struct Key {
        int64_t tenant;
        int64_t customer;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const {
            return static_cast<size_t>(static_cast<uint64_t>(k.customer) * 0x9E3779B97F4A7C15ULL ^
                                       static_cast<uint64_t>(k.tenant));
        }
    };
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<Key, int64_t, KeyHash> at_least_;  // micros
};

}  // namespace yutang::customers
