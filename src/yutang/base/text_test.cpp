#include "yutang/base/text.hpp"

#include <gtest/gtest.h>

namespace yutang {
namespace {

TEST(Utf8Length, CountsCodePoints) {
    EXPECT_EQ(Utf8Length(""), 0u);
    EXPECT_EQ(Utf8Length("abc"), 3u);
    EXPECT_EQ(Utf8Length("演示旗舰店"), 5u);
    EXPECT_EQ(Utf8Length("a😀b"), 3u);
}

TEST(Utf8Length, RefusesInvalidUtf8) {
    for (const char* bad : {"\xff", "\xc3", "\xe6\xbc", "\xc0\xaf" /* overlong '/' */, "\xed\xa0\x80" /* surrogate */,
                            "\xf4\x90\x80\x80" /* above U+10FFFF */}) {
        EXPECT_FALSE(Utf8Length(bad).has_value()) << bad;
    }
}

TEST(CsvQuote, QuotesEveryFieldAndDoublesInnerQuotes) {
    EXPECT_EQ(CsvQuote(""), "\"\"");
    EXPECT_EQ(CsvQuote("a,b"), "\"a,b\"");
    EXPECT_EQ(CsvQuote("他说\"好\""), "\"他说\"\"好\"\"\"");
    EXPECT_EQ(CsvQuote("line\nbreak"), "\"line\nbreak\"");
}

}  // namespace
}  // namespace yutang
