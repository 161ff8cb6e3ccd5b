// What the tests of ingest and of what it stores build on: a store (opened by the fixture), the
// resolver, orders, a group commit and an Ingestor, as the server puts them together.
//
//   class MyTest : public ::testing::Test, protected IngestParts {
//       void SetUp() override {
//           db_ = testing::OpenTestStore(dir_, clock_);
//           ASSERT_NE(db_, nullptr);
//           ASSERT_TRUE(StartIngest().ok());
//       }
//   };
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "yutang/events/ingest.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::events {

struct IngestParts {
    // Once db_ is open: merchant 1, the group commit and an Ingestor with `settings`.
    Status StartIngest(IngestSettings settings = {}) {
        YT_TRY(db_->Write([](store::Session& s) {
            return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'a', 0)").status();
        }));
        batcher_ = std::make_unique<store::WriteBatcher>(*db_);
        ingest_ = std::make_unique<Ingestor>(*batcher_, resolver_, orders_, keys_, clock_, settings);
        return OkStatus();
    }
    int64_t Count(const std::string& sql) { return testing::QueryInt(*db_, sql); }
    // The customer merchant 1 knows by this identity.
    std::optional<CustomerId> Find(customers::IdentityKind kind, const std::string& value) {
        std::optional<CustomerId> out;
        const Status read = db_->Read([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(out, resolver_.Find(s, TenantId(1), {kind, value, ""}));
            return OkStatus();
        });
        EXPECT_TRUE(read.ok()) << read.ToString();
        return out;
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};  // 2026-11-23T03:54:27Z
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    customers::IdentityResolver resolver_{keys_, clock_};
    OrderStore orders_{keys_, clock_};
    std::unique_ptr<store::WriteBatcher> batcher_;
    std::unique_ptr<Ingestor> ingest_;
};

}  // namespace yutang::events
