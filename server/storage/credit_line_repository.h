#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/audit.h"
#include "domain/credit_line.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// The stored identity of a borrower: a keyed hash and coarse attributes, never the raw ID.
struct BorrowerIdentity {
  std::string key;  // 32 bytes, HMAC-SHA256
  std::string region_code;
  int birth_year = 0;
};

struct IdempotencyKey {
  std::string request_id;
  std::string fingerprint;  // 32 bytes; equal fingerprints mean equal requests
};

class CreditLineRepository {
 public:
  explicit CreditLineRepository(ConnectionPool& pool) : pool_(pool) {}

  // Produces the audit record of a change, written in the change's own transaction.
  using AuditOnChange = std::function<domain::AuditEvent()>;

  // Applies one report in a single transaction together with its idempotency record and its
  // audit record. A replay (same request_id, same fingerprint) returns the stored result and
  // writes nothing; the same request_id with another fingerprint is INVALID_ARGUMENT on
  // "request_id". `replayed` tells which happened.
  domain::Result<domain::ReportResult> ApplyReport(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                                   const BorrowerIdentity& borrower, const domain::LineReport& report,
                                                   const AuditOnChange& audit, bool* replayed);

  // Every line of the borrower across all members, with the reporting member's identity.
  std::vector<domain::BorrowerLine> LinesOfBorrower(const std::string& borrower_key);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
