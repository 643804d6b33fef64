#include "domain/money.h"

#include <gtest/gtest.h>

#include <limits>

namespace creditshare::domain {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

TEST(FormatMoneyTest, UsesTheDecimalsOfTheCurrency) {
  EXPECT_EQ(FormatMoney(30'000'000, "CNY"), "300000.00 CNY");
  EXPECT_EQ(FormatMoney(5, "CNY"), "0.05 CNY");
  EXPECT_EQ(FormatMoney(0, "USD"), "0.00 USD");
  EXPECT_EQ(FormatMoney(300'000, "JPY"), "300000 JPY");
  EXPECT_EQ(FormatMoney(0, "JPY"), "0 JPY");
  EXPECT_EQ(FormatMoney(1'005, "KWD"), "1.005 KWD");
  EXPECT_EQ(FormatMoney(7, "BHD"), "0.007 BHD");
  EXPECT_EQ(FormatMoney(1, "CLF"), "0.0001 CLF");
}

TEST(FormatMoneyTest, IsExactForNegativeAndHugeValues) {
  EXPECT_EQ(FormatMoney(-5, "CNY"), "-0.05 CNY");
  EXPECT_EQ(FormatMoney(-1'005, "KWD"), "-1.005 KWD");
  EXPECT_EQ(FormatMoney(-300, "JPY"), "-300 JPY");
  EXPECT_EQ(FormatMoney(kMax, "CNY"), "92233720368547758.07 CNY");
  EXPECT_EQ(FormatMoney(kMin, "CNY"), "-92233720368547758.08 CNY");
  EXPECT_EQ(FormatMoney(MoneySum(4'000'000'000'000'000'000) * 3, "CNY"), "120000000000000000.00 CNY");
  const MoneySum int128_min = -(MoneySum(1) << 126) - (MoneySum(1) << 126);  // -2^127
  EXPECT_EQ(FormatMoney(int128_min, "JPY"), "-170141183460469231731687303715884105728 JPY");
  EXPECT_EQ(FormatMoney(-(int128_min + 1), "JPY"), "170141183460469231731687303715884105727 JPY");
}

TEST(FormatMoneyTest, ShowsBareMinorUnitsForAnUnknownCode) {
  EXPECT_EQ(FormatMoney(12'345, "ZZZ"), "12345 minor units of ZZZ");
}

TEST(ToApiAmountTest, PassesInt64FiguresAndSaturatesLargerOnesWithTheFlag) {
  EXPECT_EQ(ToApiAmount(123), (ApiAmount{123, false}));
  EXPECT_EQ(ToApiAmount(kMax), (ApiAmount{kMax, false}));
  EXPECT_EQ(ToApiAmount(MoneySum(kMax) + 1), (ApiAmount{kMax, true}));
  EXPECT_EQ(ToApiAmount(MoneySum(4'000'000'000'000'000'000) * 3), (ApiAmount{kMax, true}));
  EXPECT_EQ(ToApiAmount(kMin), (ApiAmount{kMin, false}));
  EXPECT_EQ(ToApiAmount(MoneySum(kMin) - 1), (ApiAmount{kMin, true}));
}

TEST(MoneySumTest, ThreeLinesOf4e18SumExactly) {
  MoneySum sum = 0;
  for (int i = 0; i < 3; ++i) sum += std::int64_t{4'000'000'000'000'000'000};
  EXPECT_EQ(sum, MoneySum(12) * 1'000'000'000'000'000'000);
  EXPECT_GT(sum, MoneySum(kMax));
}

TEST(MajorToMinorTest, ScalesByTheExponentExactlyAndSaturates) {
  EXPECT_EQ(MajorToMinor(100'000'000, 2), (ApiAmount{10'000'000'000, false}));
  EXPECT_EQ(MajorToMinor(100'000'000, 0), (ApiAmount{100'000'000, false}));
  EXPECT_EQ(MajorToMinor(100'000'000, 3), (ApiAmount{100'000'000'000, false}));
  EXPECT_EQ(MajorToMinor(kMax / 100, 2), (ApiAmount{kMax / 100 * 100, false}));
  EXPECT_EQ(MajorToMinor(kMax / 100 + 1, 2), (ApiAmount{kMax, true}));
  EXPECT_EQ(MajorToMinor(kMax, 4), (ApiAmount{kMax, true}));
  EXPECT_EQ(MajorToMinor(kMax, 60), (ApiAmount{kMax, true}));  // never overflows 128 bits
}

}  // namespace
}  // namespace creditshare::domain
