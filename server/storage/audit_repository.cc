#include "storage/audit_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "storage/sha256.h"
#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr const char* kColumns =
    "SELECT id, at_us, principal, cert_fingerprint, method, purpose, consent_reference, borrower_key, result_code, "
    "request_id, latency_us, COALESCE(chain_seq, 0), COALESCE(prev_hash, ''), COALESCE(hash, ''), key_version, lane "
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
  r.lane = rs.getUInt(16);
  return r;
}

// The audit_log columns every insert writes, bound from parameter base + 1 on in this order.
constexpr const char* kEventColumns =
    "at_us, principal, cert_fingerprint, method, purpose, consent_reference, borrower_key, result_code, request_id, "
    "latency_us, key_version";
constexpr int kEventParams = 11;

void BindEvent(sql::PreparedStatement& stmt, int base, const domain::AuditEvent& e) {
  stmt.setInt64(base + 1, e.at_us);
  stmt.setString(base + 2, e.principal);
  stmt.setString(base + 3, e.cert_fingerprint);
  stmt.setString(base + 4, e.method);
  stmt.setInt(base + 5, e.purpose);
  stmt.setString(base + 6, e.consent_reference);
  stmt.setString(base + 7, e.borrower_key);
  stmt.setInt(base + 8, e.result_code);
  stmt.setString(base + 9, e.request_id);
  stmt.setInt64(base + 10, e.latency_us);
  stmt.setInt(base + 11, e.key_version);
}

std::vector<domain::AuditRecord> ReadAll(sql::PreparedStatement& stmt) {
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<domain::AuditRecord> out;
  while (rs->next()) out.push_back(ReadRecord(*rs));
  return out;
}
}  // namespace


std::string ChainHash(const std::string& prev_hash, const domain::AuditRecord& record) {
  return Sha256(prev_hash + (record.lane == kSealerLane
                                 ? domain::CanonicalEncoding(record.id, record.event)
                                 : domain::LaneCanonicalEncoding(record.lane, record.chain_seq, record.event)));
}

std::string CheckpointDigest(const std::vector<LanePoint>& points) {
  std::string text;
  for (const auto& p : points) text += std::to_string(p.lane) + ":" + std::to_string(p.seq) + ";";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const unsigned char c : Sha256(text)) {
    hex += kHex[c >> 4];
    hex += kHex[c & 0xf];
  }
  return hex;
}

std::vector<LanePoint> AuditRepository::LanesMovedSinceCheckpoint(Connection& conn) {
  auto& stmt = conn.Prepare(
      "SELECT l.lane, l.seq FROM audit_lanes l WHERE l.lane <> ? AND l.seq > "
      "COALESCE((SELECT MAX(c.seq) FROM audit_checkpoints c WHERE c.lane = l.lane), 0) ORDER BY l.lane");
  stmt.setUInt(1, kSealerLane);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<LanePoint> points;
  while (rs->next()) points.push_back({rs->getUInt(1), rs->getUInt64(2)});
  return points;
}

void AuditRepository::InsertCheckpoint(Connection& conn, const domain::AuditEvent& e,
                                       const std::vector<LanePoint>& points) {
  auto& record = conn.Prepare(std::string("INSERT INTO audit_log (") + kEventColumns + ", lane) VALUES (" +
                              Placeholders(kEventParams + 1) + ")");
  BindEvent(record, 0, e);
  record.setUInt(kEventParams + 1, kSealerLane);
  record.executeUpdate();
  std::unique_ptr<sql::ResultSet> id(conn.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  id->next();
  const std::uint64_t record_id = id->getUInt64(1);
  constexpr std::size_t kRowsPerStatement = 200;
  for (std::size_t first = 0; first < points.size(); first += kRowsPerStatement) {
    const std::size_t n = std::min(kRowsPerStatement, points.size() - first);
    auto stmt = conn.PrepareRows("INSERT INTO audit_checkpoints (record_id, lane, seq) VALUES " + RowsOf("(?, ?, ?)", n), n);
    for (std::size_t i = 0; i < n; ++i) {
      const int base = static_cast<int>(i) * 3;
      stmt->setUInt64(base + 1, record_id);
      stmt->setUInt(base + 2, points[first + i].lane);
      stmt->setUInt64(base + 3, points[first + i].seq);
    }
    stmt->executeUpdate();
  }
}

std::vector<LanePoint> AuditRepository::ReadCheckpoint(Connection& conn, std::uint64_t record_id) {
  auto& stmt = conn.Prepare("SELECT lane, seq FROM audit_checkpoints WHERE record_id = ? ORDER BY lane");
  stmt.setUInt64(1, record_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<LanePoint> points;
  while (rs->next()) points.push_back({rs->getUInt(1), rs->getUInt64(2)});
  return points;
}

namespace {
std::int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t NewHolderToken() {
  std::uint64_t token = 0;
  while (token == 0) {  // 0 is "nobody"
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&token), sizeof token) != 1)
      throw std::runtime_error("no random bytes for an audit lane token");
    token >>= 1;  // fits the signed range the connector binds
  }
  return token;
}

// Gives the connection a lane: one whose lease ran out (its chain continues), else a new one.
// Runs in the caller's transaction: if that rolls back, so does the claim, and the next append
// finds the cache stale.
void ClaimLane(Connection& conn, std::int64_t now_us) {
  auto& lane = conn.audit_lane;
  lane.holder = NewHolderToken();
  auto& free = conn.Prepare(
      "SELECT lane, seq, hash FROM audit_lanes WHERE lane <> ? AND leased_until_us < ? ORDER BY lane LIMIT 1 "
      "FOR UPDATE SKIP LOCKED");
  free.setUInt(1, kSealerLane);
  free.setInt64(2, now_us);
  std::unique_ptr<sql::ResultSet> rs(free.executeQuery());
  if (rs->next()) {
    lane.lane = rs->getUInt(1);
    lane.seq = rs->getUInt64(2);
    lane.hash = rs->getString(3);
    return;
  }
  auto& create = conn.Prepare("INSERT INTO audit_lanes (seq, hash, holder, leased_until_us) VALUES (0, ?, ?, ?)");
  create.setString(1, std::string(32, '\0'));
  create.setUInt64(2, lane.holder);
  create.setInt64(3, now_us + kLaneLeaseUs);
  create.executeUpdate();
  std::unique_ptr<sql::ResultSet> id(conn.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  id->next();
  lane.lane = static_cast<std::uint32_t>(id->getUInt64(1));
  lane.seq = 0;
  lane.hash = std::string(32, '\0');
}

// The lane row as stored, locked; false when it is gone.
bool LockLaneRow(Connection& conn, std::uint32_t lane, std::uint64_t* seq, std::string* hash, std::uint64_t* holder,
                 std::int64_t* leased_until_us) {
  auto& stmt = conn.Prepare("SELECT seq, hash, holder, leased_until_us FROM audit_lanes WHERE lane = ? FOR UPDATE");
  stmt.setUInt(1, lane);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return false;
  *seq = rs->getUInt64(1);
  *hash = rs->getString(2);
  *holder = rs->getUInt64(3);
  *leased_until_us = rs->getInt64(4);
  return true;
}

// Moves the lane's head from the cached (seq, hash) to the end of `records`, renewing the lease;
// false when the row is not at the cached head (the caller refreshes the cache and re-chains).
bool MoveLaneHead(Connection& conn, const AuditLaneCache& lane, const domain::AuditRecord& last, std::int64_t now_us) {
  auto& stmt = conn.Prepare(
      "UPDATE audit_lanes SET seq = ?, hash = ?, holder = ?, leased_until_us = ? "
      "WHERE lane = ? AND seq = ? AND hash = ?");
  stmt.setUInt64(1, last.chain_seq);
  stmt.setString(2, last.hash);
  stmt.setUInt64(3, lane.holder);
  stmt.setInt64(4, now_us + kLaneLeaseUs);
  stmt.setUInt(5, lane.lane);
  stmt.setUInt64(6, lane.seq);
  stmt.setString(7, lane.hash);
  return stmt.executeUpdate() == 1;
}
}  // namespace

void AuditRepository::Insert(Connection& conn, const domain::AuditEvent& e) { InsertMany(conn, {&e}); }

void AuditRepository::InsertMany(Connection& conn, const std::vector<const domain::AuditEvent*>& events) {
  if (events.empty()) return;
  // The lane's head row and its records must commit together, or a crash between them would look
  // like records removed from the lane's end.
  if (!conn.in_transaction()) throw std::logic_error("audit records are appended inside a transaction");
  const std::int64_t now_us = NowUs();
  auto& lane = conn.audit_lane;
  if (lane.lane == 0) ClaimLane(conn, now_us);
  std::vector<domain::AuditRecord> records(events.size());
  auto chain = [&] {
    std::string prev = lane.hash;
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto& r = records[i];
      r.event = *events[i];
      r.lane = lane.lane;
      r.chain_seq = lane.seq + 1 + i;
      r.prev_hash = prev;
      r.hash = ChainHash(prev, r);
      prev = r.hash;
    }
  };
  chain();
  if (!MoveLaneHead(conn, lane, records.back(), now_us)) {
    // The cache is stale: this connection's last transaction rolled back, a re-seal rewrote the
    // lane, or another connection took the lane over after the lease ran out. Continue the lane as
    // stored if it is still ours to use, else take another.
    std::uint64_t seq = 0, holder = 0;
    std::string hash;
    std::int64_t leased_until_us = 0;
    const bool exists = LockLaneRow(conn, lane.lane, &seq, &hash, &holder, &leased_until_us);
    if (exists && (holder == lane.holder || leased_until_us < now_us)) {
      lane.seq = seq;
      lane.hash = hash;
    } else {
      ClaimLane(conn, now_us);
    }
    chain();
    // The row is locked (or new) and the cache now matches it: this cannot miss.
    if (!MoveLaneHead(conn, lane, records.back(), now_us))
      throw std::runtime_error("audit lane " + std::to_string(lane.lane) + " moved while it was locked");
  }
  constexpr int kParams = kEventParams + 4;
  auto stmt = conn.PrepareRows(std::string("INSERT INTO audit_log (") + kEventColumns +
                                   ", lane, chain_seq, prev_hash, hash) VALUES " +
                                   RowsOf("(" + Placeholders(kParams) + ")", records.size()),
                               records.size());
  int base = 0;
  for (const auto& r : records) {
    BindEvent(*stmt, base, r.event);
    stmt->setUInt(base + kEventParams + 1, r.lane);
    stmt->setUInt64(base + kEventParams + 2, r.chain_seq);
    stmt->setString(base + kEventParams + 3, r.prev_hash);
    stmt->setString(base + kEventParams + 4, r.hash);
    base += kParams;
  }
  stmt->executeUpdate();
  lane.seq = records.back().chain_seq;
  lane.hash = records.back().hash;
}

void AuditRepository::InsertForBorrower(Connection& conn, const domain::AuditEvent& e, std::uint64_t borrower_id) {
  // The hash covers the borrower key, so it is read first rather than copied by the INSERT.
  auto& stmt = conn.Prepare("SELECT borrower_key, key_version FROM borrowers WHERE id = ?");
  stmt.setUInt64(1, borrower_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) throw std::runtime_error("audit record for a change of an unknown borrower");
  domain::AuditEvent event = e;
  event.borrower_key = rs->getString(1);
  event.key_version = rs->getInt(2);
  Insert(conn, event);
}

namespace {
constexpr const char* kHeadColumns =
    "SELECT lane, seq, hash, reseal_seq, COALESCE(reseal_hash, ''), COALESCE(reseal_old_hash, '') FROM audit_lanes ";

ChainHead ReadHeadRow(sql::ResultSet& rs) {
  ChainHead head{rs.getUInt(1), rs.getUInt64(2), rs.getString(3), std::nullopt};
  if (!rs.isNull(4)) head.reseal = ResealPoint{rs.getUInt64(4), rs.getString(5), rs.getString(6)};
  return head;
}
}  // namespace

ChainHead AuditRepository::LockHead(Connection& conn, std::uint32_t lane) {
  auto& stmt = conn.Prepare(std::string(kHeadColumns) + "WHERE lane = ? FOR UPDATE");
  stmt.setUInt(1, lane);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) throw std::runtime_error("audit lane " + std::to_string(lane) + " has no head row");
  return ReadHeadRow(*rs);
}

std::vector<ChainHead> AuditRepository::ReadHeads(Connection& conn) {
  std::unique_ptr<sql::ResultSet> rs(conn.Prepare(std::string(kHeadColumns) + "ORDER BY lane").executeQuery());
  std::vector<ChainHead> heads;
  while (rs->next()) heads.push_back(ReadHeadRow(*rs));
  return heads;
}

std::vector<ChainHead> AuditRepository::ReadHeads() {
  return WithConnection(pool_, [&](Connection& conn) { return ReadHeads(conn); });
}

std::optional<std::uint32_t> AuditRepository::NextLaneWithRecords(Connection& conn, std::int64_t after) {
  auto& stmt = conn.Prepare("SELECT MIN(lane) FROM audit_log WHERE lane > ?");
  stmt.setInt64(1, after);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next() || rs->isNull(1)) return std::nullopt;
  return rs->getUInt(1);
}

std::vector<domain::AuditRecord> AuditRepository::LockUnsealed(Connection& conn, int limit) {
  // No ORDER BY: MariaDB sorted every unsealed record to return the first `limit` (a filesort
  // even on the index, whose NULL entries are already in id order), so a backlog made each batch
  // slower. The index scan stops after `limit`; the batch is chained in id order.
  auto& stmt = conn.Prepare(std::string(kColumns) + "WHERE lane = ? AND chain_seq IS NULL LIMIT ? FOR UPDATE");
  stmt.setUInt(1, kSealerLane);
  stmt.setInt(2, limit);
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
        "UPDATE audit_log a JOIN (" + rows +
            ") v ON a.id = v.id SET a.chain_seq = v.seq, a.prev_hash = v.prev, a.hash = v.h",
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
      "UPDATE audit_lanes SET seq = ?, hash = ?, reseal_seq = ?, reseal_hash = ?, reseal_old_hash = ? WHERE lane = ?");
  stmt.setUInt64(1, head.seq);
  stmt.setString(2, head.hash);
  if (head.reseal) {
    stmt.setUInt64(3, head.reseal->seq);
    stmt.setString(4, head.reseal->new_hash);
    stmt.setString(5, head.reseal->old_hash);
  } else {
    for (int i = 3; i <= 5; ++i) stmt.setNull(i, 0);
  }
  stmt.setUInt(6, head.lane);
  stmt.executeUpdate();
}

std::vector<domain::AuditRecord> AuditRepository::LockSealedAfter(Connection& conn, std::uint32_t lane,
                                                                  std::uint64_t after_seq, int limit) {
  auto& stmt = conn.Prepare(std::string(kColumns) +
                            "WHERE lane = ? AND chain_seq > ? ORDER BY lane, chain_seq LIMIT ? FOR UPDATE");
  stmt.setUInt(1, lane);
  stmt.setUInt64(2, after_seq);
  stmt.setInt(3, limit);
  return ReadAll(stmt);
}

std::optional<std::uint32_t> AuditRepository::LaneBeingResealed(Connection& conn) {
  std::unique_ptr<sql::ResultSet> rs(
      conn.Prepare("SELECT MIN(lane) FROM audit_lanes WHERE reseal_seq IS NOT NULL").executeQuery());
  if (!rs->next() || rs->isNull(1)) return std::nullopt;
  return rs->getUInt(1);
}

std::optional<std::uint64_t> AuditRepository::FirstSealedUnder(Connection& conn, std::uint32_t lane, int version) {
  auto& stmt = conn.Prepare(
      "SELECT MIN(chain_seq) FROM audit_log WHERE lane = ? AND key_version = ? AND borrower_key <> '' "
      "AND chain_seq IS NOT NULL");
  stmt.setUInt(1, lane);
  stmt.setInt(2, version);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next() || rs->isNull(1)) return std::nullopt;
  return rs->getUInt64(1);
}

std::optional<std::uint32_t> AuditRepository::FirstLaneUnder(Connection& conn, int version) {
  auto& stmt = conn.Prepare(
      "SELECT MIN(lane) FROM audit_log WHERE key_version = ? AND borrower_key <> '' AND chain_seq IS NOT NULL");
  stmt.setInt(1, version);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next() || rs->isNull(1)) return std::nullopt;
  return rs->getUInt(1);
}

std::string AuditRepository::HashAt(Connection& conn, std::uint32_t lane, std::uint64_t seq) {
  if (seq == 0) return std::string(32, '\0');
  auto& stmt = conn.Prepare("SELECT hash FROM audit_log WHERE lane = ? AND chain_seq = ?");
  stmt.setUInt(1, lane);
  stmt.setUInt64(2, seq);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next())
    throw std::runtime_error("audit record " + std::to_string(seq) + " of lane " + std::to_string(lane) + " is missing");
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

std::vector<domain::AuditRecord> AuditRepository::ReadSealed(Connection& conn, std::uint32_t lane,
                                                             std::uint64_t after_seq, int limit) {
  auto& stmt =
      conn.Prepare(std::string(kColumns) + "WHERE lane = ? AND chain_seq > ? ORDER BY lane, chain_seq LIMIT ?");
  stmt.setUInt(1, lane);
  stmt.setUInt64(2, after_seq);
  stmt.setInt(3, limit);
  return ReadAll(stmt);
}

long AuditRepository::CountUnsealed(Connection& conn) {
  auto& stmt = conn.Prepare("SELECT COUNT(*) FROM audit_log WHERE lane = ? AND chain_seq IS NULL");
  stmt.setUInt(1, kSealerLane);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
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
