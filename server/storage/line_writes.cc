#include "storage/line_writes.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "domain/repayment.h"
#include "storage/alert_repository.h"
#include "storage/member_repository.h"
#include "storage/line_rows.h"
#include "storage/public_id.h"
#include "storage/sql_text.h"

namespace creditshare::storage {

namespace {
using line_rows::SetOptionalDate;

// A line's current state and its ledger copy of the monthly records: parameters first..first+19
// in the column order of kFigureColumns.
constexpr const char* kFigureColumns =
    "product_type, currency, credit_limit_minor, outstanding_balance_minor, opened_date, status, days_past_due, "
    "overdue_amount_minor, as_of_date, scheduled_payment_minor, actual_payment_minor, first_delinquency_date, "
    "classification, maturity_date, collections_stage, charged_off_amount_minor, charged_off_date, settlement_type, "
    "ledger_months, retention_review_on";
constexpr int kFigureCount = 20;

void BindFigures(sql::PreparedStatement& stmt, int first, const domain::LineReport& r, const domain::ReportPlan& plan) {
  stmt.setInt(first, static_cast<int>(r.product_type));
  stmt.setString(first + 1, r.currency);
  stmt.setInt64(first + 2, r.credit_limit_minor);
  stmt.setInt64(first + 3, r.outstanding_balance_minor);
  stmt.setString(first + 4, r.opened_date.ToString());
  stmt.setInt(first + 5, static_cast<int>(r.status));
  stmt.setInt(first + 6, r.days_past_due);
  stmt.setInt64(first + 7, r.overdue_amount_minor);
  stmt.setString(first + 8, r.as_of_date.ToString());
  stmt.setInt64(first + 9, r.scheduled_payment_minor);
  stmt.setInt64(first + 10, r.actual_payment_minor);
  SetOptionalDate(stmt, first + 11, r.first_delinquency_date);
  stmt.setInt(first + 12, static_cast<int>(r.classification));
  SetOptionalDate(stmt, first + 13, r.maturity_date);
  stmt.setInt(first + 14, static_cast<int>(r.collections_stage));
  stmt.setInt64(first + 15, r.charged_off_amount_minor);
  SetOptionalDate(stmt, first + 16, r.charged_off_date);
  stmt.setInt(first + 17, static_cast<int>(r.settlement_type));
  stmt.setString(first + 18, line_rows::PackMonths(plan.months));
  SetOptionalDate(stmt, first + 19, plan.retention_review);
}

// "column = value(column), ..." over the figure columns, for upsert statements.
std::string FigureAssignments(const std::function<std::string(const std::string&)>& value) {
  std::string set;
  std::istringstream in(kFigureColumns);
  for (std::string column; std::getline(in, column, ',');) {
    column = column.substr(column.find_first_not_of(' '));
    set += (set.empty() ? "" : ", ") + column + " = " + value(column);
  }
  return set;
}

constexpr int kMonthParams = 15;

std::string MonthUpsertSql(std::size_t rows) {
  return "INSERT INTO credit_line_months (line_id, month, status_code, outstanding_balance_minor, days_past_due, "
         "overdue_amount_minor, scheduled_payment_minor, actual_payment_minor, as_of_date, corrected, "
         "credit_limit_minor, classification, line_status, collections_stage, charged_off_amount_minor) VALUES " +
         RowsOf("(" + Placeholders(kMonthParams) + ")", rows) +
         " ON DUPLICATE KEY UPDATE status_code = VALUES(status_code), "
         "credit_limit_minor = VALUES(credit_limit_minor), classification = VALUES(classification), "
         "outstanding_balance_minor = VALUES(outstanding_balance_minor), days_past_due = VALUES(days_past_due), "
         "overdue_amount_minor = VALUES(overdue_amount_minor), scheduled_payment_minor = VALUES(scheduled_payment_minor), "
         "actual_payment_minor = VALUES(actual_payment_minor), as_of_date = VALUES(as_of_date), "
         "corrected = VALUES(corrected), line_status = VALUES(line_status), "
         "collections_stage = VALUES(collections_stage), charged_off_amount_minor = VALUES(charged_off_amount_minor), "
         "recorded_at = CURRENT_TIMESTAMP(6)";
}

void BindMonth(sql::PreparedStatement& stmt, int first, std::uint64_t line_id, const domain::LineReport& r,
               bool corrected) {
  stmt.setUInt64(first, line_id);
  stmt.setString(first + 1, r.as_of_date.FirstOfMonth().ToString());
  stmt.setString(first + 2, std::string(1, domain::MonthlyStatusCode(r)));
  stmt.setInt64(first + 3, r.outstanding_balance_minor);
  stmt.setInt(first + 4, r.days_past_due);
  stmt.setInt64(first + 5, r.overdue_amount_minor);
  stmt.setInt64(first + 6, r.scheduled_payment_minor);
  stmt.setInt64(first + 7, r.actual_payment_minor);
  stmt.setString(first + 8, r.as_of_date.ToString());
  stmt.setBoolean(first + 9, corrected);
  stmt.setInt64(first + 10, r.credit_limit_minor);
  stmt.setInt(first + 11, static_cast<int>(r.classification));
  stmt.setInt(first + 12, static_cast<int>(r.status));
  stmt.setInt(first + 13, static_cast<int>(r.collections_stage));
  stmt.setInt64(first + 14, r.charged_off_amount_minor);
}

void InsertLines(Connection& conn, std::uint64_t member_id, const std::vector<PlannedReport*>& created) {
  if (created.empty()) return;
  constexpr int kParams = kFigureCount + 4;
  auto stmt = conn.PrepareRows(std::string("INSERT INTO credit_lines (") + kFigureColumns +
                                   ", member_id, account_reference, borrower_id, public_id, version) VALUES " +
                                   RowsOf("(" + Placeholders(kParams) + ", 1)", created.size()),
                               created.size());
  int base = 0;
  for (const auto* p : created) {
    BindFigures(*stmt, base + 1, *p->report, *p->plan);
    stmt->setUInt64(base + kFigureCount + 1, member_id);
    stmt->setString(base + kFigureCount + 2, p->report->account_reference);
    stmt->setUInt64(base + kFigureCount + 3, p->borrower_id);
    stmt->setString(base + kFigureCount + 4, NewPublicId('l'));
    base += kParams;
  }
  stmt->executeUpdate();

  auto ids = conn.PrepareRows("SELECT account_reference, id FROM credit_lines WHERE member_id = ? AND "
                              "account_reference IN (" + Placeholders(created.size()) + ")",
                              created.size());
  ids->setUInt64(1, member_id);
  int p = 2;
  for (const auto* c : created) ids->setString(p++, c->report->account_reference);
  std::unique_ptr<sql::ResultSet> rs(ids->executeQuery());
  std::map<std::string, std::uint64_t, std::less<>> by_account;
  while (rs->next()) by_account.emplace(std::string(rs->getString(1)), rs->getUInt64(2));
  for (auto* c : created) {
    const auto it = by_account.find(c->report->account_reference);
    if (it == by_account.end()) throw std::runtime_error("new line missing after its insert");
    c->line_id = it->second;
  }
}

// Replaced current states by one upsert that names each row by its id. (Without the id, a
// multi-row upsert that falls back to the unique key was seen to lose rows on this MariaDB under
// concurrent chunks; by primary key a row can only meet itself.)
void ReplaceLines(Connection& conn, std::uint64_t member_id, const std::vector<PlannedReport*>& replaced) {
  if (replaced.empty()) return;
  static const std::string update =
      " ON DUPLICATE KEY UPDATE " +
      FigureAssignments([](const std::string& column) { return "VALUES(" + column + ")"; }) +
      ", version = version + 1, updated_at = CURRENT_TIMESTAMP(6)";
  constexpr int kParams = kFigureCount + 5;
  auto stmt = conn.PrepareRows(std::string("INSERT INTO credit_lines (") + kFigureColumns +
                                   ", id, member_id, account_reference, borrower_id, public_id, version) VALUES " +
                                   RowsOf("(" + Placeholders(kParams) + ", 1)", replaced.size()) + update,
                               replaced.size());
  int base = 0;
  for (const auto* p : replaced) {
    BindFigures(*stmt, base + 1, *p->report, *p->plan);
    stmt->setUInt64(base + kFigureCount + 1, p->line_id);
    stmt->setUInt64(base + kFigureCount + 2, member_id);
    stmt->setString(base + kFigureCount + 3, p->report->account_reference);
    stmt->setUInt64(base + kFigureCount + 4, p->borrower_id);
    stmt->setString(base + kFigureCount + 5, "-");  // not used: every row exists
    base += kParams;
  }
  // Each row exists and is locked, so each is updated (2 affected rows per update).
  if (stmt->executeUpdate() != static_cast<int>(2 * replaced.size()))
    throw std::runtime_error("a locked credit line was not updated");
}

// A late report that writes only its month changes the line's ledger copy, not its state.
void UpdateLedgers(Connection& conn, const std::vector<PlannedReport*>& history_only) {
  for (const auto* p : history_only) {
    auto& stmt = conn.Prepare("UPDATE credit_lines SET ledger_months = ?, retention_review_on = ? WHERE id = ?");
    stmt.setString(1, line_rows::PackMonths(p->plan->months));
    SetOptionalDate(stmt, 2, p->plan->retention_review);
    stmt.setUInt64(3, p->line_id);
    stmt.executeUpdate();
  }
}

void UpsertMonths(Connection& conn, const std::vector<PlannedReport*>& writes) {
  if (writes.empty()) return;
  auto stmt = conn.PrepareRows(MonthUpsertSql(writes.size()), writes.size());
  int base = 1;
  for (const auto* p : writes) {
    BindMonth(*stmt, base, p->line_id, *p->report, p->plan->month_corrected);
    base += kMonthParams;
  }
  stmt->executeUpdate();
}

// A reservation made for an account reference ends with the new line's first report. Few
// borrowers have one: they are found by borrower (a plain IN over one index) and matched here,
// and only matches are updated, by id. One UPDATE matching (account, borrower) pairs spent 14 %
// of the database's ingest CPU planning ranges over the pair list, mostly to update nothing.
void EndReservations(Connection& conn, std::uint64_t member_id, const std::vector<PlannedReport*>& created,
                     std::int64_t now_us) {
  if (created.empty()) return;
  std::set<std::uint64_t> borrowers;
  std::set<std::pair<std::string_view, std::uint64_t>> accounts;
  for (const auto* p : created) {
    borrowers.insert(p->borrower_id);
    accounts.emplace(p->report->account_reference, p->borrower_id);
  }
  std::vector<std::uint64_t> ended;
  {
    auto stmt = conn.PrepareRows(
        "SELECT id, account_reference, borrower_id FROM reservations FORCE INDEX (ix_reservations_borrower) "
        "WHERE borrower_id IN (" + Placeholders(borrowers.size()) + ") AND status = ? AND member_id = ? FOR UPDATE",
        borrowers.size());
    int p = 1;
    for (const auto id : borrowers) stmt->setUInt64(p++, id);
    stmt->setInt(p++, static_cast<int>(domain::ReservationStatus::kActive));
    stmt->setUInt64(p, member_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next())
      if (accounts.contains({std::string(rs->getString(2)), rs->getUInt64(3)})) ended.push_back(rs->getUInt64(1));
  }
  if (ended.empty()) return;
  auto stmt = conn.PrepareRows(
      "UPDATE reservations SET status = ?, ended_at_us = ? WHERE id IN (" + Placeholders(ended.size()) + ")",
      ended.size());
  stmt->setInt(1, static_cast<int>(domain::ReservationStatus::kConsumed));
  stmt->setInt64(2, now_us);
  for (std::size_t i = 0; i < ended.size(); ++i) stmt->setUInt64(static_cast<int>(i + 3), ended[i]);
  stmt->executeUpdate();
}
}  // namespace

std::map<std::string, LockedLine, std::less<>> LockLines(Connection& conn, std::uint64_t member_id,
                                                        const std::vector<std::string_view>& refs) {
  std::map<std::string, LockedLine, std::less<>> out;
  if (refs.empty()) return out;
  auto stmt = conn.PrepareRows(
      "SELECT account_reference, id, borrower_id, currency, as_of_date, version, ledger_months, days_past_due, "
      "status, collections_stage, charged_off_amount_minor, product_type FROM credit_lines "
      "WHERE member_id = ? AND account_reference IN (" + Placeholders(refs.size()) + ") FOR UPDATE",
      refs.size());
  stmt->setUInt64(1, member_id);
  int p = 2;
  for (const auto ref : refs) stmt->setString(p++, std::string(ref));
  std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
  while (rs->next()) {
    LockedLine line;
    line.id = rs->getUInt64(2);
    line.ledger.borrower_id = rs->getUInt64(3);
    line.ledger.currency = rs->getString(4);
    line.ledger.as_of_date = line_rows::ReadDate(*rs, 5);
    line.ledger.version = rs->getInt64(6);
    if (!rs->isNull(7)) line.ledger.months = line_rows::UnpackMonths(rs->getString(7));
    auto& state = line.ledger.state;
    state.as_of_date = line.ledger.as_of_date;
    state.days_past_due = rs->getInt(8);
    state.status = static_cast<domain::LineStatus>(rs->getInt(9));
    state.collections_stage = static_cast<domain::CollectionsStage>(rs->getInt(10));
    state.charged_off_amount_minor = rs->getInt64(11);
    line.product_type = static_cast<domain::ProductType>(rs->getInt(12));
    out.emplace(std::string(rs->getString(1)), std::move(line));
  }
  return out;
}

LinePlan PlanAgainst(const std::map<std::string, LockedLine, std::less<>>& locked, std::uint64_t borrower_id,
                     const domain::LineReport& report, const domain::QualityGate& gate) {
  const auto it = locked.find(report.account_reference);
  const LockedLine* stored = it == locked.end() ? nullptr : &it->second;
  return {domain::PlanReport(stored ? &stored->ledger : nullptr, borrower_id, report, "line.", gate),
          stored ? stored->id : 0};
}

void ExecutePlans(Connection& conn, std::uint64_t member_id, std::vector<PlannedReport>& plans, std::int64_t now_us) {
  std::vector<PlannedReport*> created, replaced, history_only, months;
  for (auto& p : plans) {
    if (p.plan->update == domain::LineUpdate::kCreate) {
      created.push_back(&p);
    } else if (p.plan->write_line) {
      replaced.push_back(&p);
    } else if (p.plan->write_month) {
      history_only.push_back(&p);
    }
    if (p.plan->write_month) months.push_back(&p);
  }
  InsertLines(conn, member_id, created);
  ReplaceLines(conn, member_id, replaced);
  UpdateLedgers(conn, history_only);
  UpsertMonths(conn, months);
  EndReservations(conn, member_id, created, now_us);
  std::vector<RaisedEvent> events;
  for (const auto& p : plans)
    for (const auto& e : p.plan->events) events.push_back({p.borrower_id, e, 0});
  AlertRepository::Raise(conn, member_id, events, now_us);
  // Last: the day's row is shared by every report of the member that day (reciprocity).
  if (!plans.empty()) MemberRepository::RecordReportDay(conn, member_id, domain::BusinessDate(now_us));
}

}  // namespace creditshare::storage
