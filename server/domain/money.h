#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace creditshare::domain {

// Amounts are integer minor units (fen, cents) in int64, as the API carries them. Sums over a
// borrower's lines are held exactly in 128 bits: a sum of int64 amounts cannot wrap (2^64
// amounts of INT64_MAX still fit), so comparisons against caps stay exact however large the
// figures are.
__extension__ typedef __int128 MoneySum;

// A figure as the API's int64 fields can carry it: the exact value, or the nearest int64 limit
// (INT64_MAX for a sum too large) with `saturated` set.
struct ApiAmount {
  std::int64_t minor = 0;
  bool saturated = false;

  bool operator==(const ApiAmount&) const = default;
};

ApiAmount ToApiAmount(MoneySum exact);

// `major` whole units (yuan, dollars) in minor units of a currency with `exponent` decimals:
// major * 10^exponent, computed exactly and saturating.
ApiAmount MajorToMinor(std::int64_t major, int exponent);

// The amount with the currency's decimals and code: "300000.00 CNY" for 30000000 fen,
// "300000 JPY", "-1.005 KWD". Exact for any 128-bit value. A code that is not an active ISO 4217
// currency shows the bare minor units: "12345 minor units of ZZZ".
std::string FormatMoney(MoneySum minor, std::string_view currency);

}  // namespace creditshare::domain
