#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/date.h"
#include "domain/exposure.h"
#include "domain/ledger.h"

namespace sql {
class PreparedStatement;
class ResultSet;
}

namespace creditshare::storage::line_rows {

// Columns 5-28 of a line row (public id through the open-dispute flag) from `credit_lines l`;
// a row starts with l.id, the member id, the member code and the member type (columns 1-4).
extern const char* const kLineFields;
// A whole line row: credit_lines l joined to members m; append WHERE.
extern const std::string kSelectWithMember;

// Binds a date, or NULL when there is none.
void SetOptionalDate(sql::PreparedStatement& stmt, int index, const std::optional<domain::Date>& d);
std::vector<domain::MonthRecord> UnpackMonths(const std::string& packed);

// The readers below take a sql::ResultSet or a StoredRow (storage/borrower_state.h): anything
// with the ResultSet getters by column number, NULL reading as 0 or "".
template <typename Row>
std::optional<domain::Date> ReadOptionalDate(Row& rs, int column) {
  if (rs.isNull(column)) return std::nullopt;
  return domain::Date::Parse(std::string(rs.getString(column)));
}
template <typename Row>
domain::Date ReadDate(Row& rs, int column) {
  return ReadOptionalDate(rs, column).value_or(domain::Date{});
}
// Reads columns 1-28 as laid out above, with the line's monthly records.
template <typename Row>
domain::BorrowerLine ReadLine(Row& rs) {
  domain::BorrowerLine b;
  b.member_id = rs.getUInt64(2);
  b.member_code = rs.getString(3);
  b.member_type = static_cast<domain::MemberType>(rs.getInt(4));
  b.public_id = rs.getString(5);
  auto& l = b.line;
  l.account_reference = rs.getString(6);
  l.product_type = static_cast<domain::ProductType>(rs.getInt(7));
  l.currency = rs.getString(8);
  l.credit_limit_minor = rs.getInt64(9);
  l.outstanding_balance_minor = rs.getInt64(10);
  l.opened_date = ReadDate(rs, 11);
  l.status = static_cast<domain::LineStatus>(rs.getInt(12));
  l.days_past_due = rs.getInt(13);
  l.overdue_amount_minor = rs.getInt64(14);
  l.as_of_date = ReadDate(rs, 15);
  l.scheduled_payment_minor = rs.getInt64(16);
  l.actual_payment_minor = rs.getInt64(17);
  l.first_delinquency_date = ReadOptionalDate(rs, 18);
  l.classification = static_cast<domain::LoanClassification>(rs.getInt(19));
  l.maturity_date = ReadOptionalDate(rs, 20);
  l.collections_stage = static_cast<domain::CollectionsStage>(rs.getInt(21));
  l.charged_off_amount_minor = rs.getInt64(22);
  l.charged_off_date = ReadOptionalDate(rs, 23);
  l.settlement_type = static_cast<domain::SettlementType>(rs.getInt(24));
  b.restructure_count = rs.getInt(25);
  b.last_restructure_date = ReadOptionalDate(rs, 26);
  if (!rs.isNull(27)) b.months = UnpackMonths(rs.getString(27));
  b.disputed = rs.getBoolean(28);
  return b;
}

// credit_lines.ledger_months is the line's copy of its credit_line_months records as the ledger
// reads them (schema 0009): "YYYYMMDDcf" per month, oldest first, with the record's as-of date,
// its status code c and f = '-' (not negative), 'n' (negative) or 'd' (negative and still
// delinquent). Every statement that changes credit_line_months writes it in the same
// transaction from the ledger's plan, so borrower queries and the write paths read one row per
// line and the copy never disagrees with the records.
std::string PackMonths(const std::vector<domain::MonthRecord>& months);

}  // namespace creditshare::storage::line_rows
