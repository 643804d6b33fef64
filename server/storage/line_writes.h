#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ledger.h"
#include "storage/connection_pool.h"

// Executes the ledger's plans. Nothing here decides what a report does: every write path (the
// unary report, each record of a bulk chunk) gets a domain::ReportPlan from domain::PlanReport
// and hands it to ExecutePlans, which turns plans into a few multi-row statements.
namespace creditshare::storage {

// A stored line of the calling member, locked for the caller's transaction.
struct LockedLine {
  std::uint64_t id = 0;
  domain::LedgerLine ledger;
  domain::ProductType product_type = domain::ProductType::kUnspecified;
};

// The member's lines among `account_references`, locked (FOR UPDATE), by account reference.
std::map<std::string, LockedLine, std::less<>> LockLines(Connection& conn, std::uint64_t member_id,
                                                        const std::vector<std::string_view>& account_references);

// The ledger's plan for `report` against the member's locked line of its account reference (none:
// a new line), with the line's id for ExecutePlans; both write paths plan through this.
struct LinePlan {
  domain::Result<domain::ReportPlan> plan;
  std::uint64_t line_id = 0;
};
LinePlan PlanAgainst(const std::map<std::string, LockedLine, std::less<>>& locked, std::uint64_t borrower_id,
                     const domain::LineReport& report, const domain::QualityGate& gate);

// One report with the plan the ledger made for it.
struct PlannedReport {
  const domain::LineReport* report = nullptr;
  const domain::ReportPlan* plan = nullptr;
  std::uint64_t borrower_id = 0;
  std::uint64_t line_id = 0;  // 0 for a line the plan creates; set by ExecutePlans
};

// Writes every plan inside the caller's transaction: new lines (one INSERT), replaced current
// states (one upsert by id), history-only changes, the months' records (one upsert), and the end
// of the reservations that new lines were reported under. Each plan must name a different line.
// A new line whose account reference another transaction created meanwhile raises the
// duplicate-key SQLException of its INSERT.
void ExecutePlans(Connection& conn, std::uint64_t member_id, std::vector<PlannedReport>& plans, std::int64_t now_us);

}  // namespace creditshare::storage
