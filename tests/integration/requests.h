#pragma once

#include <cstdio>
#include <string>

#include <string>

#include "domain/resident_id.h"
#include "creditshare/v1/inquiry_service.pb.h"
#include "creditshare/v1/reporting_service.pb.h"

// Request builders shared by the integration tests.
namespace creditshare::testing {

inline constexpr const char* kBorrower = "120101199003071235";       // Tianjin, born 1990-03-07
inline constexpr const char* kOtherBorrower = "120102198511204569";  // Tianjin, born 1985-11-20

// A valid resident ID of `region` (6 digits) born in `birth_year`, distinct for n in 0..899.
inline std::string ResidentIdFor(const std::string& region, int birth_year, int n) {
  char body[32];
  std::snprintf(body, sizeof body, "%s%04d%02d%02d%03d", region.c_str(), birth_year, 1 + n % 12, 1 + n % 28,
                100 + n % 900);
  return std::string(body) + domain::ResidentId::CheckCharacter(body);
}

inline v1::Date MakeDate(int y, int m, int d) {
  v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

inline v1::ReportCreditLineRequest LineRequest(const std::string& request_id, const std::string& account,
                                               const std::string& resident_id, long limit, long balance,
                                               v1::Date as_of = MakeDate(2026, 10, 31)) {
  v1::ReportCreditLineRequest r;
  r.set_request_id(request_id);
  auto* l = r.mutable_line();
  l->set_account_reference(account);
  l->set_resident_id(resident_id);
  l->set_product_type(v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN);
  l->set_currency("CNY");
  l->set_credit_limit_minor(limit);
  l->set_outstanding_balance_minor(balance);
  *l->mutable_opened_date() = MakeDate(2026, 1, 15);
  l->set_status(v1::LINE_STATUS_OPEN);
  *l->mutable_as_of_date() = as_of;
  return r;
}

inline v1::GetBorrowerExposureRequest ExposureRequest(const std::string& resident_id,
                                                      v1::Purpose purpose = v1::PURPOSE_LOAN_APPROVAL) {
  v1::GetBorrowerExposureRequest r;
  r.set_resident_id(resident_id);
  r.set_purpose(purpose);
  r.set_consent_reference("CONSENT-001");
  return r;
}

}  // namespace creditshare::testing

namespace creditshare::testing {

inline v1::CheckNewCreditRequest CheckRequest(const std::string& resident_id, v1::ProductType product, long limit) {
  v1::CheckNewCreditRequest r;
  r.set_resident_id(resident_id);
  r.set_purpose(v1::PURPOSE_LOAN_APPROVAL);
  r.set_consent_reference("CONSENT-CHK");
  r.set_product_type(product);
  r.set_currency("CNY");
  r.set_proposed_limit_minor(limit);
  return r;
}

inline v1::ReserveCreditRequest ReserveRequest(const std::string& request_id, const std::string& resident_id,
                                               long amount, v1::ProductType product = v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN) {
  v1::ReserveCreditRequest r;
  r.set_request_id(request_id);
  r.set_resident_id(resident_id);
  r.set_purpose(v1::PURPOSE_LOAN_APPROVAL);
  r.set_consent_reference("CONSENT-RSV");
  r.set_product_type(product);
  r.set_currency("CNY");
  r.set_amount_minor(amount);
  return r;
}

}  // namespace creditshare::testing
