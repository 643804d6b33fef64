#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/decision.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "storage/connection_pool.h"
#include "storage/credit_line_repository.h"
#include "storage/idempotency.h"

namespace creditshare::storage {

struct ReservationRequest {
  domain::NewCredit credit;
  domain::Purpose purpose = domain::Purpose::kUnspecified;  // a freeze refuses application purposes
  std::string account_reference;  // may be empty
  std::int64_t now_us = 0;
  std::int64_t expires_at_us = 0;
};

struct ReservationResult {
  std::string reservation_id;
  std::int64_t expires_at_us = 0;
};

class ReservationRepository {
 public:
  explicit ReservationRepository(ConnectionPool& pool) : pool_(pool) {}

  // Reserves room under the caps. Serialised per borrower in the database (the borrower row is
  // locked first), so concurrent reservations from any number of servers can never together
  // exceed a cap; a breach is FAILED_PRECONDITION naming the cap.
  domain::Result<ReservationResult> Reserve(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                            const BorrowerIdentity& borrower, const ReservationRequest& request,
                                            const domain::CreditPolicy& policy, const AuditOnChange& audit,
                                            bool* replayed);

  // Ends one of the member's active reservations. Another member's reservation is NOT_FOUND.
  domain::Result<std::string> Release(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                      const std::string& reservation_id, std::int64_t now_us,
                                      const AuditOnChange& audit, bool* replayed);

  // Active (unexpired, not ended) reservations on a borrower.
  static std::vector<domain::ActiveReservation> ActiveForBorrower(Connection& conn, std::uint64_t borrower_id,
                                                                  std::int64_t now_us, bool lock);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
