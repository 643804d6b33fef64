#include "api/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/member_admission.h"

namespace creditshare::api {
namespace {

using namespace std::chrono_literals;

// A gate the test opens: jobs that wait on it hold their worker.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void Wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return open; });
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> ran;
  std::vector<Dropped> dropped;
  void Ran(const std::string& what) {
    std::lock_guard lock(mu);
    ran.push_back(what);
    cv.notify_all();
  }
  void Dropped_(Dropped why) {
    std::lock_guard lock(mu);
    dropped.push_back(why);
    cv.notify_all();
  }
  void WaitFor(size_t n) {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return ran.size() + dropped.size() >= n; }));
  }
};

Scheduler::Job JobThat(Recorder& r, std::string name, Gate* gate = nullptr) {
  Scheduler::Job job;
  job.run = [&r, name, gate] {
    if (gate != nullptr) gate->Wait();
    r.Ran(name);
  };
  job.drop = [&r](Dropped why) { r.Dropped_(why); };
  return job;
}

TEST(SchedulerTest, MembersTakeTurnsSoABacklogDoesNotDelayAnotherMember) {
  Recorder r;
  Gate gate;
  Scheduler s({/*workers=*/1, /*capacity=*/100});
  const MemberBounds bounds{/*running=*/1, /*queued=*/100, /*streams=*/1};
  ASSERT_EQ(s.Submit("a", bounds, JobThat(r, "a0", &gate)), Refused::kNone);  // holds the worker
  std::this_thread::sleep_for(50ms);
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(s.Submit("a", bounds, JobThat(r, "a" + std::to_string(i))), Refused::kNone);
  ASSERT_EQ(s.Submit("b", bounds, JobThat(r, "b1")), Refused::kNone);
  ASSERT_EQ(s.Submit("b", bounds, JobThat(r, "b2")), Refused::kNone);
  gate.Open();
  r.WaitFor(8);
  // b waited its turn while a's call ran, and runs before a's next; then the two alternate.
  const std::vector<std::string> expected = {"a0", "b1", "a1", "b2", "a2", "a3", "a4", "a5"};
  EXPECT_EQ(r.ran, expected);
}

TEST(SchedulerTest, AMemberAtItsRunningBoundLeavesTheOtherWorkersToOthers) {
  Recorder r;
  Gate gate;
  Scheduler s({/*workers=*/2, /*capacity=*/100});
  const MemberBounds one{1, 100, 1};
  for (int i = 0; i < 3; ++i) ASSERT_EQ(s.Submit("a", one, JobThat(r, "a", &gate)), Refused::kNone);
  ASSERT_EQ(s.Submit("b", one, JobThat(r, "b")), Refused::kNone);
  r.WaitFor(1);  // b ran while a's first call still holds a worker and a's others wait
  EXPECT_EQ(r.ran, std::vector<std::string>{"b"});
  gate.Open();
  r.WaitFor(4);
}

// Two calls of one member submitted back to back make the member ready once: the worker that takes
// the first must wake another for the second, which may not wait for the first to end.
TEST(SchedulerTest, AMembersSecondCallStartsOnAnotherWorkerWhileItsFirstStillRuns) {
  Recorder r;
  Gate gate;
  Scheduler s({/*workers=*/2, /*capacity=*/100});
  const MemberBounds two{/*running=*/2, /*queued=*/100, /*streams=*/1};
  ASSERT_EQ(s.Submit("a", two, JobThat(r, "first", &gate)), Refused::kNone);
  ASSERT_EQ(s.Submit("a", two, JobThat(r, "second")), Refused::kNone);
  r.WaitFor(1);
  EXPECT_EQ(r.ran, std::vector<std::string>{"second"});
  gate.Open();
  r.WaitFor(2);
}

// Workers are woken outside the lock, and a worker that frees a member's slot takes the member's
// next call itself without waking another: no call may be left waiting with every worker asleep.
TEST(SchedulerTest, EveryCallRunsWhenManyThreadsSubmitToMembersBelowTheWorkerCount) {
  Scheduler s({/*workers=*/6, /*capacity=*/100000});
  const MemberBounds two{/*running=*/2, /*queued=*/100000, /*streams=*/1};
  constexpr int kThreads = 4, kPerThread = 3000;
  std::atomic<int> ran{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t)
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Scheduler::Job job;
        job.run = [&ran] { ran.fetch_add(1); };
        job.drop = [](Dropped) {};
        // Bursts to one member, then to another: members' queues fill and empty all the time.
        ASSERT_EQ(s.Submit("m" + std::to_string((t + i / 7) % 5), two, std::move(job)), Refused::kNone);
      }
    });
  for (auto& t : submitters) t.join();
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (ran.load() < kThreads * kPerThread && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(ran.load(), kThreads * kPerThread);
  EXPECT_EQ(s.depth(), 0);
}

TEST(SchedulerTest, FullQueuesRefuseAndAJobWhoseDeadlinePassedIsDroppedNotRun) {
  Recorder r;
  Gate gate;
  Scheduler s({/*workers=*/1, /*capacity=*/3});
  const MemberBounds bounds{1, 2, 1};
  ASSERT_EQ(s.Submit("a", bounds, JobThat(r, "held", &gate)), Refused::kNone);
  std::this_thread::sleep_for(50ms);
  auto late = JobThat(r, "late");
  late.deadline = std::chrono::system_clock::now() + 10ms;
  ASSERT_EQ(s.Submit("a", bounds, std::move(late)), Refused::kNone);
  ASSERT_EQ(s.Submit("a", bounds, JobThat(r, "a2")), Refused::kNone);
  EXPECT_EQ(s.Submit("a", bounds, JobThat(r, "a3")), Refused::kMemberQueueFull);
  ASSERT_EQ(s.Submit("b", bounds, JobThat(r, "b1")), Refused::kNone);
  EXPECT_EQ(s.Submit("c", bounds, JobThat(r, "c1")), Refused::kQueueFull);
  EXPECT_EQ(s.depth(), 3);
  EXPECT_GE(s.EstimatedWait(), 50ms);
  std::this_thread::sleep_for(30ms);
  gate.Open();
  r.WaitFor(4);
  EXPECT_EQ(r.ran, (std::vector<std::string>{"held", "b1", "a2"}));
  EXPECT_EQ(r.dropped, std::vector<Dropped>{Dropped::kDeadlineExceeded});
}

TEST(SchedulerTest, JobsStillQueuedWhenItStopsAreDroppedAsStopping) {
  Recorder r;
  Gate gate;
  {
    Scheduler s({1, 10});
    ASSERT_EQ(s.Submit("a", {1, 10, 1}, JobThat(r, "held", &gate)), Refused::kNone);
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(s.Submit("b", {1, 10, 1}, JobThat(r, "b")), Refused::kNone);
    std::thread opener([&] {
      std::this_thread::sleep_for(100ms);
      gate.Open();
    });
    opener.detach();
  }  // the destructor waits for the running job, then drops the rest
  EXPECT_EQ(r.ran, std::vector<std::string>{"held"});
  EXPECT_EQ(r.dropped, std::vector<Dropped>{Dropped::kStopping});
}

TEST(MemberLimitsTest, OverridesByTypeAndByMemberAndClearErrors) {
  MemberLimits limits;
  limits.defaults = {8, 256, 4};
  EXPECT_FALSE(AddMemberLimit("regulator:calls=2,streams=1", limits));
  EXPECT_FALSE(AddMemberLimit("member=big-bank:calls=16,queued=1024", limits));
  const auto regulator = limits.For("reg-1", domain::MemberType::kRegulator);
  EXPECT_EQ(regulator.running, 2);
  EXPECT_EQ(regulator.queued, 256);
  EXPECT_EQ(regulator.streams, 1);
  const auto big = limits.For("big-bank", domain::MemberType::kBank);
  EXPECT_EQ(big.running, 16);
  EXPECT_EQ(big.queued, 1024);
  EXPECT_EQ(limits.For("small-bank", domain::MemberType::kBank).running, 8);
  EXPECT_EQ(limits.For("unknown", std::nullopt).running, 8);

  for (const char* bad : {"bank", "bank:", "bank:calls", "bank:calls=0", "bank:calls=x", "bank:threads=3",
                          "banks:calls=3", "member=:calls=3", "bank:calls=99999999999"}) {
    const auto error = AddMemberLimit(bad, limits);
    ASSERT_TRUE(error) << bad;
    EXPECT_EQ(error->field, "member-limit");
    EXPECT_FALSE(error->message.empty());
  }
}

TEST(MemberLimitsTest, RateBoundsPerMinuteByTypeAndMember) {
  MemberLimits limits;
  EXPECT_FALSE(AddMemberLimit("micro_lender:inquiries=120,reports=600", limits));
  const auto micro = limits.For("m-1", domain::MemberType::kMicroLender);
  EXPECT_EQ(micro.inquiries_per_minute, 120);
  EXPECT_EQ(micro.reports_per_minute, 600);
  EXPECT_EQ(limits.For("b-1", domain::MemberType::kBank).inquiries_per_minute, 0) << "no bound by default";
  EXPECT_TRUE(AddMemberLimit("bank:inquiries=0", limits));
}

TEST(RateBucketsTest, AMinutesTokensAtOnceThenRefilledEvenly) {
  RateBuckets buckets;
  const auto t0 = RateBuckets::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(buckets.TryTake(1, 6, t0).has_value()) << i;
  const auto wait = buckets.TryTake(1, 6, t0);
  ASSERT_TRUE(wait.has_value());
  EXPECT_NEAR(std::chrono::duration<double>(*wait).count(), 10.0, 0.01) << "6 a minute: one every 10 s";
  EXPECT_TRUE(buckets.TryTake(1, 6, t0 + std::chrono::seconds(9)).has_value());
  EXPECT_FALSE(buckets.TryTake(1, 6, t0 + std::chrono::seconds(10)).has_value());
  EXPECT_FALSE(buckets.TryTake(2, 6, t0).has_value()) << "each member has its own bucket";
  // Idle for an hour: the bucket holds a minute's worth, no more.
  const auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(buckets.TryTake(1, 6, later).has_value()) << i;
  EXPECT_TRUE(buckets.TryTake(1, 6, later).has_value());
}

}  // namespace
}  // namespace creditshare::api
