#include "security/borrower_keyer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace creditshare::security {

BorrowerKeyer BorrowerKeyer::FromFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read HMAC key file " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string key = buf.str();
  if (!key.empty() && key.back() == '\n') key.pop_back();
  if (key.size() < kMinKeyBytes)
    throw std::runtime_error("HMAC key file " + path.string() + " holds fewer than 32 bytes");
  return BorrowerKeyer(std::move(key));
}

BorrowerKeyer::BorrowerKeyer(std::string key) : key_(std::move(key)) {
  if (key_.size() < kMinKeyBytes) throw std::invalid_argument("HMAC key shorter than 32 bytes");
}

std::string BorrowerKeyer::Mac(std::string_view purpose, std::string_view message) const {
  // Domain separation: the same key never produces the same MAC for an ID and a request body.
  std::string input;
  input.reserve(purpose.size() + 1 + message.size());
  input.append(purpose).push_back('\0');
  input.append(message);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string BorrowerKeyer::BorrowerKey(const domain::ResidentId& id) const {
  return Mac("creditshare/borrower/v1", id.normalized());
}

std::string BorrowerKeyer::RequestFingerprint(std::string_view canonical_request) const {
  return Mac("creditshare/request/v1", canonical_request);
}

std::string BorrowerKeyer::NoiseKey(std::string_view question) const {
  return Mac("creditshare/report-noise/v1", question);
}

std::uint64_t NoiseStream::Next() {
  if (used_ == 4) {
    unsigned char counter[8];
    for (int i = 0; i < 8; ++i) counter[i] = static_cast<unsigned char>(counter_ >> (8 * i));
    ++counter_;
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), counter, sizeof counter, block_, &len) ==
        nullptr)
      throw std::runtime_error("HMAC-SHA256 failed");
    used_ = 0;
  }
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(block_[used_ * 8 + i]) << (8 * i);
  ++used_;
  return v;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

}  // namespace creditshare::security
