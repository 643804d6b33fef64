#include "storage/borrower_state.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>

#include "domain/types.h"
#include "storage/line_rows.h"
#include "storage/sha256.h"
#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {
namespace borrower_state {

namespace {
constexpr std::uint32_t kNullCell = 0xFFFFFFFFu;
constexpr std::size_t kMagicBytes = 8;

std::string Nulls(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "NULL, ";
  return out;
}

void PutU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

bool GetU32(std::string_view& in, std::uint32_t* v) {
  if (in.size() < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; ++i) *v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(4);
  return true;
}

// "BS" and 6 bytes of the row layout's digest: a server whose StatePartsSql differs (another
// version, mid-upgrade) neither reads nor keeps this one's states.
const std::string& Magic() {
  static const std::string magic = "BS" + Sha256(StatePartsSql(1)).substr(0, kMagicBytes - 2);
  return magic;
}

template <typename T>
T ParseNumber(const std::optional<std::string>& cell) {
  if (!cell || cell->empty()) return 0;
  T v = 0;
  const auto* end = cell->data() + cell->size();
  const auto [ptr, ec] = std::from_chars(cell->data(), end, v);
  if (ec != std::errc() || ptr != end) throw std::runtime_error("borrower state: a number column holds '" + *cell + "'");
  return v;
}
}  // namespace

std::string StatePartsSql(std::size_t n) {
  const std::string in = "IN (" + Placeholders(n) + ")";
  return std::string("SELECT l.id, l.member_id, NULL, NULL, ") + line_rows::kLineFields + ", " +
         std::to_string(kLineRow) + ", l.borrower_id FROM credit_lines l WHERE l.borrower_id " + in +
         " AND l.deleted_at IS NULL "
         "UNION ALL "
         "SELECT r.id, r.member_id, NULL, NULL, r.public_id, NULL, r.product_type, r.currency, r.amount_minor, "
         "r.expires_at_us, " + Nulls(18) + std::to_string(kReservationRow) +
         ", r.borrower_id FROM reservations r FORCE INDEX (ix_reservations_borrower) WHERE r.borrower_id " + in +
         " AND r.status = ? AND r.expires_at_us > ? "
         "UNION ALL "
         "SELECT p.borrower_id, NULL, NULL, NULL, p.notice_reference, p.statement, p.fraud_alert, NULL, NULL, NULL, "
         "p.fraud_alert_until, p.frozen, p.notices, " + Nulls(15) + std::to_string(kProtectionRow) +
         ", p.borrower_id FROM borrower_protections p WHERE p.borrower_id " + in;
}

const std::optional<std::string>& StoredRow::cell(int column) const {
  if (column < 1 || static_cast<std::size_t>(column) > cells.size())
    throw std::out_of_range("borrower state: no column " + std::to_string(column));
  return cells[static_cast<std::size_t>(column - 1)];
}

std::int64_t StoredRow::getInt64(int column) const { return ParseNumber<std::int64_t>(cell(column)); }
std::uint64_t StoredRow::getUInt64(int column) const { return ParseNumber<std::uint64_t>(cell(column)); }

std::string Encode(const std::vector<StoredRow>& rows) {
  std::string out = Magic();
  PutU32(out, static_cast<std::uint32_t>(rows.size()));
  for (const auto& row : rows) {
    out.push_back(static_cast<char>(row.cells.size()));
    for (const auto& c : row.cells) {
      if (!c) {
        PutU32(out, kNullCell);
        continue;
      }
      PutU32(out, static_cast<std::uint32_t>(c->size()));
      out += *c;
    }
  }
  return out;
}

std::optional<std::vector<StoredRow>> Decode(std::string_view in) {
  if (in.size() < kMagicBytes || in.substr(0, kMagicBytes) != Magic()) return std::nullopt;
  in.remove_prefix(kMagicBytes);
  std::uint32_t count = 0;
  if (!GetU32(in, &count)) return std::nullopt;
  // Each row takes at least 1 + 4 bytes per column: a count beyond that is not a state.
  if (count > in.size() / (1 + 4 * kColumns)) return std::nullopt;
  std::vector<StoredRow> rows(count);
  for (auto& row : rows) {
    if (in.empty() || static_cast<unsigned char>(in[0]) != kColumns) return std::nullopt;
    in.remove_prefix(1);
    row.cells.resize(kColumns);
    for (auto& c : row.cells) {
      std::uint32_t size = 0;
      if (!GetU32(in, &size)) return std::nullopt;
      if (size == kNullCell) continue;
      if (size > in.size()) return std::nullopt;
      c = std::string(in.substr(0, size));
      in.remove_prefix(size);
    }
  }
  if (!in.empty()) return std::nullopt;
  for (const auto& row : rows) {
    const auto& kind = row.cells[kKindColumn - 1];
    if (!kind || (*kind != std::to_string(kLineRow) && *kind != std::to_string(kReservationRow) &&
                  *kind != std::to_string(kProtectionRow)))
      return std::nullopt;
    try {
      row.getUInt64(kOwnerColumn);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return rows;
}

StoredRow FromResultSet(sql::ResultSet& rs) {
  StoredRow row;
  row.cells.resize(kColumns);
  for (int c = 1; c <= kColumns; ++c)
    if (!rs.isNull(c)) row.cells[static_cast<std::size_t>(c - 1)] = std::string(rs.getString(c));
  return row;
}

}  // namespace borrower_state

namespace {
DbConfig BuilderPoolConfig(DbConfig db) {
  db.pool_size = 1;
  db.cache_multi_row_statements = true;  // three statement shapes, batches up to Options::batch
  return db;
}
}  // namespace

BorrowerStateBuilder::BorrowerStateBuilder(const DbConfig& db, const domain::Clock& clock, Options options)
    : pool_(BuilderPoolConfig(db)), clock_(clock), options_(options) {
  if (options_.batch < 1 || options_.batch > static_cast<int>(Connection::kMaxCachedRows))
    throw std::invalid_argument("borrower state batch must be 1 to " + std::to_string(Connection::kMaxCachedRows));
}

void BorrowerStateBuilder::Request(std::uint64_t borrower_id) {
  std::lock_guard lock(mu_);
  if (requested_.size() < options_.max_requested) requested_.insert(borrower_id);
}

BorrowerStateBuilder::Stats BorrowerStateBuilder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

int BorrowerStateBuilder::Build(Connection& conn, const std::vector<std::uint64_t>& ids,
                                std::int64_t expired_before_us, bool rebuild) {
  if (ids.empty()) return 0;
  // The borrower rows first, locked, in id order; a row a writer holds is skipped (its change
  // clears the state anyway). The parts are then read by a consistent read that starts after
  // these locks: every change whose trigger ran before is committed and seen, every later one
  // clears what is written here.
  auto lock = conn.PrepareRows("SELECT id, state FROM borrowers WHERE id IN (" + Placeholders(ids.size()) +
                                   ") ORDER BY id FOR UPDATE SKIP LOCKED",
                               ids.size());
  int p = 1;
  for (const auto id : ids) lock->setUInt64(p++, id);
  std::vector<std::uint64_t> missing;
  {
    std::unique_ptr<sql::ResultSet> rs(lock->executeQuery());
    while (rs->next())
      if (rebuild || rs->isNull(2) || !borrower_state::Decode(std::string(rs->getString(2))))
        missing.push_back(rs->getUInt64(1));
  }
  if (missing.empty()) return 0;
  auto parts = conn.PrepareRows(borrower_state::StatePartsSql(missing.size()), missing.size());
  p = 1;
  for (const auto id : missing) parts->setUInt64(p++, id);
  for (const auto id : missing) parts->setUInt64(p++, id);
  parts->setInt(p++, static_cast<int>(domain::ReservationStatus::kActive));
  parts->setInt64(p++, expired_before_us);
  for (const auto id : missing) parts->setUInt64(p++, id);
  std::map<std::uint64_t, std::vector<borrower_state::StoredRow>> rows;
  for (const auto id : missing) rows[id];
  {
    std::unique_ptr<sql::ResultSet> rs(parts->executeQuery());
    while (rs->next()) rows[rs->getUInt64(borrower_state::kOwnerColumn)].push_back(borrower_state::FromResultSet(*rs));
  }
  auto& write = conn.Prepare("UPDATE borrowers SET state = ? WHERE id = ?");
  for (const auto& [id, r] : rows) {
    const auto encoded = borrower_state::Encode(r);
    write.setString(1, encoded);
    write.setUInt64(2, id);
    write.executeUpdate();
  }
  return static_cast<int>(rows.size());
}

int BorrowerStateBuilder::BuildBatches(std::vector<std::uint64_t> ids, bool rebuild) {
  int built = 0;
  for (std::size_t from = 0; from < ids.size(); from += static_cast<std::size_t>(options_.batch)) {
    const std::vector<std::uint64_t> batch(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                           ids.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                             ids.size(), from + static_cast<std::size_t>(options_.batch))));
    try {
      const int n =
          RunTransaction(pool_, [&](Connection& conn) -> domain::Result<int> {
            return Build(conn, batch, clock_.NowMicros() - borrower_state::kExpiredKeptUs, rebuild);
          }).value();
      built += n;
      std::lock_guard lock(mu_);
      stats_.built += static_cast<std::uint64_t>(n);
    } catch (const std::exception& e) {
      // A state is a copy: a build that fails leaves it missing, and readers read the tables.
      std::lock_guard lock(mu_);
      ++stats_.failed;
      stats_.last_error = e.what();
    }
  }
  return built;
}

int BorrowerStateBuilder::Sweep(int limit, bool* wrapped) {
  std::vector<std::uint64_t> missing;
  std::uint64_t last = sweep_after_;
  int seen = 0;
  try {
    WithConnection(pool_, [&](Connection& conn) {
      auto& stmt = conn.Prepare("SELECT id, state IS NULL FROM borrowers WHERE id > ? ORDER BY id LIMIT ?");
      stmt.setUInt64(1, sweep_after_);
      stmt.setInt(2, limit);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next()) {
        ++seen;
        last = rs->getUInt64(1);
        if (rs->getBoolean(2)) missing.push_back(last);
      }
      return 0;
    });
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    ++stats_.failed;
    stats_.last_error = e.what();
    *wrapped = false;
    return 0;
  }
  *wrapped = seen < limit;
  sweep_after_ = *wrapped ? 0 : last;
  return BuildBatches(std::move(missing), false);
}

int BorrowerStateBuilder::RunOnce() {
  std::vector<std::uint64_t> requested;
  {
    std::lock_guard lock(mu_);
    requested.assign(requested_.begin(), requested_.end());
    requested_.clear();
  }
  bool wrapped = false;
  return BuildBatches(std::move(requested), true) + Sweep(options_.sweep_batch, &wrapped);
}

int BorrowerStateBuilder::BuildAll() {
  sweep_after_ = 0;
  int built = 0;
  for (bool wrapped = false; !wrapped;) {
    const auto failed_before = stats().failed;
    built += Sweep(options_.sweep_batch, &wrapped);
    if (stats().failed != failed_before) throw UnavailableError("building borrower states failed");
  }
  return built;
}

}  // namespace creditshare::storage
