#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "thread_name.h"

namespace creditshare {

// Runs `fn` every `interval` on its own thread until destroyed (or Stop()), starting at once.
class PeriodicTask {
 public:
  // `name` names the thread (at most 15 characters; see NameThisThread).
  PeriodicTask(const char* name, std::chrono::milliseconds interval, std::function<void()> fn)
      : interval_(interval), fn_(std::move(fn)), thread_([this, name] {
          NameThisThread(name);
          Loop();
        }) {}
  ~PeriodicTask() { Stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      fn_();
      lock.lock();
      cv_.wait_for(lock, interval_, [this] { return stop_; });
    }
  }

  const std::chrono::milliseconds interval_;
  const std::function<void()> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace creditshare
