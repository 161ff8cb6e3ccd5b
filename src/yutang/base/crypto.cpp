#include "yutang/base/crypto.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace yutang {
namespace {

constexpr std::string_view kKeyFileFormat = "yutang-keys-v1";
constexpr size_t kKeyIdBytes = 4;

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

std::string Encode(std::string_view bytes, int variant) {
    std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), Bytes(bytes), bytes.size(), variant);
    out.resize(std::strlen(out.c_str()));
    return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return Unavailable("cannot write key file", path + ": " + std::strerror(errno));
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    if (::fsync(fd) != 0) return Unavailable("cannot sync key file", path + ": " + std::strerror(errno));
    return OkStatus();
}

// Nonces come from the system's CSPRNG like any random bytes, read a page at a time per thread:
// libsodium asks the kernel (getrandom) on every call, and one system call per encrypted value
// was 6 % of the server's CPU under tracking load.
void RandomNonce(unsigned char* out, size_t count) {
    constexpr size_t kPool = 4096;
    thread_local std::array<unsigned char, kPool> pool;
    thread_local size_t used = kPool;
    if (kPool - used < count) {
        randombytes_buf(pool.data(), pool.size());
        used = 0;
    }
    std::memcpy(out, pool.data() + used, count);
    used += count;  // never handed out twice (and the server does not fork)
}

}  // namespace

Status InitCrypto() {
    if (sodium_init() < 0) return Internal("libsodium failed to initialise");
    return OkStatus();
}

std::string RandomBytes(size_t count) {
    std::string out(count, '\0');
    randombytes_buf(out.data(), count);
    return out;
}

std::string RandomToken(size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING); }
std::string Base64Encode(std::string_view bytes) { return Encode(bytes, sodium_base64_VARIANT_ORIGINAL); }

Result<std::string> Base64Decode(std::string_view text) {
    std::string out(text.size(), '\0');
    size_t length = 0;
    if (sodium_base642bin(MutableBytes(out), out.size(), text.data(), text.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        return InvalidArgument("malformed base64");
    }
    out.resize(length);
    return out;
}

std::string HexEncode(std::string_view bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), Bytes(bytes), bytes.size());
    out.pop_back();
    return out;
}

std::string Blake2b256(std::string_view bytes) {
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(MutableBytes(out), out.size(), Bytes(bytes), bytes.size(), nullptr, 0);
    return out;
}

Result<std::string> HashPassword(std::string_view password, PasswordHashParams params) {
    if (params.passes < kMinimumPasswordHashParams.passes ||
        params.memory_bytes < kMinimumPasswordHashParams.memory_bytes) {
        return InvalidArgument("password hash parameters are below the OWASP minimum");
    }
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.passes, params.memory_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return Internal("argon2id hashing failed (out of memory?)");
    }
    return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
    const std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view hash, PasswordHashParams params) {
    const std::string terminated(hash);
    return crypto_pwhash_str_needs_rehash(terminated.c_str(), params.passes, params.memory_bytes) != 0;
}

KeyRing KeyRing::Generate() {
    KeyRing ring;
    ring.field_keys_[1] = RandomBytes(kKeyBytes);
    ring.active_id_ = 1;
    ring.SetBlindIndexKey(RandomBytes(kKeyBytes));
    return ring;
}

uint32_t KeyRing::RotateFieldKey() {
    const uint32_t id = field_keys_.empty() ? 1 : field_keys_.rbegin()->first + 1;
    field_keys_[id] = RandomBytes(kKeyBytes);
    active_id_ = id;
    return id;
}

std::string KeyRing::Serialize() const {
    boost::json::array keys;
    for (const auto& [id, key] : field_keys_) {
        keys.push_back(boost::json::object{{"id", id}, {"key", Base64Encode(key)}});
    }
    boost::json::object doc{{"format", kKeyFileFormat},
                            {"active_field_key_id", active_id_},
                            {"field_keys", std::move(keys)},
                            {"blind_index_key", Base64Encode(blind_index_key_)}};
    return boost::json::serialize(doc) + "\n";
}

Result<KeyRing> KeyRing::LoadFile(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return Status(ErrorCode::kNotFound, "key file not found", {}, path + ": " + std::strerror(errno));
    }
    if ((st.st_mode & 077) != 0) {
        return Status(ErrorCode::kFailedPrecondition,
                      "key file is readable by other users; run: chmod 600 <data>/keys.json", {}, path);
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto malformed = [&](std::string why) {
        return Status(ErrorCode::kInvalidArgument, "key file is malformed: " + why, {}, path);
    };
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(text.str(), ec);
    if (ec || !doc.is_object()) return malformed("not a JSON object");
    const auto& obj = doc.as_object();
    const auto* format = obj.if_contains("format");
    if (!format || !format->is_string() || format->as_string() != kKeyFileFormat) return malformed("unknown format");
    KeyRing ring;
    const auto* keys = obj.if_contains("field_keys");
    if (!keys || !keys->is_array()) return malformed("field_keys missing");
    for (const auto& entry : keys->as_array()) {
        const auto* id = entry.is_object() ? entry.as_object().if_contains("id") : nullptr;
        const auto* key = entry.is_object() ? entry.as_object().if_contains("key") : nullptr;
        if (!id || !id->is_number() || !key || !key->is_string()) return malformed("bad field key entry");
        auto bytes = Base64Decode(key->as_string());
        if (!bytes.ok() || bytes->size() != kKeyBytes) return malformed("field key is not 32 bytes");
        ring.field_keys_[static_cast<uint32_t>(id->to_number<int64_t>())] = std::move(*bytes);
    }
    const auto* active = obj.if_contains("active_field_key_id");
    if (!active || !active->is_number()) return malformed("active_field_key_id missing");
    ring.active_id_ = static_cast<uint32_t>(active->to_number<int64_t>());
    if (!ring.field_keys_.count(ring.active_id_)) return malformed("active field key is not in field_keys");
    const auto* blind = obj.if_contains("blind_index_key");
    if (!blind || !blind->is_string()) return malformed("blind_index_key missing");
    auto blind_bytes = Base64Decode(blind->as_string());
    if (!blind_bytes.ok() || blind_bytes->size() != kKeyBytes) return malformed("blind_index_key is not 32 bytes");
    ring.SetBlindIndexKey(std::move(*blind_bytes));
    return ring;
}

Status KeyRing::WriteNewFile(const std::string& path) const {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return AlreadyExists("key file already exists");
        return Unavailable("cannot create key file", path + ": " + std::strerror(errno));
    }
    Status status = WriteAll(fd, Serialize(), path);
    ::close(fd);
    return status;
}

Status KeyRing::ReplaceFile(const std::string& path) const {
    const std::string temp = path + ".tmp";
    ::unlink(temp.c_str());
    YT_TRY(WriteNewFile(temp));
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        return Unavailable("cannot replace key file", path + ": " + std::strerror(errno));
    }
    return OkStatus();
}

std::string KeyRing::Encrypt(std::string_view plaintext, std::string_view context) const {
    const std::string& key = field_keys_.at(active_id_);
    std::string out(kKeyIdBytes + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                        crypto_aead_xchacha20poly1305_ietf_ABYTES,
                    '\0');
    for (size_t i = 0; i < kKeyIdBytes; ++i) {
        out[i] = static_cast<char>((active_id_ >> (8 * (kKeyIdBytes - 1 - i))) & 0xff);
    }
    unsigned char* nonce = MutableBytes(out) + kKeyIdBytes;
    RandomNonce(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
                                               Bytes(plaintext), plaintext.size(), Bytes(context), context.size(),
                                               nullptr, nonce, Bytes(key));
    return out;
}

Result<std::string> KeyRing::Decrypt(std::string_view sealed, std::string_view context) const {
    constexpr size_t kOverhead =
        kKeyIdBytes + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (sealed.size() < kOverhead) return InvalidArgument("encrypted value is truncated");
    uint32_t id = 0;
    for (size_t i = 0; i < kKeyIdBytes; ++i) id = (id << 8) | static_cast<unsigned char>(sealed[i]);
    const auto key = field_keys_.find(id);
    if (key == field_keys_.end())
        return FailedPrecondition("value was encrypted with a key that is not in the key file");
    const unsigned char* nonce = Bytes(sealed) + kKeyIdBytes;
    const unsigned char* cipher = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const size_t cipher_size = sealed.size() - kKeyIdBytes - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    std::string plain(cipher_size - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(MutableBytes(plain), &written, nullptr, cipher, cipher_size,
                                                   Bytes(context), context.size(), nonce, Bytes(key->second)) != 0) {
        return InvalidArgument("encrypted value failed authentication");
    }
    plain.resize(static_cast<size_t>(written));
    return plain;
}

void KeyRing::SetBlindIndexKey(std::string key) {
    blind_index_key_ = std::move(key);
    crypto_auth_hmacsha256_state keyed;
    crypto_auth_hmacsha256_init(&keyed, Bytes(blind_index_key_), blind_index_key_.size());
    blind_index_keyed_.assign(reinterpret_cast<const char*>(&keyed), sizeof keyed);
    sodium_memzero(&keyed, sizeof keyed);
}

std::string KeyRing::BlindIndex(std::string_view domain, std::string_view value) const {
    crypto_auth_hmacsha256_state state;
    if (blind_index_keyed_.size() == sizeof state) {
        std::memcpy(&state, blind_index_keyed_.data(), sizeof state);
    } else {  // a ring made without a key (default-constructed or moved from)
        crypto_auth_hmacsha256_init(&state, Bytes(blind_index_key_), blind_index_key_.size());
    }
    crypto_auth_hmacsha256_update(&state, Bytes(domain), domain.size());
    const unsigned char separator = 0;
    crypto_auth_hmacsha256_update(&state, &separator, 1);
    crypto_auth_hmacsha256_update(&state, Bytes(value), value.size());
    std::string out(crypto_auth_hmacsha256_BYTES, '\0');
    crypto_auth_hmacsha256_final(&state, MutableBytes(out));
    return out;
}

}  // namespace yutang
