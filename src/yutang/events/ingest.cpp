#include "yutang/events/ingest.hpp"

#include <algorithm>
#include <array>
#include <future>
#include <map>
#include <optional>
#include <span>
#include <unordered_set>

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "yutang/base/time_zone.hpp"
#include "yutang/events/timeline.hpp"
#include "yutang/store/bulk.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::events {
namespace {

using customers::IdentityInput;
using customers::IdentityKind;

// Which of a request's messageIds are stored already: kSeenChunk ids per query (a short chunk is
// padded by repeating its last id), so that one prepared statement serves every batch size.
constexpr size_t kSeenChunk = 25;
// identify traits that become attributes: at most this many per message, each this long.
constexpr size_t kMaxTraitsPerMessage = 100;
constexpr size_t kMaxTraitBytes = 4096;
std::string FindMessagesSql() {
    return "SELECT message_id FROM events WHERE tenant_id = $1 AND message_id IN (" + store::ParamList(2, kSeenChunk) +
           ")";
}
constexpr std::string_view kInsertEvents =
    "INSERT INTO events (tenant_id, event_id, message_id, type, name, customer_id, occurred_at, received_at, payload)";
constexpr size_t kEventColumns = 9;
constexpr std::string_view kInsertFailed =
    "INSERT INTO failed_events (tenant_id, failed_id, received_at, reason, field, payload) "
    "VALUES ($1, $2, $3, $4, $5, $6)";

constexpr std::string_view kDeleteExpiredFailures =
    "DELETE FROM failed_events WHERE (tenant_id, failed_id) IN (SELECT tenant_id, failed_id FROM failed_events "
    "WHERE received_at < $1 ORDER BY received_at LIMIT $2)";

constexpr std::array<std::pair<MessageType, std::string_view>, 6> kTypeNames = {{{MessageType::kTrack, "track"},
                                                                                 {MessageType::kIdentify, "identify"},
                                                                                 {MessageType::kAlias, "alias"},
                                                                                 {MessageType::kGroup, "group"},
                                                                                 {MessageType::kPage, "page"},
                                                                                 {MessageType::kScreen, "screen"}}};

// Segment e-commerce spec v2 order events and the status each leaves the order in.
struct OrderEventKind {
    std::string_view event;
    std::string_view status;  // "" = keep the stored status (Order Updated)
};
constexpr std::array<OrderEventKind, 4> kOrderEvents = {{{"Order Completed", "paid"},
                                                         {"Order Updated", ""},
                                                         {"Order Refunded", "refunded"},
                                                         {"Order Cancelled", "cancelled"}}};

// A string field, or "" when absent or null; an error naming the field by its path in the
// message (`prefix` + key, e.g. "properties.order_id") when present with another type.
Result<std::string> OptionalString(simdjson::dom::object object, std::string_view key, std::string_view prefix = {}) {
    simdjson::dom::element value;
    if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::string();
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
    // Segment allows numeric ids; keep their text form.
    if (value.is_int64() || value.is_uint64()) return simdjson::to_string(value);
    return InvalidArgument("must be a string", std::string(prefix) + std::string(key));
}

}  // namespace

namespace internal {

// What an order event says; absent fields leave the stored order as it is.
struct OrderEvent {
    std::string status;  // "" = unchanged
    std::string order_id;
    std::optional<Money> total;
    std::string currency;
    std::optional<std::vector<OrderLine>> lines;
};

struct PendingMessage {
    size_t index = 0;
    MessageType type = MessageType::kTrack;
    std::string message_id;
    std::string name;  // track: event; page/screen: name; group: groupId
    std::vector<IdentityInput> identities;
    std::optional<IdentityInput> alias_previous;
    std::optional<OrderEvent> order;
    std::vector<customers::AttributeInput> attributes;  // identify: traits other than email/phone
    Timestamp occurred_at;
    std::string payload;  // the message as JSON (minified)
};

}  // namespace internal

using internal::OrderEvent;
using internal::PendingMessage;

std::string_view MessageTypeName(MessageType type) {
    for (const auto& [t, name] : kTypeNames) {
        if (t == type) return name;
    }
    return "track";
}

std::optional<MessageType> ParseMessageType(std::string_view name) {
    for (const auto& [t, type_name] : kTypeNames) {
        if (type_name == name) return t;
    }
    return std::nullopt;
}

Ingestor::Ingestor(store::WriteBatcher& writer, customers::IdentityResolver& resolver, OrderStore& orders,
                   const KeyRing& keys, const Clock& clock, IngestSettings settings)
    : writer_(writer),
      resolver_(resolver),
      orders_(orders),
      profiles_(keys, clock),
      keys_(keys),
      clock_(clock),
      settings_(settings) {}

namespace {

// Validates one message object per Segment's spec and fills `out`. `batch_sent_at` is the
// batch's sentAt, used when the message has none.
// An amount as Segment sends it (a JSON number of yuan, or a numeric string) in fen.
Result<std::optional<Money>> OptionalAmount(simdjson::dom::object object, std::string_view key,
                                            const std::string& field) {
    simdjson::dom::element value;
    if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::optional<Money>();
    std::string text;
    std::string_view string_value;
    if (value.get_string().get(string_value) == simdjson::SUCCESS) {
        text = std::string(string_value);
    } else if (value.is_number()) {
        text = simdjson::minify(value);  // the number as sent, e.g. "99.5"
    } else {
        return InvalidArgument("must be a number", field);
    }
    YT_ASSIGN_OR_RETURN(Money money, ParseYuan(text, field));
    return std::optional<Money>(money);
}

// properties of a Segment e-commerce order event: order_id, total (or revenue), currency,
// products[] {sku | product_id, name, price, quantity}.
Result<OrderEvent> ReadOrderEvent(simdjson::dom::object message, std::string_view status) {
    OrderEvent order;
    order.status = std::string(status);
    simdjson::dom::object properties;
    if (message["properties"].get(properties) != simdjson::SUCCESS) {
        return InvalidArgument("order events need properties.order_id", "properties.order_id");
    }
    YT_ASSIGN_OR_RETURN(order.order_id, OptionalString(properties, "order_id", "properties."));
    if (order.order_id.empty()) return InvalidArgument("order events need properties.order_id", "properties.order_id");
    YT_ASSIGN_OR_RETURN(order.total, OptionalAmount(properties, "total", "properties.total"));
    if (!order.total) {
        YT_ASSIGN_OR_RETURN(order.total, OptionalAmount(properties, "revenue", "properties.revenue"));
    }
    YT_ASSIGN_OR_RETURN(order.currency, OptionalString(properties, "currency", "properties."));
    simdjson::dom::array products;
    if (properties["products"].get(products) == simdjson::SUCCESS) {
        std::vector<OrderLine> lines;
        size_t i = 0;
        for (simdjson::dom::element element : products) {
            const std::string prefix = "properties.products[" + std::to_string(i++) + "].";
            simdjson::dom::object product;
            if (element.get(product) != simdjson::SUCCESS) {
                return InvalidArgument("must be an object", prefix.substr(0, prefix.size() - 1));
            }
            OrderLine line;
            YT_ASSIGN_OR_RETURN(line.sku, OptionalString(product, "sku", prefix));
            if (line.sku.empty()) {
                YT_ASSIGN_OR_RETURN(line.sku, OptionalString(product, "product_id", prefix));
            }
            YT_ASSIGN_OR_RETURN(line.title, OptionalString(product, "name", prefix));
            YT_ASSIGN_OR_RETURN(auto price, OptionalAmount(product, "price", prefix + "price"));
            line.unit_price = price.value_or(Money());
            int64_t quantity = 1;
            simdjson::dom::element q;
            if (product["quantity"].get(q) == simdjson::SUCCESS && !q.is_null()) {
                if (q.get_int64().get(quantity) != simdjson::SUCCESS || quantity < 0) {
                    return InvalidArgument("must be a whole number", prefix + "quantity");
                }
            }
            line.quantity = quantity;
            lines.push_back(std::move(line));
        }
        order.lines = std::move(lines);
    }
    return order;
}

// identify traits → profile attributes, typed by their JSON type (strings that are dates become
// dates). email and phone are identities, not attributes; a null leaves the attribute as it
// is; keys that are not attribute names (customers::ValidateAttributeName, e.g. "First Name")
// stay in the stored message only.
Status ReadTraits(simdjson::dom::object traits, std::vector<customers::AttributeInput>& out) {
    using customers::AttributeType;
    using customers::AttributeValue;
    for (auto [key, value] : traits) {
        if (key == "email" || key == "phone" || value.is_null()) continue;
        if (!customers::ValidateAttributeName(key, "traits").ok()) continue;
        if (out.size() == kMaxTraitsPerMessage) {
            return InvalidArgument("more than " + std::to_string(kMaxTraitsPerMessage) + " traits", "traits");
        }
        AttributeValue v;
        std::string_view text;
        bool flag = false;
        if (value.get_string().get(text) == simdjson::SUCCESS) {
            v = customers::ClassifyString(std::string(text));
        } else if (value.get_bool().get(flag) == simdjson::SUCCESS) {
            v = {AttributeType::kBoolean, flag ? "true" : "false"};
        } else if (value.is_number()) {
            v = {AttributeType::kNumber, simdjson::minify(value)};
        } else {
            v = {AttributeType::kJson, simdjson::minify(value)};
        }
        if (v.text.size() > kMaxTraitBytes) {
            return InvalidArgument("longer than " + std::to_string(kMaxTraitBytes) + " bytes",
                                   "traits." + std::string(key));
        }
        out.push_back({std::string(key), std::move(v)});
    }
    return OkStatus();
}

Status ReadMessage(simdjson::dom::object object, std::optional<MessageType> fixed_type,
                   std::optional<Timestamp> batch_sent_at, Timestamp received_at, size_t max_bytes, PendingMessage& m) {
    std::string& payload = m.payload;
    MessageType& type = m.type;
    std::string& message_id = m.message_id;
    std::string& name = m.name;
    std::vector<IdentityInput>& identities = m.identities;
    std::optional<IdentityInput>& alias_previous = m.alias_previous;
    Timestamp& occurred_at = m.occurred_at;
    payload = simdjson::minify(object);
    if (payload.size() > max_bytes) {
        return Status(ErrorCode::kInvalidArgument, "message is larger than 32 KB");
    }
    if (fixed_type) {
        type = *fixed_type;
    } else {
        YT_ASSIGN_OR_RETURN(std::string type_name, OptionalString(object, "type"));
        const auto parsed = ParseMessageType(type_name);
        if (!parsed) return InvalidArgument("type must be track, identify, alias, group, page or screen", "type");
        type = *parsed;
    }
    YT_ASSIGN_OR_RETURN(message_id, OptionalString(object, "messageId"));
    if (message_id.size() > 200) return InvalidArgument("messageId is longer than 200 characters", "messageId");
    if (message_id.empty()) message_id = "yt-" + RandomToken(16);
    YT_ASSIGN_OR_RETURN(std::string user_id, OptionalString(object, "userId"));
    YT_ASSIGN_OR_RETURN(std::string anonymous_id, OptionalString(object, "anonymousId"));
    if (type != MessageType::kAlias && user_id.empty() && anonymous_id.empty()) {
        return InvalidArgument("userId or anonymousId is required", "userId");
    }
    if (!user_id.empty()) identities.push_back({IdentityKind::kUserId, user_id, ""});
    if (!anonymous_id.empty()) identities.push_back({IdentityKind::kAnonymousId, anonymous_id, ""});

    switch (type) {
        case MessageType::kTrack: {
            YT_ASSIGN_OR_RETURN(name, OptionalString(object, "event"));
            if (name.empty()) return InvalidArgument("event is required for track", "event");
            for (const OrderEventKind& kind : kOrderEvents) {
                if (kind.event == name) {
                    YT_ASSIGN_OR_RETURN(m.order, ReadOrderEvent(object, kind.status));
                }
            }
            break;
        }
        case MessageType::kPage:
        case MessageType::kScreen: {
            YT_ASSIGN_OR_RETURN(name, OptionalString(object, "name"));
            break;
        }
        case MessageType::kGroup: {
            YT_ASSIGN_OR_RETURN(name, OptionalString(object, "groupId"));
            if (name.empty()) return InvalidArgument("groupId is required for group", "groupId");
            break;
        }
        case MessageType::kAlias: {
            YT_ASSIGN_OR_RETURN(std::string previous, OptionalString(object, "previousId"));
            if (previous.empty() || user_id.empty()) {
                return InvalidArgument("alias needs previousId and userId", previous.empty() ? "previousId" : "userId");
            }
            // previousId is whatever identified the person before: an anonymousId or an old userId
            // (Store tells which, PreviousIdentity).
            alias_previous = IdentityInput{IdentityKind::kAnonymousId, previous, ""};
            break;
        }
        case MessageType::kIdentify: {
            simdjson::dom::object traits;
            if (object["traits"].get(traits) == simdjson::SUCCESS) {
                YT_ASSIGN_OR_RETURN(std::string email, OptionalString(traits, "email", "traits."));
                YT_ASSIGN_OR_RETURN(std::string phone, OptionalString(traits, "phone", "traits."));
                if (!email.empty()) identities.push_back({IdentityKind::kEmail, email, ""});
                if (!phone.empty()) identities.push_back({IdentityKind::kPhone, phone, ""});
                YT_TRY(ReadTraits(traits, m.attributes));
            }
            break;
        }
    }

    // Clock-skew correction (Segment): timestamp = receivedAt − (sentAt − originalTimestamp),
    // where originalTimestamp is the device's time of the event and sentAt the device's time of
    // sending; without sentAt the device's timestamp is taken as it is.
    YT_ASSIGN_OR_RETURN(std::string original_text, OptionalString(object, "originalTimestamp"));
    if (original_text.empty()) {
        YT_ASSIGN_OR_RETURN(original_text, OptionalString(object, "timestamp"));
    }
    YT_ASSIGN_OR_RETURN(std::string sent_text, OptionalString(object, "sentAt"));
    std::optional<Timestamp> original, sent = batch_sent_at;
    if (!original_text.empty()) {
        YT_ASSIGN_OR_RETURN(original, ParseRfc3339(original_text, "timestamp"));
    }
    if (!sent_text.empty()) {
        YT_ASSIGN_OR_RETURN(sent, ParseRfc3339(sent_text, "sentAt"));
    }
    if (original && sent) {
        occurred_at = received_at - (*sent - *original);
    } else if (original) {
        occurred_at = *original;
    } else {
        occurred_at = received_at;
    }
    return OkStatus();
}

}  // namespace

std::string EventPayloadContext(TenantId tenant) { return "t" + std::to_string(tenant.value()) + "/event"; }

namespace {

// Waits for an ...Then call's result.
template <typename Start>
Result<IngestResult> WaitFor(Start start) {
    std::promise<Result<IngestResult>> promise;
    std::future<Result<IngestResult>> future = promise.get_future();
    start([&promise](Result<IngestResult> result) { promise.set_value(std::move(result)); });
    return future.get();
}

}  // namespace

Result<IngestResult> Ingestor::IngestSingle(TenantId tenant, MessageType type, std::string_view body) {
    return WaitFor([&](IngestDone done) { IngestSingleThen(tenant, type, body, std::move(done)); });
}

Result<IngestResult> Ingestor::IngestBatch(TenantId tenant, std::string_view body) {
    return WaitFor([&](IngestDone done) { IngestBatchThen(tenant, body, std::move(done)); });
}

void Ingestor::IngestSingleThen(TenantId tenant, MessageType type, std::string_view body, IngestDone done) {
    std::vector<PendingMessage> messages;
    std::vector<RejectedMessage> rejected;
    if (Status read = ReadSingle(type, body, messages, rejected); !read.ok()) {
        return done(KeepRefused(tenant, read, body, RefusedBody::kMessage));
    }
    Store(tenant, std::move(messages), std::move(rejected), std::move(done));
}

Status Ingestor::ReadSingle(MessageType type, std::string_view body, std::vector<PendingMessage>& messages,
                            std::vector<RejectedMessage>& rejected) const {
    if (body.size() > settings_.max_message_bytes) return InvalidArgument("message is larger than 32 KB", "body");
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
        return InvalidArgument("request body is not valid JSON", "body");
    }
    simdjson::dom::object object;
    if (root.get(object) != simdjson::SUCCESS) return InvalidArgument("request body must be a JSON object", "body");
    const Timestamp received_at = clock_.Now();
    messages.resize(1);
    PendingMessage& m = messages[0];
    Status s = ReadMessage(object, type, std::nullopt, received_at, settings_.max_message_bytes, m);
    if (!s.ok()) {
        rejected.push_back({0, s.message(), s.field()});
        m.payload = std::string(body);
    }
    return OkStatus();
}

void Ingestor::IngestBatchThen(TenantId tenant, std::string_view body, IngestDone done) {
    std::vector<PendingMessage> messages;
    std::vector<RejectedMessage> rejected;
    if (Status read = ReadBatch(body, messages, rejected); !read.ok()) {
        return done(KeepRefused(tenant, read, body, RefusedBody::kBatch));
    }
    Store(tenant, std::move(messages), std::move(rejected), std::move(done));
}

Status Ingestor::ReadBatch(std::string_view body, std::vector<PendingMessage>& messages,
                           std::vector<RejectedMessage>& rejected) const {
    if (body.size() > settings_.max_batch_bytes) return InvalidArgument("batch is larger than 500 KB", "body");
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
        return InvalidArgument("request body is not valid JSON", "body");
    }
    simdjson::dom::object object;
    if (root.get(object) != simdjson::SUCCESS) return InvalidArgument("request body must be a JSON object", "body");
    simdjson::dom::array batch;
    if (object["batch"].get(batch) != simdjson::SUCCESS) return InvalidArgument("batch must be an array", "batch");
    if (batch.size() > settings_.max_batch_messages) {
        return InvalidArgument("batch has more than " + std::to_string(settings_.max_batch_messages) + " messages",
                               "batch");
    }
    std::optional<Timestamp> batch_sent_at;
    YT_ASSIGN_OR_RETURN(std::string sent_text, OptionalString(object, "sentAt"));
    if (!sent_text.empty()) {
        YT_ASSIGN_OR_RETURN(batch_sent_at, ParseRfc3339(sent_text, "sentAt"));
    }
    // The batch's own context and integrations apply to every message without its own; each
    // stored message keeps what applied to it.
    std::vector<std::pair<std::string_view, std::string>> batch_fields;
    for (const std::string_view key : {"context", "integrations"}) {
        simdjson::dom::object value;
        if (object[key].get(value) == simdjson::SUCCESS) batch_fields.emplace_back(key, simdjson::minify(value));
    }
    const Timestamp received_at = clock_.Now();
    messages.reserve(batch.size());
    size_t index = 0;
    for (simdjson::dom::element element : batch) {
        PendingMessage m;
        m.index = index;
        simdjson::dom::object message;
        Status s = element.get(message) == simdjson::SUCCESS
                       ? ReadMessage(message, std::nullopt, batch_sent_at, received_at, settings_.max_message_bytes, m)
                       : InvalidArgument("each batch entry must be an object", "batch");
        if (!s.ok()) {
            rejected.push_back({index, s.message(), s.field()});
            m.payload = simdjson::minify(element);
            m.message_id.clear();  // marks it as rejected for Store
        }
        if (element.is_object()) {
            // The payload is the message minified: an object, so it ends with '}'. With what the
            // batch adds, a message is held to the same 32 KB; one that would pass it is refused
            // and kept as it was sent.
            std::string spliced = m.payload;
            for (const auto& [key, value] : batch_fields) {
                if (message[key].error() != simdjson::NO_SUCH_FIELD) continue;
                if (spliced.size() + key.size() + value.size() + 4 > settings_.max_message_bytes) {
                    spliced.clear();
                    break;
                }
                spliced.insert(spliced.size() - 1,
                               std::string(spliced.size() == 2 ? "" : ",") + "\"" + std::string(key) + "\":" + value);
            }
            if (!spliced.empty()) {
                m.payload = std::move(spliced);
            } else if (s.ok()) {
                rejected.push_back({index, "message with the batch's context is larger than 32 KB", "context"});
                m.message_id.clear();
            }
        }
        messages.push_back(std::move(m));
        ++index;
    }
    return OkStatus();
}

Result<int64_t> Ingestor::DeleteExpiredFailures() {
    constexpr int64_t kPerTransaction = 10'000;
    const Timestamp cutoff = clock_.Now() - settings_.failed_retention;
    int64_t deleted = 0;
    for (int64_t n = kPerTransaction; n == kPerTransaction;) {
        YT_TRY(writer_.Submit([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(n, s.Execute(kDeleteExpiredFailures, {cutoff.micros(), kPerTransaction}));
            return OkStatus();
        }));
        deleted += n;
    }
    if (deleted > 0) {
        spdlog::info("deleted {} failed events received before {} (kept {} days)", deleted, FormatRfc3339(cutoff),
                     settings_.failed_retention.count() / 24);
    }
    return deleted;
}

Status Ingestor::KeepRefused(TenantId tenant, const Status& why, std::string_view body, RefusedBody kind) {
    if (why.code() != ErrorCode::kInvalidArgument) return why;
    // A single message is one person's and is kept (cut to a message's limit), as a rejected
    // message of a batch is. A batch may hold many people's messages: kept whole, a person's
    // export would show the others' and their erasure would delete the others' too; it is
    // described instead, and the sender still has it.
    std::string reason = why.message();
    std::string kept;
    if (kind == RefusedBody::kMessage) {
        kept = body.substr(0, std::min(body.size(), settings_.max_message_bytes));
        if (kept.size() < body.size()) {
            reason += " (the first " + std::to_string(kept.size()) + " of " + std::to_string(body.size()) +
                      " bytes are kept)";
        }
    } else {
        kept = "{\"bytes\":" + std::to_string(body.size()) + "}";
        reason += " (a batch refused whole is not kept: only its size)";
    }
    const std::string field = why.field().empty() ? "body" : why.field();
    const std::string sealed = keys_.Encrypt(kept, EventPayloadContext(tenant));
    const Timestamp received_at = clock_.Now();
    YT_TRY(writer_.Submit([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(int64_t failed_id, store::NextId(s, tenant, "failed_event"));
        return s
            .Execute(kInsertFailed,
                     {tenant.value(), failed_id, received_at.micros(), reason, field, store::Blob{sealed}})
            .status();
    }));
    return why;
}

namespace {

// What "Order Refunded" does to an order. Segment's spec has the event repeat the order's
// properties: a full refund. A total below what is left to refund (or, without a total, the
// products refunded, as partial refunds list them) is one partial refund, added to what the order
// has had refunded; the order keeps its status. A re-sent event is a duplicate by its messageId.
// A refund never changes what was ordered (total, lines); one without a total or products, or
// reaching what was paid, refunds the order in full. An order known only by its refund is one of
// the refunded amount, refunded in full.
void ApplyRefund(const OrderEvent& event, bool stored, Timestamp occurred_at, OrderInput& order) {
    std::optional<Money> amount = event.total;
    if (!amount && event.lines && !event.lines->empty()) {
        int64_t fen = 0;
        bool overflow = false;
        for (const OrderLine& line : *event.lines) {
            int64_t value = 0;
            overflow = overflow || __builtin_mul_overflow(line.unit_price.fen(), line.quantity, &value) ||
                       __builtin_add_overflow(fen, value, &fen);
        }
        if (!overflow) amount = Money::FromFen(fen);  // beyond any order: refunded in full
    }
    if (!stored) {
        order.total = amount.value_or(Money());
        if (!event.currency.empty()) order.currency = event.currency;
        if (event.lines) order.lines = *event.lines;
    }
    // A refunded order was paid: when the paid amount was never recorded, it is the total.
    if (order.paid.fen() == 0) {
        order.paid = order.total;
        if (!order.paid_at) order.paid_at = occurred_at;
    }
    int64_t refunded = order.paid.fen();
    if (amount && !__builtin_add_overflow(order.refunded.fen(), amount->fen(), &refunded)) {
        refunded = std::min(order.paid.fen(), refunded);
    } else {
        refunded = order.paid.fen();
    }
    order.refunded = Money::FromFen(refunded);
    if (refunded >= order.paid.fen()) {
        order.status = "refunded";
        order.raw_status = "refunded";
    }
}

}  // namespace

Status Ingestor::ApplyOrder(store::Session& s, TenantId tenant, const OrderEvent& event,
                            std::optional<int64_t> customer, Timestamp occurred_at) {
    YT_ASSIGN_OR_RETURN(auto stored, orders_.Find(s, tenant, "segment", event.order_id));
    OrderInput order;
    if (stored) {
        order = std::move(*stored);
    } else {
        order.source = "segment";
        order.external_id = event.order_id;
        order.status = "paid";
        order.ordered_at = occurred_at;
        order.buyer_details = "{}";
    }
    if (customer) order.customer = CustomerId(*customer);
    if (event.status == "refunded") {
        ApplyRefund(event, stored.has_value(), occurred_at, order);
        return orders_.Upsert(s, tenant, order).status();
    }
    if (!event.status.empty()) order.status = event.status;
    order.raw_status = event.status.empty() ? order.raw_status : event.status;
    if (event.total) order.total = *event.total;
    if (!event.currency.empty()) order.currency = event.currency;
    if (event.lines) {
        order.lines = *event.lines;
        order.lines_json.clear();
    }
    // Amounts follow the status: paid orders were paid in full.
    if (order.status == "paid" || order.status == "shipped" || order.status == "completed") {
        order.paid = order.total;
        if (!order.paid_at) order.paid_at = occurred_at;
    }
    return orders_.Upsert(s, tenant, order).status();
}

namespace {

// The messageIds among `ids` that are stored for `tenant` already.
Result<std::unordered_set<std::string>> FindStoredMessages(store::Session& s, TenantId tenant,
                                                           const std::vector<std::string_view>& ids) {
    static const std::string sql = FindMessagesSql();
    std::unordered_set<std::string> seen;
    std::vector<store::Value> params;
    params.reserve(kSeenChunk + 1);
    for (size_t first = 0; first < ids.size(); first += kSeenChunk) {
        params.clear();
        params.emplace_back(tenant.value());
        store::AppendChunk(params, ids, first, kSeenChunk);
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(sql, params));
        for (const auto& row : rows) seen.insert(row.Text(0));
    }
    return seen;
}

}  // namespace

Result<IdentityInput> Ingestor::PreviousIdentity(store::Session& s, TenantId tenant,
                                                 const IdentityInput& as_anonymous) {
    YT_ASSIGN_OR_RETURN(auto anonymous, resolver_.Find(s, tenant, as_anonymous));
    if (anonymous) return as_anonymous;
    const IdentityInput as_user{IdentityKind::kUserId, as_anonymous.value, ""};
    YT_ASSIGN_OR_RETURN(auto user, resolver_.Find(s, tenant, as_user));
    return user ? as_user : as_anonymous;
}

namespace internal {

// A request's messages, prepared on the caller's thread and stored by the writer.
struct StoringBatch {
    std::vector<PendingMessage> messages;
    IngestResult result;  // rejected: those refused by validation, until the writer adds its own
    // Messages refused by validation, by position: they go to failed_events with their reason.
    std::vector<const RejectedMessage*> rejection;
    std::vector<RejectedMessage> late_rejections;  // refused by the writer (an alias it cannot make)
    Timestamp received_at;
    // Each payload encrypted (a duplicate's ciphertext is not used), and the senders'
    // identities normalised and blind-indexed (sealed only if attached).
    std::vector<std::string> sealed;
    std::vector<customers::PreparedIdentities> senders;
    std::vector<std::string_view> message_ids;  // of the messages to store, into `messages`
    // The last_seen_at the transaction left its customers with: the hints learn them once durable.
    std::vector<std::pair<int64_t, Timestamp>> marked;
};

}  // namespace internal

using internal::StoringBatch;

void Ingestor::Admit() {
    std::unique_lock lock(pending_mutex_);
    room_.wait(lock, [&] { return pending_ < std::max<size_t>(1, settings_.max_pending_requests); });
    ++pending_;
}

void Ingestor::Release() {
    // Notified under the lock: once the destructor sees nothing pending it may destroy this.
    std::lock_guard lock(pending_mutex_);
    --pending_;
    room_.notify_all();
}

void Ingestor::Stored(TenantId tenant, size_t events) {
    if (!TimelineKeptBehind(writer_.dialect())) return;  // PostgreSQL indexes events as they come
    {
        std::lock_guard lock(pending_mutex_);
        int64_t& unindexed = unindexed_[tenant.value()];
        unindexed += static_cast<int64_t>(events);
        if (unindexed < settings_.timeline_run) return;
        unindexed = 0;
        ++pending_;  // not Admit: this runs on the writer's side, which must not wait for room
    }
    const int64_t run = settings_.timeline_run;
    writer_.SubmitThen([tenant, run](store::Session& s) { return IndexTimeline(s, tenant, run).status(); },
                       [this, tenant](Status status) {
                           // The events stay found through the tail; the next run or the
                           // server's minutely one indexes them.
                           if (!status.ok()) {
                               spdlog::warn("timeline of merchant {} not indexed: {}", tenant.value(),
                                            status.ToString());
                           }
                           Release();
                       });
}

Ingestor::~Ingestor() {
    std::unique_lock lock(pending_mutex_);
    room_.wait(lock, [&] { return pending_ == 0; });
}

void Ingestor::Store(TenantId tenant, std::vector<PendingMessage> messages, std::vector<RejectedMessage> rejected,
                     IngestDone done) {
    auto batch = std::make_shared<StoringBatch>();
    batch->messages = std::move(messages);
    batch->result.rejected = std::move(rejected);
    batch->rejection.assign(batch->messages.size(), nullptr);
    for (const RejectedMessage& r : batch->result.rejected) batch->rejection.at(r.index) = &r;
    batch->received_at = clock_.Now();
    // The payloads are encrypted before the write: only the store work runs in the writer's
    // transaction. So are the senders' identities normalised and blind-indexed.
    const std::string context = EventPayloadContext(tenant);
    batch->sealed.resize(batch->messages.size());
    batch->senders.resize(batch->messages.size());
    batch->message_ids.reserve(batch->messages.size());
    for (size_t i = 0; i < batch->messages.size(); ++i) {
        const PendingMessage& m = batch->messages[i];
        batch->sealed[i] = keys_.Encrypt(m.payload, context);
        if (batch->rejection[i] != nullptr) continue;
        batch->message_ids.push_back(m.message_id);
        if (!m.alias_previous) batch->senders[i] = resolver_.PrepareUnsealed(tenant, m.identities);
    }

    // The whole request is one item of the group commit: `done` hears of it once it is durable.
    Admit();
    writer_.SubmitThen([this, tenant, batch](store::Session& s) { return StoreMessages(s, tenant, *batch); },
                       [this, tenant, batch, done = std::move(done)](Status status) {
                           if (status.ok()) {
                               seen_hints_.Committed(tenant, batch->marked);
                               Stored(tenant, batch->result.accepted);
                               IngestResult& result = batch->result;
                               result.rejected.insert(result.rejected.end(), batch->late_rejections.begin(),
                                                      batch->late_rejections.end());
                               done(std::move(result));
                           } else {
                               done(status);
                           }
                           Release();  // after the answer: a request let in finds it given
                       });
}

Status Ingestor::StoreMessages(store::Session& s, TenantId tenant, StoringBatch& b) {
    IngestResult& result = b.result;
    std::vector<PendingMessage>& messages = b.messages;
    const std::vector<const RejectedMessage*>& rejection = b.rejection;
    std::vector<RejectedMessage>& late_rejections = b.late_rejections;
    const std::vector<std::string>& sealed = b.sealed;
    std::vector<customers::PreparedIdentities>& senders = b.senders;
    const std::vector<std::string_view>& message_ids = b.message_ids;
    const Timestamp received_at = b.received_at;
    result.accepted = 0;
    result.duplicates = 0;
    late_rejections.clear();
    // Deduplication: ids stored before this request, then ids seen earlier in it.
    std::unordered_set<std::string> seen;
    if (!message_ids.empty()) {
        YT_ASSIGN_OR_RETURN(seen, FindStoredMessages(s, tenant, message_ids));
    }
    // Event ids: one block for every message that may be stored; ids of duplicates and of
    // failed aliases stay unused (event ids may have gaps).
    int64_t next_event_id = 0;
    const auto storable = static_cast<int64_t>(std::count_if(
        message_ids.begin(), message_ids.end(), [&](std::string_view id) { return !seen.contains(std::string(id)); }));
    if (storable > 0) {
        YT_ASSIGN_OR_RETURN(next_event_id, store::NextIds(s, tenant, "event", storable));
    }
    // The senders are resolved as a batch (their identities looked up together), started
    // again after each alias, which changes identities outside it.
    std::optional<customers::IdentityResolver::Batch> batch;
    // The latest time each customer was seen in this request: one update per customer. A
    // customer merged later in the request hands its time to the winner, as the merge
    // would have had it been marked already.
    std::map<int64_t, Timestamp> seen_at;
    const auto see = [&](int64_t customer, Timestamp at) {
        Timestamp& latest = seen_at.try_emplace(customer, at).first->second;
        latest = std::max(latest, at);
    };
    const auto merged = [&](const customers::Resolution& r) {
        for (CustomerId loser : r.merged) {
            if (auto it = seen_at.find(loser.value()); it != seen_at.end()) {
                const Timestamp at = it->second;
                seen_at.erase(it);
                see(r.customer.value(), at);
            }
        }
    };
    // The events, inserted together at the end (nothing in between reads them).
    std::vector<store::Value> event_rows;
    event_rows.reserve(message_ids.size() * kEventColumns);
    for (size_t i = 0; i < messages.size(); ++i) {
        PendingMessage& m = messages[i];
        if (const RejectedMessage* r = rejection[i]) {
            YT_ASSIGN_OR_RETURN(int64_t failed_id, store::NextId(s, tenant, "failed_event"));
            YT_TRY(s.Execute(kInsertFailed, {tenant.value(), failed_id, received_at.micros(), r->reason, r->field,
                                             store::Blob{sealed[i]}}));
            continue;
        }
        if (seen.contains(m.message_id)) {
            ++result.duplicates;
            continue;
        }
        std::optional<int64_t> customer;
        if (m.alias_previous) {
            if (batch) YT_TRY(batch->Finish());
            batch.reset();
            YT_ASSIGN_OR_RETURN(IdentityInput previous, PreviousIdentity(s, tenant, *m.alias_previous));
            auto aliased = resolver_.Alias(s, tenant, previous, m.identities.front(), "segment");
            if (!aliased.ok() && aliased.status().code() != ErrorCode::kFailedPrecondition &&
                aliased.status().code() != ErrorCode::kInvalidArgument) {
                return aliased.status();
            }
            if (!aliased.ok()) {
                const std::string reason =
                    previous.kind == IdentityKind::kUserId && aliased.status().code() == ErrorCode::kFailedPrecondition
                        ? "previousId is the userId of a customer, and a customer has one userId: a userId "
                          "cannot be aliased to another"
                        : aliased.status().message();
                late_rejections.push_back({m.index, reason, "previousId"});
                YT_ASSIGN_OR_RETURN(int64_t failed_id, store::NextId(s, tenant, "failed_event"));
                YT_TRY(s.Execute(kInsertFailed, {tenant.value(), failed_id, received_at.micros(), reason, "previousId",
                                                 store::Blob{sealed[i]}}));
                continue;
            }
            customer = aliased->customer.value();
            YT_TRY(orders_.Reassign(s, tenant, aliased->customer, aliased->merged));
            merged(*aliased);
        } else {
            if (!batch) {
                const auto rest = std::span(senders).subspan(i);
                YT_ASSIGN_OR_RETURN(batch, resolver_.StartBatch(s, tenant, rest));
            }
            YT_ASSIGN_OR_RETURN(auto resolved, batch->Resolve(senders[i], "segment"));
            if (resolved.identified()) customer = resolved.customer.value();
            YT_TRY(orders_.Reassign(s, tenant, resolved.customer, resolved.merged));
            merged(resolved);
        }
        if (m.order) YT_TRY(ApplyOrder(s, tenant, *m.order, customer, m.occurred_at));
        if (customer) {
            if (!m.attributes.empty()) {
                // A customer at the attribute limit keeps the event; the traits stay in it.
                auto set = profiles_.SetAttributes(s, tenant, CustomerId(*customer), m.attributes, "segment");
                if (!set.ok() && set.status().code() != ErrorCode::kResourceExhausted) return set.status();
            }
            see(*customer, m.occurred_at);
        }
        for (store::Value v : {store::Value(tenant.value()), store::Value(next_event_id++), store::Value(m.message_id),
                               store::Value(MessageTypeName(m.type)), store::Value(m.name), store::Value(customer),
                               store::Value(m.occurred_at.micros()), store::Value(received_at.micros()),
                               store::Value(store::Blob{sealed[i]})}) {
            event_rows.push_back(std::move(v));
        }
        seen.insert(m.message_id);
        ++result.accepted;
    }
    if (batch) YT_TRY(batch->Finish());
    YT_TRY(store::InsertRows(s, kInsertEvents, kEventColumns, event_rows));
    // Customers this process knows were seen within the hour are left out without being read.
    const auto unsettled =
        seen_hints_.Unsettled(tenant, std::vector<std::pair<int64_t, Timestamp>>(seen_at.begin(), seen_at.end()));
    YT_ASSIGN_OR_RETURN(b.marked, profiles_.MarkSeen(s, tenant, unsettled));
    return OkStatus();
}

}  // namespace yutang::events
