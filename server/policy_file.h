#pragma once

#include <string>

#include "domain/decision.h"

namespace creditshare {

// Loads the credit policy from a JSON file (see config/credit-policy.json). Unknown keys,
// unknown product names and currency codes that are not active ISO 4217 codes are errors, so a
// typo cannot silently switch a cap or a bound off. Throws std::runtime_error naming the file
// and the problem.
domain::CreditPolicy LoadCreditPolicy(const std::string& path);
domain::CreditPolicy ParseCreditPolicy(const std::string& json_text);

}  // namespace creditshare
