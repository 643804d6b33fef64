#include "storage/migrations.h"

#include <gtest/gtest.h>

namespace creditshare::storage {
namespace {

TEST(MigrationsTest, SplitsOnSemicolonsAtLineEndsAndSkipsComments) {
  const auto stmts = SplitStatements(
      "-- leading comment\n"
      "CREATE TABLE a (\n  x INT -- inline ; not an end\n);\n"
      "\n"
      "ALTER TABLE a ADD y INT;  -- a comment after the end\n"
      "INSERT INTO a VALUES ('--;');  \n"
      "SELECT 'tail'");
  ASSERT_EQ(stmts.size(), 4u);
  EXPECT_EQ(stmts[0], "CREATE TABLE a (\n  x INT\n)");
  EXPECT_EQ(stmts[1], "ALTER TABLE a ADD y INT");
  EXPECT_EQ(stmts[2], "INSERT INTO a VALUES ('--;')");
  EXPECT_EQ(stmts[3], "SELECT 'tail'\n");
}

TEST(MigrationsTest, EmbeddedMigrationsAreNumberedFromOneWithoutGaps) {
  const auto& all = EmbeddedMigrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(all[i].name.empty());
    EXPECT_FALSE(SplitStatements(all[i].sql).empty());
  }
  EXPECT_EQ(RequiredSchemaVersion(), all.back().version);
}

}  // namespace
}  // namespace creditshare::storage
