#include "policy_file.h"

#include <gtest/gtest.h>

#include <fstream>

namespace creditshare {
namespace {

TEST(PolicyFileTest, ParsesTheShippedPolicy) {
  const auto p = LoadCreditPolicy(std::string(CREDITSHARE_SOURCE_DIR) + "/config/credit-policy.json");
  ASSERT_EQ(p.caps_by_currency.size(), 1u);
  const auto& cny = p.caps_by_currency.at("CNY");
  EXPECT_EQ(cny.product_caps_minor.at(domain::ProductType::kOnlineMicroLoan), 30'000'000);
  EXPECT_EQ(cny.overall_cap_minor, 100'000'000);
  EXPECT_EQ(p.max_lenders, 3);
  EXPECT_EQ(p.reservation_default_ttl, std::chrono::hours(24));
  EXPECT_EQ(p.plausibility.default_bound, (domain::PlausibilityBound{100'000'000, 150}));
  EXPECT_EQ(domain::BoundFor(p.plausibility, domain::ProductType::kCreditCard),
            (domain::PlausibilityBound{10'000'000, 120}));
}

TEST(PolicyFileTest, TopLevelCapsAreThoseOfCapCurrencyAndCnyByDefault) {
  const auto usd = ParseCreditPolicy(R"({"cap_currency": "USD", "overall_cap_minor": 500})");
  ASSERT_EQ(usd.caps_by_currency.size(), 1u);
  EXPECT_EQ(usd.caps_by_currency.at("USD").overall_cap_minor, 500);
  const auto cny = ParseCreditPolicy(R"({"product_caps_minor": {"credit_card": 7}})");
  EXPECT_EQ(cny.caps_by_currency.at("CNY").product_caps_minor.at(domain::ProductType::kCreditCard), 7);
  EXPECT_TRUE(ParseCreditPolicy("{}").caps_by_currency.empty());
}

TEST(PolicyFileTest, CapsByCurrencyAddsTheCapsOfFurtherCurrencies) {
  const auto p = ParseCreditPolicy(R"({
    "product_caps_minor": {"online_micro_loan": 30000000}, "overall_cap_minor": 100000000,
    "caps_by_currency": {"USD": {"product_caps_minor": {"credit_card": 2000000}, "overall_cap_minor": 5000000},
                         "JPY": {"overall_cap_minor": 30000000}}})");
  ASSERT_EQ(p.caps_by_currency.size(), 3u);
  EXPECT_EQ(p.caps_by_currency.at("CNY").overall_cap_minor, 100'000'000);
  EXPECT_EQ(p.caps_by_currency.at("USD").product_caps_minor.at(domain::ProductType::kCreditCard), 2'000'000);
  EXPECT_EQ(p.caps_by_currency.at("USD").overall_cap_minor, 5'000'000);
  EXPECT_TRUE(p.caps_by_currency.at("JPY").product_caps_minor.empty());
  EXPECT_EQ(p.caps_by_currency.at("JPY").overall_cap_minor, 30'000'000);
}

TEST(PolicyFileTest, RefusesUnknownCurrenciesKeysAndCapsGivenTwice) {
  EXPECT_THROW(ParseCreditPolicy(R"({"cap_currency": "ZZZ", "overall_cap_minor": 1})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"cap_currency": "cny", "overall_cap_minor": 1})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"cap_currency": "USD"})"), std::runtime_error);  // names no caps
  EXPECT_THROW(ParseCreditPolicy(R"({"caps_by_currency": {"ZZZ": {"overall_cap_minor": 1}}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"caps_by_currency": {"USD": {"overall_cap": 1}}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"caps_by_currency": {"USD": {}}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"caps_by_currency": {"USD": {"product_caps_minor": {"micro_loan": 1}}}})"),
               std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"caps_by_currency": {"USD": {"overall_cap_minor": 0}}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(
                   R"({"overall_cap_minor": 1, "caps_by_currency": {"CNY": {"overall_cap_minor": 2}}})"),
               std::runtime_error);
}

TEST(PolicyFileTest, ParsesPlausibilityBoundsPerProductWithADefault) {
  const auto p = ParseCreditPolicy(R"({"plausibility": {
    "default": {"max_credit_limit_major": 100000000, "max_balance_percent_of_limit": 150},
    "credit_card": {"max_balance_percent_of_limit": 120}}})");
  EXPECT_EQ(p.plausibility.default_bound, (domain::PlausibilityBound{100'000'000, 150}));
  EXPECT_EQ(p.plausibility.by_product.at(domain::ProductType::kCreditCard),
            (domain::PlausibilityBound{std::nullopt, 120}));
  EXPECT_EQ(domain::BoundFor(p.plausibility, domain::ProductType::kCreditCard),
            (domain::PlausibilityBound{100'000'000, 120}));
}

TEST(PolicyFileTest, RefusesUnknownPlausibilityProductsKeysAndBadFigures) {
  EXPECT_THROW(ParseCreditPolicy(R"({"plausibility": {"micro_loan": {"max_credit_limit_major": 1}}})"),
               std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"plausibility": {"default": {"max_credit_limit": 1}}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"plausibility": {"default": {"max_credit_limit_major": 0}}})"),
               std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"plausibility": {"default": {"max_balance_percent_of_limit": -1}}})"),
               std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"plausibility": {"default": {"max_balance_percent_of_limit": 1.5}}})"),
               std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"plausibility": []})"), std::runtime_error);
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

namespace creditshare {
namespace {

TEST(PolicyFileTest, ReciprocityIsOnWhenConfiguredAndItsDaysAreChecked) {
  EXPECT_FALSE(ParseCreditPolicy("{}").reciprocity.enabled);
  const auto p = ParseCreditPolicy(R"({"reciprocity": {"report_window_days": 30}})");
  EXPECT_TRUE(p.reciprocity.enabled);
  EXPECT_EQ(p.reciprocity.report_window_days, 30);
  EXPECT_EQ(p.reciprocity.grace_days, 60);
  EXPECT_THROW(ParseCreditPolicy(R"({"reciprocity": {"report_window_days": -1}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"reciprocity": {"window": 45}})"), std::runtime_error);
  EXPECT_THROW(ParseCreditPolicy(R"({"reciprocity": 45})"), std::runtime_error);
}

}  // namespace
}  // namespace creditshare
