#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "domain/disclosure.h"
#include "domain/error.h"

namespace creditshare::domain {

// Formal privacy for regulator reports (docs/api.md, "Disclosure control"). Every released
// figure carries discrete Laplace noise; a report spends ε of the regulator's budget for each
// month it covers, and a month whose budget is spent answers no more reports. Since every
// figure, whatever the dimensions asked for, is noisy, no difference of figures from any number
// of reports recovers a borrower: what any set of reports reveals is bounded by the ε spent.

// ε in thousandths, so budgets add up exactly.
using MilliEpsilon = std::int64_t;

struct PrivacyPolicy {
  MilliEpsilon epsilon_per_report = 1000;  // ε = 1 per report and month covered
  MilliEpsilon monthly_budget = 20000;      // per regulator and data month, unless set for the member
  // Contribution bounds: what one borrower can add to one month's figures. Lines beyond the
  // first `max_lines_per_borrower` (by line id) are left out; each amount measure of a borrower
  // is scaled down to at most `max_amount_per_borrower_major` in the line's currency.
  int max_lines_per_borrower = 8;
  std::int64_t max_amount_per_borrower_major = 1'000'000;

  bool operator==(const PrivacyPolicy&) const = default;
};

// INVALID_ARGUMENT naming the field when a policy value is out of range.
MaybeError ValidatePrivacyPolicy(const PrivacyPolicy& policy);

// Formats 1500 as "1.5".
std::string FormatEpsilon(MilliEpsilon e);
// Parses "1.5" (at most three decimals, > 0, <= 10^15) into 1500; INVALID_ARGUMENT naming `field`.
Result<MilliEpsilon> ParseEpsilon(const std::string& text, const std::string& field);

// The budget rule: a report costing `cost` may run when what was spent plus the cost stays within
// the budget; otherwise RESOURCE_EXHAUSTED naming "month".
MaybeError CheckBudget(MilliEpsilon spent, MilliEpsilon cost, MilliEpsilon budget, const std::string& month);

// Uniform 64-bit words. Noise is drawn from a keyed pseudo-random stream, so the same question
// about the same data gets the same answer (asking again reveals nothing more).
class RandomBits {
 public:
  virtual ~RandomBits() = default;
  virtual std::uint64_t Next() = 0;
};

// Exact sampler of the discrete Laplace distribution, P(y) ∝ exp(-|y| · s / t): scale b = t / s.
// Integer arithmetic only (Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for
// Differential Privacy", algorithms 1 and 2), so no floating-point artefact reveals the value.
std::int64_t SampleDiscreteLaplace(std::uint64_t t, std::uint64_t s, RandomBits& bits);

// A measure's noise: scale t/s, and the half-width a released value stays within with 95 %
// probability.
struct NoiseScale {
  std::uint64_t t = 1, s = 1;
  std::int64_t bound95 = 0;
};
NoiseScale ScaleFor(std::int64_t sensitivity, int measures, MilliEpsilon epsilon);

// The noise of one aggregate report: per measure of AggregateMeasures, in its field order.
// `cells_per_borrower` is how many cells of the report one borrower can fall in.
struct AggregateNoise {
  std::array<NoiseScale, 8> measures;
};
AggregateNoise PlanAggregateNoise(int cells_per_borrower, const PrivacyPolicy& policy, std::int64_t amount_bound_minor);

// `value` plus noise of scale `n`, saturating; a result below zero becomes zero (still noise).
std::int64_t AddNoise(std::int64_t value, const NoiseScale& n, RandomBits& bits);
// `m` plus independent noise on each measure, each as above.
AggregateMeasures AddNoise(const AggregateMeasures& m, const AggregateNoise& noise, RandomBits& bits);
AggregateMeasures NoiseBounds(const AggregateNoise& noise);

}  // namespace creditshare::domain
