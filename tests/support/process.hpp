// Runs the real yutang binary from a test: arguments, environment, captured output, signals.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace yutang::testing {

// The yutang binary under test (set by CMake).
std::string YutangBinary();

struct ExitResult {
    bool exited = false;  // normal exit (else: killed by a signal)
    int code = -1;        // exit code when exited
    int signal = 0;       // terminating signal otherwise
};

class Process {
  public:
    // Starts `binary args…` with the current environment plus `env`; stdout and stderr go to
    // files in `output_dir`.
    Process(const std::string& binary, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, const std::string& output_dir);
    ~Process();  // SIGKILLs the process if it still runs
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void Signal(int signal);
    // Waits for the exit; nullopt on timeout.
    std::optional<ExitResult> Wait(std::chrono::milliseconds timeout);
    // Waits until stdout has a line containing `needle`; returns that line, or nullopt on timeout/exit.
    std::optional<std::string> WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout);
    std::string Stdout() const;
    std::string Stderr() const;

  private:
    pid_t pid_ = -1;
    std::string stdout_path_;
    std::string stderr_path_;
    std::optional<ExitResult> result_;
};

// Runs a command to completion (at most `timeout`) and returns its exit and output.
struct RunResult {
    ExitResult exit;
    std::string out;
    std::string err;
};
RunResult RunYutang(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const std::string& output_dir, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A started `yutang serve` with its port parsed from the banner.
struct RunningServer {
    std::unique_ptr<Process> process;
    uint16_t port = 0;
};
// Starts `yutang serve --listen 127.0.0.1:0 <extra args>` and waits for the banner.
// Fails the current test (and returns port 0) if it does not come up within 30 s.
RunningServer StartServer(const std::string& data_dir, const std::vector<std::string>& extra_args,
                          const std::map<std::string, std::string>& env, const std::string& output_dir);

}  // namespace yutang::testing
