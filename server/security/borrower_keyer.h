#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "domain/keyed_digest.h"
#include "domain/privacy.h"
#include "domain/resident_id.h"

namespace creditshare::security {

// The secrets behind borrower keys (docs/operations.md, "Rotating the borrower key set").
// A stored borrower key is W_v(HMAC-SHA256(hmac_key, ID)): the HMAC makes IDs unguessable
// without the secret, and W_v, AES-256 under the key of version v on each 16-byte half, is a
// keyed permutation that can be changed on stored values without their IDs, which the service
// never holds. Rotating means adding a version, making it current, re-keying stored values
// (W_new(W_old^-1(x))) and destroying the old version's key: after that, neither a leaked old
// key set nor the HMAC secret alone links stored values to IDs. Version 0 is the identity:
// the plain HMACs stored before key sets existed, and a bare key file is read as such.
struct KeySet {
  static constexpr std::size_t kMinHmacKeyBytes = 32;
  static constexpr std::size_t kVersionKeyBytes = 32;
  static constexpr int kMaxVersion = 65535;

  struct Version {
    int version = 0;
    std::string key;  // 32 bytes; empty for version 0
  };

  std::string hmac_key;
  int current = 0;
  std::vector<Version> versions;  // one, or two during a rotation; `current` among them

  // A JSON key set ({"hmac_key": hex, "current": N, "versions": [{"version": N, "key": hex}]})
  // or a bare key (raw bytes, one trailing newline ignored) as version 0. Throws
  // std::invalid_argument naming `origin` and the problem.
  static KeySet Parse(std::string_view text, const std::string& origin);
  // The JSON form, keys in hex.
  std::string Serialize() const;
  const Version* Find(int version) const;
  // The version that is not current, or `current` when there is only one.
  int other() const;
};

// Turns resident IDs into borrower keys and requests into fingerprints under a key set. The
// set can be replaced while the service runs (Reload); every derivation reads one snapshot.
class BorrowerKeyer {
 public:
  // Reads a key set file. Throws std::runtime_error naming the path when it is missing,
  // unreadable or invalid.
  static BorrowerKeyer FromFile(const std::filesystem::path& path);
  explicit BorrowerKeyer(KeySet set);
  // A bare secret as version 0 (>= 32 bytes, else std::invalid_argument).
  explicit BorrowerKeyer(std::string hmac_key);

  // 32 raw bytes identifying the borrower under each version of the set.
  domain::KeyedDigest BorrowerKey(const domain::ResidentId& id) const;
  // 32 raw bytes fingerprinting a request body (which may contain an ID) for idempotency checks.
  domain::KeyedDigest RequestFingerprint(std::string_view canonical_request) const;
  // Digest of a regulator question (which holds no personal data): the same across rotations,
  // so a question asked again after one is still recognised and costs no budget.
  std::string QuestionDigest(std::string_view question) const;
  // 32 raw bytes keying the noise of one regulator question about one summary build: noise
  // nobody without the secret can predict, identical when the same question is asked again.
  std::string NoiseKey(std::string_view question) const;
  // A stored value of `from_version` as the current version stores it. Throws
  // std::invalid_argument when the set lacks `from_version` or the value is not 32 bytes.
  std::string Rewrap(std::string_view stored, int from_version) const;

  int current_version() const;
  std::vector<int> versions() const;
  // Re-reads the file this keyer came from. Returns true when the set changed; throws (and
  // keeps the set in use) when the file is unreadable or invalid, its HMAC secret differs (that
  // would orphan every stored borrower), a known version's key changed, or `accept` throws.
  bool Reload(const std::function<void(const KeySet&)>& accept = {});
  const std::filesystem::path& path() const { return path_; }

 private:
  BorrowerKeyer(KeySet set, std::filesystem::path path);
  struct State;
  std::shared_ptr<const State> Snapshot() const;
  std::filesystem::path path_;
  mutable std::mutex mu_;
  std::shared_ptr<const State> state_;
};

std::string ToHex(std::string_view bytes);

// Uniform words from HMAC-SHA256(key, counter): the noise source of regulator reports.
class NoiseStream final : public domain::RandomBits {
 public:
  explicit NoiseStream(std::string key) : key_(std::move(key)) {}
  std::uint64_t Next() override;

 private:
  std::string key_;
  std::uint64_t counter_ = 0;
  unsigned char block_[32] = {};
  int used_ = 4;  // words of block_ handed out
};

}  // namespace creditshare::security
