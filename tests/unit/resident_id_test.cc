#include "domain/resident_id.h"

#include <gtest/gtest.h>

namespace creditshare::domain {
namespace {

const Date kToday{2026, 11, 23};

TEST(ResidentIdTest, AcceptsValidIdAndExposesRegionAndBirthDate) {
  auto id = ResidentId::Parse("120101199003071235", kToday, "resident_id");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id.value().normalized(), "120101199003071235");
  EXPECT_EQ(id.value().region_code(), "120101");
  EXPECT_EQ(id.value().province_code(), "12");
  EXPECT_EQ(id.value().birth_date(), (Date{1990, 3, 7}));
}

TEST(ResidentIdTest, NormalisesLowerCaseXAndSurroundingSpaces) {
  // 11010519491231002X is the GB 11643 standard's own example.
  auto id = ResidentId::Parse("  11010519491231002x ", kToday, "resident_id");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id.value().normalized(), "11010519491231002X");
}

TEST(ResidentIdTest, ComputesIso7064CheckCharacter) {
  EXPECT_EQ(ResidentId::CheckCharacter("11010519491231002"), 'X');
  EXPECT_EQ(ResidentId::CheckCharacter("12010119900307123"), '5');
  EXPECT_EQ(ResidentId::CheckCharacter("44052418800101001"), '4');
}

struct BadId {
  const char* id;
  const char* message;
};

class ResidentIdRejects : public testing::TestWithParam<BadId> {};

TEST_P(ResidentIdRejects, WithInvalidArgumentNamingTheFieldAndNotEchoingTheId) {
  auto id = ResidentId::Parse(GetParam().id, kToday, "line.resident_id");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(id.error().field, "line.resident_id");
  EXPECT_EQ(id.error().message, GetParam().message);
  if (std::string(GetParam().id).size() > 6) {
    EXPECT_EQ(id.error().message.find(GetParam().id), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResidentIdRejects,
    testing::Values(BadId{"", "is required"}, BadId{"   ", "is required"},
                    BadId{"12010119900307123", "must be 18 characters"},
                    BadId{"1201011990030712355", "must be 18 characters"},
                    BadId{"12010119900307A235", "first 17 characters must be digits"},
                    BadId{"12010119900307123Y", "last character must be a digit or X"},
                    BadId{"120101199003071236", "check character does not match"},
                    BadId{"990101199003071235", "unknown province code"},
                    BadId{"120101199002301238", "birth date is not a valid date"},   // 30 February
                    BadId{"120101189912311234", "birth date is not a valid date"},   // before 1900
                    BadId{"120101202712011234", "birth date is in the future"}));

TEST(ResidentIdTest, KnowsProvinceCodes) {
  EXPECT_TRUE(IsKnownProvinceCode("12"));
  EXPECT_TRUE(IsKnownProvinceCode("82"));
  EXPECT_FALSE(IsKnownProvinceCode("10"));
  EXPECT_FALSE(IsKnownProvinceCode("99"));
}

}  // namespace
}  // namespace creditshare::domain
