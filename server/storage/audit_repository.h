#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/audit.h"
#include "domain/keyed_digest.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// A re-seal under way (audit::ResealBatch): records up to `seq` are chained anew up to
// `new_hash`; the record after `seq` still links to `old_hash`, the hash `seq` had before.
struct ResealPoint {
  std::uint64_t seq = 0;
  std::string new_hash;
  std::string old_hash;
};

// The head row of one lane (audit_lanes).
struct ChainHead {
  std::uint32_t lane = 0;
  std::uint64_t seq = 0;
  std::string hash;  // 32 bytes; zeros before the first record
  std::optional<ResealPoint> reseal;
};

struct AuditFilter {
  std::optional<std::string> principal;
  std::optional<domain::KeyedDigest> borrower_key;
  std::int64_t from_us = 0;
  std::int64_t to_us = INT64_MAX;
};

// SHA-256(prev_hash || canonical encoding of the record): domain::CanonicalEncoding for lane 0,
// domain::LaneCanonicalEncoding for the others.
std::string ChainHash(const std::string& prev_hash, const domain::AuditRecord& record);

// A lane and a sequence number in it, as a checkpoint records them.
struct LanePoint {
  std::uint32_t lane = 0;
  std::uint64_t seq = 0;
  bool operator==(const LanePoint&) const = default;
};

// The checkpoint record's request_id: hex SHA-256 of "lane:seq;" for each point, in lane order.
std::string CheckpointDigest(const std::vector<LanePoint>& points);

// The lane whose lease is never taken: the sealer's chain of records written unsealed.
inline constexpr std::uint32_t kSealerLane = 0;
// How long a lane stays its connection's after its last append (then another connection may
// take it over and continue its chain).
inline constexpr std::int64_t kLaneLeaseUs = 10LL * 60 * 1'000'000;

class AuditRepository {
 public:
  explicit AuditRepository(ConnectionPool& pool) : pool_(pool) {}

  // Appends records inside the caller's transaction, hashed: they continue the chain of the
  // connection's lane, whose head row moves in the same transaction (one UPDATE and one multi-row
  // INSERT). Throws std::logic_error outside a transaction.
  static void Insert(Connection& conn, const domain::AuditEvent& event);
  static void InsertMany(Connection& conn, const std::vector<const domain::AuditEvent*>& events);
  // The same, for a change found by something other than the resident ID (a line, a reservation,
  // a dispute): the record takes the borrower key of borrower `borrower_id`.
  static void InsertForBorrower(Connection& conn, const domain::AuditEvent& event, std::uint64_t borrower_id);

  // Sealing lane 0, inside one transaction: lock its head, take unsealed records, chain, move the head.
  static ChainHead LockHead(Connection& conn, std::uint32_t lane);
  static std::vector<domain::AuditRecord> LockUnsealed(Connection& conn, int limit);
  static void MarkSealed(Connection& conn, const std::vector<domain::AuditRecord>& records);
  // Checkpoints, inside the sealer's transaction (lane 0's head locked): the lanes whose head is past
  // their last checkpointed sequence number; a checkpoint record (unsealed, in lane 0: the sealing
  // that follows chains it) with its points; a checkpoint's points.
  static std::vector<LanePoint> LanesMovedSinceCheckpoint(Connection& conn);
  static void InsertCheckpoint(Connection& conn, const domain::AuditEvent& event, const std::vector<LanePoint>& points);
  static std::vector<LanePoint> ReadCheckpoint(Connection& conn, std::uint64_t record_id);
  // Writes seq, hash and the re-seal point.
  static void SetHead(Connection& conn, const ChainHead& head);

  // Re-sealing, inside one transaction with the lane's head locked.
  static std::vector<domain::AuditRecord> LockSealedAfter(Connection& conn, std::uint32_t lane, std::uint64_t after_seq,
                                                          int limit);
  // A lane with a re-seal under way, if any.
  static std::optional<std::uint32_t> LaneBeingResealed(Connection& conn);
  // The first sealed record of `lane` holding a borrower key of `version`; with no lane given, the
  // lane (the lowest) and record where one is.
  static std::optional<std::uint64_t> FirstSealedUnder(Connection& conn, std::uint32_t lane, int version);
  static std::optional<std::uint32_t> FirstLaneUnder(Connection& conn, int version);
  static std::string HashAt(Connection& conn, std::uint32_t lane, std::uint64_t seq);
  // Stores the records' borrower key, key version and chain links.
  static void Rewrite(Connection& conn, const std::vector<domain::AuditRecord>& records);

  // Reads on a connection the caller holds (a verifier's snapshot).
  // Sealed records of `lane` with chain_seq > after_seq, in chain order.
  static std::vector<domain::AuditRecord> ReadSealed(Connection& conn, std::uint32_t lane, std::uint64_t after_seq,
                                                     int limit);
  static std::vector<ChainHead> ReadHeads(Connection& conn);
  // The lowest lane above `after` that holds records (whether it has a head row or not).
  static std::optional<std::uint32_t> NextLaneWithRecords(Connection& conn, std::int64_t after);
  static long CountUnsealed(Connection& conn);

  std::vector<ChainHead> ReadHeads();
  long CountUnsealed();
  // Records matching the filter (sealed or not), oldest first.
  std::vector<domain::AuditRecord> Find(const AuditFilter& filter, int limit);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
