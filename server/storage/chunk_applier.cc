#include "storage/chunk_applier.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string_view>

#include "storage/audit_repository.h"
#include "storage/borrower_keys.h"
#include "storage/line_writes.h"
#include "storage/report_result_codec.h"
#include "storage/sql_errors.h"
#include "storage/sql_text.h"

namespace creditshare::storage {

bool EachKeyOnce(const std::vector<BulkItem>& items) {
  std::set<std::string_view> requests, accounts;
  for (const auto& item : items)
    if (!requests.insert(item.idempotency.request_id).second || !accounts.insert(item.report.account_reference).second)
      return false;
  return true;
}

namespace {
using domain::Error;

class ChunkApplier {
 public:
  ChunkApplier(Connection& conn, std::uint64_t member_id, const std::vector<BulkItem>& items, std::int64_t now_us,
               const domain::QualityGate& gate)
      : conn_(conn), member_id_(member_id), items_(items), now_us_(now_us), gate_(gate), out_(items.size()) {}

  std::vector<BulkItemOutcome> Apply() {
    ReadReplays();
    if (todo_.empty()) return std::move(out_);
    LockBorrowers();
    LockMemberLines();
    Plan();
    if (planned_.empty()) return std::move(out_);
    try {
      ExecutePlans(conn_, member_id_, planned_, now_us_);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErrDuplicateKey) throw SetConflict{};  // the same account created meanwhile
      throw;
    }
    StoreIdempotencyKeys();
    std::vector<const domain::AuditEvent*> audits;
    for (const auto i : planned_items_) audits.push_back(&items_[i].audit);
    AuditRepository::InsertMany(conn_, audits);
    return std::move(out_);
  }

 private:
  std::uint64_t BorrowerIdOf(const BulkItem& item) const {
    const auto it = borrower_ids_.find(item.borrower.key.current);
    if (it == borrower_ids_.end()) throw std::runtime_error("borrower row missing after its insert");
    return it->second;
  }

  // Request ids already committed (by an earlier chunk or stream) are answered from their stored
  // response; the rest are left to do.
  void ReadReplays() {
    const std::size_t n = items_.size();
    std::vector<bool> fresh(n, true);
    std::map<std::string, std::size_t, std::less<>> by_request;
    for (std::size_t i = 0; i < n; ++i) by_request.emplace(items_[i].idempotency.request_id, i);
    auto stmt = conn_.PrepareRows(
        "SELECT request_id, method, request_fingerprint, response, key_version FROM idempotency_keys WHERE "
        "member_id = ? AND "
        "request_id IN (" + Placeholders(n) + ")", n);
    stmt->setUInt64(1, member_id_);
    for (std::size_t i = 0; i < n; ++i) stmt->setString(static_cast<int>(i) + 2, items_[i].idempotency.request_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next()) {
      const auto it = by_request.find(std::string(rs->getString(1)));
      if (it == by_request.end()) continue;
      const std::size_t i = it->second;
      fresh[i] = false;
      if (rs->getString(2) != kReportMethod || !Matches(items_[i].idempotency.fingerprint, rs->getString(3), rs->getInt(5))) {
        out_[i].error = Error::InvalidArgument("request_id", "was already used for a different request");
        continue;
      }
      auto decoded = DecodeReportResult(rs->getString(4));
      if (!decoded.ok()) {
        out_[i].error = decoded.error();
        continue;
      }
      out_[i].result = decoded.value();
      out_[i].replayed = true;
    }
    for (std::size_t i = 0; i < n; ++i)
      if (fresh[i]) todo_.push_back(i);
  }

  // Borrower rows, created when new, all locked. Keys go in ascending order, so every chunk
  // takes its borrower locks in the same order and concurrent chunks queue instead of
  // deadlocking. (A multi-row INSERT .. ON DUPLICATE KEY UPDATE lost rows here under concurrent
  // chunks, so existing rows are locked first and only the missing ones inserted.)
  void LockBorrowers() {
    // Keyed by the current form; during a rotation a borrower may still be stored under the other.
    std::map<std::string, const BorrowerIdentity*> borrowers;
    for (const auto i : todo_) borrowers.emplace(items_[i].borrower.key.current, &items_[i].borrower);
    bool claimed = false;
    for (int attempt = 1; borrower_ids_.size() < borrowers.size(); ++attempt) {
      FindBorrowers(borrowers);
      std::vector<const BorrowerIdentity*> missing;
      for (const auto& [key, b] : borrowers)
        if (!borrower_ids_.contains(key)) missing.push_back(b);
      if (missing.empty()) break;
      if (!claimed) {
        std::vector<const domain::KeyedDigest*> keys;
        for (const auto* b : missing) keys.push_back(&b->key);
        claimed = true;
        if (LockBorrowerClaims(conn_, keys)) continue;  // look again now that the claims are held
      }
      auto stmt = conn_.PrepareRows("INSERT INTO borrowers (borrower_key, key_version, region_code, birth_year) VALUES " +
                                        RowsOf("(?, ?, ?, ?)", missing.size()),
                                    missing.size());
      int p = 1;
      for (const auto* b : missing) {
        stmt->setString(p++, b->key.current);
        stmt->setInt(p++, b->key.version);
        stmt->setString(p++, b->region_code);
        stmt->setInt(p++, b->birth_year);
      }
      try {
        stmt->executeUpdate();
      } catch (const sql::SQLException& e) {
        // Another chunk created one of them first: only this statement was undone; look again.
        if (e.getErrorCode() != kErrDuplicateKey || attempt >= 5) throw;
      }
    }
  }

  // Locks the rows of `borrowers` stored under either form, in ascending key order, and maps
  // each found one to its current form.
  void FindBorrowers(const std::map<std::string, const BorrowerIdentity*>& borrowers) {
    borrower_ids_.clear();
    std::map<std::string, std::string> current_of;
    for (const auto& [key, b] : borrowers) {
      current_of.emplace(key, key);
      if (b->key.rotating()) current_of.emplace(b->key.other, key);
    }
    auto stmt = conn_.PrepareRows("SELECT borrower_key, id FROM borrowers WHERE borrower_key IN (" +
                                      Placeholders(current_of.size()) + ") ORDER BY borrower_key FOR UPDATE",
                                  current_of.size());
    int p = 1;
    for (const auto& entry : current_of) stmt->setString(p++, entry.first);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next()) borrower_ids_.emplace(current_of.at(std::string(rs->getString(1))), rs->getUInt64(2));
  }

  void LockMemberLines() {
    std::vector<std::string_view> refs;
    refs.reserve(todo_.size());
    for (const auto i : todo_) refs.push_back(items_[i].report.account_reference);
    lines_ = LockLines(conn_, member_id_, refs);
  }

  // Every record planned by the ledger against the state before the chunk.
  void Plan() {
    plans_.reserve(todo_.size());  // planned_ points into plans_
    for (const auto i : todo_) {
      const auto& report = items_[i].report;
      const std::uint64_t borrower_id = BorrowerIdOf(items_[i]);
      auto planned_line = PlanAgainst(lines_, borrower_id, report, gate_);
      if (!planned_line.plan.ok()) {
        out_[i].error = planned_line.plan.error();
        continue;
      }
      out_[i].result = planned_line.plan.value().result;
      plans_.push_back(std::move(planned_line.plan).value());
      planned_.push_back({&report, &plans_.back(), borrower_id, planned_line.line_id});
      planned_items_.push_back(i);
    }
  }

  // Idempotency keys with their responses. A key committed by another stream since ReadReplays
  // makes this statement fail; the chunk is then rolled back and applied record by record.
  void StoreIdempotencyKeys() {
    auto stmt = conn_.PrepareRows(
        "INSERT INTO idempotency_keys (member_id, request_id, method, request_fingerprint, key_version, response) "
        "VALUES " + RowsOf("(?, ?, ?, ?, ?, ?)", planned_items_.size()),
        planned_items_.size());
    int p = 1;
    for (const auto i : planned_items_) {
      const auto& item = items_[i];
      stmt->setUInt64(p++, member_id_);
      stmt->setString(p++, item.idempotency.request_id);
      stmt->setString(p++, kReportMethod);
      stmt->setString(p++, item.idempotency.fingerprint.current);
      stmt->setInt(p++, item.idempotency.fingerprint.version);
      stmt->setString(p++, EncodeReportResult(*out_[i].result));
    }
    try {
      stmt->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErrDuplicateKey) throw SetConflict{};
      throw;
    }
  }

  Connection& conn_;
  const std::uint64_t member_id_;
  const std::vector<BulkItem>& items_;
  const std::int64_t now_us_;
  const domain::QualityGate gate_;
  std::vector<BulkItemOutcome> out_;
  std::vector<std::size_t> todo_;  // items that are not replays
  std::map<std::string, std::uint64_t, std::less<>> borrower_ids_;
  std::map<std::string, LockedLine, std::less<>> lines_;
  std::vector<domain::ReportPlan> plans_;
  std::vector<PlannedReport> planned_;
  std::vector<std::size_t> planned_items_;  // the item of each planned_ entry
};
}  // namespace

std::vector<BulkItemOutcome> ApplyChunk(Connection& conn, std::uint64_t member_id, const std::vector<BulkItem>& items,
                                        std::int64_t now_us, const domain::QualityGate& gate) {
  return ChunkApplier(conn, member_id, items, now_us, gate).Apply();
}

}  // namespace creditshare::storage
