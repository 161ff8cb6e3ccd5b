#include "yutang/http/server.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/file_body.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yutang/base/log.hpp"
#include "yutang/http/errors.hpp"
#include "yutang/http/internal/static_files.hpp"
#include "yutang/http/routes.hpp"

namespace yutang::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

// How long a closing connection keeps reading (and discarding) what the client still sends, so
// that our final response is not destroyed by a TCP reset. RFC 9112 §9.6: a server "SHOULD
// initiate a close by first half-closing its writing side … and then waiting to close fully
// until it has received the client's close or a reasonable time has passed".
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerMaxBytes = 1024 * 1024;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::optional<Method> FromVerb(bhttp::verb verb) {
    switch (verb) {
        case bhttp::verb::get:
            return Method::kGet;
        case bhttp::verb::head:
            return Method::kHead;
        case bhttp::verb::post:
            return Method::kPost;
        case bhttp::verb::put:
            return Method::kPut;
        case bhttp::verb::patch:
            return Method::kPatch;
        case bhttp::verb::delete_:
            return Method::kDelete;
        case bhttp::verb::options:
            return Method::kOptions;
        default:
            return std::nullopt;
    }
}

// A client's id is kept only if it is short and harmless in logs and headers.
bool IsAcceptableRequestId(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        if (!ok) return false;
    }
    return true;
}

// 128 random bits as 32 hex digits. Request ids need to be unique, not secret, so a per-thread
// generator seeded from the OS avoids a getrandom() system call per request.
std::string GenerateRequestId() {
    thread_local std::mt19937_64 generator([] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }());
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(32, '0');
    for (size_t half = 0; half < 2; ++half) {
        uint64_t bits = generator();
        for (size_t i = 0; i < 16; ++i) {
            id[half * 16 + i] = kHex[bits & 0xf];
            bits >>= 4;
        }
    }
    return id;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
    if (endpoint.address().is_v6()) {
        return "[" + endpoint.address().to_string() + "]:" + std::to_string(endpoint.port());
    }
    return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

class Session;

}  // namespace

namespace internal {

struct ServerCore {
    ServerSettings settings;
    Router& router;
    Metrics metrics;
    std::unique_ptr<internal::StaticFiles> static_files;
    std::vector<size_t> route_metric_ids;  // by RouteMatch::route_index
    size_t static_metric_id = 0;
    std::string endpoint;
    uint16_t port = 0;

    std::mutex sessions_mutex;
    std::unordered_set<Session*> sessions;
    std::atomic<bool> stopping{false};
    std::atomic<bool> stop_requested{false};
    bool destroying = false;

    // Declared after everything the sessions use: destroying the io_context destroys pending
    // handlers, and with them sessions, which unregister themselves.
    net::io_context ioc;
    net::strand<net::io_context::executor_type> strand;  // acceptor, stop, grace timer
    tcp::acceptor acceptor;
    net::steady_timer grace_timer;
    net::steady_timer accept_retry_timer;

    ServerCore(ServerSettings s, Router& r, unsigned threads)
        : settings(std::move(s)),
          router(r),
          metrics(settings.version, settings.commit),
          ioc(static_cast<int>(threads)),
          strand(net::make_strand(ioc)),
          acceptor(strand),
          grace_timer(strand),
          accept_retry_timer(strand) {}

    ~ServerCore() { destroying = true; }

    void Accept();
    void DoStop(std::chrono::seconds grace);
    void ForEachSession(void (*action)(const std::shared_ptr<Session>&));
    void Register(Session* session) {
        std::lock_guard lock(sessions_mutex);
        sessions.insert(session);
    }
    void Unregister(Session* session);
};

}  // namespace internal
using internal::ServerCore;

namespace {

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, ServerCore& server)
        : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()) {
        error_code error;
        tcp::endpoint remote = socket_.remote_endpoint(error);
        // The client's IP without the port: a port names a connection, not a client, and the
        // login throttle and the audit log want the client.
        if (!error) remote_address_ = remote.address().to_string();
        socket_.set_option(tcp::no_delay(true), error);
        server_.Register(this);
    }
    ~Session() {
        DiscardSpool();
        server_.Unregister(this);
    }

    void Start() {
        net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
    }

    // On the session's executor.
    void OnStop() {
        stop_requested_ = true;
        if (state_ == State::kIdle) Finish();
    }
    void ForceClose() { Finish(); }
    net::any_io_executor executor() { return socket_.get_executor(); }

  private:
    enum class State { kIdle, kReading, kHandling, kWriting, kLingering, kDone };

    void ReadRequest() {
        if (state_ == State::kDone) return;
        parser_.emplace();
        file_parser_.reset();
        parser_->header_limit(static_cast<uint32_t>(std::min<size_t>(server_.settings.max_header_bytes, UINT32_MAX)));
        // The limit depends on the route: OnHeader sets it before any body byte is parsed.
        parser_->body_limit(boost::none);
        body_limit_ = server_.settings.max_body_bytes;
        if (buffer_.size() == 0) {
            // Wait for the first byte of the next request: until then the connection is idle,
            // and Stop() may close it at once.
            state_ = State::kIdle;
            if (stop_requested_) return Finish();
            SetDeadline(first_request_ ? server_.settings.header_timeout : server_.settings.keep_alive_timeout);
            socket_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](error_code error, size_t bytes) {
                self->OnFirstBytes(error, bytes);
            });
            return;
        }
        ReadHeader();
    }

    void OnFirstBytes(error_code error, size_t bytes) {
        if (error) return Finish();  // client closed, Stop() closed an idle connection, or idle timeout
        buffer_.commit(bytes);
        ReadHeader();
    }

    void ReadHeader() {
        state_ = State::kReading;
        first_request_ = false;
        SetDeadline(server_.settings.header_timeout);
        bhttp::async_read_header(socket_, buffer_, *parser_,
                                 [self = shared_from_this()](error_code error, size_t) { self->OnHeader(error); });
    }

    void OnHeader(error_code error) {
        if (error) return OnReadError(error);
        auto& message = parser_->get();
        method_ = FromVerb(message.method());
        if (!method_) {
            // RFC 9110 §15.6.2: 501 "when the server does not recognize the request method".
            return SendErrorAndClose(501, Status(ErrorCode::kInvalidArgument, "method not implemented"));
        }
        ReadHead(message);

        // What the route allows: its body limit, where its body goes, and whether to read it at all.
        size_t metric_id = Metrics::kUnmatchedRouteId;
        bool spool = false;
        const Admission* admission = nullptr;
        match_ = server_.router.Match(*method_, request_.path, request_.path_params);  // Route() uses it too
        if (match_.kind == MatchKind::kFound) {
            metric_id = server_.route_metric_ids[match_.route_index];
            if (match_.route->max_body_bytes > 0) body_limit_ = match_.route->max_body_bytes;
            spool = match_.route->spool_body && !server_.settings.spool_dir.empty();
            admission = match_.admission;
        }
        if (auto length = parser_->content_length(); length && *length > body_limit_) {
            return SendErrorAndClose(413, BodyTooLarge());
        }
        parser_->body_limit(static_cast<uint64_t>(body_limit_));
        if (parser_->is_done()) return Handle();
        if (admission != nullptr) {
            std::optional<Response> refused;
            try {
                refused = (*admission)(request_);
            } catch (const std::exception& exception) {
                refused =
                    ErrorResponse(Internal(std::string("admission threw: ") + exception.what()), request_.request_id);
            }
            if (refused) {
                // Refused before its body was read: answer and close, the body is not wanted.
                server_.metrics.Record(metric_id, request_.method, refused->status, std::chrono::nanoseconds(0));
                return Send(std::move(*refused), true);
            }
        }
        // RFC 9110 §10.1.1: a server that receives "Expect: 100-continue" and means to read the
        // body sends 100 (Continue) first; otherwise clients such as curl wait a second.
        auto expect = message.find(bhttp::field::expect);
        const bool send_continue =
            expect != message.end() && EqualsIgnoreCase(expect->value(), "100-continue") && buffer_.size() == 0;
        // (`message` belongs to parser_, which OpenSpool replaces.)
        if (spool && !OpenSpool()) {
            return SendErrorAndClose(503, Unavailable("cannot store the request body now; try again later"));
        }
        if (send_continue) {
            SetDeadline(server_.settings.body_timeout);
            net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                             [self = shared_from_this()](error_code write_error, size_t) {
                                 if (write_error) return self->Finish();
                                 self->ReadBody();
                             });
            return;
        }
        ReadBody();
    }

    void ReadBody() {
        SetDeadline(server_.settings.body_timeout);
        if (file_parser_) return ReadSpooledBody();
        bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code error, size_t) {
            if (error) return self->OnReadError(error);
            self->Handle();
        });
    }

    // A spooled body is read piece by piece, each piece moving the deadline: an upload may take
    // longer than body_timeout as long as bytes keep coming.
    void ReadSpooledBody() {
        SetDeadline(server_.settings.body_timeout);
        bhttp::async_read_some(socket_, buffer_, *file_parser_, [self = shared_from_this()](error_code error, size_t) {
            if (error) return self->OnReadError(error);
            if (self->file_parser_->is_done()) return self->Handle();
            self->ReadSpooledBody();
        });
    }

    // Switches the parser to one that writes the body to a new file (mode 0600) in the spool dir.
    bool OpenSpool() {
        const std::string path = server_.settings.spool_dir + "/upload-" + GenerateRequestId() + ".part";
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            spdlog::error("http: cannot create a spool file in {}: {}", server_.settings.spool_dir,
                          std::strerror(errno));
            return false;
        }
        spool_path_ = path;
        file_parser_.emplace(std::move(*parser_));
        parser_.reset();
        file_parser_->body_limit(static_cast<uint64_t>(body_limit_));
        beast::file file;
        file.native_handle(fd);
        error_code error;
        file_parser_->get().body().reset(std::move(file), error);
        if (error) {
            spdlog::error("http: cannot use the spool file: {}", error.message());
            DiscardSpool();
            return false;
        }
        return true;
    }

    // Deletes the spooled body unless the handler has moved it away.
    void DiscardSpool() {
        file_parser_.reset();  // closes the file
        if (spool_path_.empty()) return;
        std::error_code ignored;
        std::filesystem::remove(spool_path_, ignored);
        spool_path_.clear();
    }

    Status BodyTooLarge() const {
        return InvalidArgument("request body larger than " + std::to_string(body_limit_) + " bytes", "body");
    }

    void OnReadError(error_code error) {
        const bool partial = (parser_ && parser_->got_some()) || file_parser_.has_value();
        DiscardSpool();
        if (timed_out_) {
            // Only when part of a request has arrived; an idle connection just closes.
            if (partial) {
                return SendErrorAndClose(408, Status(ErrorCode::kDeadlineExceeded, "request not received in time"));
            }
            return Finish();
        }
        if (error == bhttp::error::end_of_stream || error == net::error::eof ||
            error == net::error::operation_aborted || error == net::error::connection_reset) {
            return Finish();
        }
        if (error == bhttp::error::header_limit) {
            // RFC 6585 §5: 431 "the server is unwilling to process the request because its header
            // fields are too large".
            return SendErrorAndClose(431, InvalidArgument("request header fields too large"));
        }
        if (error == bhttp::error::body_limit) {
            // RFC 9110 §15.5.14: 413 "the request content is larger than the server is willing or
            // able to process … the server MAY close the connection".
            return SendErrorAndClose(413, BodyTooLarge());
        }
        if (error == bhttp::error::partial_message) return Finish();  // the client went away mid-request
        if (error.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
            return SendErrorAndClose(400, InvalidArgument("malformed HTTP request"));
        }
        Finish();
    }

    // The request line and headers, before the body: the route is chosen (and its admission
    // asked) from these.
    void ReadHead(const bhttp::request<bhttp::string_body>& message) {
        request_.method = *method_;
        request_.target.assign(message.target().data(), message.target().size());
        std::string_view target = request_.target;
        size_t question = target.find('?');
        request_.path.assign(target.substr(0, question));
        if (question == std::string_view::npos) {
            request_.query.clear();
        } else {
            request_.query.assign(target.substr(question + 1));
        }
        request_.headers.clear();
        for (const auto& field : message) {
            request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        request_.body.clear();
        request_.body_file.clear();
        request_.remote_address = remote_address_;
        if (server_.settings.trust_forwarded_for) {
            // Behind our own reverse proxy the peer is the proxy; the client is the last address
            // the proxy appended to X-Forwarded-For (earlier entries are the client's own claims).
            auto forwarded = message.find("X-Forwarded-For");
            if (forwarded != message.end()) {
                std::string_view list(forwarded->value().data(), forwarded->value().size());
                std::string_view last =
                    list.substr(list.rfind(',') == std::string_view::npos ? 0 : list.rfind(',') + 1);
                while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
                while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
                if (!last.empty() && last.size() <= 45) request_.remote_address.assign(last);
            }
        }
        request_.path_params.clear();
        auto client_id = message.find("X-Request-Id");
        if (client_id != message.end() && IsAcceptableRequestId(client_id->value())) {
            request_.request_id.assign(client_id->value().data(), client_id->value().size());
        } else {
            request_.request_id = GenerateRequestId();
        }
        keep_alive_ = message.keep_alive();
    }

    void Handle() {
        state_ = State::kHandling;
        started_ = SteadyClock::now();
        server_.metrics.RequestStarted();
        if (file_parser_) {
            file_parser_.reset();  // closes the file; the handler reads it from its path
            request_.body_file = spool_path_;
        } else {
            request_.body = std::move(parser_->get().body());
        }

        // A handler that defers gets a Reply holding this session (and the server's work)
        // until it answers.
        std::shared_ptr<Later> later;
        request_.defer = [this, &later]() -> Reply {
            if (!later) later = std::make_shared<Later>(shared_from_this());
            return [later](Response response) { later->Give(std::move(response)); };
        };
        metric_id_ = Metrics::kUnmatchedRouteId;
        Response response = Route(metric_id_);
        request_.defer = nullptr;
        if (response.deferred && later) return;  // answered through the Reply
        if (response.deferred) {
            response = ErrorResponse(Internal("the handler deferred its answer without a reply"), request_.request_id);
        }
        // A Reply taken and not used is disarmed; one already used has answered.
        if (later && !later->Disarm()) return;
        Answer(std::move(response));
    }

    // Shared by the copies of a deferred request's Reply.
    class Later {
      public:
        explicit Later(std::shared_ptr<Session> session)
            : session_(std::move(session)),
              work_(net::prefer(session_->executor(), net::execution::outstanding_work.tracked)) {}
        ~Later() {
            if (Claim())
                Post(ErrorResponse(Internal("the request was dropped unanswered"), session_->request_.request_id));
        }
        Later(const Later&) = delete;
        Later& operator=(const Later&) = delete;

        // True for the first caller only: the answer is theirs to give.
        bool Claim() { return !claimed_.exchange(true); }
        void Give(Response response) {
            if (Claim()) Post(std::move(response));
        }
        // For the handler's own thread when it answered at once: no answer is to come from here.
        // False when a Reply has answered already.
        bool Disarm() {
            if (!Claim()) return false;
            Let();
            return true;
        }

      private:
        void Post(Response response) {
            net::post(work_, [session = session_, response = std::move(response)]() mutable {
                session->Answer(std::move(response));
            });
            Let();
        }
        // Lets go of the session and of the server's threads: copies of the Reply may live on.
        void Let() {
            session_.reset();
            work_ = net::any_io_executor();
        }

        std::shared_ptr<Session> session_;
        // Keeps the server's threads running until the answer is sent.
        net::any_io_executor work_;
        std::atomic<bool> claimed_{false};
    };

    // On the session's executor: the current request's response.
    void Answer(Response response) {
        DiscardSpool();
        auto elapsed = SteadyClock::now() - started_;
        server_.metrics.Record(metric_id_, request_.method, response.status,
                               std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
        server_.metrics.RequestFinished();
        if (spdlog::should_log(spdlog::level::debug)) {
            // The path only: query strings can carry personal data (phone numbers, emails).
            spdlog::debug("http {} {} {} {:.3f}ms id={}", MethodName(request_.method), request_.path, response.status,
                          std::chrono::duration<double, std::milli>(elapsed).count(), request_.request_id);
        }
        if (state_ == State::kDone) return;  // closed meanwhile (the server's grace period ended)
        Send(std::move(response), !keep_alive_);
    }

    Response Route(size_t& metric_id) {
        try {
            const RouteMatch& match = match_;  // found by OnHeader, path_params filled
            switch (match.kind) {
                case MatchKind::kFound:
                    metric_id = server_.route_metric_ids[match.route_index];
                    return (*match.handler)(request_);
                case MatchKind::kMethodNotAllowed: {
                    Response response =
                        Response::Json(ErrorJson(InvalidArgument("method not allowed; allowed: " + match.allow)), 405);
                    response.headers.emplace_back("Allow", match.allow);
                    return response;
                }
                case MatchKind::kNotFound:
                    break;
            }
            if (server_.static_files && internal::StaticFiles::IsStaticPath(request_.path)) {
                if (request_.method != Method::kGet && request_.method != Method::kHead) {
                    Response response = Response::Json(ErrorJson(InvalidArgument("method not allowed")), 405);
                    response.headers.emplace_back("Allow", "GET, HEAD");
                    return response;
                }
                metric_id = server_.static_metric_id;
                return server_.static_files->Serve(request_.path, request_.request_id);
            }
            return Response::Json(ErrorJson(NotFound("no route for this path")), 404);
        } catch (const std::exception& exception) {
            return ErrorResponse(Internal(std::string("handler threw: ") + exception.what()), request_.request_id);
        } catch (...) {
            return ErrorResponse(Internal("handler threw a non-std exception"), request_.request_id);
        }
    }

    void SendErrorAndClose(unsigned status, const Status& error) {
        request_.request_id = GenerateRequestId();
        method_ = method_.value_or(Method::kGet);
        request_.path.clear();
        if (spdlog::should_log(spdlog::level::debug)) {
            spdlog::debug("http request rejected with {} ({}) from {} id={}", status, error.message(), remote_address_,
                          request_.request_id);
        }
        server_.metrics.Record(Metrics::kUnmatchedRouteId, *method_, status, std::chrono::nanoseconds(0));
        Send(Response::Json(ErrorJson(error), status), true);
    }

    void Send(Response&& response, bool close) {
        if (stop_requested_ || server_.stopping.load(std::memory_order_relaxed)) close = true;
        state_ = State::kWriting;
        bhttp::response_header<> head;
        head.version(11);
        head.result(response.status);
        head.set(bhttp::field::content_type, response.content_type);
        head.set("X-Request-Id", request_.request_id);
        head.set("X-Content-Type-Options", "nosniff");
        bool has_cache_control = false;
        for (auto& [name, value] : response.headers) {
            if (EqualsIgnoreCase(name, "Cache-Control")) has_cache_control = true;
            head.insert(name, value);
        }
        if (!has_cache_control && StartsWith(request_.path, "/api/") &&
            StartsWith(response.content_type, "application/json")) {
            // API responses carry tenant data: no shared or private cache may keep them.
            head.set(bhttp::field::cache_control, "no-store");
        }
        close_after_write_ = close;
        SetDeadline(server_.settings.body_timeout);
        bool no_body = response.status == 204 || response.status == 304 || response.status < 200;
        if (no_body) {
            response.body.clear();
            response.body_file.reset();
        }
        if (response.body_file) {
            auto fail = [this](const std::string& why) {
                spdlog::error("http: cannot send a response file: {}", why);
                file_response_.reset();
                Send(ErrorResponse(Internal("the response could not be sent"), request_.request_id), true);
            };
            beast::file file;
            error_code error;
            const int fd = ::dup(::fileno(response.body_file.get()));
            if (fd >= 0) file.native_handle(fd);  // owned by `file` from here
            uint64_t size = 0;
            if (fd >= 0) file.seek(0, error);
            if (fd >= 0 && !error) size = file.size(error);
            if (fd < 0 || error) return fail(fd < 0 ? std::strerror(errno) : error.message());
            if (*method_ == Method::kHead) {
                response_ = bhttp::response<bhttp::string_body>(std::move(head));
                response_.keep_alive(!close);
                response_.content_length(size);
            } else {
                // Sent a piece at a time, each piece moving the deadline: a large export may take
                // longer than body_timeout to a slow reader as long as bytes keep going.
                file_response_.emplace(std::move(head));
                file_response_->keep_alive(!close);
                file_response_->body().reset(std::move(file), error);  // at position 0: the whole file
                if (error) return fail(error.message());
                file_response_->content_length(size);
                file_serializer_.emplace(*file_response_);
                return WriteFilePiece();
            }
        } else {
            response_ = bhttp::response<bhttp::string_body>(std::move(head));
            response_.keep_alive(!close);
            if (*method_ == Method::kHead) {
                // RFC 9110 §9.3.2: HEAD gets the GET headers, Content-Length included, but no content.
                response_.content_length(response.body.size());
            } else {
                response_.body() = std::move(response.body);
                response_.prepare_payload();
            }
        }
        bhttp::async_write(socket_, response_,
                           [self = shared_from_this()](error_code error, size_t) { self->OnWrite(error); });
    }

    void WriteFilePiece() {
        SetDeadline(server_.settings.body_timeout);
        bhttp::async_write_some(socket_, *file_serializer_, [self = shared_from_this()](error_code error, size_t) {
            if (!error && !self->file_serializer_->is_done()) return self->WriteFilePiece();
            self->file_serializer_.reset();
            self->file_response_.reset();  // closes the file
            self->OnWrite(error);
        });
    }

    void OnWrite(error_code error) {
        if (error) return Finish();
        if (close_after_write_ || stop_requested_) return Linger();
        ReadRequest();
    }

    // Half-close, then read and discard until the client closes or kLingerTime passes.
    void Linger() {
        state_ = State::kLingering;
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        SetDeadline(std::chrono::duration_cast<std::chrono::seconds>(kLingerTime));
        buffer_.consume(buffer_.size());
        LingerRead();
    }

    void LingerRead() {
        socket_.async_read_some(buffer_.prepare(16 * 1024),
                                [self = shared_from_this()](error_code error, size_t bytes) {
                                    self->lingered_bytes_ += bytes;
                                    if (error || self->lingered_bytes_ > kLingerMaxBytes) return self->Finish();
                                    self->buffer_.consume(bytes);
                                    self->LingerRead();
                                });
    }

    void Finish() {
        if (state_ == State::kDone) return;
        state_ = State::kDone;
        DiscardSpool();
        error_code ignored;
        timer_.cancel();
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    // One timer per connection, re-armed only when a deadline moves earlier: most phases
    // (write → idle → header) only move it later, so the common keep-alive request costs a
    // store of a time point instead of a timer cancel and a wait per phase.
    void SetDeadline(std::chrono::seconds timeout) {
        deadline_ = SteadyClock::now() + timeout;
        if (!timer_armed_ || deadline_ < timer_.expiry()) {
            timer_armed_ = true;
            timer_.expires_at(deadline_);
            timer_.async_wait([self = shared_from_this()](error_code error) { self->OnTimer(error); });
        }
    }

    void OnTimer(error_code error) {
        if (error == net::error::operation_aborted) return;  // re-armed or finished
        if (state_ == State::kDone) return;
        if (SteadyClock::now() < deadline_) {
            timer_.expires_at(deadline_);
            timer_.async_wait([self = shared_from_this()](error_code e) { self->OnTimer(e); });
            return;
        }
        timer_armed_ = false;
        // A handler that deferred its answer is waited for; sending re-arms the timer.
        if (state_ == State::kHandling) return;
        if (state_ == State::kIdle || state_ == State::kLingering || state_ == State::kWriting) return Finish();
        // Reading: cancel the read; its handler sees timed_out_ and answers 408.
        timed_out_ = true;
        error_code ignored;
        socket_.cancel(ignored);
    }

    ServerCore& server_;
    tcp::socket socket_;
    net::steady_timer timer_;
    SteadyClock::time_point deadline_;
    SteadyClock::time_point started_;  // of the current request's handling
    size_t metric_id_ = 0;             // the current request's route, for metrics
    bool timer_armed_ = false;
    bool timed_out_ = false;
    bool first_request_ = true;
    bool stop_requested_ = false;
    bool keep_alive_ = true;
    bool close_after_write_ = false;
    size_t lingered_bytes_ = 0;
    State state_ = State::kIdle;
    std::string remote_address_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    // Instead of parser_ once the route spools its body (RouteInfo::spool_body).
    std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
    std::string spool_path_;  // the spooled body's file, until it is handled or discarded
    size_t body_limit_ = 0;   // the current request's limit (its route's, or the server's)
    RouteMatch match_;        // the current request's route
    std::optional<Method> method_;
    Request request_;
    bhttp::response<bhttp::string_body> response_;
    // Instead of response_ for a Response with a body_file, while it is sent.
    std::optional<bhttp::response<bhttp::file_body>> file_response_;
    std::optional<bhttp::response_serializer<bhttp::file_body>> file_serializer_;
};

}  // namespace

void ServerCore::Unregister(Session* session) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(session);
    if (sessions.empty() && stopping.load() && !destroying) {
        // The last connection is gone: stop waiting for the grace period so Run() returns.
        net::post(strand, [this] { grace_timer.cancel(); });
    }
}

void ServerCore::ForEachSession(void (*action)(const std::shared_ptr<Session>&)) {
    std::vector<std::shared_ptr<Session>> alive;
    {
        std::lock_guard lock(sessions_mutex);
        alive.reserve(sessions.size());
        for (Session* session : sessions) {
            // A session whose destructor is waiting for the mutex has no owners left: skip it.
            if (auto shared = session->weak_from_this().lock()) alive.push_back(std::move(shared));
        }
    }
    for (const auto& session : alive) action(session);
}

void ServerCore::Accept() {
    // Each connection gets its own strand so its handlers never run concurrently; with one
    // thread the io_context is already serial and a strand would only cost.
    net::any_io_executor executor =
        settings.threads == 1 ? net::any_io_executor(ioc.get_executor()) : net::any_io_executor(net::make_strand(ioc));
    acceptor.async_accept(executor, [this](error_code error, tcp::socket socket) {
        if (stopping.load() || !acceptor.is_open()) return;
        if (error) {
            // E.g. EMFILE: back off instead of spinning on the error.
            spdlog::warn("http accept failed: {}", error.message());
            accept_retry_timer.expires_after(std::chrono::milliseconds(100));
            accept_retry_timer.async_wait([this](error_code wait_error) {
                if (!wait_error) Accept();
            });
            return;
        }
        std::make_shared<Session>(std::move(socket), *this)->Start();
        Accept();
    });
}

void ServerCore::DoStop(std::chrono::seconds grace) {
    stopping.store(true);
    error_code ignored;
    acceptor.close(ignored);
    accept_retry_timer.cancel();
    ForEachSession([](const std::shared_ptr<Session>& session) {
        net::post(session->executor(), [session] { session->OnStop(); });
    });
    bool empty;
    {
        std::lock_guard lock(sessions_mutex);
        empty = sessions.empty();
    }
    if (empty) return;
    grace_timer.expires_after(grace);
    grace_timer.async_wait([this](error_code error) {
        if (error) return;
        spdlog::warn("http: grace period over; closing remaining connections");
        ForEachSession([](const std::shared_ptr<Session>& session) {
            net::post(session->executor(), [session] { session->ForceClose(); });
        });
    });
}

Result<std::unique_ptr<Server>> Server::Create(ServerSettings settings, Router& router,
                                               std::function<Status()> readiness) {
    if (settings.max_header_bytes == 0 || settings.max_body_bytes == 0) {
        return InvalidArgument("max_header_bytes and max_body_bytes must be positive");
    }
    if (settings.threads == 0) settings.threads = std::max(1u, std::thread::hardware_concurrency());
    unsigned threads = settings.threads;
    auto impl = std::make_unique<ServerCore>(std::move(settings), router, threads);
    const ServerSettings& s = impl->settings;

    if (!s.static_dir.empty()) {
        YT_ASSIGN_OR_RETURN(impl->static_files, internal::StaticFiles::Create(s.static_dir));
    }
    if (!s.spool_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(s.spool_dir, ec);
        if (ec) return Unavailable("cannot create the spool dir " + s.spool_dir, ec.message());
        ::chmod(s.spool_dir.c_str(), 0700);
    }

    std::string requested = s.host + ":" + std::to_string(s.port);
    error_code error;
    tcp::resolver resolver(impl->ioc);
    auto results = resolver.resolve(s.host, std::to_string(s.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, error);
    if (error || results.empty()) {
        return Unavailable("cannot resolve listen address " + requested, error.message());
    }
    tcp::endpoint endpoint = results.begin()->endpoint();
    requested = FormatEndpoint(endpoint);
    tcp::acceptor& acceptor = impl->acceptor;
    if (acceptor.open(endpoint.protocol(), error); error) {
        return Unavailable("cannot listen on " + requested + ": " + error.message());
    }
    // Lets a restarted server bind while old connections sit in TIME_WAIT; on Linux it does not
    // allow two listeners on one port.
    acceptor.set_option(net::socket_base::reuse_address(true), error);
    if (acceptor.bind(endpoint, error); error) {
        std::string why = error == net::error::address_in_use ? "address already in use" : error.message();
        return Unavailable("cannot listen on " + requested + ": " + why);
    }
    if (acceptor.listen(net::socket_base::max_listen_connections, error); error) {
        return Unavailable("cannot listen on " + requested + ": " + error.message());
    }
    impl->endpoint = FormatEndpoint(acceptor.local_endpoint());
    impl->port = acceptor.local_endpoint().port();

    AddSystemRoutes(router, {std::move(readiness), &impl->metrics});
    for (const RouteInfo& route : router.routes()) impl->route_metric_ids.push_back(impl->metrics.RouteId(route.name));
    impl->static_metric_id = impl->metrics.RouteId("static");

    net::post(impl->strand, [raw = impl.get()] { raw->Accept(); });
    spdlog::info("http server listening on {}", impl->endpoint);
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<ServerCore> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

uint16_t Server::port() const { return impl_->port; }

std::string Server::endpoint() const { return impl_->endpoint; }

Metrics& Server::metrics() { return impl_->metrics; }

void Server::Run() {
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < impl_->settings.threads; ++i) {
        threads.emplace_back([this] { impl_->ioc.run(); });
    }
    impl_->ioc.run();
    for (auto& thread : threads) thread.join();
    spdlog::info("http server on {} stopped", impl_->endpoint);
}

void Server::Stop(std::chrono::seconds grace) {
    if (impl_->stop_requested.exchange(true)) return;
    net::post(impl_->strand, [impl = impl_.get(), grace] { impl->DoStop(grace); });
}

}  // namespace yutang::http
