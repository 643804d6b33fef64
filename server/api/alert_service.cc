#include "api/alert_service.h"

#include <algorithm>

#include "api/proto_mapping.h"

namespace creditshare::api {

namespace {
using domain::Error;
using domain::ErrorCode;

constexpr MethodPolicy kWatchAlerts{"WatchAlerts", /*lenders=*/true, /*regulators=*/false};
constexpr MethodPolicy kListAlerts{"ListAlerts", /*lenders=*/true, /*regulators=*/false};
constexpr MethodPolicy kGetAlertSettings{"GetAlertSettings", /*lenders=*/true, /*regulators=*/false};
constexpr MethodPolicy kUpdateAlertSettings{"UpdateAlertSettings", /*lenders=*/true, /*regulators=*/false};
// Cursors are page tokens of the feed: "a" and the alert's sequence number.
constexpr char kCursorTag = 'a';
// A watcher re-reads at least this often even without a wake-up from the feed.
constexpr std::chrono::seconds kRecheck{5};

domain::Result<domain::AlertKindSet> KindsFromProto(const google::protobuf::RepeatedField<int>& kinds,
                                                    const std::string& field) {
  domain::AlertKindSet out = 0;
  for (const int k : kinds) {
    if (k <= 0 || k > domain::kMaxAlertKind)
      return Error::InvalidArgument(field, "must hold alert kinds 1-" + std::to_string(domain::kMaxAlertKind));
    out |= domain::KindBit(static_cast<domain::AlertKind>(k));
  }
  return out;
}

void KindsToProto(domain::AlertKindSet kinds, v1::AlertSettings* out) {
  for (int k = 1; k <= domain::kMaxAlertKind; ++k)
    if (kinds & domain::KindBit(static_cast<domain::AlertKind>(k))) out->add_kinds(static_cast<v1::AlertKind>(k));
}

void ToProto(const domain::Alert& a, v1::Alert* out) {
  out->set_alert_id(a.alert_id);
  out->set_cursor(PageToken(kCursorTag, a.sequence));
  out->set_kind(static_cast<v1::AlertKind>(a.kind));
  out->set_severity(static_cast<v1::AlertSeverity>(a.severity));
  out->set_occurred_at_unix_micros(a.occurred_at_us);
  out->set_lender_type(static_cast<v1::MemberType>(a.lender_type));
  out->set_lender_ordinal(a.lender_ordinal);
  for (const auto& r : a.account_references) out->add_account_references(r);
  for (const auto& r : a.reservation_ids) out->add_reservation_ids(r);
  const auto& f = a.figures;
  out->set_product_type(static_cast<v1::ProductType>(f.product_type));
  out->set_currency(f.currency);
  out->set_amount_minor(f.amount_minor);
  out->set_outstanding_balance_minor(f.balance_minor);
  out->set_overdue_amount_minor(f.overdue_minor);
  out->set_days_past_due(f.days_past_due);
  out->set_previous_days_past_due(f.previous_days_past_due);
  out->set_purpose(static_cast<v1::Purpose>(f.purpose));
  out->set_collections_stage(static_cast<v1::CollectionsStage>(f.collections_stage));
  if (f.event_date) api::ToProto(*f.event_date, out->mutable_event_date());
  out->set_deadline_unix_seconds(f.expires_at_us / 1'000'000);
}

// The member's settings narrowed by the request's kinds (none: all of the settings).
domain::Result<domain::AlertKindSet> Wanted(storage::AlertRepository& alerts, std::uint64_t member,
                                            const google::protobuf::RepeatedField<int>& kinds,
                                            const std::string& field) {
  auto requested = KindsFromProto(kinds, field);
  if (!requested.ok()) return requested.error();
  const auto settings = alerts.KindsOf(member);
  return requested.value() == 0 ? settings : settings & requested.value();
}

// Open WatchAlerts streams, for the gauge.
class StreamCount {
 public:
  StreamCount(std::atomic<int>& n, metrics::Metrics& m) : n_(n), m_(m) { m_.SetAlertStreams(++n_); }
  ~StreamCount() { m_.SetAlertStreams(--n_); }
  StreamCount(const StreamCount&) = delete;
  StreamCount& operator=(const StreamCount&) = delete;

 private:
  std::atomic<int>& n_;
  metrics::Metrics& m_;
};
}  // namespace

void AlertServiceImpl::Delivered(const std::vector<domain::Alert>& alerts) {
  std::map<domain::AlertKind, int> by_kind;
  const auto now_us = clock_.NowMicros();
  for (const auto& a : alerts) {
    ++by_kind[a.kind];
    metrics_.AlertDelay(static_cast<double>(std::max<std::int64_t>(0, now_us - a.occurred_at_us)) / 1e6);
  }
  for (const auto& [kind, n] : by_kind) metrics_.AlertsDelivered(domain::ToString(kind), n);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* AlertServiceImpl::WatchAlerts(grpc::CallbackServerContext* context,
                                                                         const grpc::ByteBuffer* raw_request) {
  return guard_.ServerStreaming<v1::WatchAlertsRequest>(
      context, raw_request, kWatchAlerts,
      [this](CallContext& call, const v1::WatchAlertsRequest* request, ServerStream& stream) -> domain::MaybeError {
    auto start = ParsePage(0, request->cursor(), kCursorTag);
    if (!start.ok()) return Error::InvalidArgument("cursor", "is not a cursor of an alert");
    auto kinds = Wanted(alerts_, call.member.id, request->kinds(), "kinds");
    if (!kinds.ok()) return kinds.error();
    const StreamCount open(streams_, metrics_);
    const std::uint64_t member = call.member.id;
    std::uint64_t cursor = start.value().cursor;
    if (request->cursor().empty() && request->from_now()) cursor = alerts_.NewestForMember(member, kinds.value());
    auto resume = [&] { return "; resume from cursor " + PageToken(kCursorTag, cursor); };
    using Clock = std::chrono::steady_clock;
    auto next_heartbeat = Clock::now() + options_.heartbeat;
    Clock::time_point behind_since = Clock::time_point::max();  // reading full batches since (max: not behind)
    bool caught_up = false;                         // read to the end of the feed at least once
    for (;;) {
      if (draining_ != nullptr && draining_->load())
        return Error{ErrorCode::kUnavailable, "", "the server is shutting down" + resume()};
      if (stream.cancelled()) return Error{ErrorCode::kUnavailable, "", "the client went away"};
      const auto generation = feed_.Generation(member);
      const auto batch = alerts_.ListForMember(member, cursor, kinds.value(), options_.batch);
      const bool full = static_cast<int>(batch.size()) == options_.batch;
      if (full && caught_up) {
        if (behind_since == Clock::time_point::max()) behind_since = Clock::now();
        if (Clock::now() - behind_since > options_.max_lag)
          return Error{ErrorCode::kAborted, "",
                       "the consumer stayed behind the alert feed for over " +
                           std::to_string(options_.max_lag.count()) + " ms (--alert-max-lag-ms)" + resume()};
      } else {
        behind_since = Clock::time_point::max();
      }
      if (!batch.empty()) {
        v1::WatchAlertsResponse out;
        for (const auto& a : batch) ToProto(a, out.add_alerts());
        out.set_cursor(PageToken(kCursorTag, batch.back().sequence));
        if (!stream.WriteMessage(out)) return Error{ErrorCode::kUnavailable, "", "the client went away"};
        cursor = batch.back().sequence;
        Delivered(batch);
        next_heartbeat = Clock::now() + options_.heartbeat;
        if (full) continue;
      }
      caught_up = true;
      if (Clock::now() >= next_heartbeat) {
        v1::WatchAlertsResponse beat;
        beat.set_cursor(PageToken(kCursorTag, cursor));
        if (!stream.WriteMessage(beat)) return Error{ErrorCode::kUnavailable, "", "the client went away"};
        next_heartbeat = Clock::now() + options_.heartbeat;
      }
      feed_.Wait(member, generation, std::min(next_heartbeat, Clock::now() + kRecheck), draining_);
    }
  });
}

grpc::ServerUnaryReactor* AlertServiceImpl::ListAlerts(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* raw_request,
                                                       grpc::ByteBuffer* raw_response) {
  return guard_.Unary<v1::ListAlertsRequest, v1::ListAlertsResponse>(
      context, raw_request, raw_response, kListAlerts,
      [this](CallContext& call, const v1::ListAlertsRequest* request, v1::ListAlertsResponse* response) -> domain::MaybeError {
    auto page = ParsePage(request->page_size(), request->cursor(), kCursorTag);
    if (!page.ok()) {
      if (page.error().field == "page_size") return page.error();
      return Error::InvalidArgument("cursor", "is not a cursor of an alert");
    }
    auto kinds = Wanted(alerts_, call.member.id, request->kinds(), "kinds");
    if (!kinds.ok()) return kinds.error();
    auto alerts = alerts_.ListForMember(call.member.id, page.value().cursor, kinds.value(), page.value().size + 1);
    const bool more = static_cast<int>(alerts.size()) > page.value().size;
    if (more) alerts.pop_back();
    for (const auto& a : alerts) ToProto(a, response->add_alerts());
    response->set_next_cursor(PageToken(kCursorTag, alerts.empty() ? page.value().cursor : alerts.back().sequence));
    response->set_more(more);
    Delivered(alerts);
    return std::nullopt;
  });
}

grpc::ServerUnaryReactor* AlertServiceImpl::GetAlertSettings(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* raw_request,
                                                             grpc::ByteBuffer* raw_response) {
  return guard_.Unary<v1::GetAlertSettingsRequest, v1::AlertSettings>(
      context, raw_request, raw_response, kGetAlertSettings,
      [this](CallContext& call, const v1::GetAlertSettingsRequest*, v1::AlertSettings* response) -> domain::MaybeError {
    KindsToProto(alerts_.KindsOf(call.member.id), response);
    return std::nullopt;
  });
}

grpc::ServerUnaryReactor* AlertServiceImpl::UpdateAlertSettings(grpc::CallbackServerContext* context,
                                                                const grpc::ByteBuffer* raw_request,
                                                                grpc::ByteBuffer* raw_response) {
  return guard_.Unary<v1::UpdateAlertSettingsRequest, v1::AlertSettings>(
      context, raw_request, raw_response, kUpdateAlertSettings,
      [this](CallContext& call, const v1::UpdateAlertSettingsRequest* request, v1::AlertSettings* response) -> domain::MaybeError {
    auto kinds = KindsFromProto(request->kinds(), "kinds");
    if (!kinds.ok()) return kinds.error();
    if (kinds.value() == 0) return Error::InvalidArgument("kinds", "name at least one alert kind");
    alerts_.SetKinds(call.member.id, kinds.value(), [&call] { return call.AuditForTransaction(); });
    KindsToProto(kinds.value(), response);
    return std::nullopt;
  });
}

}  // namespace creditshare::api
