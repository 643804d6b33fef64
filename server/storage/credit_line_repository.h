#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/audit.h"
#include "domain/clock.h"
#include "domain/credit_line.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "domain/ledger.h"
#include "storage/connection_pool.h"
#include "storage/idempotency.h"

namespace creditshare::storage {

// The stored identity of a borrower: a keyed hash and coarse attributes, never the raw ID.
struct BorrowerIdentity {
  domain::KeyedDigest key;  // 32 bytes under each version of the key set
  std::string region_code;
  int birth_year = 0;
};

// The method name idempotency keys of line reports are stored under (unary and bulk alike).
inline constexpr const char* kReportMethod = "ReportCreditLine";

// Produces the audit record of a change, written in the change's own transaction.
using AuditOnChange = std::function<domain::AuditEvent()>;

struct Restructuring {
  std::string account_reference;
  domain::Date restructure_date;
  std::string reason;
  std::vector<domain::Concession> concessions;
  std::optional<domain::Date> new_maturity_date;
  std::int64_t new_scheduled_payment_minor = 0;
  std::int32_t new_interest_rate_bps = 0;
  std::int64_t principal_forgiven_minor = 0;
  std::int64_t now_us = 0;  // when the change is made (alerts it raises carry it)
};

// One record of a bulk report, validated, with its audit record prepared.
struct BulkItem {
  IdempotencyKey idempotency;
  BorrowerIdentity borrower;
  domain::LineReport report;
  domain::AuditEvent audit;
};

struct BulkItemOutcome {
  std::optional<domain::ReportResult> result;  // empty when rejected
  domain::Error error{domain::ErrorCode::kInternal, "", ""};
  bool replayed = false;
};

class CreditLineRepository {
 public:
  // `quality`: the data-quality gates every report passes (none when null).
  explicit CreditLineRepository(ConnectionPool& pool, const domain::QualityPolicy* quality = nullptr)
      : pool_(pool), quality_(quality) {}

  // Applies one monthly report in a single transaction with its idempotency and audit records,
  // as the ledger plans it (domain::PlanReport): the line's current state (unless the report is
  // older), the month's record and the line's ledger copy, and the end of a matching
  // reservation. A replay writes nothing.
  domain::Result<domain::ReportResult> ApplyReport(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                                   const BorrowerIdentity& borrower, const domain::LineReport& report,
                                                   std::int64_t now_us, const AuditOnChange& audit, bool* replayed);

  // Applies a chunk of reports with multi-row statements, one transaction per borrower shard
  // present in the chunk; a rejected record leaves the others untouched. Outcomes are in input
  // order and valid only once this returns (after the commits). A chunk that names a request id
  // or an account reference twice is applied record by record in input order (ApplyEach), and so
  // is a shard's part that races another stream (both give the same outcomes).
  std::vector<BulkItemOutcome> ApplyBatch(std::uint64_t member_id, const std::vector<BulkItem>& items,
                                          std::int64_t now_us);

  // Records a restructuring of one of the member's lines; returns the new restructure count.
  domain::Result<int> Restructure(std::uint64_t member_id, const IdempotencyKey& idempotency, const Restructuring& r,
                                  const AuditOnChange& audit, bool* replayed);

  // Borrower row, created if new; its row lock serialises writers per borrower.
  static std::uint64_t UpsertBorrower(Connection& conn, const BorrowerIdentity& borrower);
  // The borrower's lines for cap checks, read with a shared lock inside the caller's transaction.
  static std::vector<domain::BorrowerLine> LockLinesForCaps(Connection& conn, std::uint64_t borrower_id);

  // One report's effect inside the caller's transaction (after its idempotency key was claimed).
  domain::Result<domain::ReportResult> ApplyOne(Connection& conn, std::uint64_t member_id,
                                                const BorrowerIdentity& borrower, const domain::LineReport& report,
                                                std::int64_t now_us) const;
  domain::QualityGate GateAt(std::int64_t now_us) const { return {quality_, domain::BusinessDate(now_us)}; }

 private:
  static constexpr std::size_t kBorrowerShards = 4;

  // One shard's part of a chunk: the multi-row path in one transaction, else ApplyEach.
  std::vector<BulkItemOutcome> ApplyPart(std::uint64_t member_id, const std::vector<BulkItem>& items,
                                         std::int64_t now_us);
  // Record by record, each isolated by a savepoint, in one transaction.
  std::vector<BulkItemOutcome> ApplyEach(std::uint64_t member_id, const std::vector<BulkItem>& items,
                                         std::int64_t now_us);

  ConnectionPool& pool_;
  const domain::QualityPolicy* quality_;
  std::array<std::mutex, kBorrowerShards> shard_locks_;  // this process's chunks, per borrower shard
};

}  // namespace creditshare::storage
