#include "yutang/customers/profile.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <limits>
#include <map>
#include <set>

#include "yutang/base/text.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/store/bulk.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::customers {
namespace {

constexpr std::array<std::pair<AttributeType, std::string_view>, 6> kAttributeTypes = {{
    {AttributeType::kString, "string"},
    {AttributeType::kNumber, "number"},
    {AttributeType::kBoolean, "boolean"},
    {AttributeType::kDate, "date"},
    {AttributeType::kDateTime, "datetime"},
    {AttributeType::kJson, "json"},
}};

constexpr std::array<std::string_view, 5> kConsentPurposes = {"marketing.sms", "marketing.wecom", "marketing.email",
                                                              "marketing.phone", "conversation_archive"};

constexpr std::array<std::string_view, 15> kPersonalAttributes = {
    "name",  "first_name", "firstName", "last_name", "lastName", "username", "address", "birthday",
    "phone", "email",      "avatar",    "id_card",   "wechat",   "age",      "title"};

// The attribute whose value is searchable (exact match) through a blind index.
constexpr std::string_view kSearchableAttribute = "name";
constexpr size_t kMaxTagNameChars = 64;
constexpr size_t kMaxNoteChars = 2000;
constexpr size_t kMaxConsentTextChars = 64;

constexpr std::string_view kSelectAttributes =
    "SELECT name, type, value_cipher, source, updated_at FROM customer_attributes "
    "WHERE tenant_id = $1 AND customer_id = $2 ORDER BY name";
constexpr std::string_view kUpsertAttribute =
    "INSERT INTO customer_attributes (tenant_id, customer_id, name, type, value_cipher, value_index, source, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, customer_id, name) DO UPDATE SET "
    "type = excluded.type, value_cipher = excluded.value_cipher, value_index = excluded.value_index, "
    "source = excluded.source, updated_at = excluded.updated_at";
constexpr std::string_view kDeleteAttribute =
    "DELETE FROM customer_attributes WHERE tenant_id = $1 AND customer_id = $2 AND name = $3";
constexpr std::string_view kFindByName =
    "SELECT customer_id FROM customer_attributes WHERE tenant_id = $1 AND value_index = $2";
constexpr std::string_view kDeleteAttributes =
    "DELETE FROM customer_attributes WHERE tenant_id = $1 AND customer_id = $2";

constexpr std::string_view kInsertGroup =
    "INSERT INTO tag_groups (tenant_id, group_id, name, exclusive, created_at) VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kSelectGroups =
    "SELECT group_id, name, exclusive FROM tag_groups WHERE tenant_id = $1 ORDER BY group_id";
constexpr std::string_view kSelectGroupByName =
    "SELECT group_id, name, exclusive FROM tag_groups WHERE tenant_id = $1 AND name = $2";
constexpr std::string_view kSelectGroupById =
    "SELECT group_id, name, exclusive FROM tag_groups WHERE tenant_id = $1 AND group_id = $2";
constexpr std::string_view kInsertTag =
    "INSERT INTO tags (tenant_id, tag_id, group_id, name, created_at) VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kSelectTagByName =
    "SELECT tag_id, deleted_at FROM tags WHERE tenant_id = $1 AND group_id = $2 AND name = $3";
constexpr std::string_view kReviveTag = "UPDATE tags SET deleted_at = NULL WHERE tenant_id = $1 AND tag_id = $2";
constexpr std::string_view kSelectTag =
    "SELECT t.tag_id, t.group_id, g.name, t.name, g.exclusive FROM tags t JOIN tag_groups g "
    "ON g.tenant_id = t.tenant_id AND g.group_id = t.group_id WHERE t.tenant_id = $1 AND t.tag_id = $2 "
    "AND t.deleted_at IS NULL";
constexpr std::string_view kTagExists = "SELECT deleted_at FROM tags WHERE tenant_id = $1 AND tag_id = $2";
constexpr std::string_view kSelectTags =
    "SELECT t.tag_id, t.group_id, g.name, t.name, (SELECT COUNT(*) FROM customer_tags c "
    "WHERE c.tenant_id = t.tenant_id AND c.tag_id = t.tag_id) FROM tags t JOIN tag_groups g "
    "ON g.tenant_id = t.tenant_id AND g.group_id = t.group_id WHERE t.tenant_id = $1 AND t.deleted_at IS NULL "
    "ORDER BY g.group_id, t.name";
constexpr std::string_view kDeleteTagLinks = "DELETE FROM customer_tags WHERE tenant_id = $1 AND tag_id = $2";
constexpr std::string_view kDeleteTagRow =
    "UPDATE tags SET deleted_at = $3 WHERE tenant_id = $1 AND tag_id = $2 AND deleted_at IS NULL";

constexpr std::string_view kSelectCustomerTags =
    "SELECT t.tag_id, t.group_id, g.name, t.name, c.source, c.tagged_by, c.tagged_at, g.exclusive "
    "FROM customer_tags c JOIN tags t ON t.tenant_id = c.tenant_id AND t.tag_id = c.tag_id "
    "JOIN tag_groups g ON g.tenant_id = t.tenant_id AND g.group_id = t.group_id "
    "WHERE c.tenant_id = $1 AND c.customer_id = $2 ORDER BY g.group_id, t.name";
constexpr std::string_view kInsertCustomerTag =
    "INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_by, tagged_at) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, customer_id, tag_id) DO NOTHING";
constexpr std::string_view kDeleteCustomerTag =
    "DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id = $2 AND tag_id = $3";
constexpr std::string_view kDeleteCustomerTags = "DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id = $2";
// The customer's other tags in the same group (for exclusive groups).
constexpr std::string_view kDeleteGroupSiblings =
    "DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id = $2 AND tag_id <> $3 AND tag_id IN "
    "(SELECT tag_id FROM tags WHERE tenant_id = $1 AND group_id = $4)";

constexpr std::string_view kInsertNote =
    "INSERT INTO customer_notes (tenant_id, note_id, customer_id, author_staff_id, body_cipher, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kSelectNotes =
    "SELECT note_id, customer_id, author_staff_id, body_cipher, created_at FROM customer_notes "
    "WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kMoveNotes =
    "UPDATE customer_notes SET customer_id = $3 WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kDeleteNotes = "DELETE FROM customer_notes WHERE tenant_id = $1 AND customer_id = $2";

constexpr std::string_view kInsertConsent =
    "INSERT INTO consent_records (tenant_id, consent_id, customer_id, purpose, granted, given_at, recorded_at, "
    "source, notice_version, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
constexpr std::string_view kSelectConsent =
    "SELECT consent_id, purpose, granted, given_at, recorded_at, source, notice_version, recorded_by "
    "FROM consent_records WHERE tenant_id = $1 AND customer_id = $2";

constexpr std::string_view kSelectOwner =
    "SELECT owner_staff_id, source_channel, last_seen_at FROM customers WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kSetOwner =
    "UPDATE customers SET owner_staff_id = $3, updated_at = $4 WHERE tenant_id = $1 AND customer_id = $2";
// Moves last_seen_at forward only when it gains at least kSeenPrecision: a customer active all
// day costs one write an hour, not one per event (ingest is bound by pages written per commit).
constexpr std::string_view kMarkSeen =
    "UPDATE customers SET last_seen_at = $3 WHERE tenant_id = $1 AND customer_id = $2 "
    "AND (last_seen_at IS NULL OR last_seen_at < $4)";
constexpr std::chrono::hours kSeenPrecision{1};
constexpr std::string_view kInheritOwner =
    "UPDATE customers SET owner_staff_id = COALESCE(owner_staff_id, $3), "
    "source_channel = CASE WHEN source_channel = '' THEN $4 ELSE source_channel END "
    "WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kClearOwner =
    "UPDATE customers SET owner_staff_id = NULL WHERE tenant_id = $1 AND customer_id = $2";

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-'; }

std::string Trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
    return std::string(s);
}

// Names compare trimmed, with ASCII case folded and inner runs of spaces made one.
std::string NormalizeName(std::string_view name) {
    std::string out;
    bool space = false;
    for (char c : Trim(name)) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            space = true;
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

Status CheckLabel(std::string_view text, size_t max_chars, std::string_view field) {
    if (Trim(text).empty()) return InvalidArgument(std::string(field) + " is required", std::string(field));
    const auto length = Utf8Length(text);
    if (!length) return InvalidArgument(std::string(field) + " is not valid UTF-8", std::string(field));
    if (*length > max_chars) {
        return InvalidArgument(std::string(field) + " is longer than " + std::to_string(max_chars) + " characters",
                               std::string(field));
    }
    return OkStatus();
}

std::optional<StaffId> OptionalStaff(const store::Row& row, size_t column) {
    if (auto v = row.OptionalInt(column)) return StaffId(*v);
    return std::nullopt;
}

store::Value StaffValue(const std::optional<StaffId>& staff) {
    if (staff) return staff->value();
    return nullptr;
}

Result<std::optional<TagGroup>> QueryGroup(store::Session& s, std::string_view sql,
                                           std::initializer_list<store::Value> p) {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql, p));
    if (!row) return std::optional<TagGroup>();
    return std::optional<TagGroup>(TagGroup{row->Int(0), row->Text(1), row->Int(2) != 0});
}

}  // namespace

std::string_view AttributeTypeName(AttributeType type) {
    for (const auto& [t, name] : kAttributeTypes) {
        if (t == type) return name;
    }
    return "string";
}

std::optional<AttributeType> ParseAttributeType(std::string_view name) {
    for (const auto& [t, type_name] : kAttributeTypes) {
        if (type_name == name) return t;
    }
    return std::nullopt;
}

AttributeValue ClassifyString(std::string text) {
    if (text.size() == 10 && ParseIsoDate(text, "value").ok()) return {AttributeType::kDate, std::move(text)};
    if (text.size() >= 20 && text.size() <= 35 && text[4] == '-' && text[10] == 'T') {
        if (auto at = ParseRfc3339(text, "value"); at.ok()) return {AttributeType::kDateTime, FormatRfc3339(*at)};
    }
    return AttributeValue::String(std::move(text));
}

bool IsPersonalAttribute(std::string_view name) {
    return std::find(kPersonalAttributes.begin(), kPersonalAttributes.end(), name) != kPersonalAttributes.end();
}

std::string MaskAttribute(std::string_view name, const AttributeValue& value) {
    if (!IsPersonalAttribute(name)) return value.text;
    if (value.type == AttributeType::kDate && value.text.size() == 10) return "****" + value.text.substr(4);
    if (value.text.empty()) return "";
    // The first whole UTF-8 character.
    size_t first = 1;
    while (first < value.text.size() && (static_cast<unsigned char>(value.text[first]) & 0xC0) == 0x80) ++first;
    if (value.type == AttributeType::kJson) return "***";
    return value.text.substr(0, first) + (name == "name" || name.ends_with("ame") ? "**" : "***");
}

Status ValidateAttributeName(std::string_view name, std::string_view field) {
    if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), IsNameChar)) {
        return InvalidArgument("attribute names are 1–64 letters, digits, '_', '.' or '-'", std::string(field));
    }
    return OkStatus();
}

std::span<const std::string_view> ConsentPurposes() { return kConsentPurposes; }

bool IsConsentPurpose(std::string_view purpose) {
    return std::find(kConsentPurposes.begin(), kConsentPurposes.end(), purpose) != kConsentPurposes.end();
}

std::vector<ConsentRecord> CurrentConsent(std::span<const ConsentRecord> history) {
    std::map<std::string, const ConsentRecord*> latest;
    for (const ConsentRecord& r : history) {
        const ConsentRecord*& slot = latest[r.purpose];
        if (slot == nullptr || std::pair(r.given_at, r.id) > std::pair(slot->given_at, slot->id)) slot = &r;
    }
    std::vector<ConsentRecord> out;
    for (const auto& [purpose, record] : latest) out.push_back(*record);
    return out;
}

ProfileStore::ProfileStore(const KeyRing& keys, const Clock& clock, AttributeLimits limits)
    : keys_(keys), clock_(clock), limits_(limits) {}

std::string ProfileStore::AttributeContext(TenantId tenant) const {
    return "t" + std::to_string(tenant.value()) + "/customer.attribute";
}

std::string ProfileStore::NoteContext(TenantId tenant) const {
    return "t" + std::to_string(tenant.value()) + "/customer.note";
}

std::string ProfileStore::NameIndex(TenantId tenant, std::string_view name) const {
    return keys_.BlindIndex("t" + std::to_string(tenant.value()) + "/attribute.name", NormalizeName(name));
}

// ---- attributes -------------------------------------------------------------------------------

Result<int> ProfileStore::SetAttributes(store::Session& s, TenantId tenant, CustomerId customer,
                                        std::span<const AttributeInput> attributes, std::string_view source) {
    for (const AttributeInput& a : attributes) {
        const std::string field = "attributes." + a.name;
        YT_TRY(ValidateAttributeName(a.name, field));
        if (a.value && a.value->text.size() > limits_.max_value_bytes) {
            return InvalidArgument("value is longer than " + std::to_string(limits_.max_value_bytes) + " bytes", field);
        }
    }
    const int64_t ids[] = {customer.value()};
    YT_ASSIGN_OR_RETURN(std::vector<Attribute> current, Attributes(s, tenant, ids));
    std::map<std::string, AttributeValue> stored;
    for (Attribute& a : current) stored.emplace(std::move(a.name), std::move(a.value));

    const std::string context = AttributeContext(tenant);
    const Timestamp now = clock_.Now();
    int changed = 0;
    for (const AttributeInput& a : attributes) {
        auto it = stored.find(a.name);
        if (!a.value) {
            if (it == stored.end()) continue;
            YT_TRY(s.Execute(kDeleteAttribute, {tenant.value(), customer.value(), a.name}));
            stored.erase(it);
            ++changed;
            continue;
        }
        if (it != stored.end() && it->second == *a.value) continue;
        if (it == stored.end() && stored.size() >= limits_.max_per_customer) {
            return ResourceExhausted("a customer has at most " + std::to_string(limits_.max_per_customer) +
                                     " attributes");
        }
        store::Value index = nullptr;
        if (a.name == kSearchableAttribute && a.value->type == AttributeType::kString) {
            index = store::Blob{NameIndex(tenant, a.value->text)};
        }
        YT_TRY(s.Execute(kUpsertAttribute, {tenant.value(), customer.value(), a.name, AttributeTypeName(a.value->type),
                                            store::Blob{keys_.Encrypt(a.value->text, context)}, std::move(index),
                                            std::string(source), now.micros()}));
        stored[a.name] = *a.value;
        ++changed;
    }
    return changed;
}

Result<std::vector<Attribute>> ProfileStore::Attributes(store::Session& s, TenantId tenant,
                                                        std::span<const int64_t> ids) const {
    const std::string context = AttributeContext(tenant);
    std::map<std::string, Attribute> by_name;  // the canonical id comes first and wins
    for (int64_t id : ids) {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectAttributes, {tenant.value(), id}));
        for (const auto& row : rows) {
            if (by_name.contains(row.Text(0))) continue;
            YT_ASSIGN_OR_RETURN(std::string text, keys_.Decrypt(row.Text(2), context));
            const auto type = ParseAttributeType(row.Text(1)).value_or(AttributeType::kString);
            by_name.emplace(
                row.Text(0),
                Attribute{row.Text(0), {type, std::move(text)}, row.Text(3), Timestamp::FromMicros(row.Int(4))});
        }
    }
    std::vector<Attribute> out;
    out.reserve(by_name.size());
    for (auto& [name, attribute] : by_name) out.push_back(std::move(attribute));
    return out;
}

Result<std::vector<CustomerId>> ProfileStore::FindByName(store::Session& s, TenantId tenant,
                                                         std::string_view name) const {
    std::vector<CustomerId> out;
    if (NormalizeName(name).empty()) return out;
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kFindByName, {tenant.value(), store::Blob{NameIndex(tenant, name)}}));
    for (const auto& row : rows) out.emplace_back(row.Int(0));
    // Sorted here: with ORDER BY customer_id, SQLite (without statistics) walks the merchant's
    // every attribute in key order rather than sort the few rows the name's index finds.
    std::sort(out.begin(), out.end());
    return out;
}

// ---- tags -------------------------------------------------------------------------------------

Result<TagGroup> ProfileStore::CreateTagGroup(store::Session& s, TenantId tenant, std::string_view name,
                                              bool exclusive) {
    YT_TRY(CheckLabel(name, kMaxTagNameChars, "name"));
    const std::string trimmed = Trim(name);
    YT_ASSIGN_OR_RETURN(auto existing, QueryGroup(s, kSelectGroupByName, {tenant.value(), trimmed}));
    if (existing) return AlreadyExists("a tag group with this name exists", "name");
    YT_ASSIGN_OR_RETURN(int64_t id, store::NextId(s, tenant, "tag_group"));
    YT_TRY(s.Execute(kInsertGroup, {tenant.value(), id, trimmed, exclusive, clock_.Now().micros()}));
    return TagGroup{id, trimmed, exclusive};
}

Result<std::vector<TagGroup>> ProfileStore::TagGroups(store::Session& s, TenantId tenant) const {
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectGroups, {tenant.value()}));
    std::vector<TagGroup> out;
    for (const auto& row : rows) out.push_back({row.Int(0), row.Text(1), row.Int(2) != 0});
    return out;
}

Result<Tag> ProfileStore::EnsureTag(store::Session& s, TenantId tenant, std::string_view group, std::string_view name) {
    const std::string group_name = Trim(group).empty() ? std::string(kDefaultTagGroup) : Trim(group);
    YT_TRY(CheckLabel(group_name, kMaxTagNameChars, "group"));
    YT_TRY(CheckLabel(name, kMaxTagNameChars, "name"));
    YT_ASSIGN_OR_RETURN(auto found, QueryGroup(s, kSelectGroupByName, {tenant.value(), group_name}));
    TagGroup g;
    if (found) {
        g = *found;
    } else {
        YT_ASSIGN_OR_RETURN(g, CreateTagGroup(s, tenant, group_name, false));
    }
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectTagByName, {tenant.value(), g.id, Trim(name)}));
    if (row && row->IsNull(1)) return Tag{row->Int(0), g.id, g.name, Trim(name), 0};
    return CreateTag(s, tenant, g.id, name);
}

Result<Tag> ProfileStore::CreateTag(store::Session& s, TenantId tenant, int64_t group_id, std::string_view name) {
    YT_TRY(CheckLabel(name, kMaxTagNameChars, "name"));
    YT_ASSIGN_OR_RETURN(auto g, QueryGroup(s, kSelectGroupById, {tenant.value(), group_id}));
    if (!g) return NotFound("no such tag group");
    const std::string trimmed = Trim(name);
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectTagByName, {tenant.value(), group_id, trimmed}));
    if (row && row->IsNull(1)) return AlreadyExists("the group has a tag with this name", "name");
    if (row) {  // deleted before: the same tag comes back, with its id
        YT_TRY(s.Execute(kReviveTag, {tenant.value(), row->Int(0)}));
        return Tag{row->Int(0), group_id, g->name, trimmed, 0};
    }
    YT_ASSIGN_OR_RETURN(int64_t id, store::NextId(s, tenant, "tag"));
    YT_TRY(s.Execute(kInsertTag, {tenant.value(), id, group_id, trimmed, clock_.Now().micros()}));
    return Tag{id, group_id, g->name, trimmed, 0};
}

Result<std::vector<Tag>> ProfileStore::Tags(store::Session& s, TenantId tenant) const {
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectTags, {tenant.value()}));
    std::vector<Tag> out;
    for (const auto& row : rows) out.push_back({row.Int(0), row.Int(1), row.Text(2), row.Text(3), row.Int(4)});
    return out;
}

Result<std::optional<Tag>> ProfileStore::FindTag(store::Session& s, TenantId tenant, int64_t tag_id) const {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectTag, {tenant.value(), tag_id}));
    if (!row) return std::optional<Tag>();
    return std::optional<Tag>(Tag{row->Int(0), row->Int(1), row->Text(2), row->Text(3), 0});
}

Status ProfileStore::DeleteTag(store::Session& s, TenantId tenant, int64_t tag_id) {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kTagExists, {tenant.value(), tag_id}));
    if (!row) return NotFound("no such tag");
    YT_TRY(s.Execute(kDeleteTagLinks, {tenant.value(), tag_id}));
    return s.Execute(kDeleteTagRow, {tenant.value(), tag_id, clock_.Now().micros()}).status();
}

Status ProfileStore::AddTag(store::Session& s, TenantId tenant, CustomerId customer, int64_t tag_id,
                            std::string_view source, std::optional<StaffId> by) {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectTag, {tenant.value(), tag_id}));
    if (!row) return NotFound("no such tag");
    const bool exclusive = row->Int(4) != 0;
    if (exclusive) YT_TRY(s.Execute(kDeleteGroupSiblings, {tenant.value(), customer.value(), tag_id, row->Int(1)}));
    return s
        .Execute(kInsertCustomerTag,
                 {tenant.value(), customer.value(), tag_id, std::string(source), StaffValue(by), clock_.Now().micros()})
        .status();
}

Status ProfileStore::RemoveTag(store::Session& s, TenantId tenant, CustomerId customer, int64_t tag_id) {
    return s.Execute(kDeleteCustomerTag, {tenant.value(), customer.value(), tag_id}).status();
}

Result<std::vector<CustomerTag>> ProfileStore::CustomerTags(store::Session& s, TenantId tenant,
                                                            std::span<const int64_t> ids) const {
    std::vector<CustomerTag> out;
    std::set<int64_t> seen;
    for (int64_t id : ids) {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectCustomerTags, {tenant.value(), id}));
        for (const auto& row : rows) {
            if (!seen.insert(row.Int(0)).second) continue;
            out.push_back({Tag{row.Int(0), row.Int(1), row.Text(2), row.Text(3), 0}, row.Text(4), OptionalStaff(row, 5),
                           Timestamp::FromMicros(row.Int(6))});
        }
    }
    return out;
}

// ---- notes ------------------------------------------------------------------------------------

Result<Note> ProfileStore::AddNote(store::Session& s, TenantId tenant, CustomerId customer, std::string_view body,
                                   std::optional<StaffId> author) {
    YT_TRY(CheckLabel(body, kMaxNoteChars, "body"));
    YT_ASSIGN_OR_RETURN(int64_t id, store::NextId(s, tenant, "customer_note"));
    const Timestamp now = clock_.Now();
    YT_TRY(s.Execute(kInsertNote, {tenant.value(), id, customer.value(), StaffValue(author),
                                   store::Blob{keys_.Encrypt(body, NoteContext(tenant))}, now.micros()}));
    return Note{id, customer, author, std::string(body), now};
}

Result<std::vector<Note>> ProfileStore::Notes(store::Session& s, TenantId tenant, std::span<const int64_t> ids) const {
    std::vector<Note> out;
    const std::string context = NoteContext(tenant);
    for (int64_t id : ids) {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectNotes, {tenant.value(), id}));
        for (const auto& row : rows) {
            YT_ASSIGN_OR_RETURN(std::string body, keys_.Decrypt(row.Text(3), context));
            out.push_back({row.Int(0), CustomerId(row.Int(1)), OptionalStaff(row, 2), std::move(body),
                           Timestamp::FromMicros(row.Int(4))});
        }
    }
    std::sort(out.begin(), out.end(), [](const Note& a, const Note& b) {
        return std::pair(a.created_at, a.id) > std::pair(b.created_at, b.id);
    });
    return out;
}

// ---- consent ----------------------------------------------------------------------------------

Result<ConsentRecord> ProfileStore::RecordConsent(store::Session& s, TenantId tenant, CustomerId customer,
                                                  const ConsentInput& consent) {
    if (!IsConsentPurpose(consent.purpose)) {
        return InvalidArgument(
            "unknown purpose (marketing.sms, marketing.wecom, marketing.email, marketing.phone, conversation_archive)",
            "purpose");
    }
    YT_TRY(CheckLabel(consent.source, kMaxConsentTextChars, "source"));
    if (Utf8Length(consent.notice_version).value_or(kMaxConsentTextChars + 1) > kMaxConsentTextChars) {
        return InvalidArgument("notice_version is longer than 64 characters", "notice_version");
    }
    const Timestamp now = clock_.Now();
    const Timestamp given_at = consent.given_at.value_or(now);
    // A decision cannot come from the future (a few minutes of clock skew are tolerated).
    if (given_at > now + std::chrono::minutes(5)) return InvalidArgument("given_at is in the future", "given_at");
    YT_ASSIGN_OR_RETURN(int64_t id, store::NextId(s, tenant, "consent"));
    YT_TRY(s.Execute(kInsertConsent,
                     {tenant.value(), id, customer.value(), consent.purpose, consent.granted, given_at.micros(),
                      now.micros(), consent.source, consent.notice_version, StaffValue(consent.recorded_by)}));
    return ConsentRecord{id,  consent.purpose, consent.granted,        given_at,
                         now, consent.source,  consent.notice_version, consent.recorded_by};
}

Result<std::vector<ConsentRecord>> ProfileStore::ConsentHistory(store::Session& s, TenantId tenant,
                                                                std::span<const int64_t> ids) const {
    std::vector<ConsentRecord> out;
    for (int64_t id : ids) {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectConsent, {tenant.value(), id}));
        for (const auto& row : rows) {
            out.push_back({row.Int(0), row.Text(1), row.Int(2) != 0, Timestamp::FromMicros(row.Int(3)),
                           Timestamp::FromMicros(row.Int(4)), row.Text(5), row.Text(6), OptionalStaff(row, 7)});
        }
    }
    std::sort(out.begin(), out.end(), [](const ConsentRecord& a, const ConsentRecord& b) {
        return std::pair(a.given_at, a.id) < std::pair(b.given_at, b.id);
    });
    return out;
}

// ---- owner, source, last seen -----------------------------------------------------------------

Result<OwnerAndSource> ProfileStore::OwnerAndSourceOf(store::Session& s, TenantId tenant, CustomerId customer) const {
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectOwner, {tenant.value(), customer.value()}));
    if (!row) return NotFound("no such customer");
    OwnerAndSource out{OptionalStaff(*row, 0), row->Text(1), std::nullopt};
    if (auto seen = row->OptionalInt(2)) out.last_seen_at = Timestamp::FromMicros(*seen);
    return out;
}

Status ProfileStore::SetOwner(store::Session& s, TenantId tenant, CustomerId customer, std::optional<StaffId> owner) {
    YT_ASSIGN_OR_RETURN(
        int64_t n, s.Execute(kSetOwner, {tenant.value(), customer.value(), StaffValue(owner), clock_.Now().micros()}));
    if (n == 0) return NotFound("no such customer");
    return OkStatus();
}

Status ProfileStore::MarkSeen(store::Session& s, TenantId tenant, CustomerId customer, Timestamp at) {
    return s.Execute(kMarkSeen, {tenant.value(), customer.value(), at.micros(), (at - kSeenPrecision).micros()})
        .status();
}

Result<std::vector<std::pair<int64_t, Timestamp>>> ProfileStore::MarkSeen(
    store::Session& s, TenantId tenant, std::span<const std::pair<int64_t, Timestamp>> seen) {
    constexpr size_t kChunk = 64;
    static const std::string kSelectSeen =
        "SELECT customer_id, last_seen_at FROM customers WHERE tenant_id = $1 AND customer_id IN (" +
        store::ParamList(2, kChunk) + ")";
    std::vector<store::Value> params;
    std::map<int64_t, std::optional<int64_t>> stored;  // last_seen_at by customer
    for (size_t from = 0; from < seen.size(); from += kChunk) {
        params.assign({tenant.value()});
        store::AppendChunk(params, seen, from, kChunk, [](const auto& entry) { return entry.first; });
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectSeen, params));
        for (const auto& row : rows) stored[row.Int(0)] = row.OptionalInt(1);
    }
    std::vector<std::pair<int64_t, Timestamp>> after;
    after.reserve(seen.size());
    for (const auto& [customer, at] : seen) {
        auto it = stored.find(customer);
        if (it == stored.end()) continue;  // no such customer: nothing to mark
        // As kMarkSeen's condition.
        if (it->second && *it->second >= (at - kSeenPrecision).micros()) {
            after.emplace_back(customer, Timestamp::FromMicros(*it->second));
            continue;
        }
        YT_TRY(MarkSeen(s, tenant, CustomerId(customer), at));
        after.emplace_back(customer, at);
    }
    return after;
}

std::vector<std::pair<int64_t, Timestamp>> LastSeenHints::Unsettled(
    TenantId tenant, std::span<const std::pair<int64_t, Timestamp>> seen) const {
    std::vector<std::pair<int64_t, Timestamp>> out;
    out.reserve(seen.size());
    std::lock_guard lock(mutex_);
    for (const auto& [customer, at] : seen) {
        const auto it = at_least_.find(Key{tenant.value(), customer});
        // As kMarkSeen's condition, on a time the stored one is known to be at or after.
        if (it != at_least_.end() && it->second >= (at - kSeenPrecision).micros()) continue;
        out.emplace_back(customer, at);
    }
    return out;
}

void LastSeenHints::Committed(TenantId tenant, std::span<const std::pair<int64_t, Timestamp>> stored) {
    std::lock_guard lock(mutex_);
    if (at_least_.size() + stored.size() > capacity_) at_least_.clear();
    for (const auto& [customer, at] : stored) {
        int64_t& known =
            at_least_.try_emplace(Key{tenant.value(), customer}, std::numeric_limits<int64_t>::min()).first->second;
        known = std::max(known, at.micros());
    }
}

// ---- merge and erasure ------------------------------------------------------------------------

Status ProfileStore::Merge(store::Session& s, TenantId tenant, CustomerId loser, CustomerId winner) {
    const int64_t loser_ids[] = {loser.value()};
    const int64_t winner_ids[] = {winner.value()};

    // Tags: the winner keeps its own; within an exclusive group a loser's tag only lands when
    // the winner has none of that group.
    YT_ASSIGN_OR_RETURN(auto winner_tags, CustomerTags(s, tenant, winner_ids));
    std::set<int64_t> winner_groups, winner_tag_ids;
    for (const CustomerTag& t : winner_tags) {
        winner_groups.insert(t.tag.group_id);
        winner_tag_ids.insert(t.tag.id);
    }
    YT_ASSIGN_OR_RETURN(auto loser_rows, s.Query(kSelectCustomerTags, {tenant.value(), loser.value()}));
    for (const auto& row : loser_rows) {
        const bool exclusive = row.Int(7) != 0;
        if (winner_tag_ids.contains(row.Int(0)) || (exclusive && winner_groups.contains(row.Int(1)))) continue;
        YT_TRY(s.Execute(kInsertCustomerTag,
                         {tenant.value(), winner.value(), row.Int(0), row.Text(4), row.OptionalInt(5), row.Int(6)}));
        winner_groups.insert(row.Int(1));
    }
    YT_TRY(s.Execute(kDeleteCustomerTags, {tenant.value(), loser.value()}));

    // Attributes: the loser's fill what the winner lacks (re-encrypted rows copied as they are).
    YT_ASSIGN_OR_RETURN(auto winner_attributes, Attributes(s, tenant, winner_ids));
    std::set<std::string> winner_names;
    for (const Attribute& a : winner_attributes) winner_names.insert(a.name);
    YT_ASSIGN_OR_RETURN(auto loser_attributes, Attributes(s, tenant, loser_ids));
    std::vector<AttributeInput> inherited;
    for (Attribute& a : loser_attributes) {
        if (!winner_names.contains(a.name)) inherited.push_back({a.name, std::move(a.value)});
    }
    YT_TRY(SetAttributes(s, tenant, winner, inherited, "merge").status());
    YT_TRY(s.Execute(kDeleteAttributes, {tenant.value(), loser.value()}));

    YT_TRY(s.Execute(kMoveNotes, {tenant.value(), loser.value(), winner.value()}));

    YT_ASSIGN_OR_RETURN(OwnerAndSource from, OwnerAndSourceOf(s, tenant, loser));
    YT_TRY(s.Execute(kInheritOwner, {tenant.value(), winner.value(), StaffValue(from.owner), from.source_channel}));
    if (from.last_seen_at) YT_TRY(MarkSeen(s, tenant, winner, *from.last_seen_at));
    return OkStatus();
}

Status ProfileStore::Erase(store::Session& s, TenantId tenant, std::span<const int64_t> ids) {
    for (int64_t id : ids) {
        YT_TRY(s.Execute(kDeleteAttributes, {tenant.value(), id}));
        YT_TRY(s.Execute(kDeleteCustomerTags, {tenant.value(), id}));
        YT_TRY(s.Execute(kDeleteNotes, {tenant.value(), id}));
        YT_TRY(s.Execute(kClearOwner, {tenant.value(), id}));
    }
    return OkStatus();
}

}  // namespace yutang::customers
