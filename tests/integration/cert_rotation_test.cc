// The server's certificate and the client CA are files the server reads again while it runs
// (--tls-reload-interval-s). Swapped under load: the server certificate, then a second CA added
// for the overlap, then the first one retired. No call fails, except the handshakes of new
// connections presenting a certificate of the retired CA.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.h"
#include "requests.h"
#include "security/pki.h"

namespace creditshare::testing {
namespace {

namespace fs = std::filesystem;
using grpc::StatusCode;

// Replaces `path` atomically, as a Kubernetes secret volume does: the watcher never reads half a file.
void Replace(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.string() + ".new";
  std::ofstream(tmp, std::ios::binary) << content;
  fs::rename(tmp, path);
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CertRotationTest : public ::testing::Test {
 protected:
  fs::path served = fs::temp_directory_path() / ("creditshare-served-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(std::rand()));
  TestService svc{std::nullopt, false, 10, [this](ServerConfig& c) {
                    fs::create_directories(served);
                    for (const auto& [from, name] : std::vector<std::pair<std::string, std::string>>{
                             {c.tls_cert_file, "server.crt"}, {c.tls_key_file, "server.key"}, {c.client_ca_file, "ca.crt"}})
                      fs::copy_file(from, served / name, fs::copy_options::overwrite_existing);
                    c.tls_cert_file = (served / "server.crt").string();
                    c.tls_key_file = (served / "server.key").string();
                    c.client_ca_file = (served / "ca.crt").string();
                    c.tls_reload_interval = std::chrono::seconds(1);
                  }};

  ~CertRotationTest() override {
    std::error_code ec;
    fs::remove_all(served, ec);
  }

  // A fresh connection presenting `cert`: the handshake happens on this call.
  grpc::Status FreshCall(const std::pair<std::string, std::string>& files) {
    auto client = svc.ClientWithFiles(files.first, files.second);
    v1::GetBorrowerExposureResponse out;
    return client->GetBorrowerExposure(ExposureRequest(kBorrower), &out);
  }

  // Waits (at most 15 s) until a fresh connection with `files` gets `want`.
  bool Eventually(const std::pair<std::string, std::string>& files, bool want_ok) {
    for (int i = 0; i < 150; ++i) {
      if (FreshCall(files).ok() == want_ok) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_F(CertRotationTest, ServerCertificateAndClientCaSwapUnderLoadFailNoCallButRetiredHandshakes) {
  const auto old_ca_files = svc.IssueCredentialFiles(TestService::kBankA, "bank-a-old-ca");
  // Load: a client that keeps its connection, and one that opens a new one for every call.
  std::atomic<bool> stop = false;
  std::atomic<int> kept_ok = 0, kept_failed = 0, fresh_ok = 0, fresh_failed = 0;
  std::atomic<bool> old_ca_retired = false;
  std::string first_failure;
  std::thread kept([&] {
    auto client = svc.ClientWithFiles(old_ca_files.first, old_ca_files.second);
    while (!stop) {
      v1::GetBorrowerExposureResponse out;
      const auto st = client->GetBorrowerExposure(ExposureRequest(kBorrower), &out);
      (st.ok() ? kept_ok : kept_failed)++;
    }
  });
  std::thread fresh([&] {
    while (!stop) {
      const bool retired = old_ca_retired;
      const auto st = FreshCall(old_ca_files);
      if (st.ok()) {
        ++fresh_ok;
      } else if (!retired) {  // before the old CA is retired, every handshake must succeed
        ++fresh_failed;
        if (first_failure.empty()) first_failure = st.error_message();
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // 1. A new server key and certificate from the same CA.
  security::CertificateSpec spec;
  spec.usage = security::CertificateSpec::Usage::kServer;
  spec.common_name = "creditshare-rotated";
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1"};
  const auto rotated = security::IssueCertificate(svc.pki().ca(), spec);
  Replace(served / "server.key", rotated.key_pem);
  Replace(served / "server.crt", rotated.cert_pem);

  // 2. The overlap: a second CA trusted beside the first; its member certificates work.
  security::CertificateSpec ca_spec;
  ca_spec.usage = security::CertificateSpec::Usage::kCertificateAuthority;
  ca_spec.common_name = "creditshare member CA 2";
  const auto new_ca = security::CreateCertificateAuthority(ca_spec);
  const auto issued = svc.onboarding().IssueCredential(TestService::kBankA, new_ca, std::chrono::hours(24));
  ASSERT_TRUE(issued.ok());
  const fs::path new_cert = served / "bank-a-new-ca.crt", new_key = served / "bank-a-new-ca.key";
  std::ofstream(new_cert) << issued.value().credential.cert_pem;
  std::ofstream(new_key) << issued.value().credential.key_pem;
  const std::pair<std::string, std::string> new_ca_files{new_cert.string(), new_key.string()};
  EXPECT_FALSE(FreshCall(new_ca_files).ok()) << "a CA the server does not trust yet was accepted";
  Replace(served / "ca.crt", svc.pki().ca().cert_pem + new_ca.cert_pem);
  ASSERT_TRUE(Eventually(new_ca_files, true)) << "the second CA was never trusted";
  // The server now presents the rotated certificate (TLS 1.3 sends it before asking for ours).
  const auto presented = RunProcess(
      {"/bin/bash", "-c", "openssl s_client -connect " + svc.target() + " -servername localhost </dev/null 2>&1"});
  EXPECT_NE(presented.out.find("creditshare-rotated"), std::string::npos) << presented.out << presented.err;

  // 3. The first CA retired: new connections with its certificates are refused at the handshake.
  old_ca_retired = true;
  Replace(served / "ca.crt", new_ca.cert_pem);
  ASSERT_TRUE(Eventually(old_ca_files, false)) << "the retired CA was still trusted";
  const auto refused = FreshCall(old_ca_files);
  EXPECT_EQ(refused.error_code(), StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_TRUE(FreshCall(new_ca_files).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  kept.join();
  fresh.join();

  EXPECT_EQ(kept_failed.load(), 0) << "a call on an open connection failed during the swaps";
  EXPECT_EQ(fresh_failed.load(), 0) << "a handshake failed before the old CA was retired: " << first_failure;
  EXPECT_GT(kept_ok.load(), 20);
  EXPECT_GT(fresh_ok.load(), 5);
  EXPECT_NE(Slurp(served / "server.crt").find("BEGIN CERTIFICATE"), std::string::npos);
}

}  // namespace
}  // namespace creditshare::testing
