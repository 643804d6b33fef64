#include "storage/report_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdio>
#include <memory>

#include "domain/types.h"
#include "storage/sql_errors.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
// Fixed SQL expressions: dimension choices never carry caller text into the statement.
const char* DimensionSql(ReportDimension d) {
  switch (d) {
    case ReportDimension::kProvince: return "LEFT(b.region_code, 2)";
    case ReportDimension::kPrefecture: return "LEFT(b.region_code, 4)";
    case ReportDimension::kProductType: return "l.product_type";
    case ReportDimension::kMemberType: return "mem.member_type";
    case ReportDimension::kDpdBucket:
      return "CASE WHEN m.days_past_due = 0 THEN 0 WHEN m.days_past_due <= 30 THEN 1 WHEN m.days_past_due <= 60 "
             "THEN 2 WHEN m.days_past_due <= 90 THEN 3 WHEN m.days_past_due <= 180 THEN 4 ELSE 5 END";
    case ReportDimension::kClassification: return "m.classification";
  }
  return "NULL";
}

std::int64_t Int(sql::ResultSet& rs, int column) { return rs.isNull(column) ? 0 : rs.getInt64(column); }

domain::Date MonthEnd(const domain::Date& month) { return month.AddMonthsToFirst(1).AddDays(-1); }

// `sql` with the time left before `deadline` as its max_statement_time. The limit is a literal of
// the statement, so it is prepared per call, not cached: reports are rare and long.
std::unique_ptr<sql::PreparedStatement> PrepareWithin(Connection& conn, const std::string& sql, Deadline deadline) {
  if (deadline == kNoDeadline) return std::unique_ptr<sql::PreparedStatement>(conn.raw().prepareStatement(sql));
  const double seconds = std::chrono::duration<double>(deadline - std::chrono::system_clock::now()).count();
  if (seconds <= 0) throw DeadlineExceededError("the report's deadline passed before it started");
  char limit[64];
  std::snprintf(limit, sizeof limit, "SET STATEMENT max_statement_time = %.3f FOR ", seconds);
  return std::unique_ptr<sql::PreparedStatement>(conn.raw().prepareStatement(limit + sql));
}

std::unique_ptr<sql::ResultSet> QueryWithin(sql::PreparedStatement& stmt) {
  try {
    return std::unique_ptr<sql::ResultSet>(stmt.executeQuery());
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == kErrStatementTimeout) throw DeadlineExceededError("the report's deadline passed");
    throw;
  }
}
}  // namespace

std::vector<domain::AggregateCell> ReportRepository::Aggregate(const domain::Date& month, const std::string& currency,
                                                               const std::vector<ReportDimension>& dimensions,
                                                               domain::AggregateMeasures* totals, Deadline deadline) {
  std::string select, group;
  for (size_t i = 0; i < dimensions.size(); ++i) {
    const std::string alias = "d" + std::to_string(i);
    select += std::string(DimensionSql(dimensions[i])) + " AS " + alias + ", ";
    group += (group.empty() ? "" : ", ") + alias;
  }
  const std::string sql =
      "SELECT " + select +
      "COUNT(DISTINCT l.borrower_id), COUNT(*), SUM(m.credit_limit_minor), SUM(m.outstanding_balance_minor), "
      "SUM(m.overdue_amount_minor), SUM(l.opened_date BETWEEN ? AND ?), "
      "SUM(EXISTS (SELECT 1 FROM credit_line_restructurings r WHERE r.line_id = l.id AND r.restructure_date <= ?)), "
      "SUM(IF(l.charged_off_date IS NOT NULL AND l.charged_off_date <= ?, l.charged_off_amount_minor, 0)) "
      "FROM credit_line_months m JOIN credit_lines l ON l.id = m.line_id JOIN borrowers b ON b.id = l.borrower_id "
      "JOIN members mem ON mem.id = l.member_id "
      "WHERE m.month = ? AND l.currency = ? AND l.deleted_at IS NULL" +
      (group.empty() ? std::string() : " GROUP BY " + group + " WITH ROLLUP");
  const std::string first = month.FirstOfMonth().ToString(), last = MonthEnd(month).ToString();
  return WithConnection(pool_, [&](Connection& conn) {
    const auto stmt = PrepareWithin(conn, sql, deadline);
    stmt->setString(1, first);
    stmt->setString(2, last);
    stmt->setString(3, last);
    stmt->setString(4, last);
    stmt->setString(5, first);
    stmt->setString(6, currency);
    const auto rs = QueryWithin(*stmt);
    const int n = static_cast<int>(dimensions.size());
    std::vector<domain::AggregateCell> cells;
    *totals = {};
    while (rs->next()) {
      domain::AggregateMeasures m{Int(*rs, n + 1), Int(*rs, n + 2), Int(*rs, n + 3), Int(*rs, n + 4),
                                  Int(*rs, n + 5), Int(*rs, n + 6), Int(*rs, n + 7), Int(*rs, n + 8)};
      int nulls = 0;
      for (int i = 1; i <= n; ++i) nulls += rs->isNull(i) ? 1 : 0;
      if (nulls == n) *totals = m;  // the grand total (for n = 0, the only row)
      if (n == 0 || nulls == 0) {
        domain::AggregateCell cell;
        for (int i = 1; i <= n; ++i) cell.dimension_values.push_back(rs->getString(i));
        cell.measures = m;
        if (n > 0 || m.lines > 0) cells.push_back(std::move(cell));
      }
      // Other ROLLUP rows are subtotals: never published.
    }
    return cells;
  });
}

std::vector<MultiLendingCell> ReportRepository::MultiLending(const domain::Date& from_month,
                                                             const domain::Date& to_month, int region_digits,
                                                             const std::string& currency, Deadline deadline) {
  return WithConnection(pool_, [&](Connection& conn) {
    const auto stmt = PrepareWithin(conn,
        "SELECT month, region, COUNT(*), SUM(balance), "
        "SUM(lenders >= 2), SUM(IF(lenders >= 2, balance, 0)), SUM(lenders >= 3), SUM(IF(lenders >= 3, balance, 0)), "
        "SUM(lenders >= 5), SUM(IF(lenders >= 5, balance, 0)) FROM ("
        "  SELECT m.month AS month, LEFT(b.region_code, ?) AS region, l.borrower_id, "
        "         COUNT(DISTINCT l.member_id) AS lenders, SUM(m.outstanding_balance_minor) AS balance "
        "  FROM credit_line_months m JOIN credit_lines l ON l.id = m.line_id JOIN borrowers b ON b.id = l.borrower_id "
        "  WHERE m.month BETWEEN ? AND ? AND l.currency = ? AND l.deleted_at IS NULL "
        "    AND m.line_status <> ? "
        "  GROUP BY m.month, region, l.borrower_id) per_borrower "
        "GROUP BY month, region ORDER BY month, region", deadline);
    stmt->setInt(1, region_digits);
    stmt->setString(2, from_month.FirstOfMonth().ToString());
    stmt->setString(3, to_month.FirstOfMonth().ToString());
    stmt->setString(4, currency);
    stmt->setInt(5, static_cast<int>(domain::LineStatus::kClosed));  // lines not closed count (CountsTowardExposure)
    const auto rs = QueryWithin(*stmt);
    std::vector<MultiLendingCell> out;
    while (rs->next()) {
      MultiLendingCell c;
      c.month = domain::Date::Parse(std::string(rs->getString(1))).value_or(domain::Date{});
      c.region = rs->getString(2);
      c.borrowers = Int(*rs, 3);
      c.balance_minor = Int(*rs, 4);
      for (int g = 0; g < 3; ++g) {
        c.borrowers_at_least[g] = Int(*rs, 5 + 2 * g);
        c.balance_at_least[g] = Int(*rs, 6 + 2 * g);
      }
      out.push_back(c);
    }
    return out;
  });
}

}  // namespace creditshare::storage
