#include "storage/credit_line_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "storage/audit_repository.h"
#include "storage/borrower_keys.h"
#include "storage/chunk_applier.h"
#include "storage/line_rows.h"
#include "storage/line_writes.h"
#include "storage/report_result_codec.h"
#include "storage/scorecard_repository.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
// The scorecard's receipts of a chunk's outcomes, written in the chunk's transaction.
void RecordReceipts(Connection& conn, std::uint64_t member_id, const std::vector<BulkItem>& items,
                    const std::vector<BulkItemOutcome>& outcomes, std::int64_t now_us) {
  const domain::Date day = domain::BusinessDate(now_us);
  std::vector<domain::Receipt> receipts;
  receipts.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& o = outcomes[i];
    if (auto r = domain::ReceiptFor(items[i].report, o.result ? &*o.result : nullptr, &o.error, o.replayed, day))
      receipts.push_back(std::move(*r));
  }
  ScorecardRepository::Record(conn, member_id, domain::Tally(day, receipts));
}
}  // namespace

domain::Result<domain::ReportResult> CreditLineRepository::ApplyOne(Connection& conn, std::uint64_t member_id,
                                                                    const BorrowerIdentity& borrower,
                                                                    const domain::LineReport& report,
                                                                    std::int64_t now_us) const {
  const std::uint64_t borrower_id = UpsertBorrower(conn, borrower);
  const auto planned_line =
      PlanAgainst(LockLines(conn, member_id, {report.account_reference}), borrower_id, report, GateAt(now_us));
  const auto& plan = planned_line.plan;
  if (!plan.ok()) return plan.error();
  std::vector<PlannedReport> planned{{&report, &plan.value(), borrower_id, planned_line.line_id}};
  ExecutePlans(conn, member_id, planned, now_us);
  return plan.value().result;
}

std::uint64_t CreditLineRepository::UpsertBorrower(Connection& conn, const BorrowerIdentity& b) {
  if (b.key.rotating()) {
    // The borrower may still be stored under the other version (storage/borrower_keys.h).
    auto find = [&]() -> std::optional<std::uint64_t> {
      auto& stmt = conn.Prepare(std::string("SELECT id FROM borrowers WHERE borrower_key IN ") + kKeyPair + " FOR UPDATE");
      int p = 1;
      BindKeyPair(stmt, p, b.key);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      if (rs->next()) return rs->getUInt64(1);
      return std::nullopt;
    };
    if (auto id = find()) return *id;
    LockBorrowerClaims(conn, {&b.key});
    if (auto id = find()) return *id;
  }
  // The duplicate-key path also locks the borrower row, serialising writers per borrower.
  auto& stmt = conn.Prepare(
      "INSERT INTO borrowers (borrower_key, key_version, region_code, birth_year) VALUES (?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)");
  stmt.setString(1, b.key.current);
  stmt.setInt(2, b.key.version);
  stmt.setString(3, b.region_code);
  stmt.setInt(4, b.birth_year);
  stmt.executeUpdate();
  std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  rs->next();
  return rs->getUInt64(1);
}

domain::Result<domain::ReportResult> CreditLineRepository::ApplyReport(
    std::uint64_t member_id, const IdempotencyKey& idempotency, const BorrowerIdentity& borrower,
    const domain::LineReport& report, std::int64_t now_us, const AuditOnChange& audit, bool* replayed) {
  auto outcome = RunIdempotent(pool_, member_id, idempotency, kReportMethod,
                               [&](Connection& conn) -> domain::Result<std::string> {
    auto out = ApplyOne(conn, member_id, borrower, report, now_us);
    if (!out.ok()) return out.error();
    const domain::Date day = domain::BusinessDate(now_us);
    ScorecardRepository::Record(conn, member_id, domain::Tally(day, {domain::AcceptedReceipt(report, out.value(), day)}));
    AuditRepository::Insert(conn, audit());
    return EncodeReportResult(out.value());
  });
  if (!outcome.ok()) return outcome.error();
  *replayed = outcome.value().replayed;
  return DecodeReportResult(outcome.value().response);
}

std::vector<BulkItemOutcome> CreditLineRepository::ApplyBatch(std::uint64_t member_id,
                                                              const std::vector<BulkItem>& items,
                                                              std::int64_t now_us) {
  // A chunk that names a request id or an account twice must apply in input order.
  if (items.size() < 2 || !EachKeyOnce(items)) return ApplyEach(member_id, items, now_us);

  // Chunks of different streams share borrowers and would queue on their row locks for each
  // other's whole transaction. Split by borrower shard and apply one shard at a time under this
  // process's lock for it: chunks then meet on a mutex, not holding a connection in a lock wait,
  // and the shards of different chunks proceed in parallel.
  std::array<std::vector<std::size_t>, kBorrowerShards> by_shard;
  for (std::size_t i = 0; i < items.size(); ++i)
    by_shard[static_cast<unsigned char>(items[i].borrower.key.current.empty() ? 0 : items[i].borrower.key.current[0]) %
             kBorrowerShards]
        .push_back(i);
  std::vector<BulkItemOutcome> outcomes(items.size());
  for (std::size_t shard = 0; shard < by_shard.size(); ++shard) {
    if (by_shard[shard].empty()) continue;
    std::vector<BulkItem> part;
    part.reserve(by_shard[shard].size());
    for (const auto i : by_shard[shard]) part.push_back(items[i]);
    std::lock_guard lock(shard_locks_[shard]);
    auto applied = ApplyPart(member_id, part, now_us);
    for (std::size_t j = 0; j < part.size(); ++j) outcomes[by_shard[shard][j]] = std::move(applied[j]);
  }
  return outcomes;
}

std::vector<BulkItemOutcome> CreditLineRepository::ApplyPart(std::uint64_t member_id,
                                                             const std::vector<BulkItem>& items,
                                                             std::int64_t now_us) {
  try {
    auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<std::vector<BulkItemOutcome>> {
      auto outcomes = ApplyChunk(conn, member_id, items, now_us, GateAt(now_us));
      RecordReceipts(conn, member_id, items, outcomes, now_us);
      return outcomes;
    });
    return std::move(result).value();
  } catch (const SetConflict&) {
    // Rolled back; the record-by-record path sees what the other stream applied.
    return ApplyEach(member_id, items, now_us);
  }
}

std::vector<BulkItemOutcome> CreditLineRepository::ApplyEach(std::uint64_t member_id,
                                                             const std::vector<BulkItem>& items,
                                                             std::int64_t now_us) {
  // Borrower rows are locked in ascending key order in every batch, so concurrent batches (of
  // one or many streams) that share borrowers queue for each other instead of deadlocking.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return items[a].borrower.key.current < items[b].borrower.key.current; });
  auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<std::vector<BulkItemOutcome>> {
    std::vector<BulkItemOutcome> outcomes(items.size());
    for (const size_t i : order) {
      const auto& item = items[i];
      auto& out = outcomes[i];
      conn.Execute("SAVEPOINT bulk_item");  // reusing the name moves it
      if (!ClaimIdempotencyKey(conn, member_id, item.idempotency, kReportMethod)) {
        // Applied before, by an earlier stream or earlier in this one.
        auto stored = StoredResponse(conn, member_id, item.idempotency, kReportMethod);
        if (!stored.ok()) {
          out.error = stored.error();
          continue;
        }
        auto decoded = DecodeReportResult(stored.value());
        if (!decoded.ok()) {
          out.error = decoded.error();
          continue;
        }
        out.result = decoded.value();
        out.replayed = true;
        continue;
      }
      auto applied = ApplyOne(conn, member_id, item.borrower, item.report, now_us);
      if (!applied.ok()) {
        conn.Execute("ROLLBACK TO SAVEPOINT bulk_item");
        out.error = applied.error();
        continue;
      }
      StoreIdempotentResponse(conn, member_id, item.idempotency, EncodeReportResult(applied.value()));
      AuditRepository::Insert(conn, item.audit);
      out.result = applied.value();
    }
    RecordReceipts(conn, member_id, items, outcomes, now_us);
    return outcomes;
  });
  return std::move(result).value();
}

std::vector<domain::BorrowerLine> CreditLineRepository::LockLinesForCaps(Connection& conn, std::uint64_t borrower_id) {
  auto& stmt = conn.Prepare(std::string(line_rows::kSelectWithMember) +
                            "WHERE l.borrower_id = ? AND l.deleted_at IS NULL LOCK IN SHARE MODE");
  stmt.setUInt64(1, borrower_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<domain::BorrowerLine> out;
  while (rs->next()) out.push_back(line_rows::ReadLine(*rs));
  return out;
}

}  // namespace creditshare::storage
