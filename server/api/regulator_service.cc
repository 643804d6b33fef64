#include "api/regulator_service.h"

#include <algorithm>
#include <set>

#include "api/proto_mapping.h"
#include "domain/credit_line.h"
#include "domain/currency.h"
#include "domain/types.h"

namespace creditshare::api {

namespace {
using domain::Error;

// The call's deadline for the report's statement; none when the client set none (gRPC reports
// a far future then).
storage::Deadline CallDeadline(const grpc::ServerContextBase& context) {
  const auto deadline = context.deadline();
  return deadline > std::chrono::system_clock::now() + std::chrono::hours(24 * 365) ? storage::kNoDeadline : deadline;
}

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

// Human-readable dimension values (storage returns region codes and enum numbers).
std::string Label(storage::ReportDimension d, const std::string& raw) {
  static constexpr const char* kBuckets[] = {"current", "1-30", "31-60", "61-90", "91-180", ">180"};
  static constexpr const char* kClasses[] = {"unspecified", "normal", "special_mention", "substandard", "doubtful",
                                             "loss"};
  const int n = std::atoi(raw.c_str());
  switch (d) {
    case storage::ReportDimension::kProvince:
    case storage::ReportDimension::kPrefecture: return raw;
    case storage::ReportDimension::kProductType:
      return std::string(domain::ToString(static_cast<domain::ProductType>(n)));
    case storage::ReportDimension::kMemberType: return std::string(domain::ToString(static_cast<domain::MemberType>(n)));
    case storage::ReportDimension::kDpdBucket: return n >= 0 && n <= 5 ? kBuckets[n] : raw;
    case storage::ReportDimension::kClassification: return n >= 0 && n <= 5 ? kClasses[n] : raw;
  }
  return raw;
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
}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* RegulatorServiceImpl::GetAggregateReport(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request) {
  return guard_.ServerStreaming<v1::GetAggregateReportRequest>(
      context, raw_request, kGetAggregateReport,
      [this, context](CallContext&, const v1::GetAggregateReportRequest* request, ServerStream& writer) -> domain::MaybeError {
    auto month = MonthFromProto(request->month(), "month");
    if (!month.ok()) return month.error();
    auto currency = Currency(request->currency());
    if (!currency.ok()) return currency.error();
    std::vector<storage::ReportDimension> dimensions;
    std::set<int> seen;
    for (int d : request->dimensions()) {
      if (d < v1::REPORT_DIMENSION_PROVINCE || d > v1::REPORT_DIMENSION_CLASSIFICATION)
        return Error::InvalidArgument("dimensions", "unknown value " + std::to_string(d));
      if (!seen.insert(d).second) return Error::InvalidArgument("dimensions", "each dimension may appear once");
      dimensions.push_back(static_cast<storage::ReportDimension>(d));
    }

    domain::AggregateMeasures totals;
    auto report = OnReportConnection(
        [&] { return reports_.Aggregate(month.value(), currency.value(), dimensions, &totals, CallDeadline(*context)); });
    if (!report.ok()) return report.error();
    auto& cells = report.value();
    const bool withhold = domain::ApplyDisclosureControl(cells, min_borrowers_);
    int suppressed = 0;
    for (const auto& c : cells) {
      v1::GetAggregateReportResponse out;
      auto* cell = out.mutable_cell();
      for (size_t i = 0; i < c.dimension_values.size(); ++i)
        cell->add_dimension_values(Label(dimensions[i], c.dimension_values[i]));
      cell->set_suppressed(c.suppressed);
      if (c.suppressed) {
        ++suppressed;
      } else {
        ToProto(c.measures, cell->mutable_measures());
      }
      if (!writer.WriteMessage(out)) return Error{domain::ErrorCode::kUnavailable, "", "the client went away"};
    }
    v1::GetAggregateReportResponse last;
    auto* summary = last.mutable_summary();
    summary->set_min_borrowers_per_cell(min_borrowers_);
    summary->set_cells(static_cast<int>(cells.size()));
    summary->set_suppressed_cells(suppressed);
    summary->set_totals_withheld(withhold);
    if (!withhold) ToProto(totals, summary->mutable_totals());
    writer.WriteMessage(last);
    return std::nullopt;
  });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* RegulatorServiceImpl::GetMultiLendingReport(grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* raw_request) {
  return guard_.ServerStreaming<v1::GetMultiLendingReportRequest>(
      context, raw_request, kGetMultiLendingReport,
      [this, context](CallContext&, const v1::GetMultiLendingReportRequest* request, ServerStream& writer) -> domain::MaybeError {
    auto from = MonthFromProto(request->from_month(), "from_month");
    if (!from.ok()) return from.error();
    auto to = MonthFromProto(request->to_month(), "to_month");
    if (!to.ok()) return to.error();
    if (to.value() < from.value()) return Error::InvalidArgument("to_month", "must not be before from_month");
    if (to.value().MonthsSince(from.value()) >= kMaxSeriesMonths)
      return Error::InvalidArgument("to_month", "the series may span at most 60 months");
    auto currency = Currency(request->currency());
    if (!currency.ok()) return currency.error();
    const int digits = request->region_level() == v1::REGION_LEVEL_PREFECTURE ? 4 : 2;
    if (request->region_level() < 0 || request->region_level() > v1::REGION_LEVEL_PREFECTURE)
      return Error::InvalidArgument("region_level", "unknown value " + std::to_string(request->region_level()));

    static constexpr int kGroups[] = {2, 3, 5};
    auto report = OnReportConnection(
        [&] { return reports_.MultiLending(from.value(), to.value(), digits, currency.value(), CallDeadline(*context)); });
    if (!report.ok()) return report.error();
    for (const auto& c : report.value()) {
      v1::GetMultiLendingReportResponse out;
      auto* row = out.mutable_row();
      row->mutable_month()->set_year(c.month.year);
      row->mutable_month()->set_month(c.month.month);
      row->set_region(c.region);
      row->set_suppressed(c.borrowers < min_borrowers_);
      if (!row->suppressed()) {
        row->set_borrowers(c.borrowers);
        row->set_outstanding_balance_minor(c.balance_minor);
        for (int g = 0; g < 3; ++g) {
          auto* group = row->add_groups();
          group->set_min_lenders(kGroups[g]);
          // A small group would expose the balances of a few identifiable borrowers.
          const bool small = c.borrowers_at_least[g] > 0 && c.borrowers_at_least[g] < min_borrowers_;
          group->set_suppressed(small);
          if (!small) {
            group->set_borrowers(c.borrowers_at_least[g]);
            group->set_balance_share(c.balance_minor > 0 ? static_cast<double>(c.balance_at_least[g]) /
                                                               static_cast<double>(c.balance_minor)
                                                         : 0.0);
          }
        }
      }
      if (!writer.WriteMessage(out)) return Error{domain::ErrorCode::kUnavailable, "", "the client went away"};
    }
    return std::nullopt;
  });
}

}  // namespace creditshare::api
