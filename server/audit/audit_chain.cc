#include "audit/audit_chain.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string_view>

#include "storage/transaction.h"

namespace creditshare::audit {

namespace {
// Chains up to `max_records` unsealed records into lane 0, whose head the caller has locked.
int SealLocked(storage::Connection& conn, storage::ChainHead& head, int max_records) {
  auto records = storage::AuditRepository::LockUnsealed(conn, max_records);
  for (auto& r : records) {
    r.lane = storage::kSealerLane;
    r.chain_seq = head.seq + 1;
    r.prev_hash = head.hash;
    r.hash = ChainHash(r.prev_hash, r);
    head.seq = r.chain_seq;  // a re-seal under way stays where it is
    head.hash = r.hash;
  }
  if (!records.empty()) {
    storage::AuditRepository::MarkSealed(conn, records);
    storage::AuditRepository::SetHead(conn, head);
  }
  return static_cast<int>(records.size());
}
}  // namespace

int Sealer::SealBatch(int max_records) {
  return storage::RunTransaction(pool_, [&](storage::Connection& conn) -> domain::Result<int> {
    auto head = storage::AuditRepository::LockHead(conn, storage::kSealerLane);
    return SealLocked(conn, head, max_records);
  }).value();
}

long Sealer::Checkpoint() {
  return storage::RunTransaction(pool_, [&](storage::Connection& conn) -> domain::Result<long> {
    auto head = storage::AuditRepository::LockHead(conn, storage::kSealerLane);  // one checkpointer at a time
    const auto points = storage::AuditRepository::LanesMovedSinceCheckpoint(conn);
    if (points.empty()) return 0L;
    domain::AuditEvent event;
    event.at_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    event.principal = "creditshare";
    event.method = domain::kAuditCheckpointMethod;
    event.request_id = storage::CheckpointDigest(points);
    storage::AuditRepository::InsertCheckpoint(conn, event, points);
    // Sealed at once with whatever else is unsealed, so lane 0 covers the list from now on.
    while (SealLocked(conn, head, 5000) == 5000) {
    }
    return static_cast<long>(points.size());
  }).value();
}

long ResealBatch(storage::ConnectionPool& pool, int from, int to,
                 const std::function<std::string(std::string_view)>& rewrap, int max_records) {
  using storage::AuditRepository;
  return storage::RunTransaction(pool, [&](storage::Connection& conn) -> domain::Result<long> {
    // A lane whose re-seal is under way first, else the first lane with a record under `from`.
    auto lane = AuditRepository::LaneBeingResealed(conn);
    if (!lane) lane = AuditRepository::FirstLaneUnder(conn, from);
    if (!lane) return -1L;
    auto head = AuditRepository::LockHead(conn, *lane);
    if (!head.reseal) {
      // Records before the first one under `from` keep their hashes.
      const auto first = AuditRepository::FirstSealedUnder(conn, *lane, from);
      if (!first) return 0L;  // re-sealed meanwhile by another job; the next call looks again
      const std::string at = AuditRepository::HashAt(conn, *lane, *first - 1);
      head.reseal = storage::ResealPoint{*first - 1, at, at};
    }
    auto records = AuditRepository::LockSealedAfter(conn, *lane, head.reseal->seq, max_records);
    std::string prev = head.reseal->new_hash;
    std::string old_hash = head.reseal->old_hash;
    std::uint64_t expected_seq = head.reseal->seq + 1;
    for (auto& r : records) {
      // Each record must still be what the old chain sealed: a re-seal never blesses an edit,
      // a deletion or a broken link made before it (the whole batch rolls back).
      if (r.chain_seq != expected_seq || r.prev_hash != old_hash || ChainHash(r.prev_hash, r) != r.hash)
        throw std::runtime_error("audit record " + std::to_string(r.id) + " (lane " + std::to_string(r.lane) +
                                 ", chain seq " + std::to_string(r.chain_seq) + ") does not match the chain it was sealed in; the re-seal stopped without "
                                 "changing it: run `creditshare-admin audit verify`");
      ++expected_seq;
      old_hash = r.hash;
      if (r.event.key_version == from && !r.event.borrower_key.empty()) {
        r.event.borrower_key = rewrap(r.event.borrower_key);
        r.event.key_version = to;
      }
      r.prev_hash = prev;
      r.hash = ChainHash(prev, r);
      prev = r.hash;
    }
    const bool reached_head = records.empty() || records.back().chain_seq == head.seq;
    if (reached_head && old_hash != head.hash)
      throw std::runtime_error("the head of audit lane " + std::to_string(*lane) +
                               " does not match its last record (records were removed from the end); the re-seal "
                               "stopped: run `creditshare-admin audit verify`");
    AuditRepository::Rewrite(conn, records);
    if (reached_head) {
      head.hash = prev;  // the chain's end is the re-sealed one now
      head.reseal.reset();
    } else {
      head.reseal = storage::ResealPoint{records.back().chain_seq, prev, old_hash};
    }
    AuditRepository::SetHead(conn, head);
    return static_cast<long>(records.size());
  }).value();
}

long Sealer::SealAll() {
  long total = 0;
  for (int n = SealBatch(); n > 0; n = SealBatch()) total += n;
  return total;
}

namespace {
// A checkpoint record's list must still hash to what the record says, and every lane it names must
// still reach the sequence number it had then. Returns the problem, or empty.
std::string CheckpointProblem(storage::Connection& conn, const domain::AuditRecord& r,
                              const std::vector<storage::ChainHead>& heads) {
  const auto points = storage::AuditRepository::ReadCheckpoint(conn, r.id);
  if (storage::CheckpointDigest(points) != r.event.request_id)
    return "the lanes this checkpoint names were altered (audit_checkpoints)";
  for (const auto& p : points) {
    const auto head = std::find_if(heads.begin(), heads.end(), [&](const auto& h) { return h.lane == p.lane; });
    if (head == heads.end())
      return "lane " + std::to_string(p.lane) + ", which this checkpoint saw at seq " + std::to_string(p.seq) +
             ", has no head row (the lane was deleted)";
    if (head->seq < p.seq)
      return "lane " + std::to_string(p.lane) + " ends at seq " + std::to_string(head->seq) +
             ", before the seq " + std::to_string(p.seq) + " this checkpoint saw: records were removed from its end";
  }
  return {};
}

// Checks one lane against its head; false (with the report's break set) at the first problem.
bool VerifyLane(storage::Connection& conn, const storage::ChainHead& head, const std::vector<storage::ChainHead>& heads,
                VerifyReport& report) {
  using storage::AuditRepository;
  const std::string lane_name = "lane " + std::to_string(head.lane) + ": ";
  std::string prev(32, '\0');
  std::uint64_t expected_seq = 1;
  constexpr int kPage = 5000;
  for (std::uint64_t after = 0;;) {
    const auto page = AuditRepository::ReadSealed(conn, head.lane, after, kPage);
    for (const auto& r : page) {
      auto broken = [&](const std::string& problem) {
        report.broken_record_id = r.id;
        report.problem = lane_name + problem;
        return false;
      };
      if (r.chain_seq != expected_seq)
        return broken("chain sequence " + std::to_string(r.chain_seq) + " follows " +
                      std::to_string(expected_seq - 1) + " (a record is missing)");
      if (head.reseal && r.chain_seq == head.reseal->seq + 1) {
        // A re-seal under way: the re-sealed part must end where the head says, and this record
        // still links to the old chain.
        if (prev != head.reseal->new_hash)
          return broken("the re-sealed part of the chain does not end at the head's re-seal point");
        prev = head.reseal->old_hash;
      }
      if (r.prev_hash != prev) return broken("previous-hash link does not match the record before it");
      if (ChainHash(prev, r) != r.hash) return broken("hash does not match the record's content (the record was altered)");
      if (head.lane == storage::kSealerLane && r.event.method == domain::kAuditCheckpointMethod) {
        if (auto problem = CheckpointProblem(conn, r, heads); !problem.empty()) return broken(problem);
        ++report.checkpoints;
      }
      prev = r.hash;
      ++expected_seq;
      ++report.sealed;
    }
    if (page.size() < static_cast<size_t>(kPage)) break;
    after = page.back().chain_seq;
  }
  if (head.seq != expected_seq - 1 || head.hash != prev) {
    report.problem = lane_name + "head (seq " + std::to_string(head.seq) + ") does not match the last sealed record (seq " +
                     std::to_string(expected_seq - 1) + "): records were removed from the end";
    report.broken_record_id = 0;
    return false;
  }
  return true;
}
}  // namespace

VerifyReport VerifyChain(storage::ConnectionPool& pool) {
  using storage::AuditRepository;
  // One snapshot: records written, sealed or re-sealed meanwhile do not look like a break.
  auto lease = pool.Acquire();
  storage::Connection& conn = *lease;
  conn.Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  conn.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  struct EndSnapshot {
    storage::Connection& conn;
    ~EndSnapshot() {
      try {
        conn.Execute("COMMIT");
      } catch (...) {
      }
    }
  } end{conn};
  VerifyReport report;
  report.unsealed = AuditRepository::CountUnsealed(conn);
  const auto heads = AuditRepository::ReadHeads(conn);
  if (heads.empty() || heads.front().lane != storage::kSealerLane) {
    report.broken_record_id = 0;
    report.problem = "audit lane 0 has no head row";
    return report;
  }
  for (const auto& head : heads) {
    ++report.lanes;
    if (!VerifyLane(conn, head, heads, report)) return report;
  }
  // Records of a lane whose head row is gone cannot be checked: that is a break too.
  std::int64_t after = -1;
  for (auto lane = AuditRepository::NextLaneWithRecords(conn, after); lane;
       lane = AuditRepository::NextLaneWithRecords(conn, after)) {
    const bool known = std::any_of(heads.begin(), heads.end(), [&](const auto& h) { return h.lane == *lane; });
    if (!known) {
      report.broken_record_id = 0;
      report.problem = "lane " + std::to_string(*lane) + " holds records but has no head row (it was deleted)";
      return report;
    }
    after = *lane;
  }
  return report;
}

}  // namespace creditshare::audit
