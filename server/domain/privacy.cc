#include "domain/privacy.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace creditshare::domain {

namespace {
__extension__ typedef unsigned __int128 Wide;  // exact products and sums of 64-bit values
constexpr MilliEpsilon kMaxEpsilon = 1'000'000'000'000'000;  // ε 10^12: no noise at all, for tests
constexpr MilliEpsilon kMaxBudget = 1000 * kMaxEpsilon;

// Uniform in [0, n), n > 0, without modulo bias.
std::uint64_t UniformBelow(std::uint64_t n, RandomBits& bits) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  for (;;) {
    const std::uint64_t x = bits.Next();
    if (x < limit) return x % n;
  }
}

bool Bernoulli(std::uint64_t num, std::uint64_t den, RandomBits& bits) { return UniformBelow(den, bits) < num; }

// Bernoulli(exp(-num/den)) for 0 <= num/den <= 1 (algorithm 1 of Canonne, Kamath, Steinke).
bool BernoulliExpNegAtMostOne(std::uint64_t num, std::uint64_t den, RandomBits& bits) {
  std::uint64_t k = 1;
  while (Bernoulli(num, den * k, bits)) ++k;
  return k % 2 == 1;
}

// Bernoulli(exp(-num/den)) for any num/den >= 0.
bool BernoulliExpNeg(std::uint64_t num, std::uint64_t den, RandomBits& bits) {
  while (num > den) {
    if (!BernoulliExpNegAtMostOne(1, 1, bits)) return false;
    num -= den;
  }
  return BernoulliExpNegAtMostOne(num, den, bits);
}

std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? std::numeric_limits<std::int64_t>::max() : 0;
  return r;
}
}  // namespace

MaybeError ValidatePrivacyPolicy(const PrivacyPolicy& p) {
  if (p.epsilon_per_report <= 0 || p.epsilon_per_report > kMaxEpsilon)
    return Error::InvalidArgument("epsilon_per_report", "must be above 0 and at most 10^12");
  if (p.monthly_budget < p.epsilon_per_report || p.monthly_budget > kMaxBudget)
    return Error::InvalidArgument("monthly_budget", "must be at least epsilon_per_report and at most 10^15");
  if (p.max_lines_per_borrower < 1 || p.max_lines_per_borrower > 1000)
    return Error::InvalidArgument("max_lines_per_borrower", "must be 1..1000");
  if (p.max_amount_per_borrower_major < 1 || p.max_amount_per_borrower_major > 1'000'000'000'000)
    return Error::InvalidArgument("max_amount_per_borrower", "must be 1..10^12");
  return std::nullopt;
}

std::string FormatEpsilon(MilliEpsilon e) {
  std::string s = std::to_string(e / 1000);
  if (const auto frac = e % 1000; frac != 0) {
    std::string f = std::to_string(1000 + frac).substr(1);
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

Result<MilliEpsilon> ParseEpsilon(const std::string& text, const std::string& field) {
  const auto bad = Error::InvalidArgument(field, "an ε is a number above 0 with at most three decimals, e.g. 0.5");
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot), frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 16 || frac.size() > 3) return bad;
  for (char c : whole + frac)
    if (c < '0' || c > '9') return bad;
  if (dot != std::string::npos && frac.empty()) return bad;
  MilliEpsilon v = std::stoll(whole) * 1000;
  if (!frac.empty()) v += std::stoll((frac + "00").substr(0, 3));
  if (v <= 0 || v > kMaxBudget) return bad;
  return v;
}

MaybeError CheckBudget(MilliEpsilon spent, MilliEpsilon cost, MilliEpsilon budget, const std::string& month) {
  if (spent <= budget && cost <= budget - spent) return std::nullopt;
  return Error{ErrorCode::kResourceExhausted, "month",
               "the privacy budget for " + month + " is spent (ε " + FormatEpsilon(spent) + " of " +
                   FormatEpsilon(budget) + "; a report costs ε " + FormatEpsilon(cost) + ")",
               "privacy_budget"};
}

std::int64_t SampleDiscreteLaplace(std::uint64_t t, std::uint64_t s, RandomBits& bits) {
  for (;;) {
    const std::uint64_t u = UniformBelow(t, bits);
    if (!BernoulliExpNeg(u, t, bits)) continue;
    std::uint64_t v = 0;
    while (BernoulliExpNeg(1, 1, bits)) ++v;
    const Wide x = static_cast<Wide>(u) + static_cast<Wide>(t) * v;
    const Wide y128 = x / s;
    const std::int64_t y = y128 > static_cast<Wide>(std::numeric_limits<std::int64_t>::max())
                               ? std::numeric_limits<std::int64_t>::max()
                               : static_cast<std::int64_t>(y128);
    const bool negative = (bits.Next() & 1) != 0;
    if (negative && y == 0) continue;
    return negative ? -y : y;
  }
}

NoiseScale ScaleFor(std::int64_t sensitivity, int measures, MilliEpsilon epsilon) {
  // Each of `measures` figures gets ε/measures: b = sensitivity / (ε / measures).
  NoiseScale n;
  std::uint64_t t = static_cast<std::uint64_t>(sensitivity) * static_cast<std::uint64_t>(measures) * 1000;
  std::uint64_t s = static_cast<std::uint64_t>(epsilon);
  const std::uint64_t g = std::gcd(t, s);
  n.t = t / g;
  n.s = s / g;
  // P(|Y| >= y) = 2 e^(-y/b) / (1 + e^(-1/b)) for y >= 1: the smallest y with P(|Y| > y) <= 5 %.
  const double b = static_cast<double>(n.t) / static_cast<double>(n.s);
  const double y = std::ceil(b * std::log(40.0 / (1.0 + std::exp(-1.0 / b)))) - 1.0;
  n.bound95 = y <= 0 ? 0 : y >= 9.2e18 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(y);
  return n;
}

AggregateNoise PlanAggregateNoise(int cells_per_borrower, const PrivacyPolicy& p, std::int64_t amount_bound_minor) {
  // One borrower moves its cells and the report's totals: hence the factor 2 (and +1).
  const std::int64_t lines = 2LL * p.max_lines_per_borrower, amounts = 2 * amount_bound_minor;
  const std::int64_t sensitivity[8] = {cells_per_borrower + 1, lines, amounts, amounts, amounts, lines, lines, amounts};
  AggregateNoise n;
  for (int i = 0; i < 8; ++i) n.measures[i] = ScaleFor(sensitivity[i], 8, p.epsilon_per_report);
  return n;
}

std::int64_t AddNoise(std::int64_t value, const NoiseScale& n, RandomBits& bits) {
  const std::int64_t v = SaturatingAdd(value, SampleDiscreteLaplace(n.t, n.s, bits));
  return v < 0 ? 0 : v;
}

AggregateMeasures AddNoise(const AggregateMeasures& m, const AggregateNoise& n, RandomBits& bits) {
  auto Noisy = [&](std::int64_t value, const NoiseScale& scale) { return AddNoise(value, scale, bits); };
  AggregateMeasures out;
  out.distinct_borrowers = Noisy(m.distinct_borrowers, n.measures[0]);
  out.lines = Noisy(m.lines, n.measures[1]);
  out.credit_limit_minor = Noisy(m.credit_limit_minor, n.measures[2]);
  out.outstanding_balance_minor = Noisy(m.outstanding_balance_minor, n.measures[3]);
  out.overdue_amount_minor = Noisy(m.overdue_amount_minor, n.measures[4]);
  out.new_lines = Noisy(m.new_lines, n.measures[5]);
  out.restructured_lines = Noisy(m.restructured_lines, n.measures[6]);
  out.charged_off_amount_minor = Noisy(m.charged_off_amount_minor, n.measures[7]);
  return out;
}

AggregateMeasures NoiseBounds(const AggregateNoise& n) {
  return {n.measures[0].bound95, n.measures[1].bound95, n.measures[2].bound95, n.measures[3].bound95,
          n.measures[4].bound95, n.measures[5].bound95, n.measures[6].bound95, n.measures[7].bound95};
}

}  // namespace creditshare::domain
