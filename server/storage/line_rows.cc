#include "storage/line_rows.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdio>

namespace creditshare::storage::line_rows {

const char* const kLineFields =
    "l.public_id, l.account_reference, l.product_type, l.currency, "
    "l.credit_limit_minor, l.outstanding_balance_minor, l.opened_date, l.status, l.days_past_due, "
    "l.overdue_amount_minor, l.as_of_date, l.scheduled_payment_minor, l.actual_payment_minor, "
    "l.first_delinquency_date, l.classification, l.maturity_date, l.collections_stage, l.charged_off_amount_minor, "
    "l.charged_off_date, l.settlement_type, l.restructure_count, l.last_restructure_date, l.ledger_months, "
    "l.disputed";

const std::string kSelectWithMember = std::string("SELECT l.id, m.id, m.code, m.member_type, ") + kLineFields +
                                      " FROM credit_lines l JOIN members m ON m.id = l.member_id ";

std::string PackMonths(const std::vector<domain::MonthRecord>& months) {
  std::string out;
  out.reserve(months.size() * 10);
  for (const auto& m : months) {
    char packed[16];
    std::snprintf(packed, sizeof packed, "%04d%02d%02d%c%c", m.as_of_date.year, m.as_of_date.month, m.as_of_date.day,
                  m.code == '\0' ? '#' : m.code, m.delinquent ? 'd' : (m.negative ? 'n' : '-'));
    out += packed;
  }
  return out;
}

std::vector<domain::MonthRecord> UnpackMonths(const std::string& packed) {
  std::vector<domain::MonthRecord> out;
  out.reserve(packed.size() / 10);
  for (std::size_t i = 0; i + 10 <= packed.size(); i += 10) {
    domain::MonthRecord m;
    m.as_of_date = domain::Date::Parse(std::string_view(packed).substr(i, 8)).value_or(domain::Date{});
    m.code = packed[i + 8];
    m.delinquent = packed[i + 9] == 'd';
    m.negative = m.delinquent || packed[i + 9] == 'n';
    out.push_back(m);
  }
  return out;
}

void SetOptionalDate(sql::PreparedStatement& stmt, int index, const std::optional<domain::Date>& d) {
  if (d) {
    stmt.setString(index, d->ToString());
  } else {
    stmt.setNull(index, 0);
  }
}

}  // namespace creditshare::storage::line_rows
