#pragma once

#include <openssl/rand.h>

#include <stdexcept>
#include <string>

namespace creditshare::storage {

// An opaque public identifier: a prefix letter and 19 characters of [a-z0-9] from a CSPRNG
// (about 98 bits), revealing neither the member nor the order of creation, and unguessable.
inline std::string NewPublicId(char prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[19];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string out(1, prefix);
  for (unsigned char b : bytes) out.push_back(kAlphabet[b % 36]);  // bias of 256 mod 36 is immaterial here
  return out;
}

}  // namespace creditshare::storage
