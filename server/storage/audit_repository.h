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

struct ChainHead {
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

class AuditRepository {
 public:
  explicit AuditRepository(ConnectionPool& pool) : pool_(pool) {}

  // Appends records inside the caller's transaction (one multi-row statement).
  static void Insert(Connection& conn, const domain::AuditEvent& event);
  static void InsertMany(Connection& conn, const std::vector<const domain::AuditEvent*>& events);
  // The same, for a change found by something other than the resident ID (a line, a reservation,
  // a dispute): the record takes the borrower key of borrower `borrower_id`.
  static void InsertForBorrower(Connection& conn, const domain::AuditEvent& event, std::uint64_t borrower_id);

  // Sealing, inside one transaction: lock the head, take unsealed records, chain, move the head.
  static ChainHead LockHead(Connection& conn);
  static std::vector<domain::AuditRecord> LockUnsealed(Connection& conn, int limit);
  static void MarkSealed(Connection& conn, const std::vector<domain::AuditRecord>& records);
  // Writes seq, hash and the re-seal point.
  static void SetHead(Connection& conn, const ChainHead& head);

  // Re-sealing, inside one transaction with the head locked.
  static std::vector<domain::AuditRecord> LockSealedAfter(Connection& conn, std::uint64_t after_seq, int limit);
  // The first sealed record holding a borrower key of `version`.
  static std::optional<std::uint64_t> FirstSealedUnder(Connection& conn, int version);
  static std::string HashAt(Connection& conn, std::uint64_t seq);
  // Stores the records' borrower key, key version and chain links.
  static void Rewrite(Connection& conn, const std::vector<domain::AuditRecord>& records);

  // Reads on a connection the caller holds (a verifier's snapshot).
  static std::vector<domain::AuditRecord> ReadSealed(Connection& conn, std::uint64_t after_seq, int limit);
  static ChainHead ReadHead(Connection& conn);
  static long CountUnsealed(Connection& conn);

  // Sealed records with chain_seq > after_seq, in chain order.
  std::vector<domain::AuditRecord> ReadSealed(std::uint64_t after_seq, int limit);
  ChainHead ReadHead();
  long CountUnsealed();
  // Records matching the filter (sealed or not), oldest first.
  std::vector<domain::AuditRecord> Find(const AuditFilter& filter, int limit);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
