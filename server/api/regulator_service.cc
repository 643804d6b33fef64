#include "api/regulator_service.h"

#include <algorithm>
#include <set>

#include "api/proto_mapping.h"
#include "domain/currency.h"
#include "domain/jurisdiction.h"
#include "domain/report_summary.h"
#include "domain/types.h"

namespace creditshare::api {

namespace {
using domain::Error;
using domain::SummaryDimension;

// Reports share a few connections of their own (--report-connections). When all of them stay
// busy past the queue timeout, the caller learns that rather than that the database is down.
template <typename Run>
auto OnReportConnection(Run&& run) -> domain::Result<decltype(run())> {
  try {
    return run();
  } catch (const storage::PoolExhaustedError&) {
    return Error{domain::ErrorCode::kResourceExhausted, "", "too many reports are running at once; retry later"};
  }
}

constexpr MethodPolicy kGetAggregateReport{"GetAggregateReport", /*lenders=*/false, /*regulators=*/true};
constexpr MethodPolicy kGetMultiLendingReport{"GetMultiLendingReport", /*lenders=*/false, /*regulators=*/true};
constexpr int kMaxSeriesMonths = 60;

domain::Result<std::string> Currency(const std::string& c) {
  if (c.empty()) return std::string("CNY");
  if (auto e = domain::CheckCurrency(c, "currency")) return *e;
  return c;
}

// Human-readable breakdown values.
std::string Label(SummaryDimension d, int n) {
  static constexpr const char* kBuckets[] = {"current", "1-30", "31-60", "61-90", "91-180", ">180"};
  static constexpr const char* kClasses[] = {"unspecified", "normal", "special_mention", "substandard", "doubtful",
                                             "loss"};
  switch (d) {
    case SummaryDimension::kProductType: return std::string(domain::ToString(static_cast<domain::ProductType>(n)));
    case SummaryDimension::kMemberType: return std::string(domain::ToString(static_cast<domain::MemberType>(n)));
    case SummaryDimension::kDpdBucket: return n >= 0 && n <= 5 ? kBuckets[n] : std::to_string(n);
    case SummaryDimension::kClassification: return n >= 0 && n <= 5 ? kClasses[n] : std::to_string(n);
    case SummaryDimension::kAll:
    case SummaryDimension::kLenders: return std::to_string(n);
  }
  return std::to_string(n);
}

void ToProto(const domain::AggregateMeasures& m, v1::AggregateMeasures* out) {
  out->set_distinct_borrowers(m.distinct_borrowers);
  out->set_lines(m.lines);
  out->set_credit_limit_minor(m.credit_limit_minor);
  out->set_outstanding_balance_minor(m.outstanding_balance_minor);
  out->set_overdue_amount_minor(m.overdue_amount_minor);
  out->set_new_lines(m.new_lines);
  out->set_restructured_lines(m.restructured_lines);
  out->set_charged_off_amount_minor(m.charged_off_amount_minor);
}

double Epsilon(domain::MilliEpsilon e) { return static_cast<double>(e) / 1000.0; }

// The regulator's scope, read per call so that an operator's change applies to the next report.
domain::Result<domain::ReportScope> ScopeOf(storage::MemberRepository& members, const domain::Member& caller) {
  const auto member = members.FindByCode(caller.code);
  if (!member || member->report_scope.empty())
    return Error{domain::ErrorCode::kPermissionDenied, "", "this regulator has no report scope; an operator sets one"};
  auto scope = domain::ParseScope(member->report_scope, "scope");
  if (!scope.ok())
    return Error{domain::ErrorCode::kPermissionDenied, "", "this regulator's report scope is not valid; an operator "
                                                           "sets it again"};
  return scope.value();
}

struct Shape {
  int region_digits = 0;  // 0 national, 2 province, 4 prefecture
  SummaryDimension breakdown = SummaryDimension::kAll;
  bool region_first = true;  // order of dimension_values
  bool has_region = false;
};

domain::Result<Shape> ShapeOf(const google::protobuf::RepeatedField<int>& dimensions) {
  Shape shape;
  bool has_breakdown = false;
  for (int d : dimensions) {
    if (d < v1::REPORT_DIMENSION_PROVINCE || d > v1::REPORT_DIMENSION_CLASSIFICATION)
      return Error::InvalidArgument("dimensions", "unknown value " + std::to_string(d));
    if (d == v1::REPORT_DIMENSION_PROVINCE || d == v1::REPORT_DIMENSION_PREFECTURE) {
      if (shape.has_region)
        return Error::InvalidArgument("dimensions", "at most one region level (province or prefecture)");
      shape.has_region = true;
      shape.region_digits = d == v1::REPORT_DIMENSION_PROVINCE ? 2 : 4;
      shape.region_first = !has_breakdown;
    } else {
      if (has_breakdown)
        return Error::InvalidArgument("dimensions", "at most one dimension besides the region level");
      has_breakdown = true;
      shape.breakdown = static_cast<SummaryDimension>(d);
    }
  }
  return shape;
}
}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* RegulatorServiceImpl::GetAggregateReport(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request) {
  return guard_.ServerStreaming<v1::GetAggregateReportRequest>(
      context, raw_request, kGetAggregateReport,
      [this](CallContext& call, const v1::GetAggregateReportRequest* request, ServerStream& writer) -> domain::MaybeError {
    auto month = MonthFromProto(request->month(), "month");
    if (!month.ok()) return month.error();
    auto currency = Currency(request->currency());
    if (!currency.ok()) return currency.error();
    auto shape = ShapeOf(request->dimensions());
    if (!shape.ok()) return shape.error();
    auto scope = ScopeOf(members_, call.member);
    if (!scope.ok()) return scope.error();
    auto region = domain::ReportRegion(scope.value(), request->region(), "region");
    if (!region.ok()) return region.error();
    const auto& s = shape.value();
    const auto& policy = options_.privacy;

    auto snapshot = OnReportConnection([&] {
      return summaries_.Read(month.value(), currency.value(), {SummaryDimension::kAll, s.breakdown}, region.value(),
                             options_.summary_max_age);
    });
    if (!snapshot.ok()) return snapshot.error();
    const auto& snap = snapshot.value();

    // The question, and the data it is asked of: the same pair always gets the same noise.
    std::string question = "aggregate|" + std::to_string(call.member.id) + "|" + month.value().ToString() + "|" +
                           currency.value() + "|" + region.value() + "|" + std::to_string(s.region_digits) + "|" +
                           std::to_string(static_cast<int>(s.breakdown)) + "|" +
                           std::to_string(policy.epsilon_per_report) + "|" + security::ToHex(snap.build.digest);
    const std::string digest = keyer_.QuestionDigest(question);
    auto charge = budgets_.Spend(call.member.id, {{month.value(), digest}}, policy.epsilon_per_report,
                                 policy.monthly_budget, clock_.NowMicros());
    if (!charge.ok()) return charge.error();

    const domain::Currency* cur = domain::FindCurrency(currency.value());
    const auto noise = domain::PlanAggregateNoise(
        domain::CellsPerBorrower(s.breakdown, policy.max_lines_per_borrower), policy,
        domain::AmountBoundMinor(policy, cur->minor_unit_exponent));
    std::vector<domain::AggregateCell> cells;
    for (const auto& [key, measures] : domain::Rollup(snap.cells, s.region_digits, s.breakdown)) {
      security::NoiseStream bits(keyer_.NoiseKey(digest + "|cell|" + key.first + "|" + std::to_string(key.second)));
      domain::AggregateCell cell;
      const std::string breakdown = Label(s.breakdown, key.second);
      if (s.has_region && s.region_first) cell.dimension_values.push_back(key.first);
      if (s.breakdown != SummaryDimension::kAll) cell.dimension_values.push_back(breakdown);
      if (s.has_region && !s.region_first) cell.dimension_values.push_back(key.first);
      cell.measures = domain::AddNoise(measures, noise, bits);
      cells.push_back(std::move(cell));
    }
    const int withheld = domain::WithholdUnreliable(cells, options_.min_borrowers_per_cell);
    for (const auto& c : cells) {
      v1::GetAggregateReportResponse out;
      auto* cell = out.mutable_cell();
      for (const auto& v : c.dimension_values) cell->add_dimension_values(v);
      cell->set_suppressed(c.suppressed);
      if (!c.suppressed) ToProto(c.measures, cell->mutable_measures());
      if (!writer.WriteMessage(out)) return Error{domain::ErrorCode::kUnavailable, "", "the client went away"};
    }
    security::NoiseStream total_bits(keyer_.NoiseKey(digest + "|totals"));
    v1::GetAggregateReportResponse last;
    auto* summary = last.mutable_summary();
    summary->set_min_borrowers_per_cell(options_.min_borrowers_per_cell);
    summary->set_cells(static_cast<int>(cells.size()));
    summary->set_suppressed_cells(withheld);
    summary->set_totals_withheld(false);
    ToProto(domain::AddNoise(domain::Total(snap.cells), noise, total_bits), summary->mutable_totals());
    auto* privacy = summary->mutable_privacy();
    privacy->set_epsilon_charged(Epsilon(charge.value().charged));
    privacy->set_budget_remaining(Epsilon(charge.value().remaining));
    ToProto(domain::NoiseBounds(noise), privacy->mutable_error_bound_95());
    privacy->set_summary_built_at_unix_ms(snap.build.built_at_us / 1000);
    summary->set_scope(scope.value().ToString());
    writer.WriteMessage(last);
    return std::nullopt;
  });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* RegulatorServiceImpl::GetMultiLendingReport(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request) {
  return guard_.ServerStreaming<v1::GetMultiLendingReportRequest>(
      context, raw_request, kGetMultiLendingReport,
      [this](CallContext& call, const v1::GetMultiLendingReportRequest* request, ServerStream& writer) -> domain::MaybeError {
    auto from = MonthFromProto(request->from_month(), "from_month");
    if (!from.ok()) return from.error();
    auto to = MonthFromProto(request->to_month(), "to_month");
    if (!to.ok()) return to.error();
    if (to.value() < from.value()) return Error::InvalidArgument("to_month", "must not be before from_month");
    if (to.value().MonthsSince(from.value()) >= kMaxSeriesMonths)
      return Error::InvalidArgument("to_month", "the series may span at most 60 months");
    auto currency = Currency(request->currency());
    if (!currency.ok()) return currency.error();
    if (request->region_level() < 0 || request->region_level() > v1::REGION_LEVEL_PREFECTURE)
      return Error::InvalidArgument("region_level", "unknown value " + std::to_string(request->region_level()));
    const int digits = request->region_level() == v1::REGION_LEVEL_PREFECTURE ? 4 : 2;
    auto scope = ScopeOf(members_, call.member);
    if (!scope.ok()) return scope.error();
    auto region = domain::ReportRegion(scope.value(), request->region(), "region");
    if (!region.ok()) return region.error();
    const auto& policy = options_.privacy;

    std::vector<domain::Date> months;
    for (domain::Date m = from.value().FirstOfMonth(); !(to.value().FirstOfMonth() < m); m = m.AddMonthsToFirst(1))
      months.push_back(m);
    std::vector<storage::SummarySnapshot> snaps;
    std::vector<storage::MonthQuestion> questions;
    std::int64_t built_at = 0;
    for (const auto& m : months) {
      auto snap = OnReportConnection([&] {
        return summaries_.Read(m, currency.value(), {SummaryDimension::kLenders}, region.value(),
                               options_.summary_max_age);
      });
      if (!snap.ok()) return snap.error();
      const std::string question = "multi-lending|" + std::to_string(call.member.id) + "|" + m.ToString() + "|" +
                                   currency.value() + "|" + region.value() + "|" + std::to_string(digits) + "|" +
                                   std::to_string(policy.epsilon_per_report) + "|" +
                                   security::ToHex(snap.value().build.digest);
      questions.push_back({m, keyer_.QuestionDigest(question)});
      built_at = built_at == 0 ? snap.value().build.built_at_us : std::min(built_at, snap.value().build.built_at_us);
      snaps.push_back(std::move(snap).value());
    }
    auto charge = budgets_.Spend(call.member.id, questions, policy.epsilon_per_report, policy.monthly_budget,
                                 clock_.NowMicros());
    if (!charge.ok()) return charge.error();

    const domain::Currency* cur = domain::FindCurrency(currency.value());
    const std::int64_t amount_bound = domain::AmountBoundMinor(policy, cur->minor_unit_exponent);
    // Eight figures per row: borrowers and balance of all, and of each lender group.
    const auto count_noise = domain::ScaleFor(1, 8, policy.epsilon_per_report);
    const auto amount_noise = domain::ScaleFor(amount_bound, 8, policy.epsilon_per_report);
    const std::int64_t k = options_.min_borrowers_per_cell;
    for (std::size_t i = 0; i < months.size(); ++i) {
      std::map<std::string, std::map<int, domain::AggregateMeasures>> rows;
      for (const auto& [key, m] : domain::Rollup(snaps[i].cells, digits, SummaryDimension::kLenders))
        rows[key.first][key.second] = m;
      for (const auto& [region_code, groups] : rows) {
        security::NoiseStream bits(keyer_.NoiseKey(questions[i].request_digest + "|row|" + region_code));
        auto noisy = [&](std::int64_t v, const domain::NoiseScale& n) { return domain::AddNoise(v, n, bits); };
        const std::int64_t borrowers = noisy(groups.at(1).distinct_borrowers, count_noise);
        const std::int64_t balance = noisy(groups.at(1).outstanding_balance_minor, amount_noise);
        v1::GetMultiLendingReportResponse out;
        auto* row = out.mutable_row();
        row->mutable_month()->set_year(months[i].year);
        row->mutable_month()->set_month(months[i].month);
        row->set_region(region_code);
        row->set_suppressed(borrowers < k);
        for (int g : domain::kLenderGroups) {
          const std::int64_t group_borrowers = noisy(groups.at(g).distinct_borrowers, count_noise);
          const std::int64_t group_balance = noisy(groups.at(g).outstanding_balance_minor, amount_noise);
          if (row->suppressed()) continue;
          auto* group = row->add_groups();
          group->set_min_lenders(g);
          group->set_suppressed(group_borrowers < k);
          if (!group->suppressed()) {
            group->set_borrowers(group_borrowers);
            group->set_balance_share(
                balance > 0 ? std::min(1.0, static_cast<double>(group_balance) / static_cast<double>(balance)) : 0.0);
          }
        }
        if (!row->suppressed()) {
          row->set_borrowers(borrowers);
          row->set_outstanding_balance_minor(balance);
        }
        if (!writer.WriteMessage(out)) return Error{domain::ErrorCode::kUnavailable, "", "the client went away"};
      }
    }
    v1::GetMultiLendingReportResponse last;
    auto* privacy = last.mutable_summary()->mutable_privacy();
    privacy->set_epsilon_charged(Epsilon(charge.value().charged));
    privacy->set_budget_remaining(Epsilon(charge.value().remaining));
    privacy->mutable_error_bound_95()->set_distinct_borrowers(count_noise.bound95);
    privacy->mutable_error_bound_95()->set_outstanding_balance_minor(amount_noise.bound95);
    privacy->set_summary_built_at_unix_ms(built_at / 1000);
    last.mutable_summary()->set_scope(scope.value().ToString());
    writer.WriteMessage(last);
    return std::nullopt;
  });
}

}  // namespace creditshare::api
