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
// the set must hold two versions, the other must be one that stored data may be under, and it
// must be the older one (a rekey before `promote` would retire the new version).
std::optional<std::string> RekeyProblem(const std::map<int, KeyVersionState>& stored, int current, int other);

// A running server's key set as it last reported it (table key_set_servers).
struct ServerKeySet {
  std::string server_id;
  int current = 0;
  std::vector<int> versions;  // ascending
};

// Whether every server seen lately has read the key set a rotation step wrote: before
// `promote`, each must hold both versions (or one that has not read them could not find a
// borrower created under the new one); before `rekey`, each must also write the new one (or
// values would keep arriving under the old). Names the first server behind.
enum class RotationStep { kPromote, kRekey };
std::optional<std::string> ServersBehind(RotationStep step, int current, std::vector<int> versions,
                                         const std::vector<ServerKeySet>& servers);

}  // namespace creditshare::domain
