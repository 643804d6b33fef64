#include "api/reciprocity_gate.h"

#include <optional>

namespace creditshare::api {

domain::MaybeError ReciprocityGate::Check(std::uint64_t member_id, domain::Purpose purpose) {
  if (!policy_.enabled || !domain::IsApplicationPurpose(purpose)) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  std::optional<domain::ReciprocityStanding> standing;
  {
    std::lock_guard lock(mu_);
    if (const auto it = cache_.find(member_id); it != cache_.end() && now - it->second.read_at < ttl_)
      standing = it->second.standing;
  }
  if (!standing) {
    standing = members_.Standing(member_id);
    std::lock_guard lock(mu_);
    cache_[member_id] = {*standing, now};
  }
  return domain::CheckReciprocity(policy_, *standing, purpose, clock_.Today());
}

}  // namespace creditshare::api
