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

std::optional<domain::Date> ReadOptionalDate(sql::ResultSet& rs, int column);
domain::Date ReadDate(sql::ResultSet& rs, int column);
// Binds a date, or NULL when there is none.
void SetOptionalDate(sql::PreparedStatement& stmt, int index, const std::optional<domain::Date>& d);
// Reads columns 1-28 as laid out above, with the line's monthly records.
domain::BorrowerLine ReadLine(sql::ResultSet& rs);

// credit_lines.ledger_months is the line's copy of its credit_line_months records as the ledger
// reads them (schema 0009): "YYYYMMDDcf" per month, oldest first, with the record's as-of date,
// its status code c and f = '-' (not negative), 'n' (negative) or 'd' (negative and still
// delinquent). Every statement that changes credit_line_months writes it in the same
// transaction from the ledger's plan, so borrower queries and the write paths read one row per
// line and the copy never disagrees with the records.
std::string PackMonths(const std::vector<domain::MonthRecord>& months);
std::vector<domain::MonthRecord> UnpackMonths(const std::string& packed);

}  // namespace creditshare::storage::line_rows
