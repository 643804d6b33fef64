#include "security/borrower_keyer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace creditshare::security {

namespace {

std::string FromHex(const std::string& hex, const std::string& what) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument(what + " is not hexadecimal");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument(what + " has an odd number of hex digits");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

std::string Hmac(const std::string& key, std::string_view purpose, std::string_view message) {
  // Domain separation: the same key never produces the same MAC for an ID and a request body.
  std::string input;
  input.reserve(purpose.size() + 1 + message.size());
  input.append(purpose).push_back('\0');
  input.append(message);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

// AES-256 on each 16-byte block of a 32-byte digest (ECB is what is wanted: deterministic, and
// the two halves of an HMAC are independent uniform values). An empty key is version 0: identity.
std::string Permute(const std::string& key, std::string_view digest, bool encrypt) {
  if (digest.size() != 32) throw std::invalid_argument("a stored key-set digest is 32 bytes");
  if (key.empty()) return std::string(digest);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(32, '\0');
  int len = 0;
  int final_len = 0;
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                        nullptr, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       reinterpret_cast<const unsigned char*>(digest.data()), 32) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &final_len) != 1 ||
      len + final_len != 32)
    throw std::runtime_error("AES-256 failed");
  return out;
}

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read key set file " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

KeySet KeySet::Parse(std::string_view text, const std::string& origin) {
  KeySet set;
  nlohmann::json doc;
  const bool json = !text.empty() && text.front() == '{' &&
                    !(doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false)).is_discarded() &&
                    doc.is_object() && doc.contains("hmac_key");
  if (!json) {
    std::string key(text);
    if (!key.empty() && key.back() == '\n') key.pop_back();
    if (key.size() < kMinHmacKeyBytes) throw std::invalid_argument(origin + " holds fewer than 32 bytes");
    set.hmac_key = std::move(key);
    set.versions.push_back({0, ""});
    return set;
  }
  try {
    set.hmac_key = FromHex(doc.at("hmac_key").get<std::string>(), origin + ": hmac_key");
    set.current = doc.at("current").get<int>();
    for (const auto& v : doc.at("versions")) {
      Version version{v.at("version").get<int>(), ""};
      if (version.version < 0 || version.version > kMaxVersion)
        throw std::invalid_argument(origin + ": version " + std::to_string(version.version) + " is out of range");
      if (version.version != 0) {
        version.key = FromHex(v.at("key").get<std::string>(),
                              origin + ": key of version " + std::to_string(version.version));
        if (version.key.size() != kVersionKeyBytes)
          throw std::invalid_argument(origin + ": key of version " + std::to_string(version.version) +
                                      " is not 32 bytes");
      } else if (v.contains("key")) {
        throw std::invalid_argument(origin + ": version 0 is the identity and has no key");
      }
      if (set.Find(version.version) != nullptr)
        throw std::invalid_argument(origin + ": version " + std::to_string(version.version) + " appears twice");
      set.versions.push_back(std::move(version));
    }
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(origin +
                                ": expected {\"hmac_key\": hex, \"current\": N, \"versions\": [{\"version\": N, "
                                "\"key\": hex}]}");
  }
  if (set.hmac_key.size() < kMinHmacKeyBytes) throw std::invalid_argument(origin + ": hmac_key is under 32 bytes");
  if (set.versions.empty() || set.versions.size() > 2)
    throw std::invalid_argument(origin + ": a key set holds one version, or two during a rotation");
  if (set.Find(set.current) == nullptr)
    throw std::invalid_argument(origin + ": current version " + std::to_string(set.current) + " is not in versions");
  return set;
}

std::string KeySet::Serialize() const {
  nlohmann::json doc;
  doc["hmac_key"] = ToHex(hmac_key);
  doc["current"] = current;
  doc["versions"] = nlohmann::json::array();
  for (const auto& v : versions) {
    nlohmann::json entry{{"version", v.version}};
    if (v.version != 0) entry["key"] = ToHex(v.key);
    doc["versions"].push_back(std::move(entry));
  }
  return doc.dump(2) + "\n";
}

const KeySet::Version* KeySet::Find(int version) const {
  for (const auto& v : versions)
    if (v.version == version) return &v;
  return nullptr;
}

int KeySet::other() const {
  for (const auto& v : versions)
    if (v.version != current) return v.version;
  return current;
}

struct BorrowerKeyer::State {
  KeySet set;
  const KeySet::Version* current = nullptr;
  const KeySet::Version* other = nullptr;

  explicit State(KeySet s) : set(std::move(s)), current(set.Find(set.current)), other(set.Find(set.other())) {}
  domain::KeyedDigest Derive(std::string_view purpose, std::string_view message) const {
    const std::string mac = Hmac(set.hmac_key, purpose, message);
    domain::KeyedDigest d{Permute(current->key, mac, true), current->version, "", other->version};
    d.other = other == current ? d.current : Permute(other->key, mac, true);
    return d;
  }
};

BorrowerKeyer BorrowerKeyer::FromFile(const std::filesystem::path& path) {
  const std::string text = ReadWholeFile(path);
  try {
    return BorrowerKeyer(KeySet::Parse(text, "key set file " + path.string()), path);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
}

BorrowerKeyer::BorrowerKeyer(KeySet set) : state_(std::make_shared<const State>(std::move(set))) {}

BorrowerKeyer::BorrowerKeyer(KeySet set, std::filesystem::path path)
    : path_(std::move(path)), state_(std::make_shared<const State>(std::move(set))) {}

BorrowerKeyer::BorrowerKeyer(std::string hmac_key) {
  if (hmac_key.size() < KeySet::kMinHmacKeyBytes) throw std::invalid_argument("HMAC key shorter than 32 bytes");
  KeySet set;
  set.hmac_key = std::move(hmac_key);
  set.versions.push_back({0, ""});
  state_ = std::make_shared<const State>(std::move(set));
}

std::shared_ptr<const BorrowerKeyer::State> BorrowerKeyer::Snapshot() const {
  std::lock_guard lock(mu_);
  return state_;
}

domain::KeyedDigest BorrowerKeyer::BorrowerKey(const domain::ResidentId& id) const {
  return Snapshot()->Derive("creditshare/borrower/v1", id.normalized());
}

domain::KeyedDigest BorrowerKeyer::RequestFingerprint(std::string_view canonical_request) const {
  return Snapshot()->Derive("creditshare/request/v1", canonical_request);
}

std::string BorrowerKeyer::QuestionDigest(std::string_view question) const {
  return Hmac(Snapshot()->set.hmac_key, "creditshare/request/v1", question);
}

std::string BorrowerKeyer::NoiseKey(std::string_view question) const {
  return Hmac(Snapshot()->set.hmac_key, "creditshare/report-noise/v1", question);
}

std::string BorrowerKeyer::Rewrap(std::string_view stored, int from_version) const {
  const auto state = Snapshot();
  const auto* from = state->set.Find(from_version);
  if (from == nullptr)
    throw std::invalid_argument("the key set has no version " + std::to_string(from_version));
  if (from == state->current) return std::string(stored);
  return Permute(state->current->key, Permute(from->key, stored, false), true);
}

int BorrowerKeyer::current_version() const { return Snapshot()->set.current; }

std::vector<int> BorrowerKeyer::versions() const {
  std::vector<int> out;
  for (const auto& v : Snapshot()->set.versions) out.push_back(v.version);
  return out;
}

bool BorrowerKeyer::Reload(const std::function<void(const KeySet&)>& accept) {
  if (path_.empty()) return false;
  KeySet next;
  try {
    next = KeySet::Parse(ReadWholeFile(path_), "key set file " + path_.string());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  // Called from one thread at a time (the reload task); derivations never wait on `accept`.
  const auto state = Snapshot();
  const KeySet& now = state->set;
  if (next.hmac_key != now.hmac_key)
    throw std::runtime_error("key set file " + path_.string() +
                             " holds a different hmac_key: it can never change while data is stored under it");
  auto same = [](const KeySet& a, const KeySet& b) {
    if (a.current != b.current || a.versions.size() != b.versions.size()) return false;
    for (const auto& v : a.versions) {
      const auto* w = b.Find(v.version);
      if (w == nullptr || w->key != v.key) return false;
    }
    return true;
  };
  if (same(next, now)) return false;
  for (const auto& v : next.versions) {
    const auto* known = now.Find(v.version);
    if (known != nullptr && known->key != v.key)
      throw std::runtime_error("key set file " + path_.string() + " changes the key of version " +
                               std::to_string(v.version) + ": a version's key never changes");
  }
  if (accept) accept(next);
  auto replacement = std::make_shared<const State>(std::move(next));
  std::lock_guard lock(mu_);
  state_ = std::move(replacement);
  return true;
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
