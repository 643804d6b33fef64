#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/date.h"
#include "domain/exposure.h"

namespace sql {
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
// Reads columns 1-28 as laid out above (history is left empty).
domain::BorrowerLine ReadLine(sql::ResultSet& rs);

// credit_lines.month_statuses packs a line's monthly history for borrower queries: "YYYYMMc" per
// month of credit_line_months, oldest first, c the status code ('#' for none; schema 0006).
// kRepackMonthStatuses rewrites it from credit_line_months for the lines of `credit_lines l`
// that the appended WHERE condition selects; every change to credit_line_months runs it in the
// same transaction, so the packed copy never disagrees with the records.
// A line created with its first month record is inserted with PackMonthStatus of that month
// instead (the same value, without a second write of the new row).
extern const char* const kRepackMonthStatuses;
std::string PackMonthStatus(const domain::Date& month, char code);
std::vector<domain::MonthStatus> UnpackMonthStatuses(const std::string& packed);

}  // namespace creditshare::storage::line_rows
