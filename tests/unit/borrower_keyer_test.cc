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
  EXPECT_EQ(a.BorrowerKey(id).current.size(), 32u);
  EXPECT_EQ(a.BorrowerKey(id), a.BorrowerKey(Id(" 120101199003071235 ")));
  EXPECT_NE(a.BorrowerKey(id), b.BorrowerKey(id));
  EXPECT_NE(a.BorrowerKey(id), a.BorrowerKey(Id("120102198511204569")));
}

TEST(BorrowerKeyerTest, KnownAnswerForHmacSha256) {
  // HMAC-SHA256(key = 32 x 'k', "creditshare/borrower/v1\0" + id), computed independently with
  // Python: hmac.new(b"k" * 32, b"creditshare/borrower/v1\x00" + id, hashlib.sha256).
  const BorrowerKeyer k(std::string(32, 'k'));
  EXPECT_EQ(ToHex(k.BorrowerKey(Id("120101199003071235")).current),
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

std::filesystem::path WriteTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

KeySet TwoVersions(int current) {
  KeySet set;
  set.hmac_key = std::string(32, 'k');
  set.current = current;
  set.versions = {{0, ""}, {1, std::string(32, '\x01')}};
  return set;
}

TEST(BorrowerKeyerTest, ABareKeyIsVersionZeroAndKeepsItsKeys) {
  // Data stored before key sets: a bare key file reads as version 0, the identity, so every
  // stored borrower key stays what it was (the known answer above).
  const auto path = WriteTemp("creditshare_bare_key_test", std::string(32, 'k') + "\n");
  const auto keyer = BorrowerKeyer::FromFile(path);
  const auto d = keyer.BorrowerKey(Id("120101199003071235"));
  EXPECT_EQ(d.version, 0);
  EXPECT_FALSE(d.rotating());
  EXPECT_EQ(d.other, d.current);
  EXPECT_EQ(ToHex(d.current), "02e71196ee5d4fbb39e431ba75f02b947e88f9b585c7bcd3a4426d70701f64c0");
  std::filesystem::remove(path);
}

TEST(BorrowerKeyerTest, ARotationDerivesBothFormsAndRewrapTurnsOneIntoTheOther) {
  const auto id = Id("120101199003071235");
  const BorrowerKeyer old_set(std::string(32, 'k'));
  const BorrowerKeyer adding(TwoVersions(0));  // step 1: version 1 known, 0 still written
  const BorrowerKeyer moving(TwoVersions(1));  // step 2: version 1 written
  const auto before = old_set.BorrowerKey(id);
  const auto during = moving.BorrowerKey(id);
  EXPECT_TRUE(during.rotating());
  EXPECT_EQ(during.version, 1);
  EXPECT_EQ(during.other_version, 0);
  EXPECT_EQ(during.other, before.current);
  EXPECT_NE(during.current, before.current);
  EXPECT_EQ(adding.BorrowerKey(id).current, before.current);
  EXPECT_EQ(adding.BorrowerKey(id).other, during.current);
  // The job needs no ID: the stored version-0 value becomes exactly the version-1 one.
  EXPECT_EQ(moving.Rewrap(before.current, 0), during.current);
  EXPECT_EQ(moving.Rewrap(during.current, 1), during.current);
  EXPECT_EQ(moving.Rewrap(moving.RequestFingerprint("body").other, 0), moving.RequestFingerprint("body").current);
  EXPECT_THROW(moving.Rewrap(before.current, 7), std::invalid_argument);
  EXPECT_THROW(moving.Rewrap("short", 0), std::invalid_argument);
  // Regulator questions hold no personal data and keep their digest (and noise) across rotations.
  EXPECT_EQ(moving.QuestionDigest("q"), old_set.QuestionDigest("q"));
  EXPECT_EQ(moving.NoiseKey("q"), old_set.NoiseKey("q"));
}

TEST(BorrowerKeyerTest, AKeySetRoundTripsThroughItsFile) {
  const KeySet set = TwoVersions(1);
  const KeySet back = KeySet::Parse(set.Serialize(), "test");
  EXPECT_EQ(back.hmac_key, set.hmac_key);
  EXPECT_EQ(back.current, 1);
  ASSERT_EQ(back.versions.size(), 2u);
  EXPECT_EQ(back.Find(1)->key, set.Find(1)->key);
  EXPECT_EQ(back.Find(0)->key, "");
  EXPECT_EQ(back.other(), 0);
}

TEST(BorrowerKeyerTest, InvalidKeySetsAreRefusedWithTheProblemNamed) {
  const std::string hmac(64, 'a');  // 32 bytes in hex
  const std::string key(64, 'b');
  auto refused = [](const std::string& text, const std::string& expected) {
    try {
      KeySet::Parse(text, "keys.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused(R"({"hmac_key": ")" + hmac + R"(", "current": 2, "versions": [{"version": 1, "key": ")" + key + R"("}]})",
          "current version 2 is not in versions");
  refused(R"({"hmac_key": "abcd", "current": 0, "versions": [{"version": 0}]})", "under 32 bytes");
  refused(R"({"hmac_key": ")" + hmac + R"(", "current": 1, "versions": [{"version": 1, "key": "abcd"}]})",
          "not 32 bytes");
  refused(R"({"hmac_key": ")" + hmac + R"(", "current": 1, "versions": [{"version": 1, "key": ")" + key +
              R"("}, {"version": 1, "key": ")" + key + R"("}]})",
          "appears twice");
  refused(R"({"hmac_key": ")" + hmac + R"(", "current": 0, "versions": [{"version": 0}, {"version": 1, "key": ")" +
              key + R"("}, {"version": 2, "key": ")" + key + R"("}]})",
          "one version, or two");
  refused(R"({"hmac_key": ")" + hmac + R"(", "current": 0, "versions": [{"version": 0, "key": ")" + key + R"("}]})",
          "identity");
  refused(R"({"hmac_key": "zz", "current": 0, "versions": []})", "hexadecimal");
  refused(R"({"hmac_key": ")" + hmac + R"("})", "expected");
}

TEST(BorrowerKeyerTest, ReloadTakesANewVersionButNeverANewSecretOrChangedKey) {
  const auto path = WriteTemp("creditshare_reload_key_test", std::string(32, 'k'));
  auto keyer = BorrowerKeyer::FromFile(path);
  EXPECT_FALSE(keyer.Reload());
  WriteTemp("creditshare_reload_key_test", TwoVersions(1).Serialize());
  EXPECT_TRUE(keyer.Reload());
  EXPECT_EQ(keyer.current_version(), 1);
  KeySet changed = TwoVersions(1);
  changed.versions[1].key = std::string(32, '\x02');
  WriteTemp("creditshare_reload_key_test", changed.Serialize());
  EXPECT_THROW(keyer.Reload(), std::runtime_error);
  KeySet other_secret = TwoVersions(1);
  other_secret.hmac_key = std::string(32, 'x');
  WriteTemp("creditshare_reload_key_test", other_secret.Serialize());
  EXPECT_THROW(keyer.Reload(), std::runtime_error);
  WriteTemp("creditshare_reload_key_test", TwoVersions(0).Serialize());
  EXPECT_THROW(keyer.Reload([](const KeySet&) { throw std::runtime_error("refused by the database"); }),
               std::runtime_error);
  EXPECT_EQ(keyer.current_version(), 1);  // kept through every refusal
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace creditshare::security
