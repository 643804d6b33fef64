#pragma once

#include <string>

namespace creditshare::domain {

// A borrower key or request fingerprint as the key set derives it: the value under the current
// key version, which every write stores, and, while a rotation moves stored values from one
// version to the other, the same value under the other version, which lookups also try. With
// one version in the key set, `other` equals `current`. Never derived from anything but an
// HMAC: the raw ID is gone before a KeyedDigest exists.
struct KeyedDigest {
  std::string current;  // 32 bytes
  int version = 0;
  std::string other;  // 32 bytes
  int other_version = 0;

  bool rotating() const { return other_version != version; }
  bool operator==(const KeyedDigest&) const = default;
};

}  // namespace creditshare::domain
