#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace creditshare::api {

// What one member may hold of the workers and the queue.
struct MemberBounds {
  int running = 8;    // its calls on workers at once; the rest wait in its queue
  int queued = 256;   // its calls waiting; beyond it its new calls are refused
  int streams = 4;    // its open streams (each runs on a thread of its own, not on a worker)
  // Borrower inquiries (exposures, checks, reservations) and unary line reports a minute, on each
  // replica; 0: no bound.
  int inquiries_per_minute = 0;
  int reports_per_minute = 0;
};

// Why a call did not run.
enum class Dropped { kDeadlineExceeded, kCancelled, kStopping };

// Why a call was not queued.
enum class Refused { kNone, kQueueFull, kMemberQueueFull, kStopping };

// Runs calls' blocking work (database, audit) on a fixed set of worker threads, so that the
// number of calls a server holds is bounded by its queue, not by threads.
//
// Each member has a FIFO of its own. Workers take from members in turn (round robin), skipping a
// member that already runs `running` calls, so a member's backlog never delays another member's
// call by more than one call's service time once a worker is free. A call whose deadline passes,
// or that is cancelled, while it waits is dropped without running.
class Scheduler {
 public:
  struct Options {
    int workers = 16;
    int capacity = 1024;  // calls waiting, all members together
  };
  struct Job {
    std::function<void()> run;                 // on a worker
    std::function<void(Dropped)> drop;         // instead of run
    std::function<bool()> cancelled;           // polled when the job is taken; may be empty
    std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
  };
  // Told about queue changes (for metrics); must be thread-safe and must not block (OnQueueDepth
  // runs under the scheduler's lock).
  struct Observer {
    virtual ~Observer() = default;
    virtual void OnQueueDepth(int depth) = 0;
    virtual void OnQueueWait(std::chrono::steady_clock::duration waited) = 0;
  };

  explicit Scheduler(Options options, Observer* observer = nullptr);
  // Stops: queued jobs are dropped (kStopping), running ones finish.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues `job` for `member`; kNone when queued, else why not (the job is then not touched).
  Refused Submit(const std::string& member, const MemberBounds& bounds, Job job);

  // How long a call queued now would wait, from the recent service times: the hint a refused
  // caller gets in RetryInfo.
  std::chrono::milliseconds EstimatedWait() const;
  int depth() const;

 private:
  struct Queued {
    Job job;
    std::chrono::steady_clock::time_point queued_at;
  };
  struct MemberQueue {
    std::deque<Queued> jobs;
    int running = 0;
    int running_bound = 1;
    bool ready = false;  // in ready_
  };
  void Work();
  // Puts the member in line if it has a call it may start; true if it did, and a worker must be
  // woken (after mu_ is released) unless the caller is a worker about to look itself.
  bool MaybeReady(const std::string& key, MemberQueue& m);

  const Options options_;
  Observer* const observer_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, MemberQueue> members_;
  std::deque<std::string> ready_;  // members with a job and a free running slot, in turn
  int depth_ = 0;
  double mean_service_us_ = 1000;  // moving average of a job's run time
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace creditshare::api
