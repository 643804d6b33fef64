#include "metrics/metrics.h"

#include <string>

namespace creditshare::metrics {

namespace {
using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                 0.05,   0.1,   0.25,   0.5,   1,    2.5};
}  // namespace

Metrics::Metrics(int pool_size)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter()
                    .Name("creditshare_rpc_requests_total")
                    .Help("RPCs handled, by method and gRPC status code")
                    .Register(*registry_), {"method", "code"}),
      duration_(BuildHistogram()
                    .Name("creditshare_rpc_duration_seconds")
                    .Help("RPC time from arrival (queue wait included) to the status, by method")
                    .Register(*registry_), {"method"}),
      in_flight_(BuildGauge()
                     .Name("creditshare_rpc_in_flight")
                     .Help("RPCs being handled now, by method")
                     .Register(*registry_), {"method"}),
      throttled_(BuildCounter()
                     .Name("creditshare_rpc_throttled_total")
                     .Help("RPCs refused because a queue or a bound on streams was full, by method and bound")
                     .Register(*registry_), {"method", "bound"}),
      dropped_(BuildCounter()
                   .Name("creditshare_rpc_dropped_total")
                   .Help("RPCs ended without running (deadline passed or cancelled while queued, server "
                         "stopping) and streams closed idle, by reason")
                   .Register(*registry_), {"reason"}),
      member_in_flight_(BuildGauge()
                            .Name("creditshare_member_calls_in_flight")
                            .Help("Calls and streams of each member queued or running now")
                            .Register(*registry_), {"member"}),
      queue_depth_(BuildGauge()
                       .Name("creditshare_queue_depth")
                       .Help("Unary calls waiting for a worker")
                       .Register(*registry_)
                       .Add({})),
      queue_wait_(BuildHistogram()
                      .Name("creditshare_queue_wait_seconds")
                      .Help("Time unary calls waited for a worker")
                      .Register(*registry_)
                      .Add({}, kLatencyBuckets)),
      streams_open_(BuildGauge()
                        .Name("creditshare_streams_open")
                        .Help("Streams open now (each runs on a thread of its own)")
                        .Register(*registry_)
                        .Add({})),
      lines_reported_(BuildCounter()
                          .Name("creditshare_lines_reported_total")
                          .Help("Credit line reports accepted, by outcome")
                          .Register(*registry_), {"outcome"}),
      reports_rejected_(BuildCounter()
                            .Name("creditshare_reports_rejected_total")
                            .Help("Credit line reports refused, by gRPC status code")
                            .Register(*registry_), {"reason"}),
      inquiries_(BuildCounter()
                     .Name("creditshare_inquiries_total")
                     .Help("Borrower exposure inquiries answered, by stated purpose")
                     .Register(*registry_), {"purpose"}),
      signals_(BuildCounter()
                   .Name("creditshare_decision_signals_total")
                   .Help("Decision signals raised by CheckNewCredit (duplicate, cap, lender count, ...), by signal")
                   .Register(*registry_), {"signal"}),
      reservations_(BuildCounter()
                        .Name("creditshare_reservations_total")
                        .Help("Reservation requests, by result (created, refused_cap, released)")
                        .Register(*registry_), {"result"}),
      audit_written_(BuildCounter()
                         .Name("creditshare_audit_records_written_total")
                         .Help("Audit records written by this process")
                         .Register(*registry_)
                         .Add({})),
      audit_sealed_(BuildCounter()
                        .Name("creditshare_audit_records_sealed_total")
                        .Help("Audit records chained by this process's sealer")
                        .Register(*registry_)
                        .Add({})),
      db_up_(BuildGauge()
                 .Name("creditshare_database_up")
                 .Help("1 when the last database health check succeeded")
                 .Register(*registry_)
                 .Add({})),
      reservations_active_(BuildGauge()
                               .Name("creditshare_reservations_active")
                               .Help("Active reservations in the database (all servers), as of the last health check")
                               .Register(*registry_)
                               .Add({})),
      pool_size_(BuildGauge()
                     .Name("creditshare_db_pool_connections_max")
                     .Help("Configured size of the database connection pool")
                     .Register(*registry_)
                     .Add({})),
      pool_open_(BuildGauge()
                     .Name("creditshare_db_pool_connections_open")
                     .Help("Database connections open now")
                     .Register(*registry_)
                     .Add({})),
      pool_in_use_(BuildGauge()
                       .Name("creditshare_db_pool_connections_in_use")
                       .Help("Database connections leased to a request now")
                       .Register(*registry_)
                       .Add({})),
      pool_wait_(BuildHistogram()
                     .Name("creditshare_db_pool_wait_seconds")
                     .Help("Time spent waiting for a pooled database connection")
                     .Register(*registry_)
                     .Add({}, kLatencyBuckets)),
      group_commit_records_(BuildHistogram()
                                .Name("creditshare_group_commit_records")
                                .Help("Calls whose audit (and inquiry) records shared one group commit")
                                .Register(*registry_)
                                .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64})),
      quality_warnings_(BuildCounter()
                            .Name("creditshare_quality_warnings_total")
                            .Help("Accepted line records that broke a data-quality rule set to warn, by rule")
                            .Register(*registry_), {"rule"}),
      alerts_written_(BuildCounter()
                          .Name("creditshare_alerts_written_total")
                          .Help("Alerts committed to the feed (sequenced), by kind")
                          .Register(*registry_), {"kind"}),
      alerts_delivered_(BuildCounter()
                            .Name("creditshare_alerts_delivered_total")
                            .Help("Alerts sent to members by WatchAlerts and ListAlerts, by kind")
                            .Register(*registry_), {"kind"}),
      alert_delay_(BuildHistogram()
                       .Name("creditshare_alert_delivery_delay_seconds")
                       .Help("From an alert's commit to its delivery: how far consumers lag behind the feed")
                       .Register(*registry_)
                       .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60,
                                                                        600, 3600, 86400})),
      alert_streams_(BuildGauge()
                         .Name("creditshare_alert_streams_open")
                         .Help("WatchAlerts streams open now")
                         .Register(*registry_)
                         .Add({})),
      key_set_version_(BuildGauge()
                           .Name("creditshare_key_set_current_version")
                           .Help("The borrower key set version this server writes under")
                           .Register(*registry_)
                           .Add({})),
      key_set_versions_(BuildGauge()
                            .Name("creditshare_key_set_versions")
                            .Help("Versions in this server's borrower key set (2 while a rotation runs)")
                            .Register(*registry_)
                            .Add({})),
      summary_builds_(BuildCounter()
                          .Name("creditshare_report_table_builds_total")
                          .Help("Builds of regulator report summaries, by outcome (ok, failed)")
                          .Register(*registry_), {"outcome"}),
      summary_build_seconds_(BuildHistogram()
                                 .Name("creditshare_report_table_build_seconds")
                                 .Help("How long a regulator report summary build took, ok or not")
                                 .Register(*registry_)
                                 .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 2.5, 5, 10, 30, 60,
                                                                                  300})),
      state_reads_(BuildCounter()
                       .Name("creditshare_borrower_state_reads_total")
                       .Help("Borrower reads, by whether the borrower's stored state was built or missing "
                             "(then the tables were read)")
                       .Register(*registry_), {"state"}),
      state_builds_(BuildCounter()
                        .Name("creditshare_borrower_state_builds_total")
                        .Help("Borrower states written by this process's builder (outcome built), and its "
                              "transactions that failed (outcome failed)")
                        .Register(*registry_), {"outcome"}) {
  pool_size_.Set(pool_size);
  BuildGauge()
      .Name("creditshare_build_info")
      .Help("Build information; the value is always 1")
      .Register(*registry_)
      .Add({{"version", CREDITSHARE_VERSION}})
      .Set(1);
}

void Metrics::StartExposer(const std::string& listen) {
  exposer_ = std::make_unique<prometheus::Exposer>(listen);
  exposer_->RegisterCollectable(registry_);
}

int Metrics::exposer_port() const {
  const auto ports = exposer_ ? exposer_->GetListeningPorts() : std::vector<int>{};
  return ports.empty() ? 0 : ports.front();
}

void Metrics::CallStarted(std::string_view method) { in_flight_.Get({method}).Increment(); }

void Metrics::CallFinished(std::string_view method, std::string_view code, double seconds) {
  in_flight_.Get({method}).Decrement();
  requests_.Get({method, code}).Increment();
  duration_.Get({method}, kLatencyBuckets).Observe(seconds);
}

void Metrics::CallThrottled(std::string_view method, std::string_view bound) {
  throttled_.Get({method, bound}).Increment();
}

void Metrics::CallDropped(std::string_view reason) { dropped_.Get({reason}).Increment(); }
void Metrics::MemberCallStarted(std::string_view member) {
  member_in_flight_.Get({member}).Increment();
}
void Metrics::MemberCallFinished(std::string_view member) {
  member_in_flight_.Get({member}).Decrement();
}
void Metrics::SetQueueDepth(int depth) { queue_depth_.Set(depth); }
void Metrics::QueueWaited(std::chrono::steady_clock::duration waited) {
  queue_wait_.Observe(std::chrono::duration<double>(waited).count());
}
void Metrics::SetStreamsOpen(int streams) { streams_open_.Set(streams); }

void Metrics::LineReported(std::string_view outcome, int n) {
  lines_reported_.Get({outcome}).Increment(n);
}
void Metrics::ReportRejected(std::string_view reason, int n) {
  reports_rejected_.Get({reason}).Increment(n);
}
void Metrics::Inquiry(std::string_view purpose) { inquiries_.Get({purpose}).Increment(); }
void Metrics::SignalRaised(std::string_view signal) { signals_.Get({signal}).Increment(); }
void Metrics::ReservationEvent(std::string_view result) {
  reservations_.Get({result}).Increment();
}
void Metrics::AuditRecordsWritten(int n) { audit_written_.Increment(n); }
void Metrics::QualityWarned(std::string_view rule, int n) {
  quality_warnings_.Get({rule}).Increment(n);
}
void Metrics::AlertsWritten(std::string_view kind, int n) {
  alerts_written_.Get({kind}).Increment(n);
}
void Metrics::AlertsDelivered(std::string_view kind, int n) {
  alerts_delivered_.Get({kind}).Increment(n);
}
void Metrics::AlertDelay(double seconds) { alert_delay_.Observe(seconds); }
void Metrics::SetAlertStreams(int streams) { alert_streams_.Set(streams); }

void Metrics::SetKeySet(int current_version, int versions) {
  key_set_version_.Set(current_version);
  key_set_versions_.Set(versions);
}
void Metrics::SummaryBuilt(bool ok, double seconds) {
  summary_builds_.Get({ok ? "ok" : "failed"}).Increment();
  summary_build_seconds_.Observe(seconds);
}
void Metrics::BorrowerStateReads(std::string_view state, std::uint64_t n) {
  state_reads_.Get({state}).Increment(static_cast<double>(n));
}
void Metrics::BorrowerStatesBuilt(std::uint64_t built, std::uint64_t failed) {
  state_builds_.Get({"built"}).Increment(static_cast<double>(built));
  state_builds_.Get({"failed"}).Increment(static_cast<double>(failed));
}
void Metrics::AuditRecordsSealed(int n) { audit_sealed_.Increment(n); }
void Metrics::GroupCommitted(int records) { group_commit_records_.Observe(records); }
void Metrics::SetDatabaseUp(bool up) { db_up_.Set(up ? 1 : 0); }
void Metrics::SetActiveReservations(std::int64_t n) { reservations_active_.Set(static_cast<double>(n)); }

void Metrics::OnAcquired(std::chrono::steady_clock::duration waited) {
  pool_wait_.Observe(std::chrono::duration<double>(waited).count());
}

void Metrics::OnState(int open, int in_use) {
  pool_open_.Set(open);
  pool_in_use_.Set(in_use);
}

}  // namespace creditshare::metrics
