#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace creditshare::log {

using Field = std::pair<std::string_view, std::string_view>;

// One line per event on stderr: ts=... level=... event=... key=value ...; values with spaces or
// quotes are quoted. Callers pass no personal data: borrower keys at most, never resident IDs.
void Info(std::string_view event, const std::vector<Field>& fields = {});
void Warn(std::string_view event, const std::vector<Field>& fields = {});
void Error(std::string_view event, const std::vector<Field>& fields = {});

}  // namespace creditshare::log
