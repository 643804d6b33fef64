#pragma once

#include "domain/credit_line.h"

// The report the unit tests start from: a complete, valid open line that each test varies.
namespace creditshare::domain::testing {

inline LineReport ValidReport() {
  LineReport r;
  r.account_reference = "L-1";
  r.product_type = ProductType::kOnlineMicroLoan;
  r.currency = "CNY";
  r.credit_limit_minor = 5'000'000;
  r.outstanding_balance_minor = 1'200'000;
  r.opened_date = {2026, 1, 15};
  r.status = LineStatus::kOpen;
  r.as_of_date = {2026, 10, 31};
  return r;
}

}  // namespace creditshare::domain::testing
