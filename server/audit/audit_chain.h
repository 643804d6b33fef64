#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "domain/audit.h"
#include "storage/audit_repository.h"
#include "storage/connection_pool.h"

namespace creditshare::audit {

using storage::ChainHash;

// Records are hashed when they are written, each connection continuing a lane of its own
// (storage::AuditRepository::InsertMany). The sealer chains what was written unsealed (by servers
// before schema 0018) into lane 0, in batches under lane 0's head row lock, so several replicas can
// run sealers safely.
class Sealer {
 public:
  explicit Sealer(storage::ConnectionPool& pool) : pool_(pool) {}
  // Seals up to `max_records` in one transaction; returns how many were sealed.
  int SealBatch(int max_records = 5000);
  // Seals until nothing is left; returns the total.
  long SealAll();
  // Writes a checkpoint record into lane 0 naming every lane that moved since the last checkpoint
  // with its sequence number now, so that VerifyChain finds a lane cut back below that point or
  // deleted, which the lane's own chain cannot show. Returns the lanes named (0: none moved,
  // nothing written). The server runs it every --audit-checkpoint-interval-s and at shutdown.
  long Checkpoint();

 private:
  storage::ConnectionPool& pool_;
};

// Re-keys the borrower keys of sealed records under key version `from` to `to` (`rewrap`) and
// chains them anew, lane by lane, `max_records` per transaction under the lane head's lock,
// starting at the lane's first record under `from`; records before it keep their hashes. The head
// keeps the re-seal point between transactions, so writers go on appending (to the old chain's
// end, which the re-seal reaches and replaces) and VerifyChain checks every lane at every moment.
// Returns the records re-sealed, or -1 when no sealed record of any lane is under `from`. Each record is checked against
// the chain it was sealed in first: an edited, deleted or truncated record stops the re-seal with
// std::runtime_error naming it, and nothing of that batch is changed.
long ResealBatch(storage::ConnectionPool& pool, int from, int to,
                 const std::function<std::string(std::string_view)>& rewrap, int max_records = 2000);

struct VerifyReport {
  long sealed = 0;    // records whose chain was checked
  long unsealed = 0;  // records not chained yet (lane 0)
  long lanes = 0;     // lanes checked
  long checkpoints = 0;  // checkpoint records checked against the lanes they name
  // The first record where the chain breaks, and why; empty when the chain is intact.
  std::optional<std::uint64_t> broken_record_id;
  std::string problem;
};

// Re-walks every lane from its first record and checks every link and hash and the lane's head,
// and that no records lie in a lane without a head.
VerifyReport VerifyChain(storage::ConnectionPool& pool);

}  // namespace creditshare::audit
