#include "storage/scorecard_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "domain/clock.h"
#include "domain/ledger.h"
#include "storage/line_rows.h"
#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
constexpr std::size_t kRowsPerInsert = 200;
constexpr std::int64_t kMicrosPerLookToBook = domain::kLookToBookDays * domain::kMicrosPerDay;
}  // namespace

void ScorecardRepository::Record(Connection& conn, std::uint64_t member_id,
                                 const std::vector<domain::ReceiptCount>& counts) {
  for (std::size_t start = 0; start < counts.size(); start += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, counts.size() - start);
    auto& stmt = conn.Prepare(
        "INSERT INTO report_receipts (member_id, day, outcome, reason, warnings, lag_days, records) VALUES " +
        RowsOf("(?, ?, ?, ?, ?, ?, ?)", n));
    int p = 1;
    for (std::size_t i = start; i < start + n; ++i) {
      const auto& c = counts[i];
      stmt.setUInt64(p++, member_id);
      stmt.setString(p++, c.day.ToString());
      stmt.setInt(p++, static_cast<int>(c.receipt.outcome));
      stmt.setString(p++, c.receipt.reason);
      stmt.setInt(p++, c.receipt.warnings);
      stmt.setInt(p++, c.receipt.lag_days);
      stmt.setInt64(p++, c.records);
    }
    stmt.executeUpdate();
  }
}

void ScorecardRepository::Record(std::uint64_t member_id, const std::vector<domain::ReceiptCount>& counts) {
  if (counts.empty()) return;
  RunTransaction(writes_, [&](Connection& conn) -> domain::Result<int> {
    Record(conn, member_id, counts);
    return 0;
  });
}

domain::ScorecardFacts ScorecardRepository::Facts(std::uint64_t member_id, const domain::MonthRange& range,
                                                  const domain::Date& today) {
  const domain::Date end = std::min(range.last.AddMonthsToFirst(1).AddDays(-1), today);
  // Freshness on the first month's last day looks back a window from there.
  const domain::Date records_from =
      range.first.AddMonthsToFirst(1).AddDays(-1 - domain::kFreshnessWindowDays).FirstOfMonth();
  auto result = RunTransaction(reads_, [&](Connection& conn) -> domain::Result<domain::ScorecardFacts> {
    domain::ScorecardFacts f;
    {
      auto& stmt = conn.Prepare(
          "SELECT day, outcome, reason, warnings, lag_days, SUM(records) FROM report_receipts "
          "WHERE member_id = ? AND day BETWEEN ? AND ? GROUP BY day, outcome, reason, warnings, lag_days");
      stmt.setUInt64(1, member_id);
      stmt.setString(2, range.first.ToString());
      stmt.setString(3, end.ToString());
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next()) {
        domain::ReceiptCount c;
        c.day = line_rows::ReadDate(*rs, 1);
        c.receipt.outcome = static_cast<domain::ReceiptOutcome>(rs->getInt(2));
        c.receipt.reason = rs->getString(3);
        c.receipt.warnings = static_cast<domain::QualityRuleSet>(rs->getInt(4));
        c.receipt.lag_days = rs->getInt(5);
        c.records = rs->getInt64(6);
        f.receipts.push_back(std::move(c));
      }
    }
    {
      // Each line with its records from `records_from`; a line with none there is represented
      // by its current state (its latest record).
      auto& stmt = conn.Prepare(
          "SELECT l.id, l.opened_date, l.status, l.as_of_date, m.as_of_date, m.line_status, m.status_code "
          "FROM credit_lines l LEFT JOIN credit_line_months m ON m.line_id = l.id AND m.month >= ? "
          "WHERE l.member_id = ? AND l.deleted_at IS NULL AND l.opened_date <= ? ORDER BY l.id, m.month");
      stmt.setString(1, records_from.ToString());
      stmt.setUInt64(2, member_id);
      stmt.setString(3, end.ToString());
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      std::uint64_t current = 0;
      while (rs->next()) {
        const std::uint64_t id = rs->getUInt64(1);
        if (id != current || f.lines.empty()) {
          current = id;
          domain::LineHistory h;
          h.opened = line_rows::ReadDate(*rs, 2);
          f.lines.push_back(std::move(h));
        }
        auto& h = f.lines.back();
        if (rs->isNull(5)) {
          h.records.push_back({line_rows::ReadDate(*rs, 4), static_cast<domain::LineStatus>(rs->getInt(3))});
          continue;
        }
        auto status = static_cast<domain::LineStatus>(rs->getInt(6));
        if (status == domain::LineStatus::kUnspecified) {
          const std::string code = rs->getString(7);
          status = domain::InferLegacyStatus(code.empty() ? '#' : code[0]);
        }
        h.records.push_back({line_rows::ReadDate(*rs, 5), status});
      }
    }
    const std::int64_t from_us = domain::StartOfBusinessDay(range.first);
    const std::int64_t to_us = domain::StartOfBusinessDay(end.AddDays(1));
    {
      auto& stmt = conn.Prepare(
          "SELECT i.at_us, i.purpose, COALESCE(b.id, 0) FROM inquiries i "
          "LEFT JOIN borrowers b ON b.borrower_key = i.borrower_key "
          "WHERE i.member_id = ? AND i.at_us >= ? AND i.at_us < ?");
      stmt.setUInt64(1, member_id);
      stmt.setInt64(2, from_us);
      stmt.setInt64(3, to_us);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next())
        f.inquiries.push_back({rs->getInt64(1), static_cast<domain::Purpose>(rs->getInt(2)), rs->getUInt64(3)});
    }
    {
      auto& stmt = conn.Prepare(
          "SELECT borrower_id, opened_date FROM credit_lines WHERE member_id = ? AND deleted_at IS NULL "
          "AND opened_date >= ? AND opened_date <= ?");
      stmt.setUInt64(1, member_id);
      stmt.setString(2, range.first.ToString());
      stmt.setString(3, end.AddDays(domain::kLookToBookDays).ToString());
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next()) f.bookings.push_back({rs->getUInt64(1), line_rows::ReadDate(*rs, 2)});
    }
    {
      auto& stmt = conn.Prepare(
          "SELECT borrower_id, created_at_us FROM reservations WHERE member_id = ? "
          "AND created_at_us >= ? AND created_at_us < ?");
      stmt.setUInt64(1, member_id);
      stmt.setInt64(2, from_us);
      stmt.setInt64(3, to_us + kMicrosPerLookToBook);
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      while (rs->next()) f.bookings.push_back({rs->getUInt64(1), domain::BusinessDate(rs->getInt64(2))});
    }
    return f;
  });
  return std::move(result).value();
}

}  // namespace creditshare::storage
