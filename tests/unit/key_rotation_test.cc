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
  const auto early = RekeyProblem({{0, S::kInUse}}, 0, 1);  // before promote: would retire the new one
  ASSERT_TRUE(early);
  EXPECT_NE(early->find("keys promote"), std::string::npos) << *early;
  EXPECT_FALSE(RekeyProblem({{0, S::kInUse}}, 1, 0));
  EXPECT_TRUE(RekeyProblem({{0, S::kRetired}, {1, S::kInUse}}, 1, 0));
  EXPECT_TRUE(RekeyProblem({{0, S::kInUse}, {1, S::kRetired}}, 1, 0));
}

TEST(KeyRotationTest, EachStepWaitsForEveryRunningServer) {
  const std::vector<ServerKeySet> read_add{{"a", 0, {0, 1}}, {"b", 0, {1, 0}}};
  EXPECT_FALSE(ServersBehind(RotationStep::kPromote, 0, {0, 1}, read_add));
  const auto lagging = ServersBehind(RotationStep::kPromote, 0, {1, 0}, {{"a", 0, {0, 1}}, {"b", 0, {0}}});
  ASSERT_TRUE(lagging);
  EXPECT_NE(lagging->find("server b holds key versions 0, not 0,1"), std::string::npos) << *lagging;
  // Before rekey every server must also write the new version.
  const auto writing_old = ServersBehind(RotationStep::kRekey, 1, {0, 1}, {{"a", 1, {0, 1}}, {"b", 0, {0, 1}}});
  ASSERT_TRUE(writing_old);
  EXPECT_NE(writing_old->find("server b still writes under key version 0"), std::string::npos) << *writing_old;
  EXPECT_FALSE(ServersBehind(RotationStep::kRekey, 1, {0, 1}, {{"a", 1, {0, 1}}}));
  EXPECT_FALSE(ServersBehind(RotationStep::kRekey, 1, {0, 1}, {}));  // none running: nothing to wait for
}

}  // namespace
}  // namespace creditshare::domain
