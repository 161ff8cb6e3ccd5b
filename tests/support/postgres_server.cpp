#include "tests/support/postgres_server.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX declares it for posix_spawn's envp

namespace yutang::testing {
namespace {

namespace fs = std::filesystem;

bool IsExecutable(const fs::path& path) { return ::access(path.c_str(), X_OK) == 0; }

bool HasServerBinaries(const fs::path& dir) { return IsExecutable(dir / "initdb") && IsExecutable(dir / "pg_ctl"); }

// The directory holding initdb and pg_ctl: $YT_POSTGRES_BIN if set; else, since Debian installs
// them off PATH, one directory per major version, the highest /usr/lib/postgresql/<major>/bin;
// then PATH.
std::string FindBinDir() {
    // An explicit choice (another major version, a source build) wins, and is the only place
    // looked at, so that a wrong setting fails instead of silently testing something else.
    if (const char* chosen = std::getenv("YT_POSTGRES_BIN"); chosen != nullptr && *chosen != '\0') {
        return HasServerBinaries(chosen) ? std::string(chosen) : std::string();
    }
    int best_version = -1;
    std::string best;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            continue;
        }
        const int version = std::atoi(name.c_str());
        if (version > best_version && HasServerBinaries(entry.path() / "bin")) {
            best_version = version;
            best = (entry.path() / "bin").string();
        }
    }
    if (!best.empty()) return best;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (!dir.empty() && HasServerBinaries(dir)) return dir;
    }
    return {};
}

std::string FindRunuser() {
    for (const char* candidate : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"}) {
        if (IsExecutable(candidate)) return candidate;
    }
    return {};
}

// A TCP port that was free a moment ago. Another process may take it before the server binds,
// which Start() handles by retrying with a new port.
int PickFreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(0x7f000001U);  // 127.0.0.1
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
}

std::string ReadTail(const std::string& path, size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream buffer;
    buffer << in.rdbuf();
    std::string text = std::move(buffer).str();
    if (text.size() > max_bytes) text = "…" + text.substr(text.size() - max_bytes);
    return text;
}

void AppendLine(int fd, const std::string& line) {
    const std::string text = line + "\n";
    // Best effort: the log is for a human reading a failure.
    if (::write(fd, text.data(), text.size()) < 0) return;
}

// Runs argv[0] with argv (no shell, so no quoting issues), stdin from /dev/null and
// stdout/stderr appended to `log_fd`, in `cwd`. Returns the exit code, or -1 if it could not
// run or died of a signal.
int Run(std::vector<std::string> argv, int log_fd, const std::string& cwd) {
    std::string command_line = "$";
    for (const std::string& arg : argv) command_line += " " + arg;
    AppendLine(log_fd, command_line);

    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
    // The server user may not be able to enter the test's working directory; initdb and the
    // server complain when they cannot.
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        AppendLine(log_fd, "spawn failed: " + std::string(std::strerror(error)));
        return -1;
    }
    int wait_status = 0;
    while (::waitpid(pid, &wait_status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (!WIFEXITED(wait_status)) return -1;
    return WEXITSTATUS(wait_status);
}

bool IsPlainIdentifier(std::string_view name) {
    if (name.empty() || name.size() > 63) return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// Quotes a libpq connection-string value: single quotes, with ' and \ backslash-escaped.
std::string QuoteConnValue(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

void DiscardNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

PostgresServer* PostgresServer::Shared() {
    // Function-local static: started once, on first use, thread-safely; destroyed at exit.
    static PostgresServer server;
    return &server;
}

bool PostgresServer::Required() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string_view(ci) == "true";
}

PostgresServer::PostgresServer() { Start(); }

void PostgresServer::Start() {
    bin_dir_ = FindBinDir();
    if (bin_dir_.empty()) {
        status_ =
            Unavailable("PostgreSQL server binaries not found",
                        "looked for initdb and pg_ctl in $YT_POSTGRES_BIN, or /usr/lib/postgresql/*/bin and PATH");
        return;
    }
    available_ = true;

    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/yutang-pg-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        status_ = Internal("mkdtemp " + pattern + ": " + std::strerror(errno));
        return;
    }
    root_dir_ = pattern;

    // initdb refuses to run as root (a server must not own the machine), and CI runs tests as
    // root; so the cluster belongs to the `postgres` system user and commands run as it.
    if (::geteuid() == 0) {
        const passwd* user = ::getpwnam("postgres");
        runuser_ = FindRunuser();
        if (user == nullptr || runuser_.empty()) {
            status_ = Internal("running as root needs the postgres system user and runuser to start PostgreSQL");
            return;
        }
        if (::chown(root_dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
            status_ = Internal("chown " + root_dir_ + ": " + std::strerror(errno));
            return;
        }
    }
    // From here on, the guard removes the directory whatever happens to this process.
    if (status_ = StartGuard(); !status_.ok()) return;

    const std::string data_dir = root_dir_ + "/data";
    const std::string setup_log = root_dir_ + "/setup.log";
    const std::string server_log = root_dir_ + "/server.log";
    // pg_ctl passes -o through a shell; the socket directory is quoted there, so reject a quote.
    if (root_dir_.find('\'') != std::string::npos) {
        status_ = Internal("temp dir path contains a quote: " + root_dir_);
        return;
    }
    const int log_fd = ::open(setup_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        status_ = Internal("open " + setup_log + ": " + std::strerror(errno));
        return;
    }
    auto as_server_user = [this](std::vector<std::string> argv) {
        if (!runuser_.empty()) argv.insert(argv.begin(), {runuser_, "-u", "postgres", "--"});
        return argv;
    };
    auto failure = [&](const std::string& what) {
        return Internal(what + "; setup.log: " + ReadTail(setup_log, 2000) +
                        "; server.log: " + ReadTail(server_log, 2000));
    };

    // --no-sync: the cluster is disposable, and syncing it costs seconds.
    if (Run(as_server_user({bin_dir_ + "/initdb", "-D", data_dir, "-U", "yutang", "--auth=trust", "-E", "UTF8",
                            "--no-locale", "--no-sync"}),
            log_fd, root_dir_) != 0) {
        status_ = failure("initdb failed");
        ::close(log_fd);
        return;
    }

    // The port is free when picked but may be taken before the server binds it; try a few.
    status_ = Internal("no attempt to start PostgreSQL was made");
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = PickFreePort();
        if (port_ == 0) continue;
        // fsync/full_page_writes/synchronous_commit off: test data need not survive a crash.
        const std::string options = "-p " + std::to_string(port_) + " -k '" + root_dir_ +
                                    "' -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
                                    " -c synchronous_commit=off -c max_connections=200";
        if (Run(as_server_user(
                    {bin_dir_ + "/pg_ctl", "-D", data_dir, "-o", options, "-w", "-t", "60", "-l", server_log, "start"}),
                log_fd, root_dir_) == 0) {
            status_ = OkStatus();
            break;
        }
        status_ = failure("pg_ctl start failed on port " + std::to_string(port_));
        // A start that timed out may have left a server running; make sure it is gone.
        Run(as_server_user({bin_dir_ + "/pg_ctl", "-D", data_dir, "-m", "immediate", "stop"}), log_fd, root_dir_);
    }
    ::close(log_fd);
}

Status PostgresServer::StartGuard() {
    // The guard reads its stdin (our pipe) until EOF, which comes when this process closes the
    // write end: on normal exit, or when the kernel closes it after a crash or kill -9. Then it
    // stops the server and removes the directory. Signals from the terminal are ignored so a
    // Ctrl-C on the test run does not skip the clean-up. Arguments travel as positional
    // parameters, never spliced into the script.
    static constexpr const char* kScript =
        "trap '' INT TERM HUP\n"
        "cat >/dev/null\n"
        "if [ -n \"$4\" ]; then \"$4\" -u postgres -- \"$1\" -D \"$2\" -m immediate stop\n"
        "else \"$1\" -D \"$2\" -m immediate stop; fi\n"
        "rm -rf \"$3\"\n";
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("pipe2: ") + std::strerror(errno));

    std::vector<std::string> argv = {"/bin/sh",           "-c",      kScript, "yutang-pg-guard", bin_dir_ + "/pg_ctl",
                                     root_dir_ + "/data", root_dir_, runuser_};
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    // Not our stdout/stderr: a test runner waiting for the output pipe to close would wait for
    // the guard too.
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addchdir_np(&actions, "/");
    const int error = ::posix_spawn(&guard_pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    if (error != 0) {
        ::close(fds[1]);
        guard_pid_ = -1;
        return Internal(std::string("spawn guard: ") + std::strerror(error));
    }
    guard_pipe_ = fds[1];
    return OkStatus();
}

PostgresServer::~PostgresServer() {
    if (guard_pid_ > 0) {
        ::close(guard_pipe_);
        int wait_status = 0;
        while (::waitpid(guard_pid_, &wait_status, 0) < 0 && errno == EINTR) {
        }
    } else if (!root_dir_.empty()) {
        std::error_code ec;
        fs::remove_all(root_dir_, ec);
    }
}

std::string PostgresServer::ConnInfo(const std::string& dbname) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=yutang dbname=" + QuoteConnValue(dbname) +
           " connect_timeout=10";
}

Status PostgresServer::CreateDatabase(const std::string& name) {
    if (!IsPlainIdentifier(name)) return InvalidArgument("database name must match [a-z_][a-z0-9_]*", "name");
    if (!status_.ok()) return Unavailable("PostgreSQL is not running", status_.ToString());

    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(ConnInfo("postgres").c_str()), &PQfinish);
    if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
        return Unavailable("cannot connect to PostgreSQL", conn ? PQerrorMessage(conn.get()) : "out of memory");
    }
    PQsetNoticeProcessor(conn.get(), DiscardNotice, nullptr);
    // The name is a checked identifier, so quoting it is enough; CREATE DATABASE takes no
    // parameters and cannot run inside a transaction block.
    const std::string sql = "CREATE DATABASE \"" + name + "\"";
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) return OkStatus();
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    const std::string detail = sql + ": " + PQerrorMessage(conn.get());
    if (sqlstate != nullptr && std::string_view(sqlstate) == "42P04") {
        return Status(ErrorCode::kAlreadyExists, "database already exists", "name", detail);
    }
    return Internal(detail);
}

Result<std::string> PostgresServer::CreateUniqueDatabase(std::string_view prefix) {
    static std::atomic<int> counter{0};
    std::string name = std::string(prefix) + "_" + std::to_string(counter.fetch_add(1) + 1);
    YT_TRY(CreateDatabase(name));
    return name;
}

}  // namespace yutang::testing
