#pragma once

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <initializer_list>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/connection_pool.h"

namespace creditshare::metrics {

// A family's children by their label values, found without building the label map, hashing it
// and locking the family on every call (Family::Add does all three). Children are never removed,
// so the references stay valid for the registry's life.
template <typename T>
class LabeledChildren {
 public:
  LabeledChildren(prometheus::Family<T>& family, std::initializer_list<const char*> names)
      : family_(family), names_(names) {}

  // `values` in the order of the names given at construction; `args` are Family::Add's own
  // (a histogram's buckets).
  template <typename... Args>
  T& Get(std::initializer_list<std::string_view> values, const Args&... args) {
    thread_local std::string key;
    key.clear();
    for (auto v : values) key.append(v).push_back('\x1f');
    {
      std::shared_lock lock(mu_);
      if (auto it = children_.find(key); it != children_.end()) return *it->second;
    }
    std::map<std::string, std::string> labels;
    auto name = names_.begin();
    for (auto v : values) labels.emplace(*name++, std::string(v));
    T& child = family_.Add(labels, args...);
    std::unique_lock lock(mu_);
    children_.emplace(key, &child);
    return child;
  }

 private:
  prometheus::Family<T>& family_;
  std::vector<const char*> names_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, T*> children_;
};

// The service's Prometheus metrics. Label sets stay bounded: method, status code, outcome,
// reason and purpose take values from fixed lists; never a borrower. The one member label (calls
// in flight per member) takes the codes of onboarded institutions, a list the operator keeps.
class Metrics final : public storage::PoolObserver {
 public:
  explicit Metrics(int pool_size);

  // Serves /metrics over HTTP on `listen` ("host:port"; port 0 picks one).
  void StartExposer(const std::string& listen);
  int exposer_port() const;
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  // The call path (recorded by the one wrapper every RPC goes through).
  void CallStarted(std::string_view method);
  void CallFinished(std::string_view method, std::string_view code, double seconds);
  // A call refused: the queue ("queue"), its member's queue ("member_queue"), the server's
  // streams ("streams") or its member's ("member_streams") were full.
  void CallThrottled(std::string_view method, std::string_view bound);
  // A call ended without running: deadline_exceeded or cancelled while queued, stopping, or a
  // stream closed for stream_idle.
  void CallDropped(std::string_view reason);
  void MemberCallStarted(std::string_view member);
  void MemberCallFinished(std::string_view member);
  void SetQueueDepth(int depth);
  void QueueWaited(std::chrono::steady_clock::duration waited);
  void SetStreamsOpen(int streams);

  // Business events.
  void LineReported(std::string_view outcome, int n = 1);  // created, updated, stale_ignored, replayed
  void ReportRejected(std::string_view reason, int n = 1);  // the gRPC code name
  void QualityWarned(std::string_view rule, int n = 1);     // accepted records that broke a warning rule
  void Inquiry(std::string_view purpose);
  void SignalRaised(std::string_view signal);  // CheckNewCredit decision signals, by code
  void ReservationEvent(std::string_view result);  // created, refused_cap, released
  void AuditRecordsWritten(int n);
  void AuditRecordsSealed(int n);
  void GroupCommitted(int records);  // one group commit of audit and inquiry records
  void SetDatabaseUp(bool up);
  void SetActiveReservations(std::int64_t n);
  // Post-loan monitoring, by alert kind (new_line, past_due, ...).
  void AlertsWritten(std::string_view kind, int n);  // sequenced into the feed
  void AlertsDelivered(std::string_view kind, int n);  // sent by WatchAlerts or ListAlerts
  // From the alert's commit to its delivery: the consumer's lag behind the feed.
  void AlertDelay(double seconds);
  void SetAlertStreams(int streams);
  // The borrower key set this server derives keys with: its current version and how many it holds
  // (2 during a rotation), so an operator sees when every server has read a step.
  void SetKeySet(int current_version, int versions);
  // Regulator report summaries: one build (background or on demand) and how it ended.
  void SummaryBuilt(bool ok, double seconds);
  // Borrower reads by whether they found the borrower's stored state (built) or read the tables
  // (missing); states the background builder wrote, and its failed transactions.
  void BorrowerStateReads(std::string_view state, std::uint64_t n);
  void BorrowerStatesBuilt(std::uint64_t built, std::uint64_t failed);

  // storage::PoolObserver
  void OnAcquired(std::chrono::steady_clock::duration waited) override;
  void OnState(int open, int in_use) override;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  LabeledChildren<prometheus::Counter> requests_;
  LabeledChildren<prometheus::Histogram> duration_;
  LabeledChildren<prometheus::Gauge> in_flight_;
  LabeledChildren<prometheus::Counter> throttled_;
  LabeledChildren<prometheus::Counter> dropped_;
  LabeledChildren<prometheus::Gauge> member_in_flight_;
  prometheus::Gauge& queue_depth_;
  prometheus::Histogram& queue_wait_;
  prometheus::Gauge& streams_open_;
  LabeledChildren<prometheus::Counter> lines_reported_;
  LabeledChildren<prometheus::Counter> reports_rejected_;
  LabeledChildren<prometheus::Counter> inquiries_;
  LabeledChildren<prometheus::Counter> signals_;
  LabeledChildren<prometheus::Counter> reservations_;
  prometheus::Counter& audit_written_;
  prometheus::Counter& audit_sealed_;
  prometheus::Gauge& db_up_;
  prometheus::Gauge& reservations_active_;
  prometheus::Gauge& pool_size_;
  prometheus::Gauge& pool_open_;
  prometheus::Gauge& pool_in_use_;
  prometheus::Histogram& pool_wait_;
  prometheus::Histogram& group_commit_records_;
  LabeledChildren<prometheus::Counter> quality_warnings_;
  LabeledChildren<prometheus::Counter> alerts_written_;
  LabeledChildren<prometheus::Counter> alerts_delivered_;
  prometheus::Histogram& alert_delay_;
  prometheus::Gauge& alert_streams_;
  prometheus::Gauge& key_set_version_;
  prometheus::Gauge& key_set_versions_;
  LabeledChildren<prometheus::Counter> summary_builds_;
  prometheus::Histogram& summary_build_seconds_;
  LabeledChildren<prometheus::Counter> state_reads_;
  LabeledChildren<prometheus::Counter> state_builds_;
};

}  // namespace creditshare::metrics
