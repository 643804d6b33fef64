#pragma once

#include <cstdint>
#include <vector>

#include "storage/connection_pool.h"
#include "storage/credit_line_repository.h"

namespace creditshare::storage {

// Another stream committed one of the chunk's request ids, or created one of its lines, while
// the chunk ran: the chunk is rolled back and applied record by record.
struct SetConflict {};

// The set path applies every record against the state before the chunk, so it needs each
// request id and each account reference at most once.
bool EachKeyOnce(const std::vector<BulkItem>& items);

// One chunk of a bulk stream as a handful of multi-row statements inside the caller's
// transaction: read what exists (replays, borrowers, lines with their ledgers) with one statement
// each, plan every record with domain::PlanReport (as the unary report does), execute the plans
// (ExecutePlans), then store idempotency keys and audit records with one statement each. Throws
// SetConflict when another stream got in first.
std::vector<BulkItemOutcome> ApplyChunk(Connection& conn, std::uint64_t member_id, const std::vector<BulkItem>& items,
                                        std::int64_t now_us, const domain::QualityGate& gate);

}  // namespace creditshare::storage
