#include "api/alert_feed.h"

#include <algorithm>

#include "log.h"
#include "thread_name.h"

namespace creditshare::api {

AlertFeed::AlertFeed(storage::AlertRepository& alerts, const domain::Clock& clock, Options options,
                     Sequenced on_sequenced)
    : alerts_(alerts), clock_(clock), options_(options), on_sequenced_(std::move(on_sequenced)) {
  thread_ = std::thread([this] {
    NameThisThread("cs-alert-feed");
    Run();
  });
}

AlertFeed::~AlertFeed() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::uint64_t AlertFeed::Generation(std::uint64_t member) const {
  std::lock_guard lock(mu_);
  const auto it = generations_.find(member);
  return it == generations_.end() ? 0 : it->second;
}

void AlertFeed::Wait(std::uint64_t member, std::uint64_t seen, std::chrono::steady_clock::time_point until,
                     const std::atomic<bool>* stop) const {
  std::unique_lock lock(mu_);
  for (;;) {
    const auto it = generations_.find(member);
    if ((it == generations_.end() ? 0 : it->second) != seen || stopping_) return;
    if (stop != nullptr && stop->load()) return;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    // Wakes at least every 100 ms to notice `stop`, which nothing signals.
    changed_.wait_until(lock, std::min(until, now + std::chrono::milliseconds(100)));
  }
}

void AlertFeed::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Tick();
    lock.lock();
    changed_.wait_for(lock, options_.poll, [this] { return stopping_; });
  }
}

void AlertFeed::Tick() {
  std::lock_guard tick(tick_mu_);
  try {
    const auto sequenced = alerts_.SequencePending(options_.batch, clock_.NowMicros());
    if (sequenced.count > 0 && on_sequenced_) on_sequenced_(sequenced);
    const auto last = alerts_.LastSequence();
    std::uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (!started_) {
        seen_sequence_ = last;
        started_ = true;
      }
      seen = seen_sequence_;
    }
    if (last > seen) {
      const auto members = alerts_.RecipientsBetween(seen, last);
      std::lock_guard lock(mu_);
      for (const auto m : members) ++generations_[m];
      seen_sequence_ = last;
    }
    changed_.notify_all();
    std::lock_guard lock(mu_);
    if (failing_) log::Info("alert_feed_recovered");
    failing_ = false;
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    if (!failing_) log::Warn("alert_feed_failed", {{"detail", e.what()}});
    failing_ = true;
  }
}

}  // namespace creditshare::api
