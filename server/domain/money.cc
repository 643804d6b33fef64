#include "domain/money.h"

#include <algorithm>

#include "domain/currency.h"

namespace creditshare::domain {

namespace {
__extension__ typedef unsigned __int128 UnsignedMoney;

constexpr MoneySum kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr MoneySum kInt64Min = std::numeric_limits<std::int64_t>::min();

// The magnitude's decimal digits; |MoneySum min| fits the unsigned type.
std::string Digits(MoneySum v) {
  UnsignedMoney u = v < 0 ? UnsignedMoney(0) - static_cast<UnsignedMoney>(v) : static_cast<UnsignedMoney>(v);
  std::string out;
  do {
    out += static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  std::reverse(out.begin(), out.end());
  return out;
}
}  // namespace

ApiAmount ToApiAmount(MoneySum exact) {
  if (exact > kInt64Max) return {std::numeric_limits<std::int64_t>::max(), true};
  if (exact < kInt64Min) return {std::numeric_limits<std::int64_t>::min(), true};
  return {static_cast<std::int64_t>(exact), false};
}

ApiAmount MajorToMinor(std::int64_t major, int exponent) {
  MoneySum v = major;
  // Once outside int64 the result is saturated; stopping there keeps the product inside 128 bits.
  for (int i = 0; i < exponent && v <= kInt64Max && v >= kInt64Min; ++i) v *= 10;
  return ToApiAmount(v);
}

std::string FormatMoney(MoneySum minor, std::string_view currency) {
  const std::string sign = minor < 0 ? "-" : "";
  std::string digits = Digits(minor);
  const Currency* c = FindCurrency(currency);
  if (c == nullptr) return sign + digits + " minor units of " + std::string(currency);
  const auto exponent = static_cast<std::size_t>(c->minor_unit_exponent);
  if (exponent == 0) return sign + digits + " " + std::string(currency);
  if (digits.size() <= exponent) digits.insert(0, exponent + 1 - digits.size(), '0');
  digits.insert(digits.size() - exponent, 1, '.');
  return sign + digits + " " + std::string(currency);
}

}  // namespace creditshare::domain
