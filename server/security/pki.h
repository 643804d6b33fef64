#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace creditshare::security {

// A private key and its certificate, both PEM, with the identifiers the service records.
struct Credential {
  std::string key_pem;
  std::string cert_pem;
  std::string serial_hex;
  std::string sha256_fingerprint_hex;  // of the DER certificate, lower-case hex
  std::chrono::system_clock::time_point not_after;
};

struct CertificateSpec {
  enum class Usage { kCertificateAuthority, kClient, kServer };
  Usage usage = Usage::kClient;
  std::string common_name;   // for member credentials: the member code
  std::string organization;  // optional
  std::vector<std::string> dns_names;     // server certificates
  std::vector<std::string> ip_addresses;  // server certificates
  // Validity window relative to now; the default backdates a little for clock skew.
  std::chrono::seconds not_before_offset{-300};
  std::chrono::seconds validity{std::chrono::hours(24 * 365)};
};

// Creates a self-signed CA (EC P-256, SHA-256). Throws std::runtime_error on OpenSSL failure.
Credential CreateCertificateAuthority(const CertificateSpec& spec);

// Creates a new key and a certificate for `spec`, signed by `ca`.
Credential IssueCertificate(const Credential& ca, const CertificateSpec& spec);

// SHA-256 fingerprint (lower-case hex) and serial of a PEM certificate.
Credential DescribeCertificate(const std::string& cert_pem);

}  // namespace creditshare::security

namespace creditshare::security {

// SHA-256 fingerprint (lower-case hex) of a PEM certificate's DER encoding; empty when the PEM
// cannot be parsed.
std::string CertificateFingerprint(const std::string& cert_pem);

}  // namespace creditshare::security
