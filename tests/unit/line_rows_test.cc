#include "storage/line_rows.h"

#include <gtest/gtest.h>

namespace creditshare::storage::line_rows {
namespace {

TEST(LineRowsTest, PackedLedgerMonthsRoundTrip) {
  const std::vector<domain::MonthRecord> months = {{{2025, 12, 31}, 'N', false, false},
                                                   {{2026, 1, 5}, '7', true, true},
                                                   {{2026, 2, 20}, 'D', true, false}};
  EXPECT_EQ(PackMonths(months), "20251231N-202601057d20260220Dn");
  EXPECT_EQ(UnpackMonths(PackMonths(months)), months);
  EXPECT_TRUE(UnpackMonths("").empty());
}

}  // namespace
}  // namespace creditshare::storage::line_rows
