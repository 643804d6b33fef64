#include "api/member_admission.h"

namespace creditshare::api {

std::optional<MemberAdmission::Ticket> MemberAdmission::TryAdmit(std::uint64_t member, bool stream) {
  std::lock_guard lock(mu_);
  auto& f = in_flight_[member];
  int& count = stream ? f.streams : f.calls;
  if (count >= LimitFor(stream)) return std::nullopt;
  ++count;
  return Ticket(this, member, stream);
}

void MemberAdmission::Release(std::uint64_t member, bool stream) {
  std::lock_guard lock(mu_);
  const auto it = in_flight_.find(member);
  if (it == in_flight_.end()) return;
  --(stream ? it->second.streams : it->second.calls);
  if (it->second.calls == 0 && it->second.streams == 0) in_flight_.erase(it);
}

}  // namespace creditshare::api
