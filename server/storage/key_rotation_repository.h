#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/key_rotation.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// The key_versions table: which key set versions stored data may be under.
class KeyVersionRepository {
 public:
  explicit KeyVersionRepository(ConnectionPool& pool) : pool_(pool) {}
  std::map<int, domain::KeyVersionState> Read();
  // Records `version` as in use (a server about to write under it). Never revives a retired one.
  void MarkInUse(int version);
  static void MarkRetired(Connection& conn, int version);
  // This server's key set, with the database's time (at start and on every reload tick).
  void ReportServer(const std::string& server_id, int current, const std::vector<int>& versions);
  void ForgetServer(const std::string& server_id);
  // Servers that reported within `max_age_s` seconds.
  std::vector<domain::ServerKeySet> LiveServers(int max_age_s);

 private:
  ConnectionPool& pool_;
};

// Converts stored values derived from key version `from` into version `to` in bounded batches,
// each its own transaction, while members keep reporting and querying. `rewrap` maps a stored
// 32-byte value of `from` to the same value under `to` (security::BorrowerKeyer::Rewrap). The
// audit log is not touched here: its records are re-keyed by the chain's re-seal.
class RekeyRepository {
 public:
  using Rewrap = std::function<std::string(std::string_view)>;
  RekeyRepository(ConnectionPool& pool, int from, int to, Rewrap rewrap, int batch)
      : pool_(pool), from_(from), to_(to), rewrap_(std::move(rewrap)), batch_(batch) {}

  // Each converts the next batch of its table (walking it by primary key from where the last
  // call stopped) and returns how many rows it changed; -1 once the walk reached the end.
  // Borrowers go with their inquiries, in one transaction, so joins of the two stay whole.
  long BorrowersBatch();
  long InquiriesBatch();
  long IdempotencyBatch();
  // Unsealed audit records (sealed ones are re-keyed by the chain's re-seal).
  long UnsealedAuditBatch();
  // Inquiries converted with their borrowers by BorrowersBatch, so far.
  long inquiries_with_borrowers() const { return inquiries_with_borrowers_; }
  // Starts every walk again from the beginning.
  void Restart();

  // Rows still under `from`, per table (full scans: run once a pass is over).
  std::map<std::string, long> Remaining();
  // Ends the rotation: `from` is retired and the claims of new borrowers, which derive from it,
  // are deleted, in one transaction with `record(conn)` (the operator's action).
  void Finish(const std::function<void(Connection&)>& record);

 private:
  // One batch of `table` rows under `from_` (and `condition`) after `cursor`, re-keyed by id.
  long ByIdBatch(const char* table, const char* condition, std::uint64_t& cursor, bool& done);

  ConnectionPool& pool_;
  int from_;
  int to_;
  Rewrap rewrap_;
  int batch_;
  long inquiries_with_borrowers_ = 0;
  std::uint64_t borrower_cursor_ = 0;
  std::uint64_t inquiry_cursor_ = 0;
  std::uint64_t audit_cursor_ = 0;
  std::uint64_t idem_member_ = 0;
  std::string idem_request_;
  bool borrowers_done_ = false, inquiries_done_ = false, idempotency_done_ = false, audit_done_ = false;
};

}  // namespace creditshare::storage
