// Ingest: Segment-compatible tracking messages in, durable events and resolved customers out.
//
// Accepts the bodies of Segment's HTTP Tracking API (`/v1/track|identify|alias|group|page|
// screen|batch`, https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/):
// validates each message, resolves its userId / anonymousId / traits (email, phone) to a
// customer, and stores it — deduplicated per merchant by messageId, with its time corrected for
// the sender's clock, its payload encrypted. Messages that cannot be accepted are stored in
// failed_events with the reason and listed in the result: nothing is dropped silently. One request
// is one item of the group-commit writer, so the call returns only after its events are durable.
// E-commerce events of Segment's spec v2 ("Order Completed", "Order Updated", "Order Refunded",
// "Order Cancelled") also create or update the order (source "segment") and the buyer's traits;
// a refund records what was refunded and never rewrites what was ordered. A batch's top-level
// context and integrations apply to each of its messages that has none of its own.
//
//   Ingestor ingest(batcher, resolver, keys, clock);
//   YT_ASSIGN_OR_RETURN(IngestResult r, ingest.IngestBatch(tenant, body));   // body: {"batch": [...]}
//   r.accepted, r.duplicates, r.rejected[i].index / .reason / .field
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/customers/resolver.hpp"
#include "yutang/events/orders.hpp"
#include "yutang/events/timeline.hpp"
#include "yutang/store/write_batcher.hpp"

namespace yutang::events {

namespace internal {
struct PendingMessage;  // a validated message waiting to be stored (ingest.cpp)
struct OrderEvent;      // what an e-commerce event says about its order (ingest.cpp)
struct StoringBatch;    // a request's messages on their way through the group commit (ingest.cpp)
}  // namespace internal

// The encryption context of a merchant's event payloads (events.payload, failed_events.payload).
std::string EventPayloadContext(TenantId tenant);

enum class MessageType { kTrack, kIdentify, kAlias, kGroup, kPage, kScreen };
std::string_view MessageTypeName(MessageType type);  // "track", "identify", …
std::optional<MessageType> ParseMessageType(std::string_view name);

struct IngestSettings {
    size_t max_message_bytes = 32 * 1024;  // Segment: 32 KB per message
    size_t max_batch_bytes = 500 * 1024;   // Segment: 500 KB per batch request
    size_t max_batch_messages = 2500;
    // How long failed events are kept: long enough for a sender to find and resend what was
    // refused, no longer than the personal data in them needs (DeleteExpiredFailures).
    std::chrono::hours failed_retention{24 * 30};
    // Requests handed to the group commit and not yet durable (the ...Then calls). Past this,
    // the next request waits for room on its caller's thread: memory stays bounded, and a sender
    // that outruns the disk is slowed down instead of queued without end.
    size_t max_pending_requests = 64;
    // After this many events stored for a merchant, the group commit also indexes its newest
    // events for the customer timeline (events/timeline.hpp), up to this many at a time.
    int64_t timeline_run = kTimelineRun;
};

struct RejectedMessage {
    size_t index = 0;  // position in the batch (0 for a single message)
    std::string reason;
    std::string field;  // "userId", "event", "timestamp", … or "" for the whole message
};

struct IngestResult {
    size_t accepted = 0;    // stored now
    size_t duplicates = 0;  // already stored under the same messageId: accepted, no effect
    std::vector<RejectedMessage> rejected;
};

// Thread-safe.
class Ingestor {
  public:
    Ingestor(store::WriteBatcher& writer, customers::IdentityResolver& resolver, OrderStore& orders,
             const KeyRing& keys, const Clock& clock, IngestSettings settings = {});
    // Waits until every request handed to the group commit has been answered.
    ~Ingestor();
    Ingestor(const Ingestor&) = delete;
    Ingestor& operator=(const Ingestor&) = delete;

    // One message of `type` (the body of /v1/track etc.). invalid_argument (field "body") for a
    // body that is not JSON, not a JSON object or larger than the limit (bad input, not a rate
    // limit: a sender must not retry it as it is); a store error when the write could not be made durable (nothing of
    // it is stored then). A refused body is kept in failed_events as KeepRefused does.
    Result<IngestResult> IngestSingle(TenantId tenant, MessageType type, std::string_view body);
    // {"batch": [messages…], "sentAt": …, "context": …}. Each message carries its own "type".
    // A batch refused whole (too large, not JSON, no "batch" array, too many messages, a bad
    // "sentAt") is recorded in failed_events as KeepRefused does.
    Result<IngestResult> IngestBatch(TenantId tenant, std::string_view body);

    // As IngestSingle and IngestBatch, without waiting for the group commit: the body is read,
    // checked and encrypted on the caller's thread, and `done` gets the result once the events
    // are durable, on the writer's side (keep it short). Many requests can then share one
    // commit without a thread each (the HTTP tracking routes). A body refused whole is kept and
    // answered on the caller's thread. The body need not outlive the call.
    using IngestDone = std::function<void(Result<IngestResult>)>;
    void IngestSingleThen(TenantId tenant, MessageType type, std::string_view body, IngestDone done);
    void IngestBatchThen(TenantId tenant, std::string_view body, IngestDone done);

    // Keeps a request refused whole in failed_events, with the reason and field of `why` (field
    // "body" when it names none): a single message's body, encrypted and cut to
    // max_message_bytes (the reason then says how much was kept); for a batch, which may hold
    // many people's messages, only its size. Returns `why` once the row is durable, or the
    // store's error. Statuses other than invalid_argument are returned as they are and nothing
    // is kept. For callers that refuse a body before IngestSingle/IngestBatch read it (the HTTP
    // layer's syntax check).
    enum class RefusedBody { kMessage, kBatch };
    Status KeepRefused(TenantId tenant, const Status& why, std::string_view body, RefusedBody kind);

    // Deletes the failed events of every merchant received more than settings().failed_retention
    // ago, in transactions of at most 10,000; returns how many. The server runs it each minute.
    Result<int64_t> DeleteExpiredFailures();

    const IngestSettings& settings() const { return settings_; }

  private:
    Status ReadSingle(MessageType type, std::string_view body, std::vector<internal::PendingMessage>& messages,
                      std::vector<RejectedMessage>& rejected) const;
    Status ReadBatch(std::string_view body, std::vector<internal::PendingMessage>& messages,
                     std::vector<RejectedMessage>& rejected) const;
    // An alias's previousId, read as an anonymousId: as that if known as one, else as a userId
    // if known as one, else as a new anonymousId.
    Result<customers::IdentityInput> PreviousIdentity(store::Session& session, TenantId tenant,
                                                      const customers::IdentityInput& as_anonymous);
    Status ApplyOrder(store::Session& session, TenantId tenant, const internal::OrderEvent& event,
                      std::optional<int64_t> customer, Timestamp occurred_at);
    // Prepares the messages and hands them to the group commit; `done` once durable.
    void Store(TenantId tenant, std::vector<internal::PendingMessage> messages, std::vector<RejectedMessage> rejected,
               IngestDone done);
    // The transaction's part of Store, run by the writer.
    Status StoreMessages(store::Session& session, TenantId tenant, internal::StoringBatch& batch);
    // Waits for room among max_pending_requests / gives it back.
    void Admit();
    void Release();
    // Counts events stored for `tenant`; past settings().timeline_run, hands IndexTimeline to
    // the group commit (on SQLite: PostgreSQL needs none).
    void Stored(TenantId tenant, size_t events);

    store::WriteBatcher& writer_;
    customers::IdentityResolver& resolver_;
    OrderStore& orders_;
    customers::ProfileStore profiles_;
    customers::LastSeenHints seen_hints_;
    const KeyRing& keys_;
    const Clock& clock_;
    IngestSettings settings_;
    std::mutex pending_mutex_;
    std::condition_variable room_;
    size_t pending_ = 0;                    // requests, and timeline runs handed to the group commit
    std::map<int64_t, int64_t> unindexed_;  // events stored per merchant since its last timeline run
};

}  // namespace yutang::events
