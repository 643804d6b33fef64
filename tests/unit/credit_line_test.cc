#include "domain/credit_line.h"

#include <gtest/gtest.h>

#include "line_reports.h"

namespace creditshare::domain {
namespace {

const Date kToday{2026, 11, 23};

using testing::ValidReport;

std::string FieldOfError(const LineReport& r) {
  auto e = ValidateLineReport(r, kToday, PlausibilityBounds{}, "line.");
  return e ? e->field : "";
}

TEST(ValidateLineReportTest, AcceptsACompleteReport) {
  EXPECT_FALSE(ValidateLineReport(ValidReport(), kToday, PlausibilityBounds{}, "line."));
}

TEST(ValidateLineReportTest, NamesTheFirstBadField) {
  auto r = ValidReport();
  r.account_reference.clear();
  EXPECT_EQ(FieldOfError(r), "line.account_reference");
  r = ValidReport();
  r.account_reference = "has space";
  EXPECT_EQ(FieldOfError(r), "line.account_reference");
  r = ValidReport();
  r.account_reference = std::string(65, 'a');
  EXPECT_EQ(FieldOfError(r), "line.account_reference");
  r = ValidReport();
  r.product_type = ProductType::kUnspecified;
  EXPECT_EQ(FieldOfError(r), "line.product_type");
  r = ValidReport();
  r.currency = "cny";
  EXPECT_EQ(FieldOfError(r), "line.currency");
  r = ValidReport();
  r.credit_limit_minor = -1;
  EXPECT_EQ(FieldOfError(r), "line.credit_limit_minor");
  r = ValidReport();
  r.outstanding_balance_minor = -1;
  EXPECT_EQ(FieldOfError(r), "line.outstanding_balance_minor");
  r = ValidReport();
  r.currency = "ZZZ";
  EXPECT_EQ(FieldOfError(r), "line.currency");
  r = ValidReport();
  r.overdue_amount_minor = r.outstanding_balance_minor + 1;
  EXPECT_EQ(FieldOfError(r), "line.overdue_amount_minor");
  r = ValidReport();
  r.status = LineStatus::kUnspecified;
  EXPECT_EQ(FieldOfError(r), "line.status");
  r = ValidReport();
  r.days_past_due = -3;
  EXPECT_EQ(FieldOfError(r), "line.days_past_due");
  r = ValidReport();
  r.days_past_due = 10;
  EXPECT_EQ(FieldOfError(r), "line.overdue_amount_minor");
  r = ValidReport();
  r.as_of_date = {2026, 11, 24};
  EXPECT_EQ(FieldOfError(r), "line.as_of_date");
  r = ValidReport();
  r.as_of_date = {2026, 2, 30};
  EXPECT_EQ(FieldOfError(r), "line.as_of_date");
  r = ValidReport();
  r.opened_date = {};
  EXPECT_EQ(FieldOfError(r), "line.opened_date");
  r = ValidReport();
  r.opened_date = {2026, 11, 1};
  EXPECT_EQ(FieldOfError(r), "line.opened_date");
}

TEST(CanonicalEncodingTest, DiffersWhenAnyFieldDiffers) {
  const auto base = CanonicalEncoding(ValidReport(), "120101199003071235");
  EXPECT_EQ(base, CanonicalEncoding(ValidReport(), "120101199003071235"));
  EXPECT_NE(base, CanonicalEncoding(ValidReport(), "120102198511204569"));
  auto r = ValidReport();
  r.outstanding_balance_minor += 1;
  EXPECT_NE(base, CanonicalEncoding(r, "120101199003071235"));
  r = ValidReport();
  r.as_of_date.day = 30;
  EXPECT_NE(base, CanonicalEncoding(r, "120101199003071235"));
  r = ValidReport();
  r.status = LineStatus::kClosed;
  EXPECT_NE(base, CanonicalEncoding(r, "120101199003071235"));
}

}  // namespace
}  // namespace creditshare::domain
