#include "storage/ledger_backfill.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>
#include <vector>

#include "domain/ledger.h"
#include "storage/line_rows.h"
#include "storage/sql_text.h"

namespace creditshare::storage {

namespace {
constexpr std::size_t kBatchLines = 500;

struct StoredMonth {
  domain::Date month;
  domain::MonthFacts facts;
};

struct BackfillLine {
  std::uint64_t id = 0;
  domain::MonthFacts current;  // the line's state, as its current month's record should say
  std::vector<StoredMonth> months;
};

std::vector<BackfillLine> ReadBatch(Connection& conn, std::uint64_t after_id) {
  std::vector<BackfillLine> lines;
  {
    auto& stmt = conn.Prepare(
        "SELECT id, as_of_date, status, collections_stage, charged_off_amount_minor FROM credit_lines WHERE id > ? "
        "ORDER BY id LIMIT ? FOR UPDATE");
    stmt.setUInt64(1, after_id);
    stmt.setInt(2, static_cast<int>(kBatchLines));
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      BackfillLine l;
      l.id = rs->getUInt64(1);
      l.current.as_of_date = line_rows::ReadDate(*rs, 2);
      l.current.status = static_cast<domain::LineStatus>(rs->getInt(3));
      l.current.collections_stage = static_cast<domain::CollectionsStage>(rs->getInt(4));
      l.current.charged_off_amount_minor = rs->getInt64(5);
      lines.push_back(l);
    }
  }
  if (lines.empty()) return lines;
  std::map<std::uint64_t, BackfillLine*> by_id;
  for (auto& l : lines) by_id[l.id] = &l;
  auto stmt = conn.PrepareRows(
      "SELECT line_id, month, as_of_date, status_code, days_past_due, line_status, collections_stage, "
      "charged_off_amount_minor FROM credit_line_months WHERE line_id IN (" + Placeholders(lines.size()) +
          ") ORDER BY line_id, month FOR UPDATE",
      lines.size());
  int p = 1;
  for (const auto& l : lines) stmt->setUInt64(p++, l.id);
  std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
  while (rs->next()) {
    StoredMonth m;
    m.month = line_rows::ReadDate(*rs, 2);
    m.facts.as_of_date = line_rows::ReadDate(*rs, 3);
    const std::string code = rs->getString(4);
    m.facts.code = code.empty() ? '#' : code[0];
    m.facts.days_past_due = rs->getInt(5);
    m.facts.status = static_cast<domain::LineStatus>(rs->getInt(6));
    m.facts.collections_stage = static_cast<domain::CollectionsStage>(rs->getInt(7));
    m.facts.charged_off_amount_minor = rs->getInt64(8);
    by_id.at(rs->getUInt64(1))->months.push_back(m);
  }
  return lines;
}

void Backfill(Connection& conn, BackfillLine& line) {
  std::vector<domain::MonthRecord> records;
  for (auto& m : line.months) {
    if (m.facts.status == domain::LineStatus::kUnspecified) {
      // The record the line's current state came from says what the line says; older ones
      // say what their code implies.
      if (m.facts.as_of_date == line.current.as_of_date) {
        m.facts.status = line.current.status;
        m.facts.collections_stage = line.current.collections_stage;
        m.facts.charged_off_amount_minor = line.current.charged_off_amount_minor;
      } else {
        m.facts.status = domain::InferLegacyStatus(m.facts.code);
      }
      auto& update = conn.Prepare(
          "UPDATE credit_line_months SET line_status = ?, collections_stage = ?, charged_off_amount_minor = ? "
          "WHERE line_id = ? AND month = ?");
      update.setInt(1, static_cast<int>(m.facts.status));
      update.setInt(2, static_cast<int>(m.facts.collections_stage));
      update.setInt64(3, m.facts.charged_off_amount_minor);
      update.setUInt64(4, line.id);
      update.setString(5, m.month.ToString());
      update.executeUpdate();
    }
    records.push_back(domain::RecordOf(m.facts));
  }
  auto& update = conn.Prepare("UPDATE credit_lines SET ledger_months = ?, retention_review_on = ? WHERE id = ?");
  update.setString(1, line_rows::PackMonths(records));
  line_rows::SetOptionalDate(update, 2, domain::RetentionReviewDate(domain::NegativeEpisodes(records)));
  update.setUInt64(3, line.id);
  update.executeUpdate();
}
}  // namespace

void BackfillLedgers(Connection& conn) {
  std::uint64_t after = 0;
  for (;;) {
    conn.Execute("START TRANSACTION");
    try {
      auto batch = ReadBatch(conn, after);
      for (auto& line : batch) Backfill(conn, line);
      conn.Execute("COMMIT");
      if (batch.size() < kBatchLines) return;
      after = batch.back().id;
    } catch (...) {
      conn.Execute("ROLLBACK");
      throw;
    }
  }
}

}  // namespace creditshare::storage
