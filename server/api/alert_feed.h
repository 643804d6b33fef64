#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "domain/clock.h"
#include "storage/alert_repository.h"

namespace creditshare::api {

// One per process. A thread that, every poll interval, sequences the committed outbox alerts
// (AlertRepository::SequencePending; the replicas take turns on the sequence row) and then looks
// at the feed's last sequence number, which any replica may have moved: when it grew, the
// members with new alerts are woken. A wake-up is a hint only; a watcher always reads its alerts
// from the database after its own cursor, so a missed or spurious one costs latency, never an
// alert.
class AlertFeed {
 public:
  struct Options {
    std::chrono::milliseconds poll{50};
    int batch = 1000;  // alerts sequenced per transaction
  };
  using Sequenced = std::function<void(const storage::AlertRepository::Sequenced&)>;

  AlertFeed(storage::AlertRepository& alerts, const domain::Clock& clock, Options options, Sequenced on_sequenced);
  ~AlertFeed();
  AlertFeed(const AlertFeed&) = delete;
  AlertFeed& operator=(const AlertFeed&) = delete;

  // Changes whenever new alerts for `member` may be in the feed.
  std::uint64_t Generation(std::uint64_t member) const;
  // Returns when Generation(member) differs from `seen`, at `until`, or soon after *stop is set.
  void Wait(std::uint64_t member, std::uint64_t seen, std::chrono::steady_clock::time_point until,
            const std::atomic<bool>* stop) const;

  // One round (the thread's loop body; tests call it to sequence at once).
  void Tick();

 private:
  void Run();

  storage::AlertRepository& alerts_;
  const domain::Clock& clock_;
  const Options options_;
  Sequenced on_sequenced_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::map<std::uint64_t, std::uint64_t> generations_;
  std::uint64_t seen_sequence_ = 0;
  bool started_ = false;  // seen_sequence_ read once
  bool failing_ = false;  // the last round failed (logged once per outage)
  bool stopping_ = false;
  std::mutex tick_mu_;  // one Tick at a time
  std::thread thread_;
};

}  // namespace creditshare::api
