#include "yutang/base/crypto.hpp"

#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.hpp"

namespace yutang {
namespace {

class CryptoTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(InitCrypto().ok()); }
};

TEST_F(CryptoTest, TokensAreRandomAndUrlSafe) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string token = RandomToken();
        EXPECT_EQ(token.size(), 43u);  // 32 bytes, base64url without padding
        EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST_F(CryptoTest, PasswordHashIsArgon2idAtOrAboveMinimum) {
    auto hash = HashPassword("correct horse battery", kMinimumPasswordHashParams);
    ASSERT_TRUE(hash.ok()) << hash.status().ToString();
    EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
    EXPECT_NE(hash->find("m=19456,t=2"), std::string::npos) << *hash;
    EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
    EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterY"));
    EXPECT_FALSE(VerifyPassword("not a hash", "x"));
    EXPECT_TRUE(PasswordNeedsRehash(*hash, PasswordHashParams{}));
}

TEST_F(CryptoTest, RefusesWeakPasswordHashParams) {
    auto weak = HashPassword("pw", PasswordHashParams{1, size_t{8} << 20});
    EXPECT_EQ(weak.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(CryptoTest, FieldEncryptionRoundTripsAndBindsContext) {
    const KeyRing keys = KeyRing::Generate();
    const std::string sealed = keys.Encrypt("+8613800000000", "t1/customer.phone");
    EXPECT_EQ(sealed.find("13800000000"), std::string::npos);
    EXPECT_EQ(*keys.Decrypt(sealed, "t1/customer.phone"), "+8613800000000");
    // Same plaintext, different ciphertext (random nonce).
    EXPECT_NE(keys.Encrypt("+8613800000000", "t1/customer.phone"), sealed);
    // Moved to another tenant or column: refused.
    EXPECT_EQ(keys.Decrypt(sealed, "t2/customer.phone").status().code(), ErrorCode::kInvalidArgument);
    std::string tampered = sealed;
    tampered.back() = static_cast<char>(tampered.back() ^ 1);
    EXPECT_EQ(keys.Decrypt(tampered, "t1/customer.phone").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(keys.Decrypt("short", "t1/customer.phone").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(*keys.Decrypt(keys.Encrypt("", "c"), "c"), "");
}

// Nonces are drawn from a per-thread pool of random bytes: across threads and past the pool's
// refills, no two encryptions share one.
TEST_F(CryptoTest, EveryEncryptionHasANonceOfItsOwn) {
    const KeyRing keys = KeyRing::Generate();
    constexpr int kPerThread = 2000;  // 24-byte nonces: several refills of a 4 KiB pool
    std::vector<std::vector<std::string>> sealed(3);
    std::vector<std::thread> threads;
    for (auto& out : sealed) {
        threads.emplace_back([&keys, &out] {
            for (int i = 0; i < kPerThread; ++i) out.push_back(keys.Encrypt("same", "c"));
        });
    }
    for (auto& t : threads) t.join();
    std::set<std::string> nonces;
    for (const auto& out : sealed) {
        for (const std::string& value : out) {
            ASSERT_EQ(*keys.Decrypt(value, "c"), "same");
            nonces.insert(value.substr(0, value.size() - 4 - 16));  // key id and nonce
        }
    }
    EXPECT_EQ(nonces.size(), sealed.size() * kPerThread);
}

TEST_F(CryptoTest, RotatedKeysStillDecryptOldValues) {
    KeyRing keys = KeyRing::Generate();
    const std::string old_sealed = keys.Encrypt("old", "c");
    EXPECT_EQ(keys.RotateFieldKey(), 2u);
    const std::string new_sealed = keys.Encrypt("new", "c");
    EXPECT_EQ(new_sealed[3], 2);  // key id 2, big-endian
    EXPECT_EQ(*keys.Decrypt(old_sealed, "c"), "old");
    EXPECT_EQ(*keys.Decrypt(new_sealed, "c"), "new");
    // A ring without key 2 cannot read the new value.
    EXPECT_EQ(KeyRing::Generate().Decrypt(new_sealed, "c").status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(CryptoTest, BlindIndexIsDeterministicPerKeyAndDomain) {
    const KeyRing keys = KeyRing::Generate();
    EXPECT_EQ(keys.BlindIndex("phone", "+8613800000000"), keys.BlindIndex("phone", "+8613800000000"));
    EXPECT_EQ(keys.BlindIndex("phone", "x").size(), 32u);
    EXPECT_NE(keys.BlindIndex("phone", "a"), keys.BlindIndex("email", "a"));
    EXPECT_NE(keys.BlindIndex("phone", "a"), KeyRing::Generate().BlindIndex("phone", "a"));
}

// Stored blind indexes must stay findable: the function is pinned to HMAC-SHA256 over
// domain || 0x00 || value (values computed independently of libsodium).
TEST_F(CryptoTest, BlindIndexIsHmacSha256OfDomainAndValue) {
    testing::TempDir dir;
    const std::string path = dir.File("keys.json");
    {
        std::ofstream out(path);
        out << R"({"format":"yutang-keys-v1","active_field_key_id":1,)"
            << R"("field_keys":[{"id":1,"key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}],)"
            << R"("blind_index_key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="})";
    }
    ::chmod(path.c_str(), 0600);
    auto keys = KeyRing::LoadFile(path);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    const auto hex = [](const std::string& bytes) {
        std::string out;
        for (char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
        return out;
    };
    EXPECT_EQ(hex(keys->BlindIndex("phone", "+8613800000000")),
              "ec113f5b456b332a18d7bb9395b18137f6858f87a766e36360178c4fd0395b1c");
    EXPECT_EQ(hex(keys->BlindIndex("email", "王@例子.cn")),
              "faf19878ff138a2187b9f9902b2d653303f7cddc0954ce7fd1fa000543f2d5e3");
    // A copy of the ring indexes alike; a ring without a key still gives a 32-byte index.
    const KeyRing copy = *keys;
    EXPECT_EQ(copy.BlindIndex("phone", "+8613800000000"), keys->BlindIndex("phone", "+8613800000000"));
    EXPECT_EQ(KeyRing().BlindIndex("phone", "x").size(), 32u);
}

TEST_F(CryptoTest, KeyFileIsPrivateAndRoundTrips) {
    testing::TempDir dir;
    const std::string path = dir.File("keys.json");
    KeyRing keys = KeyRing::Generate();
    keys.RotateFieldKey();
    ASSERT_TRUE(keys.WriteNewFile(path).ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(keys.WriteNewFile(path).code(), ErrorCode::kAlreadyExists);

    auto loaded = KeyRing::LoadFile(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(loaded->active_field_key_id(), 2u);
    EXPECT_EQ(*loaded->Decrypt(keys.Encrypt("x", "c"), "c"), "x");
    EXPECT_EQ(loaded->BlindIndex("d", "v"), keys.BlindIndex("d", "v"));

    ::chmod(path.c_str(), 0644);
    EXPECT_EQ(KeyRing::LoadFile(path).status().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(KeyRing::LoadFile(dir.File("missing.json")).status().code(), ErrorCode::kNotFound);
}

TEST_F(CryptoTest, Base64RoundTrips) {
    const std::string bytes("\0\x01\xff\x10zz", 6);
    EXPECT_EQ(*Base64Decode(Base64Encode(bytes)), bytes);
    EXPECT_EQ(Base64Decode("***").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
}

}  // namespace
}  // namespace yutang
