// Rows of the customers schema written straight into a store, for the audience index tests: a
// tag catalogue, tags, identities, consent, attributes (encrypted as the store keeps them) and
// track events, with ids counted here. Each statement goes to `run`, which executes it at once
// or queues it for one transaction, as the test prefers.
//
//   AudienceRows rows(kTenant, keys, [&](std::string sql, std::vector<store::Value> p) { … });
//   const int64_t baby = rows.TagId("人群", "母婴");
//   rows.Tag(7, baby);
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/store/database.hpp"

namespace yutang::testing {

class AudienceRows {
  public:
    using Run = std::function<void(std::string sql, std::vector<store::Value> params)>;

    AudienceRows(int64_t tenant, const KeyRing& keys, Run run) : tenant_(tenant), keys_(keys), run_(std::move(run)) {}

    // A tag in `group` (created when new); returns the tag id.
    int64_t TagId(const std::string& group, const std::string& name) {
        const int64_t id = ++tags_;
        run_(
            "INSERT INTO tag_groups (tenant_id, group_id, name, exclusive, created_at) VALUES ($1, $2, $3, 0, 0) "
            "ON CONFLICT (tenant_id, name) DO NOTHING",
            {tenant_, id, group});
        run_(
            "INSERT INTO tags (tenant_id, tag_id, group_id, name, created_at) VALUES ($1, $2, "
            "(SELECT group_id FROM tag_groups WHERE tenant_id = $1 AND name = $3), $4, 0)",
            {tenant_, id, group, name});
        return id;
    }
    void Tag(int64_t customer, int64_t tag) {
        run_(
            "INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_at) VALUES ($1, $2, $3, 't', 0) "
            "ON CONFLICT DO NOTHING",
            {tenant_, customer, tag});
    }
    void Identity(int64_t customer, const std::string& kind) {
        const int64_t n = ++identities_;
        run_(
            "INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, "
            "created_at) VALUES ($1, $2, $3, $4, '', $5, 't', 0)",
            {tenant_, kind, store::Blob{"i" + std::to_string(n)}, store::Blob{"x"}, customer});
    }
    void Consent(int64_t customer, const std::string& purpose, bool granted, Timestamp given) {
        const int64_t id = ++consents_;
        run_(
            "INSERT INTO consent_records (tenant_id, consent_id, customer_id, purpose, granted, given_at, recorded_at, "
            "source, notice_version) VALUES ($1, $2, $3, $4, $5, $6, 0, 't', 'v1')",
            {tenant_, id, customer, purpose, granted, given.micros()});
    }
    // Sets (or replaces) an attribute of type `type` ("string", "number", "date" …).
    void Attribute(int64_t customer, const std::string& name, const std::string& type, const std::string& text) {
        run_(
            "INSERT INTO customer_attributes (tenant_id, customer_id, name, type, value_cipher, source, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, 't', 0) ON CONFLICT (tenant_id, customer_id, name) DO UPDATE SET "
            "type = excluded.type, value_cipher = excluded.value_cipher",
            {tenant_, customer, name, type, store::Blob{keys_.Encrypt(text, AttributeContext())}});
    }
    // A track event with these properties (a JSON object); returns the event id.
    int64_t Event(int64_t customer, const std::string& name, Timestamp at, const std::string& properties = "{}") {
        const int64_t id = ++events_;
        const std::string payload = R"({"type":"track","event":")" + name + R"(","properties":)" + properties + "}";
        run_(
            "INSERT INTO events (tenant_id, event_id, message_id, type, name, customer_id, occurred_at, received_at, "
            "payload) VALUES ($1, $2, $3, 'track', $4, $5, $6, 0, $7)",
            {tenant_, id, "m" + std::to_string(id), name, customer, at.micros(),
             store::Blob{keys_.Encrypt(payload, "t" + std::to_string(tenant_) + "/event")}});
        return id;
    }

  private:
    std::string AttributeContext() const { return "t" + std::to_string(tenant_) + "/customer.attribute"; }

    int64_t tenant_;
    const KeyRing& keys_;
    Run run_;
    int64_t tags_ = 0, identities_ = 0, consents_ = 0, events_ = 0;
};

}  // namespace yutang::testing
