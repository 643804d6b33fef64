#include "domain/protection.h"

namespace creditshare::domain {

Date FraudAlertUntil(FraudAlertKind kind, const Date& placed) {
  const int years = kind == FraudAlertKind::kExtended ? kExtendedFraudAlertYears : kInitialFraudAlertYears;
  const Date anniversary = placed.AddYears(years);
  // Placed on 29 February: the anniversary in a common year is clamped to the 28th, which is then
  // the last day (a day less would shorten the alert).
  return anniversary.day != placed.day ? anniversary : anniversary.AddDays(-1);
}

bool FraudAlertInForce(const Protections& p, const Date& today) {
  return p.fraud_alert != FraudAlertKind::kNone && !(p.fraud_alert_until < today);
}

ShownProtections Shown(const Protections& p, const Date& today) {
  ShownProtections s;
  s.statement = p.statement;
  if (FraudAlertInForce(p, today)) {
    s.fraud_alert = p.fraud_alert;
    s.fraud_alert_until = p.fraud_alert_until;
  }
  s.frozen = p.frozen;
  return s;
}

MaybeError FreezeRefusal(const ShownProtections& shown, Purpose purpose, bool caller_has_relationship) {
  if (!shown.frozen || !IsApplicationPurpose(purpose) || caller_has_relationship) return std::nullopt;
  return Error{ErrorCode::kFailedPrecondition, "resident_id",
               "the borrower has frozen their credit record: application inquiries by members without an "
               "existing relationship are refused until the borrower lifts the freeze"};
}

bool LeavesAccessNotice(const Protections& p, const Date& today) {
  return p.notices || p.frozen || FraudAlertInForce(p, today);
}

MaybeError CheckStatement(std::string_view text, const std::string& field) {
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > text.size()) return Error::InvalidArgument(field, "must be UTF-8 text");
    std::uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc >> 6) != 0x2) return Error::InvalidArgument(field, "must be UTF-8 text");
      cp = cp << 6 | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past Unicode are not text.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return Error::InvalidArgument(field, "must be UTF-8 text");
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
      return Error::InvalidArgument(field, "must not contain control characters (line breaks included)");
    i += n;
    ++characters;
  }
  if (characters == 0 || characters > kMaxStatementCharacters)
    return Error::InvalidArgument(field, "must be 1-" + std::to_string(kMaxStatementCharacters) + " characters");
  return std::nullopt;
}

std::string_view ToString(FraudAlertKind kind) {
  switch (kind) {
    case FraudAlertKind::kNone: return "none";
    case FraudAlertKind::kInitial: return "initial";
    case FraudAlertKind::kExtended: return "extended";
  }
  return "none";
}

std::optional<FraudAlertKind> ParseFraudAlertKind(std::string_view text) {
  if (text == "initial") return FraudAlertKind::kInitial;
  if (text == "extended") return FraudAlertKind::kExtended;
  return std::nullopt;
}

}  // namespace creditshare::domain
