#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "creditshare/v1/common.pb.h"
#include "creditshare/v1/dispute_service.pb.h"
#include "creditshare/v1/inquiry_service.pb.h"
#include "creditshare/v1/reporting_service.pb.h"
#include "domain/credit_line.h"
#include "domain/decision.h"
#include "domain/dispute.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "domain/scorecard.h"
#include "domain/types.h"

// Conversions between creditshare.v1 messages and domain values. Enum values out of range are
// rejected here, naming the field; all other validation is the domain's.
namespace creditshare::api {

// Limits of the free-text tokens requests carry.
inline constexpr std::size_t kMaxRequestIdLength = 128;        // idempotency keys
inline constexpr std::size_t kMaxConsentReferenceLength = 128;

domain::Date FromProto(const v1::Date& d);
// An all-zero date is "not given".
std::optional<domain::Date> OptionalFromProto(const v1::Date& d);
void ToProto(const domain::Date& d, v1::Date* out);
// A calendar month as its first day; INVALID_ARGUMENT naming `field` unless year and month are valid.
domain::Result<domain::Date> MonthFromProto(const v1::YearMonth& m, const std::string& field);
void ToProto(const domain::Date& month, v1::YearMonth* out);

// Range-checks a proto enum value into its domain enum, naming `field` when out of range.
template <typename E>
domain::Result<E> EnumFromProto(int value, int max, const std::string& field) {
  if (value < 0 || value > max) return domain::Error::InvalidArgument(field, "unknown value " + std::to_string(value));
  return static_cast<E>(value);
}

domain::Result<domain::LineReport> FromProto(const v1::CreditLineReport& line, const std::string& prefix);
domain::Result<domain::Purpose> PurposeFromProto(int value, const std::string& field);
// A proposed or reserved line: product type (required), currency, and a positive amount named
// `amount_field` in errors.
domain::Result<domain::NewCredit> NewCreditFromProto(int product_type, const std::string& currency,
                                                     std::int64_t amount_minor, const std::string& amount_field);

void ToProto(const domain::ReportResult& result, const std::string& account_reference,
             v1::ReportCreditLineResponse* out);
void ToProto(const domain::QualityWarning& w, v1::QualityWarning* out);
void ToProto(const domain::Exposure& exposure, v1::GetBorrowerExposureResponse* out);
void ToProto(const domain::Exposure& exposure, v1::CheckNewCreditResponse* out);
void ToProto(const std::vector<domain::Signal>& signals, v1::CheckNewCreditResponse* out);
void ToProto(const domain::ScorecardMonth& month, v1::ScorecardMonth* out);
void ToProto(const domain::DisputeRecord& dispute, std::int64_t now_us, v1::Dispute* out);

// Page size (1..1000, default 100) and the cursor a page token carries ("<tag><id>"; 0 = start).
struct Page {
  int size = 100;
  std::uint64_t cursor = 0;
};
domain::Result<Page> ParsePage(int page_size, const std::string& page_token, char tag);
std::string PageToken(char tag, std::uint64_t cursor);

// Deterministic bytes of a message, for request fingerprints (same content, same bytes).
std::string CanonicalBytes(const google::protobuf::Message& message);

// 1..max_length printable ASCII characters, or INVALID_ARGUMENT naming `field`.
domain::MaybeError ValidateToken(const std::string& value, std::size_t max_length, const std::string& field);

}  // namespace creditshare::api
