// The stored borrower state's encoding: what it writes reads back cell for cell, NULL included;
// anything else (another encoding, a cut or padded state, hostile counts) is refused, and the
// reader then reads the tables.
#include "storage/borrower_state.h"

#include <gtest/gtest.h>

#include "storage/line_rows.h"

namespace creditshare::storage::borrower_state {
namespace {

StoredRow LineRow(const std::string& public_id, const std::string& balance) {
  StoredRow r;
  r.cells.resize(kColumns);
  r.cells[0] = "7";
  r.cells[1] = "3";
  r.cells[4] = public_id;
  r.cells[5] = std::string("acct\0with nul|and bytes \xff", 25);
  r.cells[6] = "4";
  r.cells[7] = "CNY";
  r.cells[8] = "9223372036854775807";
  r.cells[9] = balance;
  r.cells[10] = "2026-01-15";
  r.cells[14] = "2026-10-31";
  r.cells[26] = "20261031N-";
  r.cells[27] = "1";
  r.cells[kKindColumn - 1] = std::to_string(kLineRow);
  r.cells[kOwnerColumn - 1] = "42";
  return r;
}

TEST(BorrowerStateEncoding, RoundTripsEveryCellAndReadsAsALineRow) {
  const std::vector<StoredRow> rows{LineRow("PUB-1", "100"), LineRow("PUB-2", "0")};
  const auto decoded = Decode(Encode(rows));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ((*decoded)[0].cells, rows[0].cells);
  EXPECT_EQ((*decoded)[1].cells, rows[1].cells);
  auto& row = (*decoded)[0];
  const auto line = line_rows::ReadLine(row);
  EXPECT_EQ(line.member_id, 3u);
  EXPECT_EQ(line.member_code, "");  // NULL reads as "", as a result set's does
  EXPECT_EQ(line.public_id, "PUB-1");
  EXPECT_EQ(line.line.account_reference, rows[0].cells[5]);
  EXPECT_EQ(line.line.credit_limit_minor, INT64_MAX);
  EXPECT_EQ(line.line.outstanding_balance_minor, 100);
  EXPECT_FALSE(line.line.first_delinquency_date);
  EXPECT_EQ(line.months.size(), 1u);
  EXPECT_TRUE(line.disputed);
  EXPECT_EQ(row.getInt(kKindColumn), kLineRow);
  EXPECT_TRUE(Decode(Encode({})));
  EXPECT_TRUE(Decode(Encode({}))->empty());
}

TEST(BorrowerStateEncoding, RefusesWhatItDidNotWrite) {
  const auto good = Encode({LineRow("PUB-1", "100")});
  EXPECT_FALSE(Decode(""));
  std::string other = good;
  other[4] ^= 1;  // another row layout's digest
  EXPECT_FALSE(Decode(other));
  EXPECT_FALSE(Decode(good.substr(0, good.size() - 1)));  // cut
  EXPECT_FALSE(Decode(good + "x"));                       // padded
  std::string many = good;
  many[8] = many[9] = many[10] = many[11] = '\xff';  // 4 billion rows claimed
  EXPECT_FALSE(Decode(many));
  std::string wide = good;
  wide[12] = static_cast<char>(kColumns + 1);  // a row of another width
  EXPECT_FALSE(Decode(wide));
  std::string huge_cell = good;
  huge_cell[13] = huge_cell[14] = huge_cell[15] = '\xff';
  huge_cell[16] = '\x7f';  // a cell longer than the state
  EXPECT_FALSE(Decode(huge_cell));
  StoredRow unknown_kind = LineRow("PUB-1", "100");
  unknown_kind.cells[kKindColumn - 1] = "9";
  EXPECT_FALSE(Decode(Encode({unknown_kind})));
  StoredRow no_owner = LineRow("PUB-1", "100");
  no_owner.cells[kOwnerColumn - 1] = "x";
  EXPECT_FALSE(Decode(Encode({no_owner})));
}

TEST(BorrowerStateEncoding, ANumberColumnThatIsNotANumberThrowsInsteadOfReadingAsZero) {
  StoredRow r = LineRow("PUB-1", "12abc");
  EXPECT_THROW(r.getInt64(10), std::runtime_error);
  EXPECT_THROW(r.getInt64(kColumns + 1), std::out_of_range);
  EXPECT_EQ(r.getInt64(3), 0);  // NULL
}

}  // namespace
}  // namespace creditshare::storage::borrower_state
