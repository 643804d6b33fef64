#include "domain/key_rotation.h"

#include <algorithm>

namespace creditshare::domain {

std::optional<std::string> KeySetProblem(const std::map<int, KeyVersionState>& stored, int current,
                                         const std::vector<int>& versions) {
  for (const auto& [version, state] : stored)
    if (state == KeyVersionState::kInUse && std::find(versions.begin(), versions.end(), version) == versions.end())
      return "stored data is under key version " + std::to_string(version) +
             ", which the key set lacks: keep it until `creditshare-admin keys rekey` has retired it";
  const auto it = stored.find(current);
  if (it != stored.end() && it->second == KeyVersionState::kRetired)
    return "key version " + std::to_string(current) + " was retired by a re-keying and cannot be current again";
  return std::nullopt;
}

std::optional<std::string> RekeyProblem(const std::map<int, KeyVersionState>& stored, int current, int other) {
  if (other == current) return "the key set holds one version: add one and make it current first";
  if (other > current)
    return "the current version " + std::to_string(current) + " is older than version " + std::to_string(other) +
           ": run `keys promote` before `keys rekey`";
  const auto it = stored.find(other);
  if (it != stored.end() && it->second == KeyVersionState::kRetired)
    return "key version " + std::to_string(other) + " is already retired: nothing is stored under it";
  const auto cur = stored.find(current);
  if (cur != stored.end() && cur->second == KeyVersionState::kRetired)
    return "key version " + std::to_string(current) + " was retired and cannot be current again";
  return std::nullopt;
}

std::optional<std::string> ServersBehind(RotationStep step, int current, std::vector<int> versions,
                                         const std::vector<ServerKeySet>& servers) {
  std::sort(versions.begin(), versions.end());
  auto list = [](const std::vector<int>& v) {
    std::string out;
    for (const int x : v) out += (out.empty() ? "" : ",") + std::to_string(x);
    return out;
  };
  for (const auto& s : servers) {
    auto held = s.versions;
    std::sort(held.begin(), held.end());
    if (held != versions)
      return "server " + s.server_id + " holds key versions " + list(held) + ", not " + list(versions) +
             " yet: wait until every server has read the key set file";
    if (step == RotationStep::kRekey && s.current != current)
      return "server " + s.server_id + " still writes under key version " + std::to_string(s.current) +
             ": wait until every server has read the promoted key set file";
  }
  return std::nullopt;
}

}  // namespace creditshare::domain
