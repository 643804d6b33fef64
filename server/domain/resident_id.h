#pragma once

#include <string>
#include <string_view>

#include "domain/date.h"
#include "domain/error.h"

namespace creditshare::domain {

// A validated, normalised 18-character PRC resident identity number (GB 11643).
// Holds the raw ID only for the lifetime of a request: it is hashed before storage and must
// never be logged; the coarse attributes (region, birth year) may be kept.
class ResidentId {
 public:
  // Validates format, province code, birth date (not after `today`) and the ISO 7064 MOD 11-2
  // check character. Leading/trailing spaces are ignored and a lower-case 'x' is accepted.
  // Errors name `field` and never echo the ID.
  static Result<ResidentId> Parse(std::string_view text, const Date& today, std::string_view field);

  // The check character ('0'..'9' or 'X') for the first 17 digits.
  static char CheckCharacter(std::string_view first17);

  const std::string& normalized() const { return normalized_; }
  std::string region_code() const { return normalized_.substr(0, 6); }
  std::string province_code() const { return normalized_.substr(0, 2); }
  const Date& birth_date() const { return birth_date_; }

 private:
  ResidentId(std::string normalized, Date birth) : normalized_(std::move(normalized)), birth_date_(birth) {}
  std::string normalized_;
  Date birth_date_;
};

// True when `code` is a GB/T 2260 province-level code ("11" Beijing .. "82" Macau).
bool IsKnownProvinceCode(std::string_view code);

}  // namespace creditshare::domain
