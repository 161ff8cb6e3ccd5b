#include "yutang/base/text.hpp"

#include <cstdint>

namespace yutang {

std::optional<size_t> Utf8Length(std::string_view text) {
    size_t count = 0;
    for (size_t i = 0; i < text.size(); ++count) {
        const auto byte = static_cast<unsigned char>(text[i]);
        size_t length = 0;
        uint32_t code_point = 0;
        if (byte < 0x80) {
            length = 1;
            code_point = byte;
        } else if ((byte & 0xE0) == 0xC0) {
            length = 2;
            code_point = byte & 0x1Fu;
        } else if ((byte & 0xF0) == 0xE0) {
            length = 3;
            code_point = byte & 0x0Fu;
        } else if ((byte & 0xF8) == 0xF0) {
            length = 4;
            code_point = byte & 0x07u;
        } else {
            return std::nullopt;
        }
        if (i + length > text.size()) return std::nullopt;
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return std::nullopt;
            code_point = (code_point << 6) | (next & 0x3Fu);
        }
        constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code_point < kMinimum[length] || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return std::nullopt;
        }
        i += length;
    }
    return count;
}

std::string CsvQuote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace yutang
