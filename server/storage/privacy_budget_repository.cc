#include "storage/privacy_budget_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <limits>
#include <memory>

#include "storage/transaction.h"

namespace creditshare::storage {

namespace {
// The member's own budget (locking its row when asked), or `fallback`.
domain::MilliEpsilon BudgetOf(Connection& conn, std::uint64_t member_id, domain::MilliEpsilon fallback, bool lock) {
  auto& stmt = conn.Prepare(lock ? "SELECT privacy_budget_milli FROM members WHERE id = ? FOR UPDATE"
                                 : "SELECT privacy_budget_milli FROM members WHERE id = ?");
  stmt.setUInt64(1, member_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next() || rs->isNull(1)) return fallback;
  return static_cast<domain::MilliEpsilon>(rs->getUInt64(1));
}

domain::MilliEpsilon Spent(Connection& conn, std::uint64_t member_id, const domain::Date& month) {
  auto& stmt = conn.Prepare(
      "SELECT CAST(COALESCE(SUM(epsilon_milli), 0) AS SIGNED) FROM privacy_spend WHERE member_id = ? AND data_month = ?");
  stmt.setUInt64(1, member_id);
  stmt.setString(2, month.FirstOfMonth().ToString());
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  return rs->getInt64(1);
}
}  // namespace

domain::Result<Charge> PrivacyBudgetRepository::Spend(std::uint64_t member_id, const std::vector<MonthQuestion>& questions,
                                                      domain::MilliEpsilon cost, domain::MilliEpsilon default_budget,
                                                      std::int64_t now_us) {
  return RunTransaction(pool_, [&](Connection& conn) -> domain::Result<Charge> {
    const domain::MilliEpsilon budget = BudgetOf(conn, member_id, default_budget, /*lock=*/true);
    Charge charge;
    charge.remaining = std::numeric_limits<domain::MilliEpsilon>::max();
    for (const auto& q : questions) {
      auto& asked = conn.Prepare(
          "SELECT 1 FROM privacy_spend WHERE member_id = ? AND data_month = ? AND request_digest = ?");
      asked.setUInt64(1, member_id);
      asked.setString(2, q.month.FirstOfMonth().ToString());
      asked.setString(3, q.request_digest);
      std::unique_ptr<sql::ResultSet> rs(asked.executeQuery());
      const domain::MilliEpsilon spent = Spent(conn, member_id, q.month);
      if (rs->next()) {  // the same question about the same build: the same answer, free
        charge.remaining = std::min(charge.remaining, budget - spent);
        continue;
      }
      if (auto e = domain::CheckBudget(spent, cost, budget, q.month.ToString().substr(0, 7))) return *e;
      auto& insert = conn.Prepare(
          "INSERT INTO privacy_spend (member_id, data_month, request_digest, epsilon_milli, at_us) VALUES (?, ?, ?, ?, ?)");
      insert.setUInt64(1, member_id);
      insert.setString(2, q.month.FirstOfMonth().ToString());
      insert.setString(3, q.request_digest);
      insert.setUInt64(4, static_cast<std::uint64_t>(cost));
      insert.setInt64(5, now_us);
      insert.executeUpdate();
      charge.charged += cost;
      charge.remaining = std::min(charge.remaining, budget - spent - cost);
    }
    return charge;
  });
}

std::pair<domain::MilliEpsilon, domain::MilliEpsilon> PrivacyBudgetRepository::Standing(
    std::uint64_t member_id, const domain::Date& month, domain::MilliEpsilon default_budget) {
  return WithConnection(pool_, [&](Connection& conn) {
    return std::pair{Spent(conn, member_id, month), BudgetOf(conn, member_id, default_budget, /*lock=*/false)};
  });
}

}  // namespace creditshare::storage
