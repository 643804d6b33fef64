#include "storage/line_rows.h"

#include <gtest/gtest.h>

namespace creditshare::storage::line_rows {
namespace {

TEST(LineRowsTest, PackedMonthStatusesRoundTrip) {
  EXPECT_EQ(PackMonthStatus(domain::Date{2026, 3, 1}, '2'), "2026032");
  EXPECT_EQ(PackMonthStatus(domain::Date{2025, 11, 1}, 'N'), "202511N");
  EXPECT_EQ(PackMonthStatus(domain::Date{2025, 11, 1}, '\0'), "202511#");  // no code

  const auto months = UnpackMonthStatuses(PackMonthStatus({2025, 12, 1}, 'N') + PackMonthStatus({2026, 1, 1}, '7') +
                                          PackMonthStatus({2026, 2, 1}, 'C'));
  ASSERT_EQ(months.size(), 3u);
  EXPECT_EQ(months[0].month, (domain::Date{2025, 12, 1}));
  EXPECT_EQ(months[0].code, 'N');
  EXPECT_EQ(months[1].month, (domain::Date{2026, 1, 1}));
  EXPECT_EQ(months[1].code, '7');
  EXPECT_EQ(months[2].month, (domain::Date{2026, 2, 1}));
  EXPECT_EQ(months[2].code, 'C');
  EXPECT_TRUE(UnpackMonthStatuses("").empty());
}

}  // namespace
}  // namespace creditshare::storage::line_rows
