// Serves the console's built files (Vite output) from a directory, with SPA fallback.
// Private to the http module; the server owns one when ServerSettings::static_dir is set.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "yutang/base/status.hpp"
#include "yutang/http/message.hpp"

namespace yutang::http::internal {

inline constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'";

class StaticFiles {
  public:
    // not_found if `dir` does not exist or is not a directory.
    static Result<std::unique_ptr<StaticFiles>> Create(const std::string& dir);

    // True for paths the console owns: everything except /api/…, /v1/… and the system routes.
    static bool IsStaticPath(std::string_view path);

    // GET/HEAD of `path` (percent-encoded request path). 200 with the file; for a path whose last
    // segment has no extension and no file, index.html (client-side routing); 404 not_found JSON
    // for a missing file with an extension, for "." / ".." segments, and for anything that
    // resolves (symlinks included) outside the directory. Thread-safe.
    Response Serve(std::string_view path, std::string_view request_id) const;

  private:
    explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}
    std::filesystem::path root_;  // canonical
};

// "text/css; charset=utf-8" for "app.css", … application/octet-stream when unknown.
std::string_view ContentTypeForFile(std::string_view file_name);

// True for Vite's content-hashed names ("index-5f3a2b1c.js", "logo-BkQ3x9_a.svg"): the stem
// ends in '-' or '.' and at least 8 characters of [A-Za-z0-9_].
bool HasContentHash(std::string_view file_name);

}  // namespace yutang::http::internal
