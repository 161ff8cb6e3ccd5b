// Anonymous temporary files: made in $TMPDIR (/tmp when unset) and unlinked at once, so that
// they go away when closed, even after a crash, and no other process can open them by name.
// Workbooks stage their rows in one; HTTP exports are written to one and then sent.
//
//   YT_ASSIGN_OR_RETURN(UniqueFile file, AnonymousTempFile("the export"));
//   std::fputs("customer_id\r\n", file.get());
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "yutang/base/status.hpp"

namespace yutang {

struct FileCloser {
    void operator()(std::FILE* file) const;
};
using UniqueFile = std::unique_ptr<std::FILE, FileCloser>;

// A new empty file open for reading and writing ("w+b"), mode 0600. unavailable "no temporary
// file for <what>" with the system's reason when none can be made.
Result<UniqueFile> AnonymousTempFile(const std::string& what);

}  // namespace yutang
