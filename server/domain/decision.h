#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/exposure.h"
#include "domain/money.h"
#include "domain/privacy.h"
#include "domain/quality.h"
#include "domain/reciprocity.h"
#include "domain/plausibility.h"

namespace creditshare::domain {

// The caps on a borrower's total limits in one currency (limits of lines not closed + active
// reservations + the proposal), in minor units of that currency.
struct CurrencyCaps {
  std::map<ProductType, std::int64_t> product_caps_minor;  // total limit per product type
  std::optional<std::int64_t> overall_cap_minor;            // total limit over all products

  bool operator==(const CurrencyCaps&) const = default;
};

// The credit policy members agreed on. It is configuration (a file), never constants: caps differ
// by product type and currency and change with regulation.
struct CreditPolicy {
  // Caps per ISO 4217 currency. Limits in a currency not listed are not capped; once any
  // currency is, a proposal or reservation in another is flagged (kNoCapForCurrency).
  std::map<std::string, CurrencyCaps, std::less<>> caps_by_currency;
  PlausibilityBounds plausibility;  // largest plausible limit and balance of a reported line
  std::optional<int> max_lenders;   // distinct lenders per borrower
  int duplicate_window_days = 30;
  int multi_lender_inquiry_threshold = 3;  // distinct other members inquiring within 30 days
  std::chrono::seconds reservation_default_ttl{std::chrono::hours(24)};
  std::chrono::seconds reservation_max_ttl{std::chrono::hours(24 * 7)};
  ReciprocityPolicy reciprocity;  // off unless the policy file has "reciprocity"
  QualityPolicy quality;          // every rule off unless the policy file's "quality" sets it
  PrivacyPolicy privacy;          // regulator reports' noise and budgets ("regulator_privacy")
};

struct NewCredit {
  ProductType product_type = ProductType::kUnspecified;
  std::string currency;
  std::int64_t limit_minor = 0;
};

// Totals after a proposed line: limits of lines not closed plus every active reservation plus
// the proposal, in the proposal's currency. Exact: the sums never wrap, even beyond int64.
struct Projection {
  MoneySum total_limit_minor = 0;
  MoneySum product_limit_minor = 0;
  int lender_count = 0;
};

// The caps `policy` sets for `currency`, or nullptr when that currency is not capped.
const CurrencyCaps* CapsFor(const CreditPolicy& policy, std::string_view currency);

// When the policy caps some currency but not `currency`: the sentence saying so (the
// kNoCapForCurrency signal and the ReserveCredit warning). None when `currency` is capped or
// the policy caps nothing.
std::optional<std::string> NoCapForCurrency(const CreditPolicy& policy, std::string_view currency);

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
  kNoCapForCurrency = 11,  // the policy caps other currencies, not the proposal's
  kFraudAlert = 12,        // the borrower placed a fraud alert: verify identity before granting credit
};

struct Signal {
  SignalCode code;
  std::string message;
};

// Every signal a lender should weigh before granting `proposal`, from the caller's view of the
// exposure (retention applied) and the projection.
std::vector<Signal> EvaluateNewCredit(const Exposure& exposure, const Projection& projection, const NewCredit& proposal,
                                      const CreditPolicy& policy, const Date& today);

}  // namespace creditshare::domain
