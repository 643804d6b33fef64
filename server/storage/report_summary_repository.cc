#include "storage/report_summary_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <set>
#include <stdexcept>

#include "domain/currency.h"
#include "storage/line_rows.h"
#include "storage/sha256.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
// Borrowers per read: one index range of credit_lines and a primary-key lookup per line.
constexpr std::uint64_t kBorrowersPerBatch = 20'000;
constexpr std::size_t kCellsPerInsert = 500;

// A transaction that reads one snapshot across many statements (the pool's sessions read
// committed, so each statement would otherwise see its own).
template <typename Fn>
void InSnapshot(Connection& conn, Fn&& fn) {
  conn.Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  conn.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  try {
    fn();
    conn.Execute("COMMIT");
  } catch (...) {
    try {
      conn.raw().rollback();
    } catch (...) {
    }
    throw;
  }
}
}  // namespace

SummaryBuild ReportSummaryRepository::Rebuild(const domain::Date& month, const std::string& currency) {
  const auto started = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  try {
    auto build = BuildOnce(month, currency);
    if (observer_) observer_(true, seconds());
    return build;
  } catch (...) {
    if (observer_) observer_(false, seconds());
    throw;
  }
}

SummaryBuild ReportSummaryRepository::BuildOnce(const domain::Date& month, const std::string& currency) {
  const domain::Currency* cur = domain::FindCurrency(currency);
  if (cur == nullptr) throw std::invalid_argument("unknown currency " + currency);
  domain::SummaryBuilder builder(month, policy_.max_lines_per_borrower,
                                 domain::AmountBoundMinor(policy_, cur->minor_unit_exponent));
  const std::string first = month.FirstOfMonth().ToString();
  const std::int64_t snapshot_at = clock_.NowMicros();  // what the build's freshness is

  WithConnection(pool_, [&](Connection& conn) {
    InSnapshot(conn, [&] {
      std::unique_ptr<sql::ResultSet> max(conn.Prepare("SELECT COALESCE(MAX(id), 0) FROM borrowers").executeQuery());
      max->next();
      const std::uint64_t max_id = max->getUInt64(1);
      auto& stmt = conn.Prepare(
          "SELECT l.borrower_id, LEFT(b.region_code, 4), l.id, l.member_id, l.product_type, mem.member_type, "
          "m.days_past_due, m.classification, m.line_status, m.credit_limit_minor, m.outstanding_balance_minor, "
          "m.overdue_amount_minor, l.opened_date, "
          "(SELECT MIN(r.restructure_date) FROM credit_line_restructurings r WHERE r.line_id = l.id), "
          "l.charged_off_date, l.charged_off_amount_minor "
          "FROM credit_lines l JOIN credit_line_months m ON m.line_id = l.id AND m.month = ? "
          "JOIN borrowers b ON b.id = l.borrower_id JOIN members mem ON mem.id = l.member_id "
          "WHERE l.borrower_id > ? AND l.borrower_id <= ? AND l.currency = ? AND l.deleted_at IS NULL "
          "ORDER BY l.borrower_id");
      for (std::uint64_t lo = 0; lo < max_id; lo += kBorrowersPerBatch) {
        stmt.setString(1, first);
        stmt.setUInt64(2, lo);
        stmt.setUInt64(3, lo + kBorrowersPerBatch);
        stmt.setString(4, currency);
        std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
        std::uint64_t borrower = 0;
        std::string prefecture;
        std::vector<domain::SummaryLine> lines;
        auto flush = [&] {
          if (!lines.empty()) builder.AddBorrower(prefecture, std::move(lines));
          lines.clear();
        };
        while (rs->next()) {
          if (rs->getUInt64(1) != borrower) {
            flush();
            borrower = rs->getUInt64(1);
            prefecture = rs->getString(2);
          }
          domain::SummaryLine l;
          l.line_id = rs->getUInt64(3);
          l.member_id = rs->getUInt64(4);
          l.product_type = rs->getInt(5);
          l.member_type = rs->getInt(6);
          l.days_past_due = rs->getInt(7);
          l.classification = rs->getInt(8);
          l.line_status = rs->getInt(9);
          l.credit_limit_minor = rs->getInt64(10);
          l.balance_minor = rs->getInt64(11);
          l.overdue_minor = rs->getInt64(12);
          l.opened = line_rows::ReadDate(*rs, 13);
          l.first_restructured = line_rows::ReadOptionalDate(*rs, 14);
          l.charged_off = line_rows::ReadOptionalDate(*rs, 15);
          l.charged_off_minor = rs->isNull(16) ? 0 : rs->getInt64(16);
          lines.push_back(std::move(l));
        }
        flush();
      }
    });
  });

  SummaryBuild build{Sha256(domain::SerializeCells(builder.cells())), snapshot_at, builder.lines_seen()};
  RunTransaction(pool_, [&](Connection& conn) -> domain::Result<bool> {
    auto& current = conn.Prepare(
        "SELECT digest, built_at_us, source_lines FROM report_summaries WHERE month = ? AND currency = ? FOR UPDATE");
    current.setString(1, first);
    current.setString(2, currency);
    std::unique_ptr<sql::ResultSet> rs(current.executeQuery());
    const bool exists = rs->next();
    if (exists && rs->getInt64(2) > build.built_at_us) {
      // Another replica's build read a later snapshot and committed first: keep it.
      build = {rs->getString(1), rs->getInt64(2), rs->getInt64(3)};
      return true;
    }
    const bool unchanged = exists && std::string(rs->getString(1)) == build.digest;
    if (!unchanged) {
      auto& del = conn.Prepare("DELETE FROM report_summary_cells WHERE month = ? AND currency = ?");
      del.setString(1, first);
      del.setString(2, currency);
      del.executeUpdate();
      std::vector<std::pair<domain::SummaryKey, domain::AggregateMeasures>> cells(builder.cells().begin(),
                                                                                  builder.cells().end());
      for (std::size_t at = 0; at < cells.size(); at += kCellsPerInsert) {
        const std::size_t n = std::min(kCellsPerInsert, cells.size() - at);
        std::string sql =
            "INSERT INTO report_summary_cells (month, currency, prefecture, dimension, dim_value, borrowers, line_count, "
            "credit_limit_minor, balance_minor, overdue_minor, new_lines, restructured_lines, charged_off_minor) "
            "VALUES ";
        for (std::size_t i = 0; i < n; ++i) sql += i ? ", (?,?,?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?,?,?)";
        std::unique_ptr<sql::PreparedStatement> insert(conn.raw().prepareStatement(sql));
        int p = 1;
        for (std::size_t i = 0; i < n; ++i) {
          const auto& [k, m] = cells[at + i];
          insert->setString(p++, first);
          insert->setString(p++, currency);
          insert->setString(p++, k.prefecture);
          insert->setInt(p++, static_cast<int>(k.dimension));
          insert->setInt(p++, k.value);
          for (std::int64_t v : {m.distinct_borrowers, m.lines, m.credit_limit_minor, m.outstanding_balance_minor,
                                 m.overdue_amount_minor, m.new_lines, m.restructured_lines, m.charged_off_amount_minor})
            insert->setInt64(p++, v);
        }
        insert->executeUpdate();
      }
    }
    auto& upsert = conn.Prepare(
        "INSERT INTO report_summaries (month, currency, digest, built_at_us, source_lines) VALUES (?, ?, ?, ?, ?) "
        "ON DUPLICATE KEY UPDATE digest = VALUES(digest), built_at_us = VALUES(built_at_us), "
        "source_lines = VALUES(source_lines)");
    upsert.setString(1, first);
    upsert.setString(2, currency);
    upsert.setString(3, build.digest);
    upsert.setInt64(4, build.built_at_us);
    upsert.setInt64(5, build.source_lines);
    upsert.executeUpdate();
    return true;
  });
  return build;
}

std::optional<SummarySnapshot> ReportSummaryRepository::ReadOnce(const domain::Date& month, const std::string& currency,
                                                                 const std::vector<domain::SummaryDimension>& dimensions,
                                                                 const std::string& region_prefix) {
  return WithConnection(pool_, [&](Connection& conn) -> std::optional<SummarySnapshot> {
    // One statement, so the build and its cells come from one snapshot.
    auto& stmt = conn.Prepare(
        "SELECT s.digest, s.built_at_us, s.source_lines, c.prefecture, c.dimension, c.dim_value, c.borrowers, c.line_count, "
        "c.credit_limit_minor, c.balance_minor, c.overdue_minor, c.new_lines, c.restructured_lines, "
        "c.charged_off_minor FROM report_summaries s LEFT JOIN report_summary_cells c "
        "ON c.month = s.month AND c.currency = s.currency AND c.dimension IN (?, ?) AND c.prefecture LIKE ? "
        "WHERE s.month = ? AND s.currency = ?");
    const int d0 = dimensions.empty() ? 0 : static_cast<int>(dimensions[0]);
    stmt.setInt(1, d0);
    stmt.setInt(2, dimensions.size() > 1 ? static_cast<int>(dimensions[1]) : d0);
    stmt.setString(3, region_prefix + "%");  // digits only: the domain checked them
    stmt.setString(4, month.FirstOfMonth().ToString());
    stmt.setString(5, currency);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (!rs->next()) return std::nullopt;
    SummarySnapshot snap;
    snap.build = {rs->getString(1), rs->getInt64(2), rs->getInt64(3)};
    do {
      if (rs->isNull(4)) continue;
      domain::SummaryKey k{rs->getString(4), static_cast<domain::SummaryDimension>(rs->getInt(5)), rs->getInt(6)};
      snap.cells[k] = {rs->getInt64(7),  rs->getInt64(8),  rs->getInt64(9),  rs->getInt64(10),
                       rs->getInt64(11), rs->getInt64(12), rs->getInt64(13), rs->getInt64(14)};
    } while (rs->next());
    return snap;
  });
}

SummarySnapshot ReportSummaryRepository::Read(const domain::Date& month, const std::string& currency,
                                              const std::vector<domain::SummaryDimension>& dimensions,
                                              const std::string& region_prefix, std::chrono::seconds max_age) {
  auto snap = ReadOnce(month, currency, dimensions, region_prefix);
  const std::int64_t oldest = clock_.NowMicros() - std::chrono::duration_cast<std::chrono::microseconds>(max_age).count();
  if (!snap || snap->build.built_at_us <= oldest) {
    Rebuild(month, currency);
    snap = ReadOnce(month, currency, dimensions, region_prefix);
  }
  if (!snap) throw std::runtime_error("the report summary vanished after its build");
  return *snap;
}

int ReportSummaryRepository::RefreshRecent(const std::string& currency) {
  const domain::Date today = clock_.Today();
  const domain::Date current = today.FirstOfMonth(), previous = current.AddMonthsToFirst(-1);
  std::set<std::pair<std::string, std::string>> due{{current.ToString(), currency}};
  WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare("SELECT month, currency FROM report_summaries WHERE month >= ?");
    stmt.setString(1, previous.ToString());
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) due.insert({rs->getString(1), rs->getString(2)});
  });
  int built = 0;
  for (const auto& [m, c] : due) {
    const auto month = domain::Date::Parse(m);
    if (!month || domain::FindCurrency(c) == nullptr) continue;
    Rebuild(*month, c);
    ++built;
  }
  return built;
}

}  // namespace creditshare::storage
