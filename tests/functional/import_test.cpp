// `yutang import orders` on a real-world export: progress, report, idempotence, exit codes.
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::testing {
namespace {

TEST(ImportCliTest, ImportsATmallExportOnceAndReportsIt) {
    TempDir out, dir;
    const std::string data = dir.path() + "/data";
    ASSERT_EQ(RunYutang({"init", "--data", data, "--merchant", "天猫店", "--owner-email", "owner@example.com"},
                        {{"YUTANG_OWNER_PASSWORD", "import-owner-pass-1"}}, out.path())
                  .exit.code,
              0);
    const std::string sample =
        std::string(YT_SOURCE_DIR) + "/src/yutang/imports/testdata/tmall_order_report.head100.csv";
    const auto first = RunYutang({"import", "orders", sample, "--data", data, "--merchant", "天猫店"}, {}, out.path());
    ASSERT_EQ(first.exit.code, 0) << first.err;
    EXPECT_NE(first.out.find("taobao"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("100"), std::string::npos) << first.out;
    EXPECT_NE(first.err.find("100%"), std::string::npos) << "progress is shown: " << first.err;

    const auto second = RunYutang({"import", "orders", sample, "--data", data, "--merchant", "1"}, {}, out.path());
    ASSERT_EQ(second.exit.code, 0) << second.err;
    EXPECT_NE(second.out.find("未变 unchanged"), std::string::npos);
    const size_t unchanged = second.out.find("未变 unchanged");
    EXPECT_NE(second.out.substr(unchanged, 60).find("100"), std::string::npos) << second.out;

    // A file that is no known export, and one that does not exist: clear errors, script-safe codes.
    std::ofstream(dir.File("notes.csv")) << "a,b\n1,2\n";
    const auto unknown =
        RunYutang({"import", "orders", dir.File("notes.csv"), "--data", data, "--merchant", "1"}, {}, out.path());
    EXPECT_EQ(unknown.exit.code, 2);
    EXPECT_NE(unknown.err.find("column mapping"), std::string::npos) << unknown.err;
    const auto missing =
        RunYutang({"import", "orders", dir.File("none.csv"), "--data", data, "--merchant", "1"}, {}, out.path());
    EXPECT_EQ(missing.exit.code, 3) << missing.err;
}

}  // namespace
}  // namespace yutang::testing
