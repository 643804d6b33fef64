#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "domain/types.h"

namespace creditshare::domain {

// The largest figures a reported line may plausibly carry: configuration (the policy file's
// "plausibility"), never constants. A report outside them is refused as a likely unit or typing
// error. Without a bound, any amount >= 0 that int64 holds is accepted.
struct PlausibilityBound {
  // Largest credit limit in MAJOR units (yuan, dollars), so one figure means the same in every
  // currency: the bound in minor units is major * 10^exponent of the line's currency.
  std::optional<std::int64_t> max_credit_limit_major;
  // Largest outstanding balance of an open line as a percentage of its credit limit (e.g. 120
  // for cards, which fees and interest may take over their limit).
  std::optional<int> max_balance_percent_of_limit;

  bool operator==(const PlausibilityBound&) const = default;
};

struct PlausibilityBounds {
  PlausibilityBound default_bound;                       // "default": for every product type
  std::map<ProductType, PlausibilityBound> by_product;  // per product; a figure it omits comes from the default
};

// The bound that applies to `product`: its own figures, each missing one taken from the default.
PlausibilityBound BoundFor(const PlausibilityBounds& bounds, ProductType product);

// INVALID_ARGUMENT naming `prefix` + "credit_limit_minor" or "outstanding_balance_minor" and the
// bound, when the line's limit or balance is outside the bound for its product. The balance bound
// applies to open lines only (a frozen or charged-off line's limit is often cut to zero while
// its balance remains). `currency` must be an active ISO 4217 code (checked before).
MaybeError CheckPlausibility(ProductType product, LineStatus status, std::string_view currency,
                             std::int64_t credit_limit_minor, std::int64_t outstanding_balance_minor,
                             const PlausibilityBounds& bounds, const std::string& prefix);

}  // namespace creditshare::domain
