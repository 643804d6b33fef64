#include "policy_file.h"

#include <gtest/gtest.h>

#include <fstream>

namespace creditshare {
namespace {

TEST(PolicyFileTest, ParsesTheShippedPolicy) {
  const auto p = LoadCreditPolicy(std::string(CREDITSHARE_SOURCE_DIR) + "/config/credit-policy.json");
  EXPECT_EQ(p.cap_currency, "CNY");
  EXPECT_EQ(p.product_caps_minor.at(domain::ProductType::kOnlineMicroLoan), 30'000'000);
  EXPECT_EQ(p.overall_cap_minor, 100'000'000);
  EXPECT_EQ(p.max_lenders, 3);
  EXPECT_EQ(p.reservation_default_ttl, std::chrono::hours(24));
}

TEST(PolicyFileTest, RejectsTyposUnknownProductsAndBadAmounts) {
  EXPECT_THROW(ParseCreditPolicy(R"({"max_lender": 3})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"product_caps_minor": {"micro_loan": 1}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"overall_cap_minor": -5})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"reservation_default_ttl_hours": 48, "reservation_max_ttl_hours": 24})"),
               std::runtime_error);
  EXPECT_THROW(LoadCreditPolicy("/nonexistent/policy.json"), std::runtime_error);
  EXPECT_NO_THROW(ParseCreditPolicy("{}"));
}

}  // namespace
}  // namespace creditshare
