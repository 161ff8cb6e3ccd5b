// Helpers for the imports tests: writing fixture files and producing GBK bytes.
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <iconv.h>

namespace yutang::imports::testing {

// UTF-8 text → GBK bytes, as JD and Taobao CSV exports are encoded.
inline std::string ToGbk(std::string_view utf8) {
    iconv_t cd = ::iconv_open("GBK", "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv_open(GBK)");
    std::string in(utf8);
    std::string out(in.size() * 2 + 16, '\0');
    char* src = in.data();
    size_t src_left = in.size();
    char* dst = out.data();
    size_t dst_left = out.size();
    const size_t rc = ::iconv(cd, &src, &src_left, &dst, &dst_left);
    ::iconv_close(cd);
    if (rc == static_cast<size_t>(-1)) throw std::runtime_error("text has no GBK form");
    out.resize(out.size() - dst_left);
    return out;
}

inline void WriteFile(const std::string& path, std::string_view bytes) {
    std::ofstream file(path, std::ios::binary);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace yutang::imports::testing
