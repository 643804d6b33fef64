#include "domain/key_rotation.h"

#include <gtest/gtest.h>

namespace creditshare::domain {
namespace {

using S = KeyVersionState;

TEST(KeyRotationTest, AKeySetMustHoldEveryVersionStoredDataIsUnder) {
  EXPECT_FALSE(KeySetProblem({{0, S::kInUse}}, 0, {0}));
  EXPECT_FALSE(KeySetProblem({{0, S::kInUse}}, 1, {0, 1}));
  EXPECT_FALSE(KeySetProblem({{0, S::kRetired}, {1, S::kInUse}}, 1, {1}));
  const auto missing = KeySetProblem({{0, S::kInUse}, {1, S::kInUse}}, 1, {1});
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("key version 0"), std::string::npos) << *missing;
  EXPECT_FALSE(KeySetProblem({}, 3, {3}));  // a fresh database
}

TEST(KeyRotationTest, ARetiredVersionIsNeverCurrentAgain) {
  const auto problem = KeySetProblem({{0, S::kRetired}, {1, S::kInUse}}, 0, {0, 1});
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("retired"), std::string::npos);
}

TEST(KeyRotationTest, RekeyingNeedsTwoVersionsAndALiveOneToEmpty) {
  EXPECT_TRUE(RekeyProblem({{0, S::kInUse}}, 0, 0));
  EXPECT_FALSE(RekeyProblem({{0, S::kInUse}, {1, S::kInUse}}, 1, 0));
  EXPECT_FALSE(RekeyProblem({{0, S::kInUse}}, 1, 0));
  EXPECT_TRUE(RekeyProblem({{0, S::kRetired}, {1, S::kInUse}}, 1, 0));
  EXPECT_TRUE(RekeyProblem({{0, S::kInUse}, {1, S::kRetired}}, 1, 0));
}

}  // namespace
}  // namespace creditshare::domain
