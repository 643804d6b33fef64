// The counting semaphore that bounds bulk chunk transactions (and signals group-commit waiters).
#include "posix_semaphore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace creditshare {
namespace {

TEST(SemaphoreTest, NeverLetsMoreThanItsSlotsInAtOnce) {
  Semaphore slots(2);
  std::atomic<int> inside = 0, most = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        slots.Acquire();
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        --inside;
        slots.Release();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(most.load(), 2);
}

}  // namespace
}  // namespace creditshare
