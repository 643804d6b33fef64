// creditshare-admin as operators run it: against the real database, with one clear line and a
// non-zero exit on every error, and every change recorded in admin_actions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace creditshare::testing {
namespace {

class AdminCliTest : public ::testing::Test {
 protected:
  TestDatabase db;
  TestPki pki;  // only for a scratch directory
  std::filesystem::path ca_dir = pki.dir() / "admin-ca";

  ProcessResult Admin(std::vector<std::string> args) {
    args.insert(args.begin(), CREDITSHARE_ADMIN_BINARY);
    auto env = DatabaseEnv(db.config(), pki.dir());
    env.push_back("CREDITSHARE_ADMIN_ACTOR=alice@ops");
    return RunProcess(args, env);
  }

  // Exit 1 and exactly one line on stderr containing `text`.
  void ExpectFailure(const ProcessResult& r, const std::string& text) {
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
  }
};

TEST_F(AdminCliTest, OnboardsAMemberEndToEnd) {
  ASSERT_EQ(Admin({"ca", "init", "--dir", ca_dir.string()}).exit_code, 0);
  auto created = Admin({"member", "create", "--code", "tj-bank", "--name", "Tianjin Bank", "--type", "bank",
                        "--region", "120000", "--output", "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(nlohmann::json::parse(created.out)["code"], "tj-bank");

  auto issued = Admin({"credential", "issue", "tj-bank", "--ca-dir", ca_dir.string(), "--out",
                       (pki.dir() / "creds").string(), "--output", "json"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const auto cred = nlohmann::json::parse(issued.out);
  EXPECT_TRUE(std::filesystem::exists(cred["key_file"].get<std::string>()));
  EXPECT_EQ((std::filesystem::status(cred["key_file"].get<std::string>()).permissions() &
             std::filesystem::perms::group_read),
            std::filesystem::perms::none);

  auto shown = Admin({"member", "show", "tj-bank", "--output", "json"});
  ASSERT_EQ(shown.exit_code, 0);
  const auto member = nlohmann::json::parse(shown.out);
  EXPECT_EQ(member["status"], "active");
  ASSERT_EQ(member["credentials"].size(), 1u);
  EXPECT_EQ(member["credentials"][0]["fingerprint_sha256"], cred["fingerprint_sha256"]);

  EXPECT_EQ(Admin({"member", "suspend", "tj-bank"}).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(Admin({"member", "list", "--output", "json"}).out)[0]["status"], "suspended");
  EXPECT_EQ(Admin({"member", "resume", "tj-bank"}).exit_code, 0);
  auto revoked = Admin({"credential", "revoke", cred["serial"].get<std::string>(), "--reason", "rotated"});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  auto listed = nlohmann::json::parse(Admin({"credential", "list", "tj-bank", "--output", "json"}).out);
  EXPECT_FALSE(listed[0]["revoked_at"].is_null());
  EXPECT_EQ(listed[0]["revoked_by"], "alice@ops");

  // Every change, with who did it.
  const auto rows = db.DumpAllTables();
  std::vector<std::string> actions;
  for (const auto& r : rows)
    if (r.rfind("admin_actions|", 0) == 0) actions.push_back(r);
  ASSERT_EQ(actions.size(), 5u);
  for (const std::string action : {"member.create", "credential.issue", "member.suspend", "member.resume", "credential.revoke"})
    EXPECT_EQ(std::count_if(actions.begin(), actions.end(),
                            [&](const std::string& r) { return r.find("|alice@ops|" + action + "|") != std::string::npos; }),
              1)
        << action;
}

TEST_F(AdminCliTest, ErrorsAreOneClearLineWithExitOne) {
  ASSERT_EQ(Admin({"member", "create", "--code", "dup", "--name", "D", "--type", "bank", "--region", "120000"}).exit_code, 0);
  ExpectFailure(Admin({"member", "create", "--code", "dup", "--name", "D", "--type", "bank", "--region", "120000"}),
                "a member with code dup already exists");
  ExpectFailure(Admin({"member", "create", "--code", "x y", "--name", "D", "--type", "bank", "--region", "120000"}),
                "must be 2-64 characters");
  ExpectFailure(Admin({"member", "create", "--code", "ok", "--name", "D", "--type", "bank", "--region", "990000"}),
                "6-digit region code");
  ExpectFailure(Admin({"member", "show", "ghost"}), "no member with code ghost");
  ExpectFailure(Admin({"member", "suspend", "ghost"}), "no member with code ghost");
  ExpectFailure(Admin({"member", "resume", "dup"}), "member dup is already active");
  ExpectFailure(Admin({"credential", "issue", "dup", "--ca-dir", ca_dir.string(), "--out", pki.dir().string()}),
                "no CA in");
  ASSERT_EQ(Admin({"ca", "init", "--dir", ca_dir.string()}).exit_code, 0);
  ExpectFailure(Admin({"ca", "init", "--dir", ca_dir.string()}), "refusing to overwrite");
  ExpectFailure(Admin({"credential", "issue", "ghost", "--ca-dir", ca_dir.string(), "--out", pki.dir().string()}),
                "no member with code ghost");
  ExpectFailure(Admin({"credential", "revoke", "00ff"}), "no credential with fingerprint or serial 00ff");
  // Usage errors exit non-zero too.
  EXPECT_NE(Admin({"member", "create", "--code", "x"}).exit_code, 0);
}

TEST_F(AdminCliTest, RefusesToWorkOnAnOutdatedSchema) {
  TestDatabase empty(/*migrate=*/false);
  auto env = DatabaseEnv(empty.config(), pki.dir());
  auto r = RunProcess({CREDITSHARE_ADMIN_BINARY, "member", "list"}, env);
  ExpectFailure(r, "run `creditshare-server migrate` first");
  auto migrated = RunProcess({CREDITSHARE_ADMIN_BINARY, "migrate"}, env);
  EXPECT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_EQ(RunProcess({CREDITSHARE_ADMIN_BINARY, "member", "list"}, env).exit_code, 0);
}

}  // namespace
}  // namespace creditshare::testing
