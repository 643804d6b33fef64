#include "storage/retention_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <vector>

#include "domain/ledger.h"
#include "storage/alert_repository.h"
#include "storage/line_rows.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
// A line due for review: its ledger copy and the current figures retention may clear.
struct DueLine {
  std::uint64_t id = 0;
  std::vector<domain::MonthRecord> months;
  domain::LineReport current;
};

std::vector<DueLine> LockDueLines(Connection& conn, const domain::Date& today) {
  auto& stmt = conn.Prepare(
      "SELECT id, ledger_months, first_delinquency_date, collections_stage, charged_off_amount_minor, "
      "charged_off_date, classification FROM credit_lines WHERE retention_review_on <= ? ORDER BY id FOR UPDATE");
  stmt.setString(1, today.ToString());
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<DueLine> out;
  while (rs->next()) {
    DueLine l;
    l.id = rs->getUInt64(1);
    if (!rs->isNull(2)) l.months = line_rows::UnpackMonths(rs->getString(2));
    l.current.first_delinquency_date = line_rows::ReadOptionalDate(*rs, 3);
    l.current.collections_stage = static_cast<domain::CollectionsStage>(rs->getInt(4));
    l.current.charged_off_amount_minor = rs->getInt64(5);
    l.current.charged_off_date = line_rows::ReadOptionalDate(*rs, 6);
    l.current.classification = static_cast<domain::LoanClassification>(rs->getInt(7));
    out.push_back(std::move(l));
  }
  return out;
}
}  // namespace

long RetentionRepository::PurgeAlerts(std::int64_t before_us) {
  constexpr int kBatch = 10000;
  long total = 0;
  for (;;) {
    const long n = WithConnection(pool_, [&](Connection& conn) { return AlertRepository::PurgeBefore(conn, before_us, kBatch); });
    total += n;
    if (n < kBatch) return total;
  }
}

long RetentionRepository::PurgeNotices(std::int64_t before_us) {
  constexpr int kBatch = 10000;
  long total = 0;
  for (;;) {
    const long n = WithConnection(pool_, [&](Connection& conn) {
      auto& stmt = conn.Prepare("DELETE FROM access_notices WHERE at_us < ? LIMIT ?");
      stmt.setInt64(1, before_us);
      stmt.setInt(2, kBatch);
      return static_cast<long>(stmt.executeUpdate());
    });
    total += n;
    if (n < kBatch) return total;
  }
}

long RetentionRepository::PurgeReceipts(const domain::Date& before) {
  constexpr int kBatch = 10000;
  long total = 0;
  for (;;) {
    const long n = WithConnection(pool_, [&](Connection& conn) {
      auto& stmt = conn.Prepare("DELETE FROM report_receipts WHERE day < ? LIMIT ?");
      stmt.setString(1, before.ToString());
      stmt.setInt(2, kBatch);
      return static_cast<long>(stmt.executeUpdate());
    });
    total += n;
    if (n < kBatch) return total;
  }
}

RetentionRepository::PurgeCounts RetentionRepository::Purge(
    const domain::Date& today, const std::function<void(Connection&, const PurgeCounts&)>& record) {
  auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<PurgeCounts> {
    PurgeCounts counts;
    for (auto& line : LockDueLines(conn, today)) {
      ++counts.lines_reviewed;
      const auto plan = domain::PlanRetention(line.months, today);
      for (const auto& episode : plan.expired) {
        auto& remove = conn.Prepare("DELETE FROM credit_line_months WHERE line_id = ? AND month BETWEEN ? AND ?");
        remove.setUInt64(1, line.id);
        remove.setString(2, episode.first_month.ToString());
        remove.setString(3, episode.last_month.ToString());
        counts.months_deleted += remove.executeUpdate();
      }
      if (plan.clear_line_negative_fields) {
        domain::ClearNegativeFields(line.current);
        ++counts.lines_cleared;
      }
      auto& update = conn.Prepare(
          "UPDATE credit_lines SET ledger_months = ?, retention_review_on = ?, first_delinquency_date = ?, "
          "collections_stage = ?, charged_off_amount_minor = ?, charged_off_date = ?, classification = ? WHERE id = ?");
      update.setString(1, line_rows::PackMonths(plan.months_after));
      line_rows::SetOptionalDate(update, 2, plan.next_review);
      line_rows::SetOptionalDate(update, 3, line.current.first_delinquency_date);
      update.setInt(4, static_cast<int>(line.current.collections_stage));
      update.setInt64(5, line.current.charged_off_amount_minor);
      line_rows::SetOptionalDate(update, 6, line.current.charged_off_date);
      update.setInt(7, static_cast<int>(line.current.classification));
      update.setUInt64(8, line.id);
      update.executeUpdate();
    }
    record(conn, counts);
    return counts;
  });
  return result.value();
}

}  // namespace creditshare::storage
