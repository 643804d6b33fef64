#include "storage/audit_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>

#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr const char* kColumns =
    "SELECT id, at_us, principal, cert_fingerprint, method, purpose, consent_reference, borrower_key, result_code, "
    "request_id, latency_us, COALESCE(chain_seq, 0), COALESCE(prev_hash, ''), COALESCE(hash, ''), key_version "
    "FROM audit_log ";

domain::AuditRecord ReadRecord(sql::ResultSet& rs) {
  domain::AuditRecord r;
  r.id = rs.getUInt64(1);
  auto& e = r.event;
  e.at_us = rs.getInt64(2);
  e.principal = rs.getString(3);
  e.cert_fingerprint = rs.getString(4);
  e.method = rs.getString(5);
  e.purpose = rs.getInt(6);
  e.consent_reference = rs.getString(7);
  e.borrower_key = rs.getString(8);
  e.result_code = rs.getInt(9);
  e.request_id = rs.getString(10);
  e.latency_us = rs.getInt64(11);
  r.chain_seq = rs.getUInt64(12);
  r.prev_hash = rs.getString(13);
  r.hash = rs.getString(14);
  e.key_version = rs.getInt(15);
  return r;
}

std::vector<domain::AuditRecord> ReadAll(sql::PreparedStatement& stmt) {
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<domain::AuditRecord> out;
  while (rs->next()) out.push_back(ReadRecord(*rs));
  return out;
}
}  // namespace

namespace {
// Binds every field but the borrower key: parameters 1-6, then result code, request id and
// latency from `tail` (the borrower key comes from elsewhere in the statement).
void BindEvent(sql::PreparedStatement& stmt, const domain::AuditEvent& e, int tail) {
  stmt.setInt64(1, e.at_us);
  stmt.setString(2, e.principal);
  stmt.setString(3, e.cert_fingerprint);
  stmt.setString(4, e.method);
  stmt.setInt(5, e.purpose);
  stmt.setString(6, e.consent_reference);
  stmt.setInt(tail, e.result_code);
  stmt.setString(tail + 1, e.request_id);
  stmt.setInt64(tail + 2, e.latency_us);
}
}  // namespace

void AuditRepository::Insert(Connection& conn, const domain::AuditEvent& e) { InsertMany(conn, {&e}); }

void AuditRepository::InsertMany(Connection& conn, const std::vector<const domain::AuditEvent*>& events) {
  if (events.empty()) return;
  const std::string sql =
      "INSERT INTO audit_log (at_us, principal, cert_fingerprint, method, purpose, consent_reference, borrower_key, "
      "result_code, request_id, latency_us, key_version) VALUES ";
  auto stmt = conn.PrepareRows(sql + RowsOf("(" + Placeholders(11) + ")", events.size()), events.size());
  int base = 0;
  for (const auto* e : events) {
    stmt->setInt64(base + 1, e->at_us);
    stmt->setString(base + 2, e->principal);
    stmt->setString(base + 3, e->cert_fingerprint);
    stmt->setString(base + 4, e->method);
    stmt->setInt(base + 5, e->purpose);
    stmt->setString(base + 6, e->consent_reference);
    stmt->setString(base + 7, e->borrower_key);
    stmt->setInt(base + 8, e->result_code);
    stmt->setString(base + 9, e->request_id);
    stmt->setInt64(base + 10, e->latency_us);
    stmt->setInt(base + 11, e->key_version);
    base += 11;
  }
  stmt->executeUpdate();
}

void AuditRepository::InsertForBorrower(Connection& conn, const domain::AuditEvent& e, std::uint64_t borrower_id) {
  auto& stmt = conn.Prepare(
      "INSERT INTO audit_log (at_us, principal, cert_fingerprint, method, purpose, consent_reference, borrower_key, "
      "result_code, request_id, latency_us, key_version) SELECT ?, ?, ?, ?, ?, ?, b.borrower_key, ?, ?, ?, "
      "b.key_version FROM borrowers b "
      "WHERE b.id = ?");
  BindEvent(stmt, e, 7);
  stmt.setUInt64(10, borrower_id);
  if (stmt.executeUpdate() != 1) throw std::runtime_error("audit record for a change of an unknown borrower");
}

namespace {
constexpr const char* kHeadColumns =
    "SELECT seq, hash, reseal_seq, COALESCE(reseal_hash, ''), COALESCE(reseal_old_hash, '') FROM audit_chain_head "
    "WHERE id = 1";

ChainHead ReadHeadRow(sql::PreparedStatement& stmt) {
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) throw std::runtime_error("audit_chain_head is missing its row");
  ChainHead head{rs->getUInt64(1), rs->getString(2), std::nullopt};
  if (!rs->isNull(3)) head.reseal = ResealPoint{rs->getUInt64(3), rs->getString(4), rs->getString(5)};
  return head;
}
}  // namespace

ChainHead AuditRepository::LockHead(Connection& conn) {
  return ReadHeadRow(conn.Prepare(std::string(kHeadColumns) + " FOR UPDATE"));
}

ChainHead AuditRepository::ReadHead(Connection& conn) { return ReadHeadRow(conn.Prepare(kHeadColumns)); }

std::vector<domain::AuditRecord> AuditRepository::LockUnsealed(Connection& conn, int limit) {
  // No ORDER BY: MariaDB sorted every unsealed record to return the first `limit` (a filesort
  // even on the index, whose NULL entries are already in id order), so a backlog made each batch
  // slower. The index scan stops after `limit`; the batch is chained in id order.
  auto& stmt = conn.Prepare(std::string(kColumns) + "WHERE chain_seq IS NULL LIMIT ? FOR UPDATE");
  stmt.setInt(1, limit);
  auto records = ReadAll(stmt);
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return records;
}

void AuditRepository::MarkSealed(Connection& conn, const std::vector<domain::AuditRecord>& records) {
  // A few hundred rows per statement: one round trip and one plan instead of one per record.
  constexpr std::size_t kRowsPerStatement = 200;
  for (std::size_t first = 0; first < records.size(); first += kRowsPerStatement) {
    const std::size_t n = std::min(kRowsPerStatement, records.size() - first);
    // Hashes are bytes: cast, or the derived table would give them the connection's charset.
    std::string rows = "SELECT ? AS id, ? AS seq, CAST(? AS BINARY) AS prev, CAST(? AS BINARY) AS h";
    for (std::size_t i = 1; i < n; ++i) rows += " UNION ALL SELECT ?, ?, CAST(? AS BINARY), CAST(? AS BINARY)";
    auto stmt = conn.PrepareRows(
        "UPDATE audit_log a JOIN (" + rows + ") v ON a.id = v.id SET a.chain_seq = v.seq, a.prev_hash = v.prev, a.hash = v.h",
        n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = records[first + i];
      const int base = static_cast<int>(i) * 4;
      stmt->setUInt64(base + 1, r.id);
      stmt->setUInt64(base + 2, r.chain_seq);
      stmt->setString(base + 3, r.prev_hash);
      stmt->setString(base + 4, r.hash);
    }
    if (stmt->executeUpdate() != static_cast<int>(n)) throw std::runtime_error("audit records changed while sealing");
  }
}

void AuditRepository::SetHead(Connection& conn, const ChainHead& head) {
  auto& stmt = conn.Prepare(
      "UPDATE audit_chain_head SET seq = ?, hash = ?, reseal_seq = ?, reseal_hash = ?, reseal_old_hash = ? WHERE id = 1");
  stmt.setUInt64(1, head.seq);
  stmt.setString(2, head.hash);
  if (head.reseal) {
    stmt.setUInt64(3, head.reseal->seq);
    stmt.setString(4, head.reseal->new_hash);
    stmt.setString(5, head.reseal->old_hash);
  } else {
    for (int i = 3; i <= 5; ++i) stmt.setNull(i, 0);
  }
  stmt.executeUpdate();
}

std::vector<domain::AuditRecord> AuditRepository::LockSealedAfter(Connection& conn, std::uint64_t after_seq,
                                                                  int limit) {
  auto& stmt = conn.Prepare(std::string(kColumns) + "WHERE chain_seq > ? ORDER BY chain_seq LIMIT ? FOR UPDATE");
  stmt.setUInt64(1, after_seq);
  stmt.setInt(2, limit);
  return ReadAll(stmt);
}

std::optional<std::uint64_t> AuditRepository::FirstSealedUnder(Connection& conn, int version) {
  auto& stmt = conn.Prepare(
      "SELECT MIN(chain_seq) FROM audit_log WHERE key_version = ? AND borrower_key <> '' AND chain_seq IS NOT NULL");
  stmt.setInt(1, version);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next() || rs->isNull(1)) return std::nullopt;
  return rs->getUInt64(1);
}

std::string AuditRepository::HashAt(Connection& conn, std::uint64_t seq) {
  if (seq == 0) return std::string(32, '\0');
  auto& stmt = conn.Prepare("SELECT hash FROM audit_log WHERE chain_seq = ?");
  stmt.setUInt64(1, seq);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) throw std::runtime_error("audit record " + std::to_string(seq) + " of the chain is missing");
  return rs->getString(1);
}

void AuditRepository::Rewrite(Connection& conn, const std::vector<domain::AuditRecord>& records) {
  constexpr std::size_t kRowsPerStatement = 200;
  for (std::size_t first = 0; first < records.size(); first += kRowsPerStatement) {
    const std::size_t n = std::min(kRowsPerStatement, records.size() - first);
    std::string rows =
        "SELECT ? AS id, CAST(? AS BINARY) AS k, ? AS v, CAST(? AS BINARY) AS prev, CAST(? AS BINARY) AS h";
    for (std::size_t i = 1; i < n; ++i)
      rows += " UNION ALL SELECT ?, CAST(? AS BINARY), ?, CAST(? AS BINARY), CAST(? AS BINARY)";
    auto stmt = conn.PrepareRows("UPDATE audit_log a JOIN (" + rows +
                                     ") v ON a.id = v.id SET a.borrower_key = v.k, a.key_version = v.v, "
                                     "a.prev_hash = v.prev, a.hash = v.h",
                                 n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = records[first + i];
      const int base = static_cast<int>(i) * 5;
      stmt->setUInt64(base + 1, r.id);
      stmt->setString(base + 2, r.event.borrower_key);
      stmt->setInt(base + 3, r.event.key_version);
      stmt->setString(base + 4, r.prev_hash);
      stmt->setString(base + 5, r.hash);
    }
    stmt->executeUpdate();
  }
}

std::vector<domain::AuditRecord> AuditRepository::ReadSealed(Connection& conn, std::uint64_t after_seq, int limit) {
  auto& stmt = conn.Prepare(std::string(kColumns) + "WHERE chain_seq > ? ORDER BY chain_seq LIMIT ?");
  stmt.setUInt64(1, after_seq);
  stmt.setInt(2, limit);
  return ReadAll(stmt);
}

std::vector<domain::AuditRecord> AuditRepository::ReadSealed(std::uint64_t after_seq, int limit) {
  return WithConnection(pool_, [&](Connection& conn) { return ReadSealed(conn, after_seq, limit); });
}

ChainHead AuditRepository::ReadHead() {
  return WithConnection(pool_, [&](Connection& conn) { return ReadHead(conn); });
}

long AuditRepository::CountUnsealed(Connection& conn) {
  std::unique_ptr<sql::ResultSet> rs(
      conn.Prepare("SELECT COUNT(*) FROM audit_log WHERE chain_seq IS NULL").executeQuery());
  rs->next();
  return static_cast<long>(rs->getInt64(1));
}

long AuditRepository::CountUnsealed() {
  return WithConnection(pool_, [&](Connection& conn) { return CountUnsealed(conn); });
}

std::vector<domain::AuditRecord> AuditRepository::Find(const AuditFilter& f, int limit) {
  return WithConnection(pool_, [&](Connection& conn) {
    // NULL filters match everything; the statement text stays the same so it is prepared once.
    auto& stmt = conn.Prepare(std::string(kColumns) +
                              "WHERE (? IS NULL OR principal = ?) AND (? IS NULL OR borrower_key IN (?, ?)) "
                              "AND at_us >= ? AND at_us < ? ORDER BY at_us, id LIMIT ?");
    auto bind_optional = [&stmt](int index, const std::optional<std::string>& v) {
      if (v) {
        stmt.setString(index, *v);
        stmt.setString(index + 1, *v);
      } else {
        stmt.setNull(index, 0);
        stmt.setNull(index + 1, 0);
      }
    };
    bind_optional(1, f.principal);
    if (f.borrower_key) {
      stmt.setString(3, f.borrower_key->current);
      stmt.setString(4, f.borrower_key->current);
      stmt.setString(5, f.borrower_key->other);
    } else {
      for (int i = 3; i <= 5; ++i) stmt.setNull(i, 0);
    }
    stmt.setInt64(6, f.from_us);
    stmt.setInt64(7, f.to_us);
    stmt.setInt(8, limit);
    return ReadAll(stmt);
  });
}

}  // namespace creditshare::storage
