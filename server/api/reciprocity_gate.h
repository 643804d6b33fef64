#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

#include "domain/clock.h"
#include "domain/reciprocity.h"
#include "storage/member_repository.h"

namespace creditshare::api {

// Applies domain::CheckReciprocity to application inquiries. A member's standing is read once
// per `ttl` (the auth cache's time): a lapsed member that reports again, or that an operator
// exempts, may inquire within that time, on every replica.
class ReciprocityGate {
 public:
  ReciprocityGate(storage::MemberRepository& members, const domain::ReciprocityPolicy& policy,
                  const domain::Clock& clock, std::chrono::milliseconds ttl)
      : members_(members), policy_(policy), clock_(clock), ttl_(ttl) {}

  domain::MaybeError Check(std::uint64_t member_id, domain::Purpose purpose);

 private:
  struct Cached {
    domain::ReciprocityStanding standing;
    std::chrono::steady_clock::time_point read_at;
  };
  storage::MemberRepository& members_;
  const domain::ReciprocityPolicy& policy_;
  const domain::Clock& clock_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::map<std::uint64_t, Cached> cache_;
};

}  // namespace creditshare::api
