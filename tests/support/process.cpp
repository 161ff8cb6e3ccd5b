#include "tests/support/process.hpp"

#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace yutang::testing {
namespace {

std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

ExitResult Decode(int status) {
    ExitResult r;
    if (WIFEXITED(status)) {
        r.exited = true;
        r.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.signal = WTERMSIG(status);
    }
    return r;
}

std::atomic<int> counter{0};

}  // namespace

std::string YutangBinary() { return YT_BINARY; }

Process::Process(const std::string& binary, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& output_dir) {
    const int n = counter.fetch_add(1);
    stdout_path_ = output_dir + "/proc" + std::to_string(n) + ".out";
    stderr_path_ = output_dir + "/proc" + std::to_string(n) + ".err";

    std::vector<std::string> argv_storage{binary};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::map<std::string, std::string> merged;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        const size_t eq = kv.find('=');
        if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) merged[k] = v;
    std::vector<std::string> env_storage;
    for (const auto& [k, v] : merged) env_storage.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // The child must not inherit a blocked signal mask from the test runner.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        ADD_FAILURE() << "cannot start " << binary << ": " << rc;
        pid_ = -1;
    }
}

Process::~Process() {
    if (pid_ > 0 && !result_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

void Process::Signal(int signal) {
    if (pid_ > 0 && !result_) ::kill(pid_, signal);
}

std::optional<ExitResult> Process::Wait(std::chrono::milliseconds timeout) {
    if (result_) return result_;
    if (pid_ <= 0) return ExitResult{};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            result_ = Decode(status);
            return result_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::optional<std::string> Process::WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::istringstream lines(ReadFile(stdout_path_));
        for (std::string line; std::getline(lines, line);) {
            if (line.find(needle) != std::string::npos) return line;
        }
        if (Wait(std::chrono::milliseconds(0))) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
}

std::string Process::Stdout() const { return ReadFile(stdout_path_); }
std::string Process::Stderr() const { return ReadFile(stderr_path_); }

RunResult RunYutang(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const std::string& output_dir, std::chrono::milliseconds timeout) {
    Process p(YutangBinary(), args, env, output_dir);
    auto exit = p.Wait(timeout);
    if (!exit) {
        ADD_FAILURE() << "yutang did not finish in time";
        p.Signal(SIGKILL);
        exit = p.Wait(std::chrono::seconds(10));
    }
    return RunResult{exit.value_or(ExitResult{}), p.Stdout(), p.Stderr()};
}

RunningServer StartServer(const std::string& data_dir, const std::vector<std::string>& extra_args,
                          const std::map<std::string, std::string>& env, const std::string& output_dir) {
    std::vector<std::string> args{"serve", "--data", data_dir, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    RunningServer server;
    server.process = std::make_unique<Process>(YutangBinary(), args, env, output_dir);
    const auto line = server.process->WaitForOutput("is listening on http://", std::chrono::seconds(30));
    if (!line) {
        ADD_FAILURE() << "server did not start\nstdout:\n"
                      << server.process->Stdout() << "\nstderr:\n"
                      << server.process->Stderr();
        return server;
    }
    const size_t colon = line->rfind(':');
    server.port = static_cast<uint16_t>(std::stoi(line->substr(colon + 1)));
    return server;
}

}  // namespace yutang::testing
