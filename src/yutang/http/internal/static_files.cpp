#include "yutang/http/internal/static_files.hpp"

#include <cstdio>
#include <system_error>

#include "yutang/http/errors.hpp"

namespace yutang::http::internal {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool IsUnder(std::string_view path, std::string_view prefix) {
    return path == prefix || StartsWith(path, std::string(prefix) + "/");
}

Response NotFoundResponse() { return Response::Json(ErrorJson(NotFound("no such file")), 404); }

bool ReadFile(const std::filesystem::path& path, std::string& out) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return false;
    out.clear();
    char chunk[64 * 1024];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0) out.append(chunk, n);
    bool ok = std::ferror(file) == 0;
    std::fclose(file);
    return ok;
}

}  // namespace

Result<std::unique_ptr<StaticFiles>> StaticFiles::Create(const std::string& dir) {
    std::error_code error;
    std::filesystem::path root = std::filesystem::canonical(dir, error);
    if (error || !std::filesystem::is_directory(root, error)) {
        return Status(ErrorCode::kNotFound, "static file directory not found", {}, dir);
    }
    return std::unique_ptr<StaticFiles>(new StaticFiles(std::move(root)));
}

bool StaticFiles::IsStaticPath(std::string_view path) {
    return !IsUnder(path, "/api") && !IsUnder(path, "/v1") && path != "/healthz" && path != "/readyz" &&
           path != "/metrics";
}

std::string_view ContentTypeForFile(std::string_view file_name) {
    struct Entry {
        std::string_view extension;
        std::string_view type;
    };
    static constexpr Entry kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ico", "image/x-icon"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".webp", "image/webp"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    std::string_view extension = file_name.substr(dot);
    for (const Entry& entry : kTypes) {
        if (EqualsIgnoreCase(entry.extension, extension)) return entry.type;
    }
    return "application/octet-stream";
}

bool HasContentHash(std::string_view file_name) {
    size_t dot = file_name.rfind('.');
    std::string_view stem = file_name.substr(0, dot);
    size_t hash_length = 0;
    while (hash_length < stem.size()) {
        char c = stem[stem.size() - 1 - hash_length];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) break;
        ++hash_length;
    }
    if (hash_length < 8 || hash_length == stem.size()) return false;
    char separator = stem[stem.size() - 1 - hash_length];
    return separator == '-' || separator == '.';
}

Response StaticFiles::Serve(std::string_view path, std::string_view request_id) const {
    (void)request_id;
    std::optional<std::string> decoded = PercentDecode(path, false);
    if (!decoded || decoded->empty() || decoded->front() != '/') return NotFoundResponse();
    // Refuse rather than normalise: a request with "..", "." or a backslash is never one the
    // console makes, and normalising is where traversal bugs live. The canonical() check below
    // is the second line (symlinks).
    std::string_view relative = std::string_view(*decoded).substr(1);
    if (relative.find('\0') != std::string_view::npos || relative.find('\\') != std::string_view::npos) {
        return NotFoundResponse();
    }
    std::string_view last_segment;
    {
        std::string_view rest = relative;
        while (true) {
            size_t slash = rest.find('/');
            std::string_view segment = rest.substr(0, slash);
            if (segment == ".." || segment == ".") return NotFoundResponse();
            if (slash == std::string_view::npos) {
                last_segment = segment;
                break;
            }
            rest = rest.substr(slash + 1);
        }
    }

    std::error_code error;
    std::filesystem::path candidate = relative.empty() ? root_ / "index.html" : root_ / std::string(relative);
    std::filesystem::path file = std::filesystem::canonical(candidate, error);
    bool found = !error && std::filesystem::is_regular_file(file, error) && !error;
    if (!found) {
        // Client-side routes ("/customers/42") have no extension: give them the app shell.
        if (last_segment.find('.') != std::string_view::npos) return NotFoundResponse();
        file = std::filesystem::canonical(root_ / "index.html", error);
        if (error || !std::filesystem::is_regular_file(file, error)) return NotFoundResponse();
    }
    // Symlinks may point anywhere; only files inside the root are served.
    std::string root_prefix = root_.string() + "/";
    if (!StartsWith(file.string(), root_prefix)) return NotFoundResponse();

    Response response;
    if (!ReadFile(file, response.body)) return NotFoundResponse();
    std::string file_name = file.filename().string();
    response.content_type = std::string(ContentTypeForFile(file_name));
    std::string relative_to_root = file.string().substr(root_prefix.size());
    if (StartsWith(relative_to_root, "assets/") && HasContentHash(file_name)) {
        // The name changes whenever the content does, so caches may keep it forever
        // (RFC 8246 "immutable").
        response.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
    } else {
        // index.html (and unhashed files) must be revalidated so a deploy is picked up at once.
        response.headers.emplace_back("Cache-Control", "no-cache");
    }
    // The console runs only its own code: scripts, styles and data from this origin (Element Plus
    // sets inline styles, hence 'unsafe-inline' for styles only), never inside another site's
    // frame (clickjacking), and it sends no Referer with links out (URLs may name customers).
    response.headers.emplace_back("Content-Security-Policy", std::string(kConsoleContentSecurityPolicy));
    response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    return response;
}

}  // namespace yutang::http::internal
