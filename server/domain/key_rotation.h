#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace creditshare::domain {

// What stored data says of a key set version (table key_versions).
enum class KeyVersionState { kInUse = 1, kRetired = 2 };

// Whether a server may derive keys with a key set of `versions` whose current one is `current`,
// given the versions stored data is under: every in-use version must be in the set (a missing
// one would orphan its borrowers, who would then be created twice), and a retired version, whose
// values were all converted and whose key may be gone, is never current again. Returns what is
// wrong, or nothing.
std::optional<std::string> KeySetProblem(const std::map<int, KeyVersionState>& stored, int current,
                                         const std::vector<int>& versions);

// Whether the re-keying job may move stored values to `current` from the set's other version:
// the set must hold two versions, and the other must be one that stored data may be under.
std::optional<std::string> RekeyProblem(const std::map<int, KeyVersionState>& stored, int current, int other);

}  // namespace creditshare::domain
