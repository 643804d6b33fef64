#include "api/scheduler.h"

#include <algorithm>
#include <stdexcept>

#include "thread_name.h"

namespace creditshare::api {

Scheduler::Scheduler(Options options, Observer* observer) : options_(options), observer_(observer) {
  if (options_.workers < 1) throw std::invalid_argument("the scheduler needs at least one worker");
  if (options_.capacity < 1) throw std::invalid_argument("the scheduler's queue must hold at least one call");
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] {
      NameThisThread("cs-worker");
      Work();
    });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  for (auto& [key, m] : members_)
    for (auto& q : m.jobs) q.job.drop(Dropped::kStopping);
}

bool Scheduler::MaybeReady(const std::string& key, MemberQueue& m) {
  if (m.ready || m.jobs.empty() || m.running >= m.running_bound) return false;
  m.ready = true;
  ready_.push_back(key);
  return true;
}

Refused Scheduler::Submit(const std::string& member, const MemberBounds& bounds, Job job) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Refused::kStopping;
    if (depth_ >= options_.capacity) return Refused::kQueueFull;
    auto& m = members_[member];
    m.running_bound = std::max(1, bounds.running);
    if (static_cast<int>(m.jobs.size()) >= std::max(1, bounds.queued)) {
      if (m.jobs.empty() && m.running == 0) members_.erase(member);
      return Refused::kMemberQueueFull;
    }
    m.jobs.push_back({std::move(job), std::chrono::steady_clock::now()});
    const int depth = ++depth_;
    wake = MaybeReady(member, m);
    // Under the lock, so the gauge's last value is the queue's (set outside it, a submit's 1
    // could land after a worker's 0).
    if (observer_ != nullptr) observer_->OnQueueDepth(depth);
  }
  // Outside the lock: a worker woken under it would at once block on mu_ again.
  if (wake) wake_.notify_one();
  return Refused::kNone;
}

void Scheduler::Work() {
  for (;;) {
    Queued q;
    std::string key;
    int depth = 0;
    bool wake = false;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      key = std::move(ready_.front());
      ready_.pop_front();
      auto& m = members_[key];
      m.ready = false;
      q = std::move(m.jobs.front());
      m.jobs.pop_front();
      ++m.running;
      depth = --depth_;
      wake = MaybeReady(key, m);  // its next call takes its turn behind the other members'
      if (observer_ != nullptr) observer_->OnQueueDepth(depth);
    }
    if (wake) wake_.notify_one();
    if (observer_ != nullptr) observer_->OnQueueWait(std::chrono::steady_clock::now() - q.queued_at);

    const auto started = std::chrono::steady_clock::now();
    bool ran = false;
    try {
      if (q.job.deadline <= std::chrono::system_clock::now()) {
        q.job.drop(Dropped::kDeadlineExceeded);
      } else if (q.job.cancelled && q.job.cancelled()) {
        q.job.drop(Dropped::kCancelled);
      } else {
        q.job.run();
        ran = true;
      }
    } catch (...) {
      // Jobs answer their own errors; one that throws must not take a worker with it.
    }
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();

    std::lock_guard lock(mu_);
    if (ran) mean_service_us_ = 0.9 * mean_service_us_ + 0.1 * us;
    auto it = members_.find(key);
    --it->second.running;
    if (it->second.jobs.empty() && it->second.running == 0) {
      members_.erase(it);
    } else {
      // No wake: this worker looks at the line itself before it waits again.
      MaybeReady(key, it->second);
    }
  }
}

std::chrono::milliseconds Scheduler::EstimatedWait() const {
  std::lock_guard lock(mu_);
  const double ms = mean_service_us_ / 1000.0 * (depth_ + 1) / options_.workers;
  return std::chrono::milliseconds(std::clamp(static_cast<std::int64_t>(ms), std::int64_t{50}, std::int64_t{5000}));
}

int Scheduler::depth() const {
  std::lock_guard lock(mu_);
  return depth_;
}

}  // namespace creditshare::api
