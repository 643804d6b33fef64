#include "storage/credit_line_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

#include "storage/audit_repository.h"
#include "storage/line_rows.h"
#include "storage/public_id.h"
#include "storage/sql_errors.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
using domain::Error;
using domain::ErrorCode;

constexpr const char* kReportMethod = "ReportCreditLine";
constexpr const char* kRestructureMethod = "RestructureCreditLine";

std::string EncodeResult(const domain::ReportResult& r) {
  return "v2|" + std::to_string(static_cast<int>(r.outcome)) + "|" + r.stored_as_of_date.ToString() + "|" +
         std::to_string(r.version) + "|" + (r.month_corrected ? "1" : "0");
}

domain::Result<domain::ReportResult> DecodeResult(const std::string& s) {
  std::istringstream in(s);
  std::string tag, outcome, date, version, corrected;
  if (std::getline(in, tag, '|') && tag == "v2" && std::getline(in, outcome, '|') && std::getline(in, date, '|') &&
      std::getline(in, version, '|') && std::getline(in, corrected)) {
    if (const auto d = domain::Date::Parse(date))
      return domain::ReportResult{static_cast<domain::ReportOutcome>(std::stoi(outcome)), *d, std::stoll(version),
                                  corrected == "1"};
  }
  return Error{ErrorCode::kInternal, "", "stored response is unreadable"};
}

void SetOptionalDate(sql::PreparedStatement& stmt, int index, const std::optional<domain::Date>& d) {
  if (d) {
    stmt.setString(index, d->ToString());
  } else {
    stmt.setNull(index, 0);
  }
}

struct LockedLine {
  std::uint64_t id = 0;
  domain::StoredLineState state;
  bool ever_negative = false;
  std::optional<domain::Date> negative_ended_date;
};

std::optional<LockedLine> LockLine(Connection& conn, std::uint64_t member_id, const std::string& ref) {
  auto& stmt = conn.Prepare(
      "SELECT id, borrower_id, currency, as_of_date, version, ever_negative, negative_ended_date FROM credit_lines "
      "WHERE member_id = ? AND account_reference = ? FOR UPDATE");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, ref);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return std::nullopt;
  return LockedLine{rs->getUInt64(1),
                    {rs->getUInt64(2), rs->getString(3), line_rows::ReadDate(*rs, 4), rs->getInt64(5)},
                    rs->getBoolean(6),
                    line_rows::ReadOptionalDate(*rs, 7)};
}

// Binds the report's figures to parameters first..first+19 in the column order of kFigureColumns.
constexpr const char* kFigureColumns =
    "product_type, currency, credit_limit_minor, outstanding_balance_minor, opened_date, status, days_past_due, "
    "overdue_amount_minor, as_of_date, scheduled_payment_minor, actual_payment_minor, first_delinquency_date, "
    "classification, maturity_date, collections_stage, charged_off_amount_minor, charged_off_date, settlement_type, "
    "ever_negative, negative_ended_date";
constexpr int kFigureCount = 20;

void BindFigures(sql::PreparedStatement& stmt, int first, const domain::LineReport& r, bool ever_negative,
                 const std::optional<domain::Date>& negative_ended) {
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
  stmt.setBoolean(first + 18, ever_negative);
  SetOptionalDate(stmt, first + 19, negative_ended);
}

std::string Placeholders(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += i == 0 ? "?" : ", ?";
  return s;
}

std::uint64_t InsertLine(Connection& conn, std::uint64_t member_id, std::uint64_t borrower_id,
                         const domain::LineReport& r, bool ever_negative,
                         const std::optional<domain::Date>& negative_ended) {
  auto& stmt = conn.Prepare(std::string("INSERT INTO credit_lines (") + kFigureColumns +
                            ", member_id, account_reference, borrower_id, public_id, version) VALUES (" +
                            Placeholders(kFigureCount + 4) + ", 1)");
  BindFigures(stmt, 1, r, ever_negative, negative_ended);
  stmt.setUInt64(kFigureCount + 1, member_id);
  stmt.setString(kFigureCount + 2, r.account_reference);
  stmt.setUInt64(kFigureCount + 3, borrower_id);
  stmt.setString(kFigureCount + 4, NewPublicId('l'));
  stmt.executeUpdate();
  std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  rs->next();
  return rs->getUInt64(1);
}

void ReplaceLine(Connection& conn, std::uint64_t line_id, const domain::LineReport& r, bool ever_negative,
                 const std::optional<domain::Date>& negative_ended) {
  static const std::string sql = [] {
    std::string cols = kFigureColumns, set;
    std::istringstream in(cols);
    for (std::string c; std::getline(in, c, ',');) {
      const auto first = c.find_first_not_of(' ');
      set += (set.empty() ? "" : ", ") + c.substr(first) + " = ?";
    }
    return "UPDATE credit_lines SET " + set + ", version = version + 1, updated_at = CURRENT_TIMESTAMP(6) WHERE id = ?";
  }();
  auto& stmt = conn.Prepare(sql);
  BindFigures(stmt, 1, r, ever_negative, negative_ended);
  stmt.setUInt64(kFigureCount + 1, line_id);
  stmt.executeUpdate();
}

enum class MonthWrite { kSkipped, kWritten, kCorrected };

// Writes the month's history record unless a report with a later as-of date already covers it.
// A record replaced by a report not newer than the line's current state is a correction.
MonthWrite WriteMonth(Connection& conn, std::uint64_t line_id, const domain::LineReport& r,
                      const domain::Date& line_as_of_before, bool new_line) {
  const domain::Date month = r.as_of_date.FirstOfMonth();
  bool exists = false;
  if (!new_line) {  // a line created in this transaction has no months yet
    auto& find = conn.Prepare("SELECT as_of_date FROM credit_line_months WHERE line_id = ? AND month = ? FOR UPDATE");
    find.setUInt64(1, line_id);
    find.setString(2, month.ToString());
    std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
    exists = rs->next();
    if (exists && line_rows::ReadDate(*rs, 1) > r.as_of_date) return MonthWrite::kSkipped;
  }
  const bool corrected = exists && r.as_of_date <= line_as_of_before;
  auto& upsert = conn.Prepare(
      "INSERT INTO credit_line_months (line_id, month, status_code, outstanding_balance_minor, days_past_due, "
      "overdue_amount_minor, scheduled_payment_minor, actual_payment_minor, as_of_date, corrected, credit_limit_minor, "
      "classification) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE status_code = VALUES(status_code), "
      "credit_limit_minor = VALUES(credit_limit_minor), classification = VALUES(classification), "
      "outstanding_balance_minor = VALUES(outstanding_balance_minor), days_past_due = VALUES(days_past_due), "
      "overdue_amount_minor = VALUES(overdue_amount_minor), scheduled_payment_minor = VALUES(scheduled_payment_minor), "
      "actual_payment_minor = VALUES(actual_payment_minor), as_of_date = VALUES(as_of_date), "
      "corrected = VALUES(corrected), recorded_at = CURRENT_TIMESTAMP(6)");
  upsert.setUInt64(1, line_id);
  upsert.setString(2, month.ToString());
  upsert.setString(3, std::string(1, domain::MonthlyStatusCode(r)));
  upsert.setInt64(4, r.outstanding_balance_minor);
  upsert.setInt(5, r.days_past_due);
  upsert.setInt64(6, r.overdue_amount_minor);
  upsert.setInt64(7, r.scheduled_payment_minor);
  upsert.setInt64(8, r.actual_payment_minor);
  upsert.setString(9, r.as_of_date.ToString());
  upsert.setBoolean(10, corrected);
  upsert.setInt64(11, r.credit_limit_minor);
  upsert.setInt(12, static_cast<int>(r.classification));
  upsert.executeUpdate();
  return corrected ? MonthWrite::kCorrected : MonthWrite::kWritten;
}

// Reporting the line a reservation was made for ends that reservation.
void ConsumeReservation(Connection& conn, std::uint64_t member_id, std::uint64_t borrower_id, const std::string& ref,
                        std::int64_t now_us) {
  auto& stmt = conn.Prepare(
      "UPDATE reservations SET status = 2, ended_at_us = ? "
      "WHERE member_id = ? AND account_reference = ? AND borrower_id = ? AND status = 1");
  stmt.setInt64(1, now_us);
  stmt.setUInt64(2, member_id);
  stmt.setString(3, ref);
  stmt.setUInt64(4, borrower_id);
  stmt.executeUpdate();
}

}  // namespace

// One report's effect inside the caller's transaction (after its idempotency key was claimed).
domain::Result<domain::ReportResult> CreditLineRepository::ApplyOne(Connection& conn, std::uint64_t member_id, const BorrowerIdentity& borrower,
                                              const domain::LineReport& report, std::int64_t now_us) {
  const std::uint64_t borrower_id = UpsertBorrower(conn, borrower);
  const auto stored = LockLine(conn, member_id, report.account_reference);
  const auto decision = domain::DecideLineUpdate(
      stored ? std::optional<domain::StoredLineState>(stored->state) : std::nullopt, borrower_id, report, "line.");
  if (!decision.ok()) return decision.error();

  // Retention runs from the report on which the last negative episode ended.
  const bool negative = domain::IsNegative(report);
  const bool ever_negative = negative || (stored && stored->ever_negative);
  std::optional<domain::Date> negative_ended = stored ? stored->negative_ended_date : std::nullopt;
  if (negative) {
    negative_ended.reset();
  } else if (ever_negative && !negative_ended) {
    negative_ended = report.as_of_date;
  }

  domain::ReportResult out;
  switch (decision.value()) {
    case domain::LineUpdate::kCreate: {
      const auto line_id = InsertLine(conn, member_id, borrower_id, report, ever_negative, negative_ended);
      WriteMonth(conn, line_id, report, report.as_of_date, /*new_line=*/true);
      // A reservation made for this account reference ends with the line's first report.
      ConsumeReservation(conn, member_id, borrower_id, report.account_reference, now_us);
      out = {domain::ReportOutcome::kCreated, report.as_of_date, 1, false};
      break;
    }
    case domain::LineUpdate::kReplace: {
      ReplaceLine(conn, stored->id, report, ever_negative, negative_ended);
      const auto month = WriteMonth(conn, stored->id, report, stored->state.as_of_date, /*new_line=*/false);
      out = {domain::ReportOutcome::kUpdated, report.as_of_date, stored->state.version + 1,
             month == MonthWrite::kCorrected};
      break;
    }
    case domain::LineUpdate::kStale: {
      // Older than the current state: only its month's history may change.
      const auto month = WriteMonth(conn, stored->id, report, stored->state.as_of_date, /*new_line=*/false);
      out = {month == MonthWrite::kSkipped ? domain::ReportOutcome::kStaleIgnored
                                           : domain::ReportOutcome::kHistoryUpdated,
             stored->state.as_of_date, stored->state.version, month == MonthWrite::kCorrected};
      break;
    }
  }
  return out;
}

std::uint64_t CreditLineRepository::UpsertBorrower(Connection& conn, const BorrowerIdentity& b) {
  // The duplicate-key path also locks the borrower row, serialising writers per borrower.
  auto& stmt = conn.Prepare(
      "INSERT INTO borrowers (borrower_key, region_code, birth_year) VALUES (?, ?, ?) "
      "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)");
  stmt.setString(1, b.key);
  stmt.setString(2, b.region_code);
  stmt.setInt(3, b.birth_year);
  stmt.executeUpdate();
  std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  rs->next();
  return rs->getUInt64(1);
}

domain::Result<domain::ReportResult> CreditLineRepository::ApplyReport(
    std::uint64_t member_id, const IdempotencyKey& idempotency, const BorrowerIdentity& borrower,
    const domain::LineReport& report, std::int64_t now_us, const AuditOnChange& audit, bool* replayed) {
  auto outcome = RunIdempotent(pool_, member_id, idempotency, kReportMethod,
                               [&](Connection& conn) -> domain::Result<std::string> {
    auto out = ApplyOne(conn, member_id, borrower, report, now_us);
    if (!out.ok()) return out.error();
    AuditRepository::Insert(conn, audit());
    return EncodeResult(out.value());
  });
  if (!outcome.ok()) return outcome.error();
  *replayed = outcome.value().replayed;
  return DecodeResult(outcome.value().response);
}

std::vector<BulkItemOutcome> CreditLineRepository::ApplyBatch(std::uint64_t member_id,
                                                              const std::vector<BulkItem>& items,
                                                              std::int64_t now_us) {
  // Borrower rows are locked in ascending key order in every batch, so concurrent batches (of
  // one or many streams) that share borrowers queue for each other instead of deadlocking.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return items[a].borrower.key < items[b].borrower.key; });
  auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<std::vector<BulkItemOutcome>> {
    std::vector<BulkItemOutcome> outcomes(items.size());
    for (const size_t i : order) {
      const auto& item = items[i];
      auto& out = outcomes[i];
      conn.Execute("SAVEPOINT bulk_item");  // reusing the name moves it
      if (!ClaimIdempotencyKey(conn, member_id, item.idempotency, kReportMethod)) {
        // Applied before, by an earlier stream or earlier in this one.
        auto stored = StoredResponse(conn, member_id, item.idempotency, kReportMethod);
        if (!stored.ok()) {
          out.error = stored.error();
          continue;
        }
        auto decoded = DecodeResult(stored.value());
        if (!decoded.ok()) {
          out.error = decoded.error();
          continue;
        }
        out.result = decoded.value();
        out.replayed = true;
        continue;
      }
      auto applied = ApplyOne(conn, member_id, item.borrower, item.report, now_us);
      if (!applied.ok()) {
        conn.Execute("ROLLBACK TO SAVEPOINT bulk_item");
        out.error = applied.error();
        continue;
      }
      StoreIdempotentResponse(conn, member_id, item.idempotency, EncodeResult(applied.value()));
      AuditRepository::Insert(conn, item.audit);
      out.result = applied.value();
    }
    return outcomes;
  });
  return std::move(result).value();
}

domain::Result<int> CreditLineRepository::Restructure(std::uint64_t member_id, const IdempotencyKey& idempotency,
                                                      const Restructuring& r, const AuditOnChange& audit,
                                                      bool* replayed) {
  auto outcome = RunIdempotent(pool_, member_id, idempotency, kRestructureMethod,
                               [&](Connection& conn) -> domain::Result<std::string> {
    const auto line = LockLine(conn, member_id, r.account_reference);
    if (!line) return Error{ErrorCode::kNotFound, "account_reference", "no line of yours with this account reference"};
    std::string concessions;
    for (auto c : r.concessions) concessions += (concessions.empty() ? "" : ",") + std::to_string(static_cast<int>(c));
    auto& insert = conn.Prepare(
        "INSERT INTO credit_line_restructurings (line_id, restructure_date, reason, concessions, new_maturity_date, "
        "new_scheduled_payment_minor, new_interest_rate_bps, principal_forgiven_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setUInt64(1, line->id);
    insert.setString(2, r.restructure_date.ToString());
    insert.setString(3, r.reason);
    insert.setString(4, concessions);
    SetOptionalDate(insert, 5, r.new_maturity_date);
    insert.setInt64(6, r.new_scheduled_payment_minor);
    insert.setInt(7, r.new_interest_rate_bps);
    insert.setInt64(8, r.principal_forgiven_minor);
    insert.executeUpdate();
    // New terms replace the old: maturity and scheduled payment when given.
    auto& update = conn.Prepare(
        "UPDATE credit_lines SET restructure_count = restructure_count + 1, "
        "last_restructure_date = GREATEST(COALESCE(last_restructure_date, ?), ?), "
        "maturity_date = COALESCE(?, maturity_date), "
        "scheduled_payment_minor = IF(? > 0, ?, scheduled_payment_minor) WHERE id = ?");
    update.setString(1, r.restructure_date.ToString());
    update.setString(2, r.restructure_date.ToString());
    SetOptionalDate(update, 3, r.new_maturity_date);
    update.setInt64(4, r.new_scheduled_payment_minor);
    update.setInt64(5, r.new_scheduled_payment_minor);
    update.setUInt64(6, line->id);
    update.executeUpdate();
    auto& count = conn.Prepare("SELECT restructure_count FROM credit_lines WHERE id = ?");
    count.setUInt64(1, line->id);
    std::unique_ptr<sql::ResultSet> rs(count.executeQuery());
    rs->next();
    AuditRepository::InsertForBorrower(conn, audit(), line->state.borrower_id);
    return std::to_string(rs->getInt(1));
  });
  if (!outcome.ok()) return outcome.error();
  *replayed = outcome.value().replayed;
  return std::stoi(outcome.value().response);
}

std::vector<domain::BorrowerLine> CreditLineRepository::LockLinesForCaps(Connection& conn, std::uint64_t borrower_id) {
  auto& stmt = conn.Prepare(std::string(line_rows::kSelectWithMember) +
                            "WHERE l.borrower_id = ? AND l.deleted_at IS NULL LOCK IN SHARE MODE");
  stmt.setUInt64(1, borrower_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<domain::BorrowerLine> out;
  while (rs->next()) out.push_back(line_rows::ReadLine(*rs));
  return out;
}

CreditLineRepository::PurgeCounts CreditLineRepository::PurgeExpiredNegativeInformation(
    const domain::Date& today, const std::function<void(Connection&, const PurgeCounts&)>& record) {
  const std::string cutoff = today.AddYears(-domain::kNegativeRetentionYears).ToString();
  auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<PurgeCounts> {
    PurgeCounts counts;
    auto& months = conn.Prepare(
        "DELETE m FROM credit_line_months m JOIN credit_lines l ON l.id = m.line_id "
        "WHERE l.negative_ended_date IS NOT NULL AND l.negative_ended_date <= ? "
        "AND m.status_code IN ('1','2','3','4','5','6','7','D','Z','G')");
    months.setString(1, cutoff);
    counts.months_deleted = months.executeUpdate();
    auto& lines = conn.Prepare(
        "UPDATE credit_lines SET first_delinquency_date = NULL, collections_stage = 0, charged_off_amount_minor = 0, "
        "charged_off_date = NULL, classification = IF(classification >= 2, 0, classification), ever_negative = 0, "
        "negative_ended_date = NULL WHERE negative_ended_date IS NOT NULL AND negative_ended_date <= ?");
    lines.setString(1, cutoff);
    counts.lines_cleared = lines.executeUpdate();
    record(conn, counts);
    return counts;
  });
  return result.value();
}

}  // namespace creditshare::storage
