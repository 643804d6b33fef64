#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "domain/privacy.h"
#include "domain/resident_id.h"

namespace creditshare::security {

// Turns resident IDs into keyed HMAC-SHA256 borrower keys. Only these keys reach storage: a
// plain hash of an ID could be reversed by enumerating the ~10^9 plausible IDs, a keyed one
// cannot without the key, which lives outside the database.
class BorrowerKeyer {
 public:
  static constexpr std::size_t kMinKeyBytes = 32;

  // Reads the key from a file (raw bytes; one trailing newline is ignored). Throws
  // std::runtime_error naming the path when it is missing, unreadable or shorter than 32 bytes.
  static BorrowerKeyer FromFile(const std::filesystem::path& path);
  explicit BorrowerKeyer(std::string key);

  // 32 raw bytes identifying the borrower, stable for as long as the key is.
  std::string BorrowerKey(const domain::ResidentId& id) const;
  // 32 raw bytes fingerprinting a request body (which may contain an ID) for idempotency checks.
  std::string RequestFingerprint(std::string_view canonical_request) const;
  // 32 raw bytes keying the noise of one regulator question about one summary build: noise
  // nobody without the key can predict, identical when the same question is asked again.
  std::string NoiseKey(std::string_view question) const;

 private:
  std::string Mac(std::string_view purpose, std::string_view message) const;
  std::string key_;
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
