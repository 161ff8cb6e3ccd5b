// Cryptography helpers on libsodium: random tokens, password hashes, field encryption and
// the blind index used to look up encrypted values.
//
//   YT_TRY(InitCrypto());
//   std::string token = RandomToken();                       // 256-bit, base64url
//   YT_ASSIGN_OR_RETURN(std::string hash, HashPassword(pw));  // argon2id
//   YT_ASSIGN_OR_RETURN(KeyRing keys, KeyRing::LoadFile(path));
//   std::string sealed = keys.Encrypt("+8613800000000", "t1/customer.phone");
//   std::string index = keys.BlindIndex("phone", "+8613800000000");  // equal inputs, equal index
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "yutang/base/status.hpp"

namespace yutang {

// Must run once before any other function here (idempotent, thread-safe).
// internal if libsodium cannot initialise.
Status InitCrypto();

// `count` bytes from the OS CSPRNG.
std::string RandomBytes(size_t count);
// A URL-safe random token of `bytes` random bytes (default 256 bits), base64url without padding.
std::string RandomToken(size_t bytes = 32);

std::string Base64UrlEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
// invalid_argument on malformed input.
Result<std::string> Base64Decode(std::string_view text);
std::string HexEncode(std::string_view bytes);

// BLAKE2b-256 of `bytes` (32 raw bytes). For high-entropy secrets (session tokens, API keys)
// and checksums; never for passwords, which need HashPassword.
std::string Blake2b256(std::string_view bytes);

// argon2id cost. The defaults are libsodium's "interactive" level (2 passes, 64 MiB), above
// the OWASP ASVS minimum of 19 MiB with 2 passes, which HashPassword refuses to go below.
struct PasswordHashParams {
    uint64_t passes = 2;
    size_t memory_bytes = size_t{64} << 20;
};
inline constexpr PasswordHashParams kMinimumPasswordHashParams{2, size_t{19} << 20};

// A self-describing "$argon2id$v=19$m=…,t=…,p=1$…" string.
// invalid_argument if params are below the minimum; internal if memory cannot be had.
Result<std::string> HashPassword(std::string_view password, PasswordHashParams params = {});
// True when `password` matches `hash`. Constant-time in the password.
bool VerifyPassword(std::string_view hash, std::string_view password);
// True when `hash` was made with weaker params than `params` and should be replaced at next login.
bool PasswordNeedsRehash(std::string_view hash, PasswordHashParams params = {});

// The secrets that are never in the database: field-encryption keys (several, by id, so that
// keys can rotate: new data uses the active key, old data still decrypts) and the blind-index
// key. Thread-safe for concurrent reads.
class KeyRing {
  public:
    static constexpr size_t kKeyBytes = 32;

    // A fresh ring: field key 1 active, a random blind-index key.
    static KeyRing Generate();
    // Reads a key file written by WriteNewFile. not_found if missing; failed_precondition if
    // readable by group or others (mode must be 0600 or stricter); invalid_argument if malformed.
    static Result<KeyRing> LoadFile(const std::string& path);
    // Creates `path` with mode 0600 (already_exists if it exists) and fsyncs it.
    Status WriteNewFile(const std::string& path) const;
    // Rewrites an existing key file atomically (temp file + rename), mode 0600.
    Status ReplaceFile(const std::string& path) const;

    // Adds a new random field key and makes it active; returns its id.
    uint32_t RotateFieldKey();
    uint32_t active_field_key_id() const { return active_id_; }

    // XChaCha20-Poly1305. `context` (e.g. "t1/customer.phone") is authenticated but not stored:
    // a value moved to another tenant or column fails to decrypt.
    // Layout: key id (4 bytes, big-endian) | nonce (24) | ciphertext + tag (16).
    std::string Encrypt(std::string_view plaintext, std::string_view context) const;
    // failed_precondition for an unknown key id; invalid_argument if the value was tampered
    // with, truncated, or sealed under another context.
    Result<std::string> Decrypt(std::string_view sealed, std::string_view context) const;

    // HMAC-SHA256(blind-index key, domain || 0x00 || value): 32 bytes. Use a normalised value
    // (e.g. +86 phone) and a domain per kind ("phone", "email") so kinds never collide.
    std::string BlindIndex(std::string_view domain, std::string_view value) const;

  private:
    void SetBlindIndexKey(std::string key);
    std::string Serialize() const;

    std::map<uint32_t, std::string> field_keys_;
    uint32_t active_id_ = 0;
    std::string blind_index_key_;
    // The HMAC state after absorbing the key (an opaque copy of libsodium's state): each
    // BlindIndex starts from it instead of hashing the key again, half of its SHA-256 blocks.
    std::string blind_index_keyed_;
};

}  // namespace yutang
