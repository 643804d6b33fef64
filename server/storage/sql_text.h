#pragma once

#include <cstddef>
#include <string>

namespace creditshare::storage {

// `row` repeated `n` times, comma-separated: the VALUES (or IN list) of a multi-row statement.
inline std::string RowsOf(const std::string& row, std::size_t n) {
  std::string out;
  out.reserve((row.size() + 2) * n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += row;
  }
  return out;
}

// "?, ?, ..." with `n` placeholders.
inline std::string Placeholders(std::size_t n) { return RowsOf("?", n); }

}  // namespace creditshare::storage
