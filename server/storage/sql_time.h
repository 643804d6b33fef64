#pragma once

#include <chrono>
#include <string>

namespace creditshare::storage {

// DATETIME values are UTC: every pooled session runs with time_zone '+00:00'.
std::string FormatDateTime(std::chrono::system_clock::time_point t);
// Parses "YYYY-MM-DD HH:MM:SS[.ffffff]"; the epoch when malformed.
std::chrono::system_clock::time_point ParseDateTime(const std::string& text);

}  // namespace creditshare::storage
