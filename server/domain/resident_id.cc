#include "domain/resident_id.h"

#include <algorithm>
#include <array>

namespace creditshare::domain {

namespace {
constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckChars = "10X98765432";
constexpr std::array<std::string_view, 34> kProvinces = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}
}  // namespace

bool IsKnownProvinceCode(std::string_view code) {
  return std::find(kProvinces.begin(), kProvinces.end(), code) != kProvinces.end();
}

char ResidentId::CheckCharacter(std::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < kWeights.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[sum % 11];
}

Result<ResidentId> ResidentId::Parse(std::string_view text, const Date& today, std::string_view field) {
  const std::string f(field);
  std::string id(Trim(text));
  if (id.empty()) return Error::InvalidArgument(f, "is required");
  if (id.size() != 18) return Error::InvalidArgument(f, "must be 18 characters");
  if (!std::all_of(id.begin(), id.begin() + 17, IsDigit))
    return Error::InvalidArgument(f, "first 17 characters must be digits");
  if (id[17] == 'x') id[17] = 'X';
  if (!IsDigit(id[17]) && id[17] != 'X')
    return Error::InvalidArgument(f, "last character must be a digit or X");
  if (!IsKnownProvinceCode(std::string_view(id).substr(0, 2)))
    return Error::InvalidArgument(f, "unknown province code");
  const auto birth = Date::Parse(std::string_view(id).substr(6, 8));
  if (!birth) return Error::InvalidArgument(f, "birth date is not a valid date");
  if (*birth > today) return Error::InvalidArgument(f, "birth date is in the future");
  if (CheckCharacter(id) != id[17]) return Error::InvalidArgument(f, "check character does not match");
  return ResidentId(std::move(id), *birth);
}

}  // namespace creditshare::domain
