#include "audit/audit_chain.h"

#include <openssl/evp.h>

#include <stdexcept>

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
      head = {r.chain_seq, r.hash};
    }
    if (!records.empty()) {
      storage::AuditRepository::MarkSealed(conn, records);
      storage::AuditRepository::SetHead(conn, head);
    }
    return static_cast<int>(records.size());
  });
  return sealed.value();
}

long Sealer::SealAll() {
  long total = 0;
  for (int n = SealBatch(); n > 0; n = SealBatch()) total += n;
  return total;
}

VerifyReport VerifyChain(storage::ConnectionPool& pool) {
  storage::AuditRepository repo(pool);
  VerifyReport report;
  report.unsealed = repo.CountUnsealed();
  const auto head = repo.ReadHead();
  std::string prev(32, '\0');
  std::uint64_t expected_seq = 1;
  constexpr int kPage = 5000;
  for (std::uint64_t after = 0;;) {
    const auto page = repo.ReadSealed(after, kPage);
    for (const auto& r : page) {
      if (r.chain_seq != expected_seq) {
        report.broken_record_id = r.id;
        report.problem = "chain sequence " + std::to_string(r.chain_seq) + " follows " + std::to_string(expected_seq - 1) +
                         " (a record is missing)";
        return report;
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
