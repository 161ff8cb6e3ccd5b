#include "yutang/events/customer_edits.hpp"

namespace yutang::events {
namespace {

std::optional<StaffId> ActorStaff(const staff::Actor& actor) {
    if (actor.kind == staff::Actor::Kind::kStaff) return StaffId(actor.id);
    return std::nullopt;
}

std::string_view ConsentSource(const customers::ConsentInput& consent) {
    return consent.source.empty() ? std::string_view("console") : std::string_view(consent.source);
}

}  // namespace

CustomerEditor::CustomerEditor(store::Database& db, customers::IdentityResolver& resolver, staff::StaffService& staff,
                               const KeyRing& keys, const Clock& clock)
    : db_(db), resolver_(resolver), staff_(staff), profiles_(keys, clock), clock_(clock) {}

Status CustomerEditor::OnCustomer(TenantId tenant, CustomerId customer, const Viewer& viewer,
                                  const std::function<Status(store::Session&, CustomerId)>& work) {
    CustomerId canonical;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(canonical, resolver_.Canonical(s, tenant, customer));
        YT_TRY(CheckVisible(s, tenant, canonical, viewer));
        return work(s, canonical);
    }));
    return OkStatus();
}

Status CustomerEditor::Update(TenantId tenant, CustomerId customer, const CustomerUpdate& update,
                              const staff::Actor& actor, const Viewer& viewer) {
    if (update.owner) {
        if (viewer.only_owned_by) return PermissionDenied("guides cannot hand customers to someone else");
        if (*update.owner) {
            auto account = staff_.GetAccount(tenant, **update.owner);
            if (!account.ok() || !account->active) {
                return InvalidArgument("no active staff member with this id", "owner_staff_id");
            }
        }
    }
    return OnCustomer(tenant, customer, viewer, [&](store::Session& s, CustomerId canonical) -> Status {
        if (!update.attributes.empty()) {
            YT_TRY(profiles_.SetAttributes(s, tenant, canonical, update.attributes, "console").status());
        }
        if (update.owner) {
            YT_ASSIGN_OR_RETURN(auto before, profiles_.OwnerAndSourceOf(s, tenant, canonical));
            if (before.owner != *update.owner) {
                YT_TRY(profiles_.SetOwner(s, tenant, canonical, *update.owner));
                const auto id_or_null = [](const std::optional<StaffId>& id) {
                    return id ? std::to_string(id->value()) : std::string("null");
                };
                YT_TRY(staff::AppendAudit(s, tenant, actor, clock_.Now(),
                                          {.action = "customer.owner_changed",
                                           .target_type = "customer",
                                           .target_id = std::to_string(canonical.value()),
                                           .detail = "{\"from\":" + id_or_null(before.owner) +
                                                     ",\"to\":" + id_or_null(*update.owner) + "}"}));
            }
        }
        return OkStatus();
    });
}

Result<std::vector<customers::CustomerTag>> CustomerEditor::ChangeTags(TenantId tenant, CustomerId customer,
                                                                       std::span<const int64_t> add,
                                                                       std::span<const int64_t> remove,
                                                                       const staff::Actor& actor,
                                                                       const Viewer& viewer) {
    std::vector<customers::CustomerTag> out;
    YT_TRY(OnCustomer(tenant, customer, viewer, [&](store::Session& s, CustomerId canonical) -> Status {
        for (int64_t tag : add) YT_TRY(profiles_.AddTag(s, tenant, canonical, tag, "console", ActorStaff(actor)));
        for (int64_t tag : remove) YT_TRY(profiles_.RemoveTag(s, tenant, canonical, tag));
        const int64_t ids[] = {canonical.value()};
        YT_ASSIGN_OR_RETURN(out, profiles_.CustomerTags(s, tenant, ids));
        return OkStatus();
    }));
    return out;
}

Result<customers::Note> CustomerEditor::AddNote(TenantId tenant, CustomerId customer, std::string_view body,
                                                const staff::Actor& actor, const Viewer& viewer) {
    customers::Note note;
    YT_TRY(OnCustomer(tenant, customer, viewer, [&](store::Session& s, CustomerId canonical) -> Status {
        YT_ASSIGN_OR_RETURN(note, profiles_.AddNote(s, tenant, canonical, body, ActorStaff(actor)));
        return OkStatus();
    }));
    return note;
}

Result<customers::ConsentRecord> CustomerEditor::RecordConsent(TenantId tenant, CustomerId customer,
                                                               customers::ConsentInput consent,
                                                               const staff::Actor& actor, const Viewer& viewer) {
    consent.source = std::string(ConsentSource(consent));
    consent.recorded_by = ActorStaff(actor);
    customers::ConsentRecord record;
    YT_TRY(OnCustomer(tenant, customer, viewer, [&](store::Session& s, CustomerId canonical) -> Status {
        YT_ASSIGN_OR_RETURN(record, profiles_.RecordConsent(s, tenant, canonical, consent));
        return staff::AppendAudit(s, tenant, actor, clock_.Now(),
                                  {.action = "consent.recorded",
                                   .target_type = "customer",
                                   .target_id = std::to_string(canonical.value()),
                                   .detail = "{\"purpose\":\"" + record.purpose +
                                             "\",\"granted\":" + (record.granted ? "true" : "false") + "}"});
    }));
    return record;
}

Result<std::vector<customers::TagGroup>> CustomerEditor::TagGroups(TenantId tenant) {
    std::vector<customers::TagGroup> out;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(out, profiles_.TagGroups(s, tenant));
        return OkStatus();
    }));
    return out;
}

Result<std::vector<customers::Tag>> CustomerEditor::Tags(TenantId tenant) {
    std::vector<customers::Tag> out;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(out, profiles_.Tags(s, tenant));
        return OkStatus();
    }));
    return out;
}

Result<customers::TagGroup> CustomerEditor::CreateTagGroup(TenantId tenant, std::string_view name, bool exclusive) {
    customers::TagGroup out;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(out, profiles_.CreateTagGroup(s, tenant, name, exclusive));
        return OkStatus();
    }));
    return out;
}

Result<customers::Tag> CustomerEditor::CreateTag(TenantId tenant, int64_t group_id, std::string_view name) {
    customers::Tag out;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(out, profiles_.CreateTag(s, tenant, group_id, name));
        return OkStatus();
    }));
    return out;
}

Status CustomerEditor::DeleteTag(TenantId tenant, int64_t tag_id) {
    YT_TRY(db_.Write([&](store::Session& s) { return profiles_.DeleteTag(s, tenant, tag_id); }));
    return OkStatus();
}

}  // namespace yutang::events
