#pragma once

#include <openssl/evp.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace creditshare::storage {

// SHA-256 of `bytes`, 32 raw bytes.
inline std::string Sha256(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace creditshare::storage
