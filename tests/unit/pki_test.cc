#include "security/pki.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace creditshare::security {
namespace {

// Verifies `leaf` against `ca` with OpenSSL's own chain verification.
bool Verifies(const Credential& ca, const Credential& leaf) {
  auto load = [](const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    return std::unique_ptr<X509, decltype(&X509_free)>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                        X509_free);
  };
  auto ca_cert = load(ca.cert_pem);
  auto leaf_cert = load(leaf.cert_pem);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca_cert.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf_cert.get(), nullptr);
  return X509_verify_cert(ctx.get()) == 1;
}

Credential NewCa() {
  CertificateSpec spec;
  spec.usage = CertificateSpec::Usage::kCertificateAuthority;
  spec.common_name = "test CA";
  return CreateCertificateAuthority(spec);
}

TEST(PkiTest, IssuedClientCertificateChainsToItsCaOnly) {
  const auto ca = NewCa();
  const auto other_ca = NewCa();
  CertificateSpec spec;
  spec.common_name = "tj-bank";
  const auto cred = IssueCertificate(ca, spec);
  EXPECT_TRUE(Verifies(ca, cred));
  EXPECT_FALSE(Verifies(other_ca, cred));
  EXPECT_EQ(cred.sha256_fingerprint_hex.size(), 64u);
  EXPECT_FALSE(cred.serial_hex.empty());
  EXPECT_NE(cred.key_pem.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(DescribeCertificate(cred.cert_pem).sha256_fingerprint_hex, cred.sha256_fingerprint_hex);
}

TEST(PkiTest, ValidityWindowFollowsTheSpec) {
  const auto ca = NewCa();
  CertificateSpec spec;
  spec.common_name = "expired";
  spec.not_before_offset = std::chrono::hours(-48);
  spec.validity = std::chrono::hours(24);
  const auto cred = IssueCertificate(ca, spec);
  EXPECT_LT(cred.not_after, std::chrono::system_clock::now());
  EXPECT_FALSE(Verifies(ca, cred));
}

TEST(PkiTest, ServerCertificateNeedsANameAndSerialsDiffer) {
  const auto ca = NewCa();
  CertificateSpec spec;
  spec.usage = CertificateSpec::Usage::kServer;
  spec.common_name = "localhost";
  EXPECT_THROW(IssueCertificate(ca, spec), std::invalid_argument);
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1"};
  const auto a = IssueCertificate(ca, spec);
  const auto b = IssueCertificate(ca, spec);
  EXPECT_NE(a.serial_hex, b.serial_hex);
  EXPECT_TRUE(Verifies(ca, a));
}

}  // namespace
}  // namespace creditshare::security
