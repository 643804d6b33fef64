#pragma once

#include <cstdint>
#include <string>

namespace creditshare::domain {

// Values equal creditshare.v1.DisputeStatus.
enum class DisputeStatus : std::uint8_t { kUnspecified = 0, kOpen = 1, kConfirmed = 2, kCorrected = 3, kDeleted = 4 };

// A disputed record must be verified, corrected or deleted within 20 days of filing.
inline constexpr std::int64_t kDisputeResolutionDays = 20;

struct DisputeRecord {
  std::string dispute_id;
  std::string line_id;            // the line's public id
  std::string account_reference;  // filled for the line's reporting member only
  DisputeStatus status = DisputeStatus::kOpen;
  std::string reason;
  std::int64_t filed_at_us = 0;
  std::int64_t due_at_us = 0;
  std::int64_t resolved_at_us = 0;
  std::string resolution_note;
};

}  // namespace creditshare::domain
