#include "yutang/base/temp_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace yutang {

void FileCloser::operator()(std::FILE* file) const { std::fclose(file); }

Result<UniqueFile> AnonymousTempFile(const std::string& what) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string path = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/yutang-XXXXXX";
    const int fd = ::mkstemp(path.data());  // mode 0600
    if (fd < 0) return Unavailable("no temporary file for " + what, std::strerror(errno));
    ::unlink(path.c_str());
    std::FILE* file = ::fdopen(fd, "w+b");
    if (file == nullptr) {
        const int error = errno;
        ::close(fd);
        return Unavailable("no temporary file for " + what, std::strerror(error));
    }
    return UniqueFile(file);
}

}  // namespace yutang
