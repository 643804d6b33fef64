#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "security/borrower_keyer.h"
#include "storage/connection_pool.h"

namespace creditshare::admin {

// The operator's side of a borrower key set rotation (docs/operations.md, "Rotating the
// borrower key set"). Step by step, each applied by every server within its reload interval:
//   AddKeyVersion     a new version, known to every server but not yet written;
//   PromoteKeyVersion the new version becomes current: new values are written under it, and
//                     lookups find a borrower under either;
//   Rekey             stored values move to the current version in bounded batches while
//                     members report and query, the audit chain is re-sealed, and the old
//                     version is retired;
//   RetireKeyVersion  the old version's key leaves the file, and can be destroyed.

// Writes `set` to `path` atomically (a new file renamed over it), readable by its owner only.
void WriteKeySet(const std::filesystem::path& path, const security::KeySet& set);
security::KeySet ReadKeySet(const std::filesystem::path& path);

// Adds version max+1 with a fresh random key; the current version stays. Returns the new version.
// Throws std::runtime_error when the set already holds two versions (a rotation is under way).
int AddKeyVersion(const std::filesystem::path& path);
// Servers that reported their key set within this long count as running (they report every
// --key-set-reload-interval-s, 30 by default).
inline constexpr int kDefaultServerMaxAgeSeconds = 120;
// Makes the set's other version current. Returns it; throws when there is only one, or while a
// running server has not read both versions yet.
int PromoteKeyVersion(storage::ConnectionPool& pool, const std::filesystem::path& path,
                      int server_max_age_s = kDefaultServerMaxAgeSeconds);

struct RekeyReport {
  int from = 0;
  int to = 0;
  // Rows per table (audit_log: unsealed records re-keyed plus sealed records re-sealed, those
  // without a borrower included).
  std::map<std::string, long> converted;
  int passes = 0;
  std::string head_before;  // the audit lanes' heads before the re-seal: "lane:seq:hash-hex,..."
  long lanes_before = 0;
};
// Moves every stored value of the set's other version to its current one, re-seals the audit
// chain, and retires the other version (an admin action of `actor`). `batch` rows per
// transaction. Throws std::runtime_error when stored data or the set forbid it, or when values
// keep arriving under the old version after several passes (a server still writes under it).
// Refused, too, while a running server does not write under the current version yet.
RekeyReport Rekey(storage::ConnectionPool& pool, const security::BorrowerKeyer& keyer, const std::string& actor,
                  int batch, const std::function<void(const std::string&)>& progress = {},
                  int server_max_age_s = kDefaultServerMaxAgeSeconds);

// Removes the set's other version once stored data says it is retired. Returns it.
int RetireKeyVersion(storage::ConnectionPool& pool, const std::filesystem::path& path);

// Rows per table and version (borrowers, inquiries, idempotency keys, audit records with a borrower).
std::map<std::string, std::map<int, long>> KeyVersionCounts(storage::ConnectionPool& pool);

}  // namespace creditshare::admin
