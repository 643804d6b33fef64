#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/audit.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

struct ChainHead {
  std::uint64_t seq = 0;
  std::string hash;  // 32 bytes; zeros before the first record
};

struct AuditFilter {
  std::optional<std::string> principal;
  std::optional<std::string> borrower_key;
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
  static void SetHead(Connection& conn, const ChainHead& head);

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
