#include "admin/key_rotation.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "audit/audit_chain.h"
#include "domain/key_rotation.h"
#include "storage/audit_repository.h"
#include "storage/credential_repository.h"
#include "storage/key_rotation_repository.h"
#include "storage/sha256.h"
#include "storage/transaction.h"

namespace creditshare::admin {

namespace fs = std::filesystem;

security::KeySet ReadKeySet(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read key set file " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  try {
    return security::KeySet::Parse(buf.str(), "key set file " + path.string());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
}

void WriteKeySet(const fs::path& path, const security::KeySet& set) {
  const fs::path tmp = path.string() + ".new";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    ::chmod(tmp.c_str(), 0600);
    out << set.Serialize();
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);  // servers never read half a file
}

int AddKeyVersion(const fs::path& path) {
  auto set = ReadKeySet(path);
  if (set.versions.size() != 1)
    throw std::runtime_error("key set file " + path.string() + " already holds versions " +
                             std::to_string(set.current) + " and " + std::to_string(set.other()) +
                             ": finish that rotation (promote, rekey, retire) first");
  const int version = set.versions.front().version + 1;
  if (version > security::KeySet::kMaxVersion) throw std::runtime_error("no key versions left");
  std::string key(security::KeySet::kVersionKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("the random generator failed");
  set.versions.push_back({version, std::move(key)});
  WriteKeySet(path, set);
  return version;
}

int PromoteKeyVersion(storage::ConnectionPool& pool, const fs::path& path, int server_max_age_s) {
  auto set = ReadKeySet(path);
  if (set.versions.size() != 2)
    throw std::runtime_error("key set file " + path.string() + " holds one version: `keys add` a new one first");
  std::vector<int> versions;
  for (const auto& v : set.versions) versions.push_back(v.version);
  if (auto behind = domain::ServersBehind(domain::RotationStep::kPromote, set.current, versions,
                                          storage::KeyVersionRepository(pool).LiveServers(server_max_age_s)))
    throw std::runtime_error(*behind);
  set.current = set.other();
  WriteKeySet(path, set);
  return set.current;
}

RekeyReport Rekey(storage::ConnectionPool& pool, const security::BorrowerKeyer& keyer, const std::string& actor,
                  int batch, const std::function<void(const std::string&)>& progress, int server_max_age_s) {
  RekeyReport report;
  report.to = keyer.current_version();
  const auto versions = keyer.versions();
  report.from = report.to;
  for (const int v : versions)
    if (v != report.to) report.from = v;
  storage::KeyVersionRepository key_versions(pool);
  const auto stored = key_versions.Read();
  if (auto problem = domain::KeySetProblem(stored, report.to, versions)) throw std::runtime_error(*problem);
  if (auto problem = domain::RekeyProblem(stored, report.to, report.from)) throw std::runtime_error(*problem);
  if (auto behind = domain::ServersBehind(domain::RotationStep::kRekey, report.to, versions,
                                          key_versions.LiveServers(server_max_age_s)))
    throw std::runtime_error(*behind);
  const int from = report.from;
  const auto rewrap = [&keyer, from](std::string_view stored_value) { return keyer.Rewrap(stored_value, from); };
  {
    // Every lane's head, "lane:seq:hash-hex" joined by commas: what the re-seal started from.
    for (const auto& head : storage::AuditRepository(pool).ReadHeads()) {
      ++report.lanes_before;
      report.head_before += (report.head_before.empty() ? "" : ",") + std::to_string(head.lane) + ":" +
                            std::to_string(head.seq) + ":" + security::ToHex(head.hash);
    }
  }
  storage::RekeyRepository repo(pool, report.from, report.to, rewrap, batch);
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  constexpr int kMaxPasses = 5;
  std::map<std::string, long> remaining;
  for (report.passes = 1; report.passes <= kMaxPasses; ++report.passes) {
    repo.Restart();
    auto drain = [&](const std::string& table, const std::function<long()>& step) {
      long total = 0;
      for (long n = step(); n >= 0; n = step()) total += n;
      report.converted[table] += total;
      say("pass " + std::to_string(report.passes) + ": " + table + " " + std::to_string(total) +
          (table == "borrowers" ? " (with " + std::to_string(repo.inquiries_with_borrowers()) + " of their inquiries)"
                                : ""));
    };
    const long joined_before = repo.inquiries_with_borrowers();
    drain("borrowers", [&] { return repo.BorrowersBatch(); });
    report.converted["inquiries"] += repo.inquiries_with_borrowers() - joined_before;
    drain("inquiries", [&] { return repo.InquiriesBatch(); });
    drain("idempotency_keys", [&] { return repo.IdempotencyBatch(); });
    drain("audit_log", [&] { return repo.UnsealedAuditBatch(); });
    drain("audit_log", [&] { return audit::ResealBatch(pool, from, report.to, rewrap, batch); });
    remaining = repo.Remaining();
    long left = 0;
    for (const auto& [table, n] : remaining) left += n;
    if (left == 0) break;
  }
  if (report.passes > kMaxPasses) {
    std::string detail;
    for (const auto& [table, n] : remaining)
      if (n > 0) detail += " " + table + "=" + std::to_string(n);
    throw std::runtime_error("after " + std::to_string(kMaxPasses) + " passes values still arrive under key version " +
                             std::to_string(from) + " (" + detail.substr(1) +
                             "): a server still has it as current; let every server read the promoted key set, "
                             "then run rekey again");
  }
  repo.Finish([&](storage::Connection& conn) {
    // The admin record holds the list's digest (the list grows with the lanes); the list itself is
    // in the report the command prints.
    std::string detail = "audit lane heads before: " + std::to_string(report.lanes_before) + " lanes, sha256 " +
                         security::ToHex(storage::Sha256(report.head_before));
    for (const auto& [table, n] : report.converted) detail += "; " + table + "=" + std::to_string(n);
    storage::AdminActionRepository::Record(conn, actor, "keys.rekey",
                                           "v" + std::to_string(from) + "->v" + std::to_string(report.to), detail);
  });
  return report;
}

int RetireKeyVersion(storage::ConnectionPool& pool, const fs::path& path) {
  auto set = ReadKeySet(path);
  if (set.versions.size() != 2) throw std::runtime_error("key set file " + path.string() + " holds one version");
  const int old = set.other();
  const auto stored = storage::KeyVersionRepository(pool).Read();
  const auto it = stored.find(old);
  if (it == stored.end() || it->second != domain::KeyVersionState::kRetired)
    throw std::runtime_error("key version " + std::to_string(old) +
                             " is not retired: run `creditshare-admin keys rekey` first");
  std::erase_if(set.versions, [old](const security::KeySet::Version& v) { return v.version == old; });
  WriteKeySet(path, set);
  return old;
}

std::map<std::string, std::map<int, long>> KeyVersionCounts(storage::ConnectionPool& pool) {
  return storage::WithConnection(pool, [](storage::Connection& conn) {
    std::map<std::string, std::map<int, long>> out;
    for (const std::string table : {"borrowers", "inquiries", "idempotency_keys", "audit_log"}) {
      const std::string where = table == "audit_log" ? " WHERE borrower_key <> ''" : "";
      std::unique_ptr<sql::ResultSet> rs(
          conn.Prepare("SELECT key_version, COUNT(*) FROM " + table + where + " GROUP BY key_version").executeQuery());
      auto& counts = out[table];
      while (rs->next()) counts[rs->getInt(1)] = static_cast<long>(rs->getInt64(2));
    }
    return out;
  });
}

}  // namespace creditshare::admin
