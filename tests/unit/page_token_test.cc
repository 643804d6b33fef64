#include <gtest/gtest.h>

#include "api/proto_mapping.h"

namespace creditshare::api {
namespace {

TEST(PageTokenTest, RoundTripsAndRefusesWhatNoListReturned) {
  const auto page = ParsePage(10, PageToken('d', 18446744073709551615ULL), 'd');
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page.value().cursor, 18446744073709551615ULL);
  EXPECT_EQ(page.value().size, 10);
  // One past the largest cursor (found by the request fuzzer: it used to throw out of stoull).
  for (const char* bad : {"d18446744073709551616", "d99999999999999999999999", "i12", "d", "d12a", "d-1", "d 1"}) {
    const auto refused = ParsePage(10, bad, 'd');
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().field, "page_token");
  }
}

}  // namespace
}  // namespace creditshare::api
