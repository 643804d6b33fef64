#include "domain/currency.h"

#include <algorithm>

namespace creditshare::domain {

const Currency* FindCurrency(std::string_view code) {
  const auto all = ActiveCurrencies();
  const auto it = std::lower_bound(all.begin(), all.end(), code,
                                   [](const Currency& c, std::string_view k) { return c.code < k; });
  return it != all.end() && it->code == code ? &*it : nullptr;
}

MaybeError CheckCurrency(std::string_view code, const std::string& field) {
  if (FindCurrency(code) == nullptr) return Error::InvalidArgument(field, "must be an active ISO 4217 currency code");
  return std::nullopt;
}

}  // namespace creditshare::domain
