#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "domain/exposure.h"

namespace creditshare::domain {

// The credit policy members agreed on. It is configuration (a file), never constants: caps differ
// by product type and change with regulation.
struct CreditPolicy {
  std::string cap_currency = "CNY";  // caps apply to limits in this currency
  std::map<ProductType, std::int64_t> product_caps_minor;  // total limit per product type
  std::optional<std::int64_t> overall_cap_minor;            // total limit over all products
  std::optional<int> max_lenders;                           // distinct lenders per borrower
  int duplicate_window_days = 30;
  int multi_lender_inquiry_threshold = 3;  // distinct other members inquiring within 30 days
  std::chrono::seconds reservation_default_ttl{std::chrono::hours(24)};
  std::chrono::seconds reservation_max_ttl{std::chrono::hours(24 * 7)};
};

struct NewCredit {
  ProductType product_type = ProductType::kUnspecified;
  std::string currency;
  std::int64_t limit_minor = 0;
};

// Totals after a proposed line: limits of lines not closed plus every active reservation plus
// the proposal, in the proposal's currency.
struct Projection {
  std::int64_t total_limit_minor = 0;
  std::int64_t product_limit_minor = 0;
  int lender_count = 0;
};

Projection Project(const std::vector<BorrowerLine>& lines, const std::vector<ActiveReservation>& reservations,
                   std::uint64_t caller_member_id, const NewCredit& proposal);

// FAILED_PRECONDITION naming the cap the projection would breach (product cap first), or none.
MaybeError CheckCaps(const Projection& projection, const NewCredit& proposal, const CreditPolicy& policy,
                     const std::string& field);

enum class SignalCode : std::uint8_t {
  kProductCapExceeded = 1,
  kTotalCapExceeded = 2,
  kLenderCountExceeded = 3,
  kDuplicateSuspected = 4,
  kCurrentlyDelinquent = 5,
  kRestructured = 6,
  kInCollections = 7,
  kChargedOff = 8,
  kMultiLenderApplications = 9,
  kDisputedRecord = 10,
};

struct Signal {
  SignalCode code;
  std::string message;
};

// Every signal a lender should weigh before granting `proposal`, from the caller's view of the
// exposure (retention applied) and the projection.
std::vector<Signal> EvaluateNewCredit(const Exposure& exposure, const Projection& projection, const NewCredit& proposal,
                                      const CreditPolicy& policy, const Date& today);

// "300000.00 CNY" for 30000000 minor units.
std::string FormatMoney(std::int64_t minor, const std::string& currency);

}  // namespace creditshare::domain
