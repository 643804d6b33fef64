#include "domain/currency.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace creditshare::domain {
namespace {

int Exponent(std::string_view code) {
  const Currency* c = FindCurrency(code);
  return c == nullptr ? -1 : c->minor_unit_exponent;
}

TEST(FindCurrencyTest, KnowsTheMinorUnitOfEachActiveCurrency) {
  EXPECT_EQ(Exponent("CNY"), 2);
  EXPECT_EQ(Exponent("USD"), 2);
  EXPECT_EQ(Exponent("EUR"), 2);
  EXPECT_EQ(Exponent("HKD"), 2);
  EXPECT_EQ(Exponent("JPY"), 0);
  EXPECT_EQ(Exponent("KRW"), 0);
  EXPECT_EQ(Exponent("KWD"), 3);
  EXPECT_EQ(Exponent("BHD"), 3);
  EXPECT_EQ(Exponent("CLF"), 4);
  EXPECT_EQ(Exponent("UYW"), 4);
  ASSERT_NE(FindCurrency("CNY"), nullptr);
  EXPECT_EQ(FindCurrency("CNY")->numeric_code, 156);
  EXPECT_EQ(FindCurrency("ALL")->numeric_code, 8);  // "008" in the list, not octal
  EXPECT_EQ(FindCurrency("CNY")->name, "Yuan Renminbi");
}

TEST(FindCurrencyTest, RefusesUnknownLowerCaseAndMalformedCodes) {
  EXPECT_EQ(FindCurrency("ZZZ"), nullptr);
  EXPECT_EQ(FindCurrency("cny"), nullptr);
  EXPECT_EQ(FindCurrency("Cny"), nullptr);
  EXPECT_EQ(FindCurrency(""), nullptr);
  EXPECT_EQ(FindCurrency("CN"), nullptr);
  EXPECT_EQ(FindCurrency("CNYY"), nullptr);
}

TEST(FindCurrencyTest, CodesWithoutMinorUnitAndWithdrawnCodesAreNotCurrenciesForLines) {
  for (const char* code : {"XAU", "XAG", "XDR", "XTS", "XXX", "XUA", "XSU", "HRK", "ZWL", "VEF", "DEM"})
    EXPECT_EQ(FindCurrency(code), nullptr) << code;
}

TEST(ActiveCurrenciesTest, IsTheWholeListSortedByCodeWithoutRepeats) {
  const auto all = ActiveCurrencies();
  EXPECT_GE(all.size(), 150u);
  EXPECT_LE(all.size(), 185u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const Currency& a, const Currency& b) { return a.code < b.code; }));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end(),
                               [](const Currency& a, const Currency& b) { return a.code == b.code; }),
            all.end());
  for (const auto& c : all) {
    EXPECT_EQ(FindCurrency(c.code), &c) << c.code;
    EXPECT_GE(c.minor_unit_exponent, 0) << c.code;
    EXPECT_LE(c.minor_unit_exponent, 4) << c.code;
  }
}

TEST(CheckCurrencyTest, NamesTheFieldOfAnUnknownCode) {
  EXPECT_FALSE(CheckCurrency("CNY", "currency"));
  const auto e = CheckCurrency("ZZZ", "line.currency");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e->field, "line.currency");
  EXPECT_EQ(e->message, "must be an active ISO 4217 currency code");
}

}  // namespace
}  // namespace creditshare::domain
