#include "security/borrower_keyer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace creditshare::security {
namespace {

domain::ResidentId Id(const char* text) { return domain::ResidentId::Parse(text, {2026, 11, 23}, "id").value(); }

TEST(BorrowerKeyerTest, KeyIsStableAndDependsOnTheSecret) {
  const BorrowerKeyer a(std::string(32, 'a'));
  const BorrowerKeyer b(std::string(32, 'b'));
  const auto id = Id("120101199003071235");
  EXPECT_EQ(a.BorrowerKey(id).size(), 32u);
  EXPECT_EQ(a.BorrowerKey(id), a.BorrowerKey(Id(" 120101199003071235 ")));
  EXPECT_NE(a.BorrowerKey(id), b.BorrowerKey(id));
  EXPECT_NE(a.BorrowerKey(id), a.BorrowerKey(Id("120102198511204569")));
}

TEST(BorrowerKeyerTest, KnownAnswerForHmacSha256) {
  // HMAC-SHA256(key = 32 x 'k', "creditshare/borrower/v1\0" + id), computed independently with
  // Python: hmac.new(b"k" * 32, b"creditshare/borrower/v1\x00" + id, hashlib.sha256).
  const BorrowerKeyer k(std::string(32, 'k'));
  EXPECT_EQ(ToHex(k.BorrowerKey(Id("120101199003071235"))),
            "02e71196ee5d4fbb39e431ba75f02b947e88f9b585c7bcd3a4426d70701f64c0");
}

TEST(BorrowerKeyerTest, RequestFingerprintIsSeparatedFromBorrowerKeys) {
  const BorrowerKeyer k(std::string(32, 'k'));
  const auto id = Id("120101199003071235");
  EXPECT_NE(k.RequestFingerprint(id.normalized()), k.BorrowerKey(id));
}

TEST(BorrowerKeyerTest, RefusesShortKeysAndMissingFiles) {
  EXPECT_THROW(BorrowerKeyer(std::string(31, 'x')), std::invalid_argument);
  const auto dir = std::filesystem::temp_directory_path();
  const auto path = dir / "creditshare_short_key_test";
  std::ofstream(path) << "short\n";
  EXPECT_THROW(BorrowerKeyer::FromFile(path), std::runtime_error);
  std::ofstream(path) << std::string(32, 'z') << "\n";
  EXPECT_NO_THROW(BorrowerKeyer::FromFile(path));
  std::filesystem::remove(path);
  EXPECT_THROW(BorrowerKeyer::FromFile(dir / "creditshare_no_such_key"), std::runtime_error);
}

}  // namespace
}  // namespace creditshare::security
