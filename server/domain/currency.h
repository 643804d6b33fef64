#pragma once

#include <span>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace creditshare::domain {

// An active ISO 4217 currency, from server/domain/data/iso4217.csv (embedded at build time).
// Codes without a minor unit (gold, SDR, test codes) and withdrawn codes are not in the list:
// no credit line may be in them.
struct Currency {
  std::string_view code;        // "CNY"
  int numeric_code = 0;         // 156
  int minor_unit_exponent = 0;  // digits after the decimal point: 2 for CNY, 0 for JPY, 3 for KWD
  std::string_view name;        // "Yuan Renminbi"
};

// Every active currency, sorted by code.
std::span<const Currency> ActiveCurrencies();

// The active currency with exactly this code (upper case, as ISO 4217 writes it), or nullptr.
const Currency* FindCurrency(std::string_view code);

// INVALID_ARGUMENT naming `field` unless `code` is an active ISO 4217 currency code.
MaybeError CheckCurrency(std::string_view code, const std::string& field);

}  // namespace creditshare::domain
