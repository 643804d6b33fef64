#include "storage/key_rotation_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
// "UPDATE t JOIN (rows of (match, new key)) v ON t.<match> = v.m SET t.<column> = v.k,
// t.key_version = ?": one statement per batch. Keys are bytes: cast, or the derived table would
// give them the connection's charset.
std::string RewriteJoin(const std::string& table, const std::string& match_column, const std::string& key_column,
                        bool match_is_key, std::size_t n) {
  const std::string m = match_is_key ? "CAST(? AS BINARY)" : "?";
  std::string rows = "SELECT " + m + " AS m, CAST(? AS BINARY) AS k";
  for (std::size_t i = 1; i < n; ++i) rows += " UNION ALL SELECT " + m + ", CAST(? AS BINARY)";
  return "UPDATE " + table + " t JOIN (" + rows + ") v ON t." + match_column + " = v.m SET t." + key_column +
         " = v.k, t.key_version = ? WHERE t.key_version = ?";
}

struct Row {
  std::uint64_t id = 0;
  std::string key;
};

// The next `batch` rows of `table` under `from` (and `condition`) after id `cursor`, locked.
std::vector<Row> LockRowsAfter(Connection& conn, const std::string& table, const std::string& condition,
                               std::uint64_t cursor, int from, int batch) {
  auto& select = conn.Prepare("SELECT id, borrower_key FROM " + table + " WHERE id > ? AND key_version = ?" +
                              condition + " ORDER BY id LIMIT ? FOR UPDATE");
  select.setUInt64(1, cursor);
  select.setInt(2, from);
  select.setInt(3, batch);
  std::vector<Row> rows;
  std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
  while (rs->next()) rows.push_back({rs->getUInt64(1), rs->getString(2)});
  return rows;
}
}  // namespace

std::map<int, domain::KeyVersionState> KeyVersionRepository::Read() {
  return WithConnection(pool_, [](Connection& conn) {
    std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT version, state FROM key_versions").executeQuery());
    std::map<int, domain::KeyVersionState> out;
    while (rs->next()) out.emplace(rs->getInt(1), static_cast<domain::KeyVersionState>(rs->getInt(2)));
    return out;
  });
}

void KeyVersionRepository::MarkInUse(int version) {
  WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare("INSERT IGNORE INTO key_versions (version, state) VALUES (?, ?)");
    stmt.setInt(1, version);
    stmt.setInt(2, static_cast<int>(domain::KeyVersionState::kInUse));
    stmt.executeUpdate();
    return 0;
  });
}

void KeyVersionRepository::MarkRetired(Connection& conn, int version) {
  auto& stmt = conn.Prepare(
      "INSERT INTO key_versions (version, state) VALUES (?, ?) "
      "ON DUPLICATE KEY UPDATE state = VALUES(state), changed_at = CURRENT_TIMESTAMP(6)");
  stmt.setInt(1, version);
  stmt.setInt(2, static_cast<int>(domain::KeyVersionState::kRetired));
  stmt.executeUpdate();
}

void KeyVersionRepository::ReportServer(const std::string& server_id, int current, const std::vector<int>& versions) {
  std::string list;
  for (const int v : versions) list += (list.empty() ? "" : ",") + std::to_string(v);
  WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "INSERT INTO key_set_servers (server_id, current_version, versions, seen_at) VALUES (?, ?, ?, NOW(6)) "
        "ON DUPLICATE KEY UPDATE current_version = VALUES(current_version), versions = VALUES(versions), "
        "seen_at = VALUES(seen_at)");
    stmt.setString(1, server_id);
    stmt.setInt(2, current);
    stmt.setString(3, list);
    stmt.executeUpdate();
    return 0;
  });
}

void KeyVersionRepository::ForgetServer(const std::string& server_id) {
  WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare("DELETE FROM key_set_servers WHERE server_id = ?");
    stmt.setString(1, server_id);
    stmt.executeUpdate();
    return 0;
  });
}

std::vector<domain::ServerKeySet> KeyVersionRepository::LiveServers(int max_age_s) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "SELECT server_id, current_version, versions FROM key_set_servers "
        "WHERE seen_at >= NOW(6) - INTERVAL ? SECOND ORDER BY server_id");
    stmt.setInt(1, max_age_s);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<domain::ServerKeySet> out;
    while (rs->next()) {
      domain::ServerKeySet s{rs->getString(1), rs->getInt(2), {}};
      const std::string list = rs->getString(3);
      for (std::size_t i = 0; i < list.size();) {
        const std::size_t comma = std::min(list.find(',', i), list.size());
        s.versions.push_back(std::stoi(list.substr(i, comma - i)));
        i = comma + 1;
      }
      out.push_back(std::move(s));
    }
    return out;
  });
}

long RekeyRepository::BorrowersBatch() {
  if (borrowers_done_) return -1;
  auto changed = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<long> {
    const auto rows = LockRowsAfter(conn, "borrowers", "", borrower_cursor_, from_, batch_);
    if (rows.empty()) return -1L;
    std::vector<std::string> rekeyed;
    for (const auto& r : rows) rekeyed.push_back(rewrap_(r.key));
    auto borrowers = conn.PrepareRows(RewriteJoin("borrowers", "id", "borrower_key", false, rows.size()), rows.size());
    auto inquiries =
        conn.PrepareRows(RewriteJoin("inquiries", "borrower_key", "borrower_key", true, rows.size()), rows.size());
    int p = 1;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      borrowers->setUInt64(p, rows[i].id);
      inquiries->setString(p, rows[i].key);
      borrowers->setString(p + 1, rekeyed[i]);
      inquiries->setString(p + 1, rekeyed[i]);
      p += 2;
    }
    for (auto* stmt : {&*borrowers, &*inquiries}) {
      stmt->setInt(p, to_);
      stmt->setInt(p + 1, from_);
    }
    if (borrowers->executeUpdate() != static_cast<int>(rows.size()))
      throw std::runtime_error("borrowers changed while they were re-keyed");
    const long joined = inquiries->executeUpdate();
    borrower_cursor_ = rows.back().id;
    inquiries_with_borrowers_ += joined;
    return static_cast<long>(rows.size());
  });
  if (changed.value() < 0) borrowers_done_ = true;
  return changed.value();
}

long RekeyRepository::ByIdBatch(const char* table, const char* condition, std::uint64_t& cursor, bool& done) {
  if (done) return -1;
  auto changed = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<long> {
    const auto rows = LockRowsAfter(conn, table, condition, cursor, from_, batch_);
    if (rows.empty()) return -1L;
    auto stmt = conn.PrepareRows(RewriteJoin(table, "id", "borrower_key", false, rows.size()) + condition, rows.size());
    int p = 1;
    for (const auto& r : rows) {
      stmt->setUInt64(p++, r.id);
      stmt->setString(p++, rewrap_(r.key));
    }
    stmt->setInt(p, to_);
    stmt->setInt(p + 1, from_);
    stmt->executeUpdate();
    cursor = rows.back().id;
    return static_cast<long>(rows.size());
  });
  if (changed.value() < 0) done = true;
  return changed.value();
}

long RekeyRepository::InquiriesBatch() { return ByIdBatch("inquiries", "", inquiry_cursor_, inquiries_done_); }

long RekeyRepository::UnsealedAuditBatch() {
  // Audit records without a borrower carry nothing derived from the key set.
  return ByIdBatch("audit_log", " AND chain_seq IS NULL AND borrower_key <> ''", audit_cursor_, audit_done_);
}

long RekeyRepository::IdempotencyBatch() {
  if (idempotency_done_) return -1;
  auto changed = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<long> {
    auto& select = conn.Prepare(
        "SELECT member_id, request_id, request_fingerprint FROM idempotency_keys "
        "WHERE (member_id > ? OR (member_id = ? AND request_id > ?)) AND key_version = ? "
        "ORDER BY member_id, request_id LIMIT ? FOR UPDATE");
    select.setUInt64(1, idem_member_);
    select.setUInt64(2, idem_member_);
    select.setString(3, idem_request_);
    select.setInt(4, from_);
    select.setInt(5, batch_);
    struct Key {
      std::uint64_t member;
      std::string request;
      std::string fingerprint;
    };
    std::vector<Key> rows;
    {
      std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
      while (rs->next()) rows.push_back({rs->getUInt64(1), rs->getString(2), rs->getString(3)});
    }
    if (rows.empty()) return -1L;
    auto& update = conn.Prepare(
        "UPDATE idempotency_keys SET request_fingerprint = ?, key_version = ? "
        "WHERE member_id = ? AND request_id = ? AND key_version = ?");
    for (const auto& r : rows) {
      update.setString(1, rewrap_(r.fingerprint));
      update.setInt(2, to_);
      update.setUInt64(3, r.member);
      update.setString(4, r.request);
      update.setInt(5, from_);
      update.executeUpdate();
    }
    idem_member_ = rows.back().member;
    idem_request_ = rows.back().request;
    return static_cast<long>(rows.size());
  });
  if (changed.value() < 0) idempotency_done_ = true;
  return changed.value();
}

void RekeyRepository::Restart() {
  borrower_cursor_ = inquiry_cursor_ = audit_cursor_ = idem_member_ = 0;
  idem_request_.clear();
  borrowers_done_ = inquiries_done_ = idempotency_done_ = audit_done_ = false;
}

std::map<std::string, long> RekeyRepository::Remaining() {
  return WithConnection(pool_, [&](Connection& conn) {
    std::map<std::string, long> out;
    // Audit records without a borrower carry no key-derived value, whatever their version.
    for (const auto& [table, extra] : std::vector<std::pair<std::string, std::string>>{
             {"borrowers", ""}, {"inquiries", ""}, {"idempotency_keys", ""}, {"audit_log", " AND borrower_key <> ''"}}) {
      auto& stmt = conn.Prepare("SELECT COUNT(*) FROM " + table + " WHERE key_version = ?" + extra);
      stmt.setInt(1, from_);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      rs->next();
      out[table] = static_cast<long>(rs->getInt64(1));
    }
    return out;
  });
}

void RekeyRepository::Finish(const std::function<void(Connection&)>& record) {
  RunTransaction(pool_, [&](Connection& conn) -> domain::Result<int> {
    // Counted again in the transaction that retires the version: nothing may be left under it.
    for (const char* table : {"borrowers", "inquiries", "idempotency_keys"}) {
      auto& stmt = conn.Prepare(std::string("SELECT COUNT(*) FROM ") + table + " WHERE key_version = ?");
      stmt.setInt(1, from_);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      rs->next();
      if (rs->getInt64(1) != 0)
        throw std::runtime_error(std::string("values arrived under key version ") + std::to_string(from_) + " in " +
                                 table + " while the re-keying ended: run it again");
    }
    KeyVersionRepository::MarkRetired(conn, from_);
    conn.Execute("DELETE FROM borrower_claims");
    record(conn);
    return 0;
  }).value();
}

}  // namespace creditshare::storage
