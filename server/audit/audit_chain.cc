#include "audit/audit_chain.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string_view>

#include "storage/transaction.h"

namespace creditshare::audit {

std::string ChainHash(const std::string& prev_hash, const domain::AuditRecord& record) {
  const std::string body = prev_hash + domain::CanonicalEncoding(record.id, record.event);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(body.data(), body.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(md), len);
}

int Sealer::SealBatch(int max_records) {
  auto sealed = storage::RunTransaction(pool_, [&](storage::Connection& conn) -> domain::Result<int> {
    auto head = storage::AuditRepository::LockHead(conn);
    auto records = storage::AuditRepository::LockUnsealed(conn, max_records);
    for (auto& r : records) {
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
  });
  return sealed.value();
}

long ResealBatch(storage::ConnectionPool& pool, int from, int to,
                 const std::function<std::string(std::string_view)>& rewrap, int max_records) {
  using storage::AuditRepository;
  return storage::RunTransaction(pool, [&](storage::Connection& conn) -> domain::Result<long> {
    auto head = AuditRepository::LockHead(conn);
    if (!head.reseal) {
      // Records before the first one under `from` keep their hashes.
      const auto first = AuditRepository::FirstSealedUnder(conn, from);
      if (!first) return -1L;
      const std::string at = AuditRepository::HashAt(conn, *first - 1);
      head.reseal = storage::ResealPoint{*first - 1, at, at};
    }
    auto records = AuditRepository::LockSealedAfter(conn, head.reseal->seq, max_records);
    std::string prev = head.reseal->new_hash;
    std::string old_hash = head.reseal->old_hash;
    std::uint64_t expected_seq = head.reseal->seq + 1;
    for (auto& r : records) {
      // Each record must still be what the old chain sealed: a re-seal never blesses an edit,
      // a deletion or a broken link made before it (the whole batch rolls back).
      if (r.chain_seq != expected_seq || r.prev_hash != old_hash || ChainHash(r.prev_hash, r) != r.hash)
        throw std::runtime_error("audit record " + std::to_string(r.id) + " (chain seq " + std::to_string(r.chain_seq) +
                                 ") does not match the chain it was sealed in; the re-seal stopped without "
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
      throw std::runtime_error("the audit chain's head does not match its last record (records were removed from the "
                               "end); the re-seal stopped: run `creditshare-admin audit verify`");
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

VerifyReport VerifyChain(storage::ConnectionPool& pool) {
  using storage::AuditRepository;
  // One snapshot: records sealed or re-sealed meanwhile do not look like a break.
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
  const auto head = AuditRepository::ReadHead(conn);
  std::string prev(32, '\0');
  std::uint64_t expected_seq = 1;
  constexpr int kPage = 5000;
  for (std::uint64_t after = 0;;) {
    const auto page = AuditRepository::ReadSealed(conn, after, kPage);
    for (const auto& r : page) {
      if (r.chain_seq != expected_seq) {
        report.broken_record_id = r.id;
        report.problem = "chain sequence " + std::to_string(r.chain_seq) + " follows " + std::to_string(expected_seq - 1) +
                         " (a record is missing)";
        return report;
      }
      if (head.reseal && r.chain_seq == head.reseal->seq + 1) {
        // A re-seal under way: the re-sealed part must end where the head says, and this record
        // still links to the old chain.
        if (prev != head.reseal->new_hash) {
          report.broken_record_id = r.id;
          report.problem = "the re-sealed part of the chain does not end at the head's re-seal point";
          return report;
        }
        prev = head.reseal->old_hash;
      }
      if (r.prev_hash != prev) {
        report.broken_record_id = r.id;
        report.problem = "previous-hash link does not match the record before it";
        return report;
      }
      if (ChainHash(prev, r) != r.hash) {
        report.broken_record_id = r.id;
        report.problem = "hash does not match the record's content (the record was altered)";
        return report;
      }
      prev = r.hash;
      ++expected_seq;
      ++report.sealed;
    }
    if (page.size() < static_cast<size_t>(kPage)) break;
    after = page.back().chain_seq;
  }
  if (head.seq != expected_seq - 1 || head.hash != prev) {
    report.problem = "chain head (seq " + std::to_string(head.seq) + ") does not match the last sealed record (seq " +
                     std::to_string(expected_seq - 1) + "): records were removed from the end";
    report.broken_record_id = 0;
  }
  return report;
}

}  // namespace creditshare::audit
