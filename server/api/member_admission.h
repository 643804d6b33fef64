#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/scheduler.h"
#include "domain/error.h"
#include "domain/types.h"

namespace creditshare::api {

// The bounds each member gets: the defaults, overridden by member type, overridden by member.
struct MemberLimits {
  MemberBounds defaults;
  std::map<domain::MemberType, MemberBounds> by_type;
  std::map<std::string, MemberBounds, std::less<>> by_member;  // by member code

  // The bounds of member `code`; its type when known (learned from its first authentication).
  MemberBounds For(std::string_view code, std::optional<domain::MemberType> type) const;
};

// Adds one override in the form `KEY:calls=N,queued=N,streams=N,inquiries=N,reports=N` (any of
// them; the rest come from the defaults; inquiries and reports are per minute). KEY is a member type (bank, consumer_finance, micro_lender, regulator) or
// `member=CODE`. Errors name the part that is wrong.
domain::MaybeError AddMemberLimit(std::string_view spec, MemberLimits& limits);

// A token bucket per member and kind of call: `per_minute` tokens, refilled evenly over the
// minute, all of which may be spent at once. State is per replica.
class RateBuckets {
 public:
  using Clock = std::chrono::steady_clock;
  // Takes a token of `member`'s bucket; when there is none, how long until there is one.
  std::optional<Clock::duration> TryTake(std::uint64_t member, int per_minute, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled;
  };
  std::mutex mu_;
  std::map<std::uint64_t, Bucket> buckets_;
};

// Counts each member's open streams and admits a new one only under its bound.
class StreamAdmission {
 public:
  // Held for the whole stream; releases the member's slot when destroyed.
  class Ticket {
   public:
    Ticket(StreamAdmission* owner, std::uint64_t member) : owner_(owner), member_(member) {}
    Ticket(Ticket&& other) noexcept : owner_(other.owner_), member_(other.member_) { other.owner_ = nullptr; }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (owner_ != nullptr) owner_->Release(member_);
    }

   private:
    StreamAdmission* owner_;
    std::uint64_t member_;
  };

  // A ticket while the member has fewer than `bound` streams open; nullopt at the bound.
  std::optional<Ticket> TryAdmit(std::uint64_t member, int bound);

 private:
  void Release(std::uint64_t member);

  std::mutex mu_;
  std::map<std::uint64_t, int> open_;
};

}  // namespace creditshare::api
