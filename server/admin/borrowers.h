#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/protection.h"
#include "domain/resident_id.h"
#include "security/borrower_keyer.h"
#include "storage/connection_pool.h"
#include "storage/protection_repository.h"

namespace creditshare::admin {

// What an operator changes on a borrower's verified request (creditshare-admin borrower
// protect); fields left empty stay as they are.
struct ProtectionChange {
  std::string reference;                   // the operator's reference to the borrower's request (required)
  std::optional<std::string> statement;    // "" clears it
  std::optional<domain::FraudAlertKind> fraud_alert;  // kNone lifts it
  std::optional<bool> frozen;
  std::optional<bool> notices;
};

// Applies `change` to the borrower of `id` as an admin action of `actor` (recorded with the
// reference; never the ID). Throws std::invalid_argument naming the option when a value is invalid.
domain::Protections Protect(storage::ConnectionPool& pool, const security::BorrowerKeyer& keyer, const std::string& actor,
                            const domain::ResidentId& id, const ProtectionChange& change, std::int64_t now_us);

nlohmann::json ProtectionsJson(const domain::Protections& p, const domain::Date& today);

// The borrower's own report (docs/api.md, "The borrower's own report"): what they are entitled
// to see, as JSON and as a printable HTML page. Inquiries of the last 2 years.
inline constexpr int kReportInquiryYears = 2;
struct BorrowerReport {
  std::string generated_at;  // UTC, ISO 8601
  std::string region_code;   // of the ID; the ID itself never appears
  int birth_year = 0;
  storage::ProtectionRepository::Record record;
  domain::Date today;
};
BorrowerReport BuildBorrowerReport(storage::ConnectionPool& pool, const security::BorrowerKeyer& keyer,
                                   const domain::ResidentId& id, std::int64_t now_us);
nlohmann::json ReportJson(const BorrowerReport& report);
std::string ReportHtml(const BorrowerReport& report);

}  // namespace creditshare::admin
