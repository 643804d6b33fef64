#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace creditshare::api {

// How much of the server one member may hold at once. The sync server runs one handler thread
// per call under --max-threads; without a bound per member, one member's load or its stuck
// clients (streams that send nothing) take every thread and every other member is refused.
struct AdmissionLimits {
  int calls_per_member = 16;   // unary calls in flight
  int streams_per_member = 4;  // open streams (bulk reporting, regulator reports)
};

// Counts each member's calls and streams in flight and admits a new one only under its bound.
class MemberAdmission {
 public:
  explicit MemberAdmission(AdmissionLimits limits) : limits_(limits) {}

  // Held for the whole call; releases the member's slot when destroyed.
  class Ticket {
   public:
    Ticket(MemberAdmission* owner, std::uint64_t member, bool stream) : owner_(owner), member_(member), stream_(stream) {}
    Ticket(Ticket&& other) noexcept : owner_(other.owner_), member_(other.member_), stream_(other.stream_) {
      other.owner_ = nullptr;
    }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (owner_ != nullptr) owner_->Release(member_, stream_);
    }

   private:
    MemberAdmission* owner_;
    std::uint64_t member_;
    bool stream_;
  };

  // A ticket while the member is under its bound for this kind of call; nullopt at the bound.
  std::optional<Ticket> TryAdmit(std::uint64_t member, bool stream);
  // The bound that refused a call of this kind, for the caller's message.
  int LimitFor(bool stream) const { return stream ? limits_.streams_per_member : limits_.calls_per_member; }

 private:
  struct InFlight {
    int calls = 0;
    int streams = 0;
  };
  void Release(std::uint64_t member, bool stream);

  const AdmissionLimits limits_;
  std::mutex mu_;
  std::map<std::uint64_t, InFlight> in_flight_;
};

}  // namespace creditshare::api
