#include "security/pki.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

#include "security/borrower_keyer.h"

namespace creditshare::security {

namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Fn(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

[[noreturn]] void Fail(const std::string& what) {
  const unsigned long err = ERR_get_error();
  char buf[256] = {0};
  if (err != 0) ERR_error_string_n(err, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error(what + (err != 0 ? std::string(": ") + buf : std::string()));
}

void Check(int rc, const char* what) {
  if (rc <= 0) Fail(what);
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM_write_bio_PrivateKey");
  return BioToString(bio.get());
}

std::string CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  return BioToString(bio.get());
}

X509Ptr CertFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) Fail("cannot parse certificate PEM");
  return cert;
}

PkeyPtr KeyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) Fail("cannot parse private key PEM");
  return key;
}

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) Fail("cannot build certificate extension " + value);
  Check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

Credential Describe(X509* cert) {
  Credential out;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  Check(X509_digest(cert, EVP_sha256(), md, &md_len), "X509_digest");
  out.sha256_fingerprint_hex = ToHex(std::string_view(reinterpret_cast<const char*>(md), md_len));
  BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  char* hex = BN_bn2hex(serial.get());
  out.serial_hex = hex;
  OPENSSL_free(hex);
  struct tm tm {};
  Check(ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm), "ASN1_TIME_to_tm");
  out.not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
  out.cert_pem = CertToPem(cert);
  return out;
}

// Builds and signs a certificate for a fresh key. `issuer`/`issuer_key` null means self-signed.
Credential Build(const CertificateSpec& spec, X509* issuer, EVP_PKEY* issuer_key) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) Fail("EC key generation failed");
  X509Ptr cert(X509_new());
  Check(X509_set_version(cert.get(), 2), "X509_set_version");

  BnPtr serial(BN_new());
  Check(BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");  // positive, 16 bytes
  Check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");

  const long from = static_cast<long>(spec.not_before_offset.count());
  Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), from) != nullptr, "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), from + static_cast<long>(spec.validity.count())) != nullptr,
        "notAfter");
  Check(X509_set_pubkey(cert.get(), key.get()), "X509_set_pubkey");

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!spec.organization.empty())
    Check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1, -1, 0),
          "subject O");
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0),
        "subject CN");
  X509* signer_cert = issuer ? issuer : cert.get();
  EVP_PKEY* signer_key = issuer_key ? issuer_key : key.get();
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert)), "X509_set_issuer_name");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, signer_cert, cert.get(), nullptr, nullptr, 0);
  AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (issuer) AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  switch (spec.usage) {
    case CertificateSpec::Usage::kCertificateAuthority:
      AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
      AddExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
      break;
    case CertificateSpec::Usage::kClient:
      AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
      AddExtension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
      AddExtension(cert.get(), &ctx, NID_ext_key_usage, "clientAuth");
      break;
    case CertificateSpec::Usage::kServer: {
      AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
      AddExtension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
      AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
      std::string san;
      for (const auto& d : spec.dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
      for (const auto& ip : spec.ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
      if (san.empty()) throw std::invalid_argument("a server certificate needs at least one DNS name or IP address");
      AddExtension(cert.get(), &ctx, NID_subject_alt_name, san);
      break;
    }
  }
  if (X509_sign(cert.get(), signer_key, EVP_sha256()) == 0) Fail("X509_sign");

  Credential out = Describe(cert.get());
  out.key_pem = KeyToPem(key.get());
  return out;
}

}  // namespace

Credential CreateCertificateAuthority(const CertificateSpec& spec) {
  if (spec.usage != CertificateSpec::Usage::kCertificateAuthority)
    throw std::invalid_argument("CreateCertificateAuthority needs a CA spec");
  return Build(spec, nullptr, nullptr);
}

Credential IssueCertificate(const Credential& ca, const CertificateSpec& spec) {
  X509Ptr ca_cert = CertFromPem(ca.cert_pem);
  PkeyPtr ca_key = KeyFromPem(ca.key_pem);
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) Fail("CA key does not match CA certificate");
  return Build(spec, ca_cert.get(), ca_key.get());
}

Credential DescribeCertificate(const std::string& cert_pem) {
  X509Ptr cert = CertFromPem(cert_pem);
  return Describe(cert.get());
}

}  // namespace creditshare::security

namespace creditshare::security {

std::string CertificateFingerprint(const std::string& cert_pem) {
  BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return {};
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), md, &md_len) != 1) return {};
  return ToHex(std::string_view(reinterpret_cast<const char*>(md), md_len));
}

}  // namespace creditshare::security
