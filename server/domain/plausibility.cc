#include "domain/plausibility.h"

#include "domain/currency.h"
#include "domain/money.h"

namespace creditshare::domain {

PlausibilityBound BoundFor(const PlausibilityBounds& bounds, ProductType product) {
  PlausibilityBound b = bounds.default_bound;
  if (auto it = bounds.by_product.find(product); it != bounds.by_product.end()) {
    if (it->second.max_credit_limit_major) b.max_credit_limit_major = it->second.max_credit_limit_major;
    if (it->second.max_balance_percent_of_limit)
      b.max_balance_percent_of_limit = it->second.max_balance_percent_of_limit;
  }
  return b;
}

MaybeError CheckPlausibility(ProductType product, LineStatus status, std::string_view currency,
                             std::int64_t credit_limit_minor, std::int64_t outstanding_balance_minor,
                             const PlausibilityBounds& bounds, const std::string& prefix) {
  const PlausibilityBound b = BoundFor(bounds, product);
  const Currency* c = FindCurrency(currency);
  const std::string for_product = " for " + std::string(ToString(product));
  if (b.max_credit_limit_major && c != nullptr) {
    const ApiAmount max = MajorToMinor(*b.max_credit_limit_major, c->minor_unit_exponent);
    if (credit_limit_minor > max.minor)
      return Error::InvalidArgument(prefix + "credit_limit_minor",
                                    "must be at most " + FormatMoney(max.minor, currency) +
                                        ", the policy's largest plausible credit limit" + for_product);
  }
  if (b.max_balance_percent_of_limit && status == LineStatus::kOpen) {
    // balance <= limit * percent / 100, compared exactly: balance * 100 <= limit * percent.
    const MoneySum allowed_x100 = MoneySum(credit_limit_minor) * *b.max_balance_percent_of_limit;
    if (MoneySum(outstanding_balance_minor) * 100 > allowed_x100)
      return Error::InvalidArgument(
          prefix + "outstanding_balance_minor",
          "must be at most " + std::to_string(*b.max_balance_percent_of_limit) + "% of credit_limit_minor (" +
              FormatMoney(allowed_x100 / 100, currency) + "), the policy's largest plausible balance" + for_product);
  }
  return std::nullopt;
}

}  // namespace creditshare::domain
