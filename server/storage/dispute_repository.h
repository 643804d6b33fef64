#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/dispute.h"
#include "domain/error.h"
#include "storage/connection_pool.h"
#include "storage/credit_line_repository.h"
#include "storage/idempotency.h"

namespace creditshare::storage {

class DisputeRepository {
 public:
  using Encoder = std::function<std::string(const domain::DisputeRecord&)>;

  explicit DisputeRepository(ConnectionPool& pool) : pool_(pool) {}

  // Files a dispute on the borrower's line `line_id`; the line is flagged from this commit on.
  // NOT_FOUND when no such line belongs to the borrower; FAILED_PRECONDITION when one is open.
  domain::Result<IdempotentOutcome> File(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                         const domain::KeyedDigest& borrower_key, const std::string& line_id,
                                         const std::string& reason, std::int64_t now_us, const AuditOnChange& audit,
                                         const Encoder& encode);

  // Resolves an open dispute on one of the member's own lines (others' are NOT_FOUND). DELETED
  // removes the line from every response.
  domain::Result<IdempotentOutcome> Resolve(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                            const std::string& dispute_id, domain::DisputeStatus resolution,
                                            const std::string& note, std::int64_t now_us, const AuditOnChange& audit,
                                            const Encoder& encode);

  enum class Filter { kOpen, kOverdue, kAll };
  // Disputes on the member's lines, oldest due first, after the `after_id` page cursor.
  std::vector<domain::DisputeRecord> ListForOwner(std::uint64_t member_id, Filter filter, std::int64_t now_us,
                                                  std::uint64_t after_id, int limit, std::uint64_t* last_id);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
