#include "storage/credit_line_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>

#include "storage/audit_repository.h"
#include "storage/line_rows.h"
#include "storage/public_id.h"
#include "storage/sql_errors.h"
#include "storage/sql_text.h"
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


// The packed history of a new line: the one month record its first report writes.
std::string FirstMonthPacked(const domain::LineReport& r) {
  return line_rows::PackMonthStatus(r.as_of_date.FirstOfMonth(), domain::MonthlyStatusCode(r));
}

std::uint64_t InsertLine(Connection& conn, std::uint64_t member_id, std::uint64_t borrower_id,
                         const domain::LineReport& r, bool ever_negative,
                         const std::optional<domain::Date>& negative_ended) {
  auto& stmt = conn.Prepare(std::string("INSERT INTO credit_lines (") + kFigureColumns +
                            ", member_id, account_reference, borrower_id, public_id, month_statuses, version) VALUES (" +
                            Placeholders(kFigureCount + 5) + ", 1)");
  BindFigures(stmt, 1, r, ever_negative, negative_ended);
  stmt.setUInt64(kFigureCount + 1, member_id);
  stmt.setString(kFigureCount + 2, r.account_reference);
  stmt.setUInt64(kFigureCount + 3, borrower_id);
  stmt.setString(kFigureCount + 4, NewPublicId('l'));
  stmt.setString(kFigureCount + 5, FirstMonthPacked(r));  // WriteMonth records that month next
  stmt.executeUpdate();
  std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  rs->next();
  return rs->getUInt64(1);
}

// "column = value(column), ..." over the figure columns, for UPDATE and upsert statements.
std::string FigureAssignments(const std::function<std::string(const std::string&)>& value) {
  std::string set;
  std::istringstream in(kFigureColumns);
  for (std::string column; std::getline(in, column, ',');) {
    column = column.substr(column.find_first_not_of(' '));
    set += (set.empty() ? "" : ", ") + column + " = " + value(column);
  }
  return set;
}

void ReplaceLine(Connection& conn, std::uint64_t line_id, const domain::LineReport& r, bool ever_negative,
                 const std::optional<domain::Date>& negative_ended) {
  static const std::string sql =
      "UPDATE credit_lines SET " + FigureAssignments([](const std::string&) { return std::string("?"); }) +
      ", version = version + 1, updated_at = CURRENT_TIMESTAMP(6) WHERE id = ?";
  auto& stmt = conn.Prepare(sql);
  BindFigures(stmt, 1, r, ever_negative, negative_ended);
  stmt.setUInt64(kFigureCount + 1, line_id);
  stmt.executeUpdate();
}

enum class MonthWrite { kSkipped, kWritten, kCorrected };

// The month-record upsert for `rows` rows (kMonthParams parameters each, bound by BindMonth).
constexpr int kMonthParams = 12;

std::string MonthUpsertSql(std::size_t rows) {
  std::string sql =
      "INSERT INTO credit_line_months (line_id, month, status_code, outstanding_balance_minor, days_past_due, "
      "overdue_amount_minor, scheduled_payment_minor, actual_payment_minor, as_of_date, corrected, credit_limit_minor, "
      "classification) VALUES ";
  return sql + RowsOf("(" + Placeholders(kMonthParams) + ")", rows) +
         " ON DUPLICATE KEY UPDATE status_code = VALUES(status_code), "
         "credit_limit_minor = VALUES(credit_limit_minor), classification = VALUES(classification), "
         "outstanding_balance_minor = VALUES(outstanding_balance_minor), days_past_due = VALUES(days_past_due), "
         "overdue_amount_minor = VALUES(overdue_amount_minor), scheduled_payment_minor = VALUES(scheduled_payment_minor), "
         "actual_payment_minor = VALUES(actual_payment_minor), as_of_date = VALUES(as_of_date), "
         "corrected = VALUES(corrected), recorded_at = CURRENT_TIMESTAMP(6)";
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
}

// Retention runs from the report on which the last negative episode ended.
struct NegativeMarks {
  bool ever_negative = false;
  std::optional<domain::Date> ended;
};

NegativeMarks NegativeMarksAfter(const domain::LineReport& report, const LockedLine* stored) {
  const bool negative = domain::IsNegative(report);
  NegativeMarks marks{negative || (stored && stored->ever_negative), stored ? stored->negative_ended_date : std::nullopt};
  if (negative) {
    marks.ended.reset();
  } else if (marks.ever_negative && !marks.ended) {
    marks.ended = report.as_of_date;
  }
  return marks;
}

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
  auto upsert = conn.PrepareRows(MonthUpsertSql(1), 1);
  BindMonth(*upsert, 1, line_id, r, corrected);
  upsert->executeUpdate();
  if (!new_line) {  // a new line was inserted with this month packed
    auto& repack = conn.Prepare(std::string(line_rows::kRepackMonthStatuses) + "l.id = ?");
    repack.setUInt64(1, line_id);
    repack.executeUpdate();
  }
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
domain::Result<domain::ReportResult> CreditLineRepository::ApplyOne(Connection& conn, std::uint64_t member_id,
                                                                    const BorrowerIdentity& borrower,
                                                                    const domain::LineReport& report, std::int64_t now_us) {
  const std::uint64_t borrower_id = UpsertBorrower(conn, borrower);
  const auto stored = LockLine(conn, member_id, report.account_reference);
  const auto decision = domain::DecideLineUpdate(
      stored ? std::optional<domain::StoredLineState>(stored->state) : std::nullopt, borrower_id, report, "line.");
  if (!decision.ok()) return decision.error();

  const auto [ever_negative, negative_ended] = NegativeMarksAfter(report, stored ? &*stored : nullptr);

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

namespace {
// Another stream committed one of the chunk's request ids, or created one of its lines, while
// the chunk ran: the chunk is rolled back and applied record by record.
struct SetConflict {};

// The set path applies every record against the state before the chunk, so it needs each
// request id and each account reference at most once.
bool EachKeyOnce(const std::vector<BulkItem>& items) {
  std::set<std::string_view> requests, accounts;
  for (const auto& item : items)
    if (!requests.insert(item.idempotency.request_id).second || !accounts.insert(item.report.account_reference).second)
      return false;
  return true;
}

// One chunk as a handful of multi-row statements inside the caller's transaction: read what
// exists (replays, borrowers, lines, month records) with one statement each, decide every
// record in memory with the same domain rules as ApplyOne, then write lines, months,
// reservations, idempotency keys and audit records with one statement each.
class ChunkApplier {
 public:
  ChunkApplier(Connection& conn, std::uint64_t member_id, const std::vector<BulkItem>& items, std::int64_t now_us)
      : conn_(conn), member_id_(member_id), items_(items), now_us_(now_us), out_(items.size()) {}

  std::vector<BulkItemOutcome> Apply() {
    ReadReplays();
    if (todo_.empty()) return std::move(out_);
    LockBorrowers();
    LockLines();
    LockMonths();
    Decide();
    if (plans_.empty()) return std::move(out_);
    WriteLines();
    WriteMonths();
    EndReservations();
    StoreIdempotencyKeys();
    std::vector<const domain::AuditEvent*> audits;
    for (const auto& plan : plans_) audits.push_back(&items_[plan.item].audit);
    AuditRepository::InsertMany(conn_, audits);
    return std::move(out_);
  }

 private:
  // What one record will write.
  struct Plan {
    std::size_t item = 0;
    const LockedLine* stored = nullptr;  // null: a new line
    bool write_line = false;
    bool write_month = false;
    bool month_corrected = false;
    NegativeMarks marks;
  };

  std::uint64_t BorrowerIdOf(const BulkItem& item) const {
    const auto it = borrower_ids_.find(item.borrower.key);
    if (it == borrower_ids_.end()) throw std::runtime_error("borrower row missing after its insert");
    return it->second;
  }

  // Request ids already committed (by an earlier chunk or stream) are answered from their stored
  // response; the rest are left to do.
  void ReadReplays() {
    const std::size_t n = items_.size();
    std::vector<bool> fresh(n, true);
    std::map<std::string, std::size_t, std::less<>> by_request;
    for (std::size_t i = 0; i < n; ++i) by_request.emplace(items_[i].idempotency.request_id, i);
    auto stmt = conn_.PrepareRows(
        "SELECT request_id, method, request_fingerprint, response FROM idempotency_keys WHERE member_id = ? AND "
        "request_id IN (" + Placeholders(n) + ")", n);
    stmt->setUInt64(1, member_id_);
    for (std::size_t i = 0; i < n; ++i) stmt->setString(static_cast<int>(i) + 2, items_[i].idempotency.request_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next()) {
      const auto it = by_request.find(std::string(rs->getString(1)));
      if (it == by_request.end()) continue;
      const std::size_t i = it->second;
      fresh[i] = false;
      if (rs->getString(2) != kReportMethod || rs->getString(3) != items_[i].idempotency.fingerprint) {
        out_[i].error = Error::InvalidArgument("request_id", "was already used for a different request");
        continue;
      }
      auto decoded = DecodeResult(rs->getString(4));
      if (!decoded.ok()) {
        out_[i].error = decoded.error();
        continue;
      }
      out_[i].result = decoded.value();
      out_[i].replayed = true;
    }
    for (std::size_t i = 0; i < n; ++i)
      if (fresh[i]) todo_.push_back(i);
  }

  // Borrower rows, created when new, all locked. Keys go in ascending order, so every chunk
  // takes its borrower locks in the same order and concurrent chunks queue instead of
  // deadlocking. (A multi-row INSERT .. ON DUPLICATE KEY UPDATE lost rows here under concurrent
  // chunks, so existing rows are locked first and only the missing ones inserted.)
  void LockBorrowers() {
    std::map<std::string, const BorrowerIdentity*> borrowers;
    for (const auto i : todo_) borrowers.emplace(items_[i].borrower.key, &items_[i].borrower);
    for (int attempt = 1; borrower_ids_.size() < borrowers.size(); ++attempt) {
      std::vector<const BorrowerIdentity*> missing;
      {
        auto stmt = conn_.PrepareRows("SELECT borrower_key, id FROM borrowers WHERE borrower_key IN (" +
                                          Placeholders(borrowers.size()) + ") ORDER BY borrower_key FOR UPDATE",
                                      borrowers.size());
        int p = 1;
        for (const auto& entry : borrowers) stmt->setString(p++, entry.first);
        std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
        while (rs->next()) borrower_ids_.emplace(std::string(rs->getString(1)), rs->getUInt64(2));
      }
      for (const auto& [key, b] : borrowers)
        if (!borrower_ids_.contains(key)) missing.push_back(b);
      if (missing.empty()) break;
      auto stmt = conn_.PrepareRows("INSERT INTO borrowers (borrower_key, region_code, birth_year) VALUES " +
                                        RowsOf("(?, ?, ?)", missing.size()),
                                    missing.size());
      int p = 1;
      for (const auto* b : missing) {
        stmt->setString(p++, b->key);
        stmt->setString(p++, b->region_code);
        stmt->setInt(p++, b->birth_year);
      }
      try {
        stmt->executeUpdate();
      } catch (const sql::SQLException& e) {
        // Another chunk created one of them first: only this statement was undone; look again.
        if (e.getErrorCode() != kErrDuplicateKey || attempt >= 5) throw;
      }
      borrower_ids_.clear();
    }
  }

  // The member's existing lines among these account references, locked for the update.
  void LockLines() {
    auto stmt = conn_.PrepareRows(
        "SELECT account_reference, id, borrower_id, currency, as_of_date, version, ever_negative, negative_ended_date "
        "FROM credit_lines WHERE member_id = ? AND account_reference IN (" + Placeholders(todo_.size()) + ") FOR UPDATE",
        todo_.size());
    stmt->setUInt64(1, member_id_);
    int p = 2;
    for (const auto i : todo_) stmt->setString(p++, items_[i].report.account_reference);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next())
      lines_.emplace(std::string(rs->getString(1)),
                     LockedLine{rs->getUInt64(2),
                                {rs->getUInt64(3), rs->getString(4), line_rows::ReadDate(*rs, 5), rs->getInt64(6)},
                                rs->getBoolean(7),
                                line_rows::ReadOptionalDate(*rs, 8)});
  }

  // Month records the reports fall in, for lines that exist: (line id, month) -> as-of date.
  void LockMonths() {
    std::vector<std::pair<std::uint64_t, domain::Date>> keys;
    for (const auto i : todo_)
      if (const auto it = lines_.find(items_[i].report.account_reference); it != lines_.end())
        keys.emplace_back(it->second.id, items_[i].report.as_of_date.FirstOfMonth());
    if (keys.empty()) return;
    auto stmt = conn_.PrepareRows("SELECT line_id, month, as_of_date FROM credit_line_months WHERE (line_id, month) IN (" +
                                      RowsOf("(?, ?)", keys.size()) + ") FOR UPDATE",
                                  keys.size());
    int p = 1;
    for (const auto& [line_id, month] : keys) {
      stmt->setUInt64(p++, line_id);
      stmt->setString(p++, month.ToString());
    }
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next())
      months_.emplace(std::make_pair(rs->getUInt64(1), line_rows::ReadDate(*rs, 2)), line_rows::ReadDate(*rs, 3));
  }

  // Every record decided as ApplyOne would.
  void Decide() {
    for (const auto i : todo_) {
      const auto& report = items_[i].report;
      const auto line = lines_.find(report.account_reference);
      const LockedLine* stored = line == lines_.end() ? nullptr : &line->second;
      const auto decision = domain::DecideLineUpdate(
          stored ? std::optional<domain::StoredLineState>(stored->state) : std::nullopt, BorrowerIdOf(items_[i]),
          report, "line.");
      if (!decision.ok()) {
        out_[i].error = decision.error();
        continue;
      }
      Plan plan{i, stored, decision.value() != domain::LineUpdate::kStale, true, false,
                NegativeMarksAfter(report, stored)};
      if (stored) {
        const auto month = months_.find({stored->id, report.as_of_date.FirstOfMonth()});
        const bool exists = month != months_.end();
        plan.write_month = !(exists && month->second > report.as_of_date);
        plan.month_corrected = plan.write_month && exists && report.as_of_date <= stored->state.as_of_date;
      }
      switch (decision.value()) {
        case domain::LineUpdate::kCreate:
          out_[i].result = domain::ReportResult{domain::ReportOutcome::kCreated, report.as_of_date, 1, false};
          break;
        case domain::LineUpdate::kReplace:
          out_[i].result = domain::ReportResult{domain::ReportOutcome::kUpdated, report.as_of_date,
                                                stored->state.version + 1, plan.month_corrected};
          break;
        case domain::LineUpdate::kStale:
          out_[i].result = domain::ReportResult{
              plan.write_month ? domain::ReportOutcome::kHistoryUpdated : domain::ReportOutcome::kStaleIgnored,
              stored->state.as_of_date, stored->state.version, plan.month_corrected};
          break;
      }
      plans_.push_back(plan);
    }
    for (const auto& plan : plans_) {
      if (!plan.stored) {
        created_.push_back(&plan);
      } else if (plan.write_line) {
        replaced_.push_back(&plan);
      }
    }
  }

  // New lines by one INSERT, replaced ones by one upsert that names each row by its id. (Without
  // the id, a multi-row upsert that falls back to the unique key was seen to lose rows on this
  // MariaDB under concurrent chunks; by primary key a row can only meet itself.)
  void WriteLines() {
    if (!created_.empty()) {
      constexpr int kParams = kFigureCount + 5;
      auto stmt = conn_.PrepareRows(std::string("INSERT INTO credit_lines (") + kFigureColumns +
                                        ", member_id, account_reference, borrower_id, public_id, month_statuses, "
                                        "version) VALUES " +
                                        RowsOf("(" + Placeholders(kParams) + ", 1)", created_.size()),
                                    created_.size());
      int base = 0;
      for (const auto* plan : created_) {
        const auto& item = items_[plan->item];
        BindFigures(*stmt, base + 1, item.report, plan->marks.ever_negative, plan->marks.ended);
        stmt->setUInt64(base + kFigureCount + 1, member_id_);
        stmt->setString(base + kFigureCount + 2, item.report.account_reference);
        stmt->setUInt64(base + kFigureCount + 3, BorrowerIdOf(item));
        stmt->setString(base + kFigureCount + 4, NewPublicId('l'));
        stmt->setString(base + kFigureCount + 5, FirstMonthPacked(item.report));  // WriteMonths records that month
        base += kParams;
      }
      try {
        stmt->executeUpdate();
      } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == kErrDuplicateKey) throw SetConflict{};  // the same account created meanwhile
        throw;
      }
      ReadCreatedIds();
    }
    if (!replaced_.empty()) {
      static const std::string update =
          " ON DUPLICATE KEY UPDATE " +
          FigureAssignments([](const std::string& column) { return "VALUES(" + column + ")"; }) +
          ", version = version + 1, updated_at = CURRENT_TIMESTAMP(6)";
      constexpr int kParams = kFigureCount + 5;
      auto stmt = conn_.PrepareRows(std::string("INSERT INTO credit_lines (") + kFigureColumns +
                                        ", id, member_id, account_reference, borrower_id, public_id, version) VALUES " +
                                        RowsOf("(" + Placeholders(kParams) + ", 1)", replaced_.size()) + update,
                                    replaced_.size());
      int base = 0;
      for (const auto* plan : replaced_) {
        const auto& item = items_[plan->item];
        BindFigures(*stmt, base + 1, item.report, plan->marks.ever_negative, plan->marks.ended);
        stmt->setUInt64(base + kFigureCount + 1, plan->stored->id);
        stmt->setUInt64(base + kFigureCount + 2, member_id_);
        stmt->setString(base + kFigureCount + 3, item.report.account_reference);
        stmt->setUInt64(base + kFigureCount + 4, plan->stored->state.borrower_id);
        stmt->setString(base + kFigureCount + 5, "-");  // not used: every row exists
        base += kParams;
      }
      // Each row exists and is locked, so each is updated (2 affected rows per update).
      if (stmt->executeUpdate() != static_cast<int>(2 * replaced_.size()))
        throw std::runtime_error("a locked credit line was not updated");
    }
  }

  void ReadCreatedIds() {
    auto stmt = conn_.PrepareRows("SELECT account_reference, id FROM credit_lines WHERE member_id = ? AND "
                                  "account_reference IN (" + Placeholders(created_.size()) + ")",
                                  created_.size());
    stmt->setUInt64(1, member_id_);
    int p = 2;
    for (const auto* plan : created_) stmt->setString(p++, items_[plan->item].report.account_reference);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next()) created_ids_.emplace(std::string(rs->getString(1)), rs->getUInt64(2));
  }

  void WriteMonths() {
    std::vector<std::pair<std::uint64_t, const Plan*>> writes;
    for (const auto& plan : plans_) {
      if (!plan.write_month) continue;
      if (plan.stored) {
        writes.emplace_back(plan.stored->id, &plan);
      } else {
        const auto id = created_ids_.find(items_[plan.item].report.account_reference);
        if (id == created_ids_.end()) throw std::runtime_error("new line missing after its insert");
        writes.emplace_back(id->second, &plan);
      }
    }
    if (writes.empty()) return;
    auto stmt = conn_.PrepareRows(MonthUpsertSql(writes.size()), writes.size());
    int base = 1;
    for (const auto& [line_id, plan] : writes) {
      BindMonth(*stmt, base, line_id, items_[plan->item].report, plan->month_corrected);
      base += kMonthParams;
    }
    stmt->executeUpdate();

    // Lines created in this chunk were inserted with their month packed; the others are repacked.
    std::vector<std::uint64_t> line_ids;
    for (const auto& [line_id, plan] : writes)
      if (plan->stored) line_ids.push_back(line_id);
    if (line_ids.empty()) return;
    std::sort(line_ids.begin(), line_ids.end());
    line_ids.erase(std::unique(line_ids.begin(), line_ids.end()), line_ids.end());
    auto repack = conn_.PrepareRows(
        std::string(line_rows::kRepackMonthStatuses) + "l.id IN (" + Placeholders(line_ids.size()) + ")",
        line_ids.size());
    for (std::size_t i = 0; i < line_ids.size(); ++i) repack->setUInt64(static_cast<int>(i + 1), line_ids[i]);
    repack->executeUpdate();
  }

  // A reservation made for an account reference ends with the new line's first report. Few
  // borrowers have one: they are found by borrower (a plain IN over one index) and matched here,
  // and only matches are updated, by id. One UPDATE matching (account, borrower) pairs spent 14 %
  // of the database's ingest CPU planning ranges over the pair list, mostly to update nothing.
  void EndReservations() {
    if (created_.empty()) return;
    std::set<std::uint64_t> borrowers;
    std::set<std::pair<std::string_view, std::uint64_t>> accounts;
    for (const auto* plan : created_) {
      const auto& item = items_[plan->item];
      borrowers.insert(BorrowerIdOf(item));
      accounts.emplace(item.report.account_reference, BorrowerIdOf(item));
    }
    std::vector<std::uint64_t> ended;
    {
      auto stmt = conn_.PrepareRows(
          "SELECT id, account_reference, borrower_id FROM reservations FORCE INDEX (ix_reservations_borrower) "
          "WHERE borrower_id IN (" + Placeholders(borrowers.size()) + ") AND status = 1 AND member_id = ? FOR UPDATE",
          borrowers.size());
      int p = 1;
      for (const auto id : borrowers) stmt->setUInt64(p++, id);
      stmt->setUInt64(p, member_id_);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next())
        if (accounts.contains({std::string(rs->getString(2)), rs->getUInt64(3)})) ended.push_back(rs->getUInt64(1));
    }
    if (ended.empty()) return;
    auto stmt = conn_.PrepareRows(
        "UPDATE reservations SET status = 2, ended_at_us = ? WHERE id IN (" + Placeholders(ended.size()) + ")",
        ended.size());
    stmt->setInt64(1, now_us_);
    for (std::size_t i = 0; i < ended.size(); ++i) stmt->setUInt64(static_cast<int>(i + 2), ended[i]);
    stmt->executeUpdate();
  }

  // Idempotency keys with their responses. A key committed by another stream since ReadReplays
  // makes this statement fail; the chunk is then rolled back and applied record by record.
  void StoreIdempotencyKeys() {
    auto stmt = conn_.PrepareRows(
        "INSERT INTO idempotency_keys (member_id, request_id, method, request_fingerprint, response) VALUES " +
            RowsOf("(?, ?, ?, ?, ?)", plans_.size()),
        plans_.size());
    int p = 1;
    for (const auto& plan : plans_) {
      const auto& item = items_[plan.item];
      stmt->setUInt64(p++, member_id_);
      stmt->setString(p++, item.idempotency.request_id);
      stmt->setString(p++, kReportMethod);
      stmt->setString(p++, item.idempotency.fingerprint);
      stmt->setString(p++, EncodeResult(*out_[plan.item].result));
    }
    try {
      stmt->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErrDuplicateKey) throw SetConflict{};
      throw;
    }
  }

  Connection& conn_;
  const std::uint64_t member_id_;
  const std::vector<BulkItem>& items_;
  const std::int64_t now_us_;
  std::vector<BulkItemOutcome> out_;
  std::vector<std::size_t> todo_;  // items that are not replays
  std::map<std::string, std::uint64_t, std::less<>> borrower_ids_;
  std::map<std::string, LockedLine, std::less<>> lines_;
  std::map<std::pair<std::uint64_t, domain::Date>, domain::Date> months_;
  std::vector<Plan> plans_;
  std::vector<const Plan*> created_, replaced_;  // into plans_, filled once plans_ is complete
  std::map<std::string, std::uint64_t, std::less<>> created_ids_;
};
}  // namespace

std::vector<BulkItemOutcome> CreditLineRepository::ApplyBatch(std::uint64_t member_id,
                                                              const std::vector<BulkItem>& items,
                                                              std::int64_t now_us) {
  // A chunk that names a request id or an account twice must apply in input order.
  if (items.size() < 2 || !EachKeyOnce(items)) return ApplyEach(member_id, items, now_us);

  // Chunks of different streams share borrowers and would queue on their row locks for each
  // other's whole transaction. Split by borrower shard and apply one shard at a time under this
  // process's lock for it: chunks then meet on a mutex, not holding a connection in a lock wait,
  // and the shards of different chunks proceed in parallel.
  std::array<std::vector<std::size_t>, kBorrowerShards> by_shard;
  for (std::size_t i = 0; i < items.size(); ++i)
    by_shard[static_cast<unsigned char>(items[i].borrower.key.empty() ? 0 : items[i].borrower.key[0]) %
             kBorrowerShards]
        .push_back(i);
  std::vector<BulkItemOutcome> outcomes(items.size());
  for (std::size_t shard = 0; shard < by_shard.size(); ++shard) {
    if (by_shard[shard].empty()) continue;
    std::vector<BulkItem> part;
    part.reserve(by_shard[shard].size());
    for (const auto i : by_shard[shard]) part.push_back(items[i]);
    std::lock_guard lock(shard_locks_[shard]);
    auto applied = ApplyPart(member_id, part, now_us);
    for (std::size_t j = 0; j < part.size(); ++j) outcomes[by_shard[shard][j]] = std::move(applied[j]);
  }
  return outcomes;
}

std::vector<BulkItemOutcome> CreditLineRepository::ApplyPart(std::uint64_t member_id,
                                                             const std::vector<BulkItem>& items,
                                                             std::int64_t now_us) {
  try {
    auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<std::vector<BulkItemOutcome>> {
      return ChunkApplier(conn, member_id, items, now_us).Apply();
    });
    return std::move(result).value();
  } catch (const SetConflict&) {
    // Rolled back; the record-by-record path sees what the other stream applied.
    return ApplyEach(member_id, items, now_us);
  }
}

std::vector<BulkItemOutcome> CreditLineRepository::ApplyEach(std::uint64_t member_id,
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
    auto& repack = conn.Prepare(std::string(line_rows::kRepackMonthStatuses) +
                                "l.negative_ended_date IS NOT NULL AND l.negative_ended_date <= ?");
    repack.setString(1, cutoff);
    repack.executeUpdate();
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
