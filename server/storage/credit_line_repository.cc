#include "storage/credit_line_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <sstream>

#include "storage/audit_repository.h"
#include "storage/sql_errors.h"
#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
using domain::Error;
using domain::ErrorCode;

constexpr const char* kMethod = "ReportCreditLine";

std::string EncodeResult(const domain::ReportResult& r) {
  return "v1|" + std::to_string(static_cast<int>(r.outcome)) + "|" + r.stored_as_of_date.ToString() + "|" +
         std::to_string(r.version);
}

std::optional<domain::ReportResult> DecodeResult(const std::string& s) {
  std::istringstream in(s);
  std::string tag, outcome, date, version;
  if (!std::getline(in, tag, '|') || tag != "v1" || !std::getline(in, outcome, '|') || !std::getline(in, date, '|') ||
      !std::getline(in, version))
    return std::nullopt;
  const auto d = domain::Date::Parse(date);
  if (!d) return std::nullopt;
  return domain::ReportResult{static_cast<domain::ReportOutcome>(std::stoi(outcome)), *d, std::stoll(version)};
}

domain::Date ReadDate(sql::ResultSet& rs, int column) {
  return domain::Date::Parse(std::string(rs.getString(column))).value_or(domain::Date{});
}

// Claims the idempotency key inside the transaction. A concurrent request with the same key
// blocks on the primary key until this transaction ends, then sees the committed record.
bool ClaimKey(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key) {
  auto& stmt = conn.Prepare(
      "INSERT INTO idempotency_keys (member_id, request_id, method, request_fingerprint, response) "
      "VALUES (?, ?, ?, ?, '')");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, key.request_id);
  stmt.setString(3, kMethod);
  stmt.setString(4, key.fingerprint);
  return InsertUnlessDuplicate(stmt);
}

domain::Result<domain::ReportResult> Replay(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key) {
  auto& stmt = conn.Prepare(
      "SELECT method, request_fingerprint, response FROM idempotency_keys WHERE member_id = ? AND request_id = ?");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, key.request_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return Error{ErrorCode::kUnavailable, "", "concurrent request with the same request_id; retry"};
  if (rs->getString(1) != kMethod || rs->getString(2) != key.fingerprint)
    return Error::InvalidArgument("request_id", "was already used for a different request");
  auto decoded = DecodeResult(rs->getString(3));
  if (!decoded) return Error{ErrorCode::kInternal, "", "stored response is unreadable"};
  return *decoded;
}

std::uint64_t UpsertBorrower(Connection& conn, const BorrowerIdentity& b) {
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

std::optional<domain::StoredLineState> LockLine(Connection& conn, std::uint64_t member_id, const std::string& ref) {
  auto& stmt = conn.Prepare(
      "SELECT borrower_id, currency, as_of_date, version FROM credit_lines "
      "WHERE member_id = ? AND account_reference = ? FOR UPDATE");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, ref);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return std::nullopt;
  return domain::StoredLineState{rs->getUInt64(1), rs->getString(2), ReadDate(*rs, 3), rs->getInt64(4)};
}

// Binds the report's figures to parameters first..first+9 in the column order below.
void BindFigures(sql::PreparedStatement& stmt, int first, const domain::LineReport& r) {
  stmt.setInt(first, static_cast<int>(r.product_type));
  stmt.setString(first + 1, r.currency);
  stmt.setInt64(first + 2, r.credit_limit_minor);
  stmt.setInt64(first + 3, r.outstanding_balance_minor);
  stmt.setString(first + 4, r.opened_date.ToString());
  stmt.setInt(first + 5, static_cast<int>(r.status));
  stmt.setInt(first + 6, r.days_past_due);
  stmt.setInt64(first + 7, r.overdue_amount_minor);
  stmt.setString(first + 8, r.as_of_date.ToString());
}

void InsertLine(Connection& conn, std::uint64_t member_id, std::uint64_t borrower_id, const domain::LineReport& r) {
  auto& stmt = conn.Prepare(
      "INSERT INTO credit_lines (product_type, currency, credit_limit_minor, outstanding_balance_minor, opened_date, "
      "status, days_past_due, overdue_amount_minor, as_of_date, member_id, account_reference, borrower_id, version) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
  BindFigures(stmt, 1, r);
  stmt.setUInt64(10, member_id);
  stmt.setString(11, r.account_reference);
  stmt.setUInt64(12, borrower_id);
  stmt.executeUpdate();
}

void ReplaceLine(Connection& conn, std::uint64_t member_id, const domain::LineReport& r) {
  auto& stmt = conn.Prepare(
      "UPDATE credit_lines SET product_type = ?, currency = ?, credit_limit_minor = ?, outstanding_balance_minor = ?, "
      "opened_date = ?, status = ?, days_past_due = ?, overdue_amount_minor = ?, as_of_date = ?, "
      "version = version + 1, updated_at = CURRENT_TIMESTAMP(6) WHERE member_id = ? AND account_reference = ?");
  BindFigures(stmt, 1, r);
  stmt.setUInt64(10, member_id);
  stmt.setString(11, r.account_reference);
  stmt.executeUpdate();
}

void StoreResponse(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key,
                   const domain::ReportResult& result) {
  auto& stmt = conn.Prepare("UPDATE idempotency_keys SET response = ? WHERE member_id = ? AND request_id = ?");
  stmt.setString(1, EncodeResult(result));
  stmt.setUInt64(2, member_id);
  stmt.setString(3, key.request_id);
  stmt.executeUpdate();
}
}  // namespace

domain::Result<domain::ReportResult> CreditLineRepository::ApplyReport(std::uint64_t member_id,
                                                                       const IdempotencyKey& idempotency,
                                                                       const BorrowerIdentity& borrower,
                                                                       const domain::LineReport& report,
                                                                       const AuditOnChange& audit, bool* replayed) {
  *replayed = false;
  // nullopt: the key was already taken, and nothing was written.
  using Applied = std::optional<domain::ReportResult>;
  auto result = RunTransaction(pool_, [&](Connection& conn) -> domain::Result<Applied> {
    if (!ClaimKey(conn, member_id, idempotency)) return Applied{};
    const std::uint64_t borrower_id = UpsertBorrower(conn, borrower);
    const auto stored = LockLine(conn, member_id, report.account_reference);
    const auto decision = domain::DecideLineUpdate(stored, borrower_id, report, "line.");
    if (!decision.ok()) return decision.error();

    domain::ReportResult out;
    switch (decision.value()) {
      case domain::LineUpdate::kCreate:
        InsertLine(conn, member_id, borrower_id, report);
        out = {domain::ReportOutcome::kCreated, report.as_of_date, 1};
        break;
      case domain::LineUpdate::kReplace:
        ReplaceLine(conn, member_id, report);
        out = {domain::ReportOutcome::kUpdated, report.as_of_date, stored->version + 1};
        break;
      case domain::LineUpdate::kStale:
        out = {domain::ReportOutcome::kStaleIgnored, stored->as_of_date, stored->version};
        break;
    }
    StoreResponse(conn, member_id, idempotency, out);
    AuditRepository::Insert(conn, audit());
    return Applied{out};
  });
  if (!result.ok()) return result.error();
  if (result.value()) return *result.value();
  *replayed = true;
  return WithConnection(pool_, [&](Connection& conn) { return Replay(conn, member_id, idempotency); });
}

std::vector<domain::BorrowerLine> CreditLineRepository::LinesOfBorrower(const std::string& borrower_key) {
  return WithConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "SELECT m.id, m.code, m.member_type, l.account_reference, l.product_type, l.currency, l.credit_limit_minor, "
        "l.outstanding_balance_minor, l.opened_date, l.status, l.days_past_due, l.overdue_amount_minor, l.as_of_date "
        "FROM borrowers b JOIN credit_lines l ON l.borrower_id = b.id JOIN members m ON m.id = l.member_id "
        "WHERE b.borrower_key = ?");
    stmt.setString(1, borrower_key);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<domain::BorrowerLine> out;
    while (rs->next()) {
      domain::BorrowerLine b;
      b.member_id = rs->getUInt64(1);
      b.member_code = rs->getString(2);
      b.member_type = static_cast<domain::MemberType>(rs->getInt(3));
      auto& l = b.line;
      l.account_reference = rs->getString(4);
      l.product_type = static_cast<domain::ProductType>(rs->getInt(5));
      l.currency = rs->getString(6);
      l.credit_limit_minor = rs->getInt64(7);
      l.outstanding_balance_minor = rs->getInt64(8);
      l.opened_date = ReadDate(*rs, 9);
      l.status = static_cast<domain::LineStatus>(rs->getInt(10));
      l.days_past_due = rs->getInt(11);
      l.overdue_amount_minor = rs->getInt64(12);
      l.as_of_date = ReadDate(*rs, 13);
      out.push_back(std::move(b));
    }
    return out;
  });
}

}  // namespace creditshare::storage
