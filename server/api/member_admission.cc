#include "api/member_admission.h"

#include <algorithm>
#include <charconv>

namespace creditshare::api {

namespace {
using domain::Error;

std::optional<domain::MemberType> MemberTypeNamed(std::string_view name) {
  for (int t = 1; t <= domain::kMaxMemberType; ++t) {
    const auto type = static_cast<domain::MemberType>(t);
    if (domain::ToString(type) == name) return type;
  }
  return std::nullopt;
}
}  // namespace

MemberBounds MemberLimits::For(std::string_view code, std::optional<domain::MemberType> type) const {
  if (auto it = by_member.find(code); it != by_member.end()) return it->second;
  if (type)
    if (auto it = by_type.find(*type); it != by_type.end()) return it->second;
  return defaults;
}

domain::MaybeError AddMemberLimit(std::string_view spec, MemberLimits& limits) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return Error::InvalidArgument("member-limit", "expected KEY:calls=N,queued=N,streams=N,inquiries=N,reports=N, got '" + std::string(spec) + "'");
  const std::string_view key = spec.substr(0, colon);
  MemberBounds bounds = limits.defaults;
  std::string_view rest = spec.substr(colon + 1);
  if (rest.empty()) return Error::InvalidArgument("member-limit", "no bound given for " + std::string(key));
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto eq = part.find('=');
    int value = 0;
    const std::string_view name = part.substr(0, eq);
    const std::string_view number = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (eq == std::string_view::npos || ec != std::errc() || end != number.data() + number.size() || value < 1 ||
        value > 1'000'000)
      return Error::InvalidArgument("member-limit", "'" + std::string(part) + "' is not NAME=N with N from 1 to 1000000");
    if (name == "calls") {
      bounds.running = value;
    } else if (name == "queued") {
      bounds.queued = value;
    } else if (name == "streams") {
      bounds.streams = value;
    } else if (name == "inquiries") {
      bounds.inquiries_per_minute = value;
    } else if (name == "reports") {
      bounds.reports_per_minute = value;
    } else {
      return Error::InvalidArgument("member-limit", "unknown bound '" + std::string(name) +
                                                        "' (calls, queued, streams, inquiries, reports)");
    }
  }
  if (key.starts_with("member=")) {
    const std::string code(key.substr(7));
    if (code.empty()) return Error::InvalidArgument("member-limit", "member= needs a member code");
    limits.by_member[code] = bounds;
  } else if (const auto type = MemberTypeNamed(key)) {
    limits.by_type[*type] = bounds;
  } else {
    return Error::InvalidArgument("member-limit", "'" + std::string(key) +
                                                      "' is neither a member type (bank, consumer_finance, "
                                                      "micro_lender, regulator) nor member=CODE");
  }
  return std::nullopt;
}

std::optional<StreamAdmission::Ticket> StreamAdmission::TryAdmit(std::uint64_t member, int bound) {
  std::lock_guard lock(mu_);
  int& open = open_[member];  // a bound is at least 1: a member at it already has an entry
  if (open >= bound) return std::nullopt;
  ++open;
  return Ticket(this, member);
}

void StreamAdmission::Release(std::uint64_t member) {
  std::lock_guard lock(mu_);
  const auto it = open_.find(member);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

std::optional<RateBuckets::Clock::duration> RateBuckets::TryTake(std::uint64_t member, int per_minute,
                                                                 Clock::time_point now) {
  const double capacity = per_minute;
  const double per_second = capacity / 60;
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(member, Bucket{capacity, now});
  auto& b = it->second;
  if (!fresh) {
    b.tokens = std::min(capacity, b.tokens + std::chrono::duration<double>(now - b.refilled).count() * per_second);
    b.refilled = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((1 - b.tokens) / per_second));
}

}  // namespace creditshare::api
