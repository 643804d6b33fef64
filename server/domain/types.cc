#include "domain/types.h"

namespace creditshare::domain {

std::string_view ToString(MemberType t) {
  switch (t) {
    case MemberType::kBank: return "bank";
    case MemberType::kConsumerFinance: return "consumer_finance";
    case MemberType::kMicroLender: return "micro_lender";
    case MemberType::kRegulator: return "regulator";
    case MemberType::kUnspecified: break;
  }
  return "unspecified";
}

std::string_view ToString(ProductType t) {
  switch (t) {
    case ProductType::kRevolvingConsumerCredit: return "revolving_consumer_credit";
    case ProductType::kInstalmentConsumerLoan: return "instalment_consumer_loan";
    case ProductType::kOnlineMicroLoan: return "online_micro_loan";
    case ProductType::kCreditCard: return "credit_card";
    case ProductType::kBusinessLoan: return "business_loan";
    case ProductType::kMortgage: return "mortgage";
    case ProductType::kAutoLoan: return "auto_loan";
    case ProductType::kUnspecified: break;
  }
  return "unspecified";
}

std::string_view ToString(LineStatus s) {
  switch (s) {
    case LineStatus::kOpen: return "open";
    case LineStatus::kClosed: return "closed";
    case LineStatus::kChargedOff: return "charged_off";
    case LineStatus::kFrozen: return "frozen";
    case LineStatus::kUnspecified: break;
  }
  return "unspecified";
}

std::string_view ToString(Purpose p) {
  switch (p) {
    case Purpose::kLoanApproval: return "loan_approval";
    case Purpose::kCreditCardApproval: return "credit_card_approval";
    case Purpose::kGuaranteeReview: return "guarantee_review";
    case Purpose::kPostLoanManagement: return "post_loan_management";
    case Purpose::kSelfQuery: return "self_query";
    case Purpose::kUnspecified: break;
  }
  return "unspecified";
}

}  // namespace creditshare::domain
