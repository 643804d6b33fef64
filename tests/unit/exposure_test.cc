#include "domain/exposure.h"

#include <gtest/gtest.h>

namespace creditshare::domain {
namespace {

const Date kToday{2026, 11, 23};

BorrowerLine Line(std::uint64_t member, MemberType type, std::string ref, std::string currency, std::int64_t limit,
                  std::int64_t balance, LineStatus status = LineStatus::kOpen, int dpd = 0, std::int64_t overdue = 0,
                  Date opened = {2025, 1, 1}) {
  BorrowerLine b;
  b.member_id = member;
  b.member_code = "m" + std::to_string(member);
  b.member_type = type;
  b.line.account_reference = std::move(ref);
  b.line.product_type = ProductType::kCreditCard;
  b.line.currency = std::move(currency);
  b.line.credit_limit_minor = limit;
  b.line.outstanding_balance_minor = balance;
  b.line.status = status;
  b.line.days_past_due = dpd;
  b.line.overdue_amount_minor = overdue;
  b.line.opened_date = opened;
  b.line.as_of_date = {2026, 10, 31};
  return b;
}

TEST(BuildExposureTest, SumsOpenLinesAcrossMembersPerCurrency) {
  const auto e = BuildExposure({Line(1, MemberType::kBank, "A1", "CNY", 100, 50),
                                Line(1, MemberType::kBank, "A2", "CNY", 200, 70, LineStatus::kOpen, 31, 20),
                                Line(2, MemberType::kMicroLender, "B1", "CNY", 300, 90),
                                Line(2, MemberType::kMicroLender, "B2", "USD", 10, 5)},
                               {}, {}, 3, kToday);
  EXPECT_EQ(e.summary.open_line_count, 4);
  EXPECT_EQ(e.summary.distinct_lender_count, 2);
  EXPECT_EQ(e.summary.worst_days_past_due, 31);
  ASSERT_EQ(e.summary.totals.size(), 2u);
  EXPECT_EQ(e.summary.totals[0].currency, "CNY");
  EXPECT_EQ(e.summary.totals[0].credit_limit_minor, 600);
  EXPECT_EQ(e.summary.totals[0].outstanding_balance_minor, 210);
  EXPECT_EQ(e.summary.totals[0].overdue_amount_minor, 20);
  EXPECT_EQ(e.summary.totals[1].currency, "USD");
  EXPECT_EQ(e.summary.totals[1].credit_limit_minor, 10);
}

TEST(BuildExposureTest, ClosedLinesAreShownButNotCountedChargedOffAreCounted) {
  const auto e = BuildExposure({Line(1, MemberType::kBank, "A1", "CNY", 100, 0, LineStatus::kClosed),
                                Line(2, MemberType::kBank, "B1", "CNY", 0, 80, LineStatus::kChargedOff, 200, 80)},
                               {}, {}, 9, kToday);
  EXPECT_EQ(e.summary.open_line_count, 0);
  EXPECT_EQ(e.summary.distinct_lender_count, 1);
  EXPECT_EQ(e.summary.worst_days_past_due, 200);
  ASSERT_EQ(e.summary.totals.size(), 1u);
  EXPECT_EQ(e.summary.totals[0].outstanding_balance_minor, 80);
  EXPECT_EQ(e.lines.size(), 2u);
}

TEST(BuildExposureTest, MasksOtherMembersAndShowsOwnLinesInFullFirst) {
  const auto e = BuildExposure({Line(5, MemberType::kMicroLender, "B1", "CNY", 1, 1, LineStatus::kOpen, 0, 0, {2024, 1, 1}),
                                Line(7, MemberType::kBank, "C1", "CNY", 1, 1, LineStatus::kOpen, 0, 0, {2023, 1, 1}),
                                Line(3, MemberType::kBank, "OWN", "CNY", 1, 1),
                                Line(5, MemberType::kMicroLender, "B2", "CNY", 1, 1, LineStatus::kOpen, 0, 0, {2025, 6, 1})},
                               {}, {}, 3, kToday);
  ASSERT_EQ(e.lines.size(), 4u);
  EXPECT_TRUE(e.lines[0].own_line);
  EXPECT_EQ(e.lines[0].account_reference, "OWN");
  EXPECT_EQ(e.lines[0].line.account_reference, "OWN");
  EXPECT_EQ(e.lines[0].member_code, "m3");
  EXPECT_EQ(e.lines[0].lender_ordinal, 0);
  // Other lenders are numbered by their oldest line, not by member id.
  EXPECT_EQ(e.lines[1].lender_ordinal, 1);
  EXPECT_EQ(e.lines[1].lender_type, MemberType::kBank);
  EXPECT_EQ(e.lines[2].lender_ordinal, 2);
  EXPECT_EQ(e.lines[3].lender_ordinal, 2);
  for (size_t i = 1; i < e.lines.size(); ++i) {
    EXPECT_FALSE(e.lines[i].own_line);
    EXPECT_TRUE(e.lines[i].account_reference.empty());
    EXPECT_TRUE(e.lines[i].line.account_reference.empty());
    EXPECT_TRUE(e.lines[i].member_code.empty());
  }
}

TEST(BuildExposureTest, EmptyForUnknownBorrower) {
  const auto e = BuildExposure({}, {}, {}, 1, kToday);
  EXPECT_EQ(e.summary.open_line_count, 0);
  EXPECT_EQ(e.summary.distinct_lender_count, 0);
  EXPECT_TRUE(e.summary.totals.empty());
  EXPECT_TRUE(e.lines.empty());
}

}  // namespace
}  // namespace creditshare::domain

namespace creditshare::domain {
namespace {

TEST(CountInquiringMembersTest, CountsDistinctMembersPerWindowWithStrictBounds) {
  constexpr std::int64_t kDay = 86'400'000'000LL;
  const std::int64_t now = 1'800'000'000'000'000LL;
  const std::vector<InquiryMark> marks = {
      {7, now - 1},              // member 7 twice in the last week: counted once
      {7, now - 2 * kDay},
      {8, now - 7 * kDay},       // exactly 7 days ago: outside the week, inside 30 days
      {9, now - 29 * kDay},
      {10, now - 30 * kDay},     // exactly 30 days ago: only in the 90-day count
      {11, now - 89 * kDay},
      {12, now - 90 * kDay},     // exactly 90 days ago: in no window
  };
  const auto counts = CountInquiringMembers(marks, now);
  EXPECT_EQ(counts.last_7_days, 1);
  EXPECT_EQ(counts.last_30_days, 3);
  EXPECT_EQ(counts.last_90_days, 5);
  const auto none = CountInquiringMembers({}, now);
  EXPECT_EQ(none.last_90_days, 0);
}

}  // namespace
}  // namespace creditshare::domain
