#pragma once

#include <cstdint>
#include <string_view>

// Domain enumerations. Their numeric values equal the creditshare.v1 proto enums so the API
// layer converts with a range check and a cast; 0 is always "unspecified" and never valid.
namespace creditshare::domain {

enum class ProductType : std::uint8_t {
  kUnspecified = 0,
  kRevolvingConsumerCredit = 1,
  kInstalmentConsumerLoan = 2,
  kOnlineMicroLoan = 3,
  kCreditCard = 4,
  kBusinessLoan = 5,
  kMortgage = 6,
  kAutoLoan = 7,
};
inline constexpr int kMaxProductType = 7;

enum class LineStatus : std::uint8_t {
  kUnspecified = 0,
  kOpen = 1,
  kClosed = 2,
  kChargedOff = 3,
  kFrozen = 4,
};
inline constexpr int kMaxLineStatus = 4;

enum class MemberType : std::uint8_t {
  kUnspecified = 0,
  kBank = 1,
  kConsumerFinance = 2,
  kMicroLender = 3,
  kRegulator = 4,
};
inline constexpr int kMaxMemberType = 4;

enum class Purpose : std::uint8_t {
  kUnspecified = 0,
  kLoanApproval = 1,
  kCreditCardApproval = 2,
  kGuaranteeReview = 3,
  kPostLoanManagement = 4,
  kSelfQuery = 5,
};
inline constexpr int kMaxPurpose = 5;

enum class LoanClassification : std::uint8_t {
  kUnspecified = 0,
  kNormal = 1,
  kSpecialMention = 2,
  kSubstandard = 3,
  kDoubtful = 4,
  kLoss = 5,
};
inline constexpr int kMaxLoanClassification = 5;

// kNone (0) means the line is not in collections.
enum class CollectionsStage : std::uint8_t {
  kNone = 0,
  kInternalSoft = 1,
  kInternalHard = 2,
  kAgency = 3,
  kLegal = 4,
};
inline constexpr int kMaxCollectionsStage = 4;

enum class SettlementType : std::uint8_t {
  kUnspecified = 0,
  kPaidAsAgreed = 1,
  kByGuarantor = 2,
  kAssetDisposal = 3,
  kOther = 4,
};
inline constexpr int kMaxSettlementType = 4;

enum class Concession : std::uint8_t {
  kUnspecified = 0,
  kTermExtension = 1,
  kRateCut = 2,
  kPrincipalHaircut = 3,
  kPaymentHoliday = 4,
};
inline constexpr int kMaxConcession = 4;

// The state of a reservation (an approval in flight). Only an active one counts toward the caps.
enum class ReservationStatus : std::uint8_t {
  kActive = 1,
  kConsumed = 2,  // the line it was made for was reported
  kReleased = 3,  // ended by the member before it expired
};

// Purposes that are applications for credit: other members' inquiries for them count in every
// exposure's 7/30/90-day figures. Post-loan management and self queries are not applications.
inline constexpr Purpose kApplicationPurposes[] = {Purpose::kLoanApproval, Purpose::kCreditCardApproval,
                                                   Purpose::kGuaranteeReview};
inline constexpr bool IsApplicationPurpose(Purpose p) {
  for (const auto a : kApplicationPurposes)
    if (a == p) return true;
  return false;
}

enum class MemberStatus : std::uint8_t {
  kActive = 1,
  kSuspended = 2,
};

// Lenders report and query borrowers; regulators see only aggregates.
inline bool IsLender(MemberType t) {
  return t == MemberType::kBank || t == MemberType::kConsumerFinance || t == MemberType::kMicroLender;
}

std::string_view ToString(MemberType t);
std::string_view ToString(ProductType t);
std::string_view ToString(LineStatus s);
std::string_view ToString(Purpose p);

}  // namespace creditshare::domain
