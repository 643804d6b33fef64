// creditshare-admin: operator tool to onboard members. Creates the certificate authority,
// issues server and member certificates (OpenSSL C API), manages members and applies the schema.
// Exit codes: 0 success, 1 failure (one clear line on stderr), 2 usage.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/stat.h>

#include "cli_options.h"
#include "domain/resident_id.h"
#include "security/pki.h"
#include "storage/member_repository.h"
#include "storage/migrations.h"

namespace {

namespace fs = std::filesystem;
using creditshare::security::CertificateSpec;
using creditshare::security::Credential;

class AdminError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw AdminError("cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Writes a file readable by its owner only when it holds a private key.
void WriteFile(const fs::path& p, const std::string& content, bool secret) {
  fs::create_directories(p.parent_path().empty() ? fs::path(".") : p.parent_path());
  const mode_t old = umask(secret ? 077 : 022);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  umask(old);
  if (!out || !(out << content)) throw AdminError("cannot write " + p.string());
}

Credential LoadCa(const fs::path& dir) {
  if (!fs::exists(dir / "ca.crt") || !fs::exists(dir / "ca.key"))
    throw AdminError("no CA in " + dir.string() + "; run `creditshare-admin ca init --dir " + dir.string() + "` first");
  Credential ca;
  ca.cert_pem = ReadAll(dir / "ca.crt");
  ca.key_pem = ReadAll(dir / "ca.key");
  return ca;
}

creditshare::domain::MemberType ParseMemberType(const std::string& s) {
  using creditshare::domain::MemberType;
  if (s == "bank") return MemberType::kBank;
  if (s == "consumer_finance") return MemberType::kConsumerFinance;
  if (s == "micro_lender") return MemberType::kMicroLender;
  if (s == "regulator") return MemberType::kRegulator;
  throw AdminError("unknown member type '" + s + "'");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"creditshare-admin: onboard member institutions and manage the service's PKI and schema."};
  app.require_subcommand(1);
  creditshare::DatabaseOptions database;
  database.AddTo(app);
  std::string output = "table";
  app.add_option("--output", output, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();

  auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations");

  auto* ca = app.add_subcommand("ca", "The certificate authority for member and server certificates");
  ca->require_subcommand(1);
  auto* ca_init = ca->add_subcommand("init", "Create the CA key and self-signed certificate (refuses to overwrite)");
  std::string ca_dir = "pki";
  std::string ca_name = "creditshare member CA";
  int ca_days = 3650;
  ca_init->add_option("--dir", ca_dir, "Directory for ca.key and ca.crt")->envname("CREDITSHARE_CA_DIR")->capture_default_str();
  ca_init->add_option("--name", ca_name, "CA common name")->capture_default_str();
  ca_init->add_option("--days", ca_days, "Validity in days")->capture_default_str();

  auto* server_cert = app.add_subcommand("server-cert", "The server's own TLS certificate");
  server_cert->require_subcommand(1);
  auto* server_issue = server_cert->add_subcommand("issue", "Issue a server certificate signed by the CA");
  std::vector<std::string> dns, ips;
  std::string out_dir;
  int days = 365;
  server_issue->add_option("--ca-dir", ca_dir, "Directory holding the CA")->envname("CREDITSHARE_CA_DIR")->capture_default_str();
  server_issue->add_option("--dns", dns, "DNS name(s) the server answers to");
  server_issue->add_option("--ip", ips, "IP address(es) the server answers on");
  server_issue->add_option("--out", out_dir, "Directory for server.key and server.crt")->required();
  server_issue->add_option("--days", days, "Validity in days")->capture_default_str();

  auto* member = app.add_subcommand("member", "Member institutions");
  member->require_subcommand(1);
  auto* member_create = member->add_subcommand("create", "Register a member");
  std::string code, name, type, region;
  member_create->add_option("--code", code, "Unique member code (the CN of its certificates)")->required();
  member_create->add_option("--name", name, "Institution name")->required();
  member_create->add_option("--type", type, "bank, consumer_finance, micro_lender or regulator")
      ->required()->check(CLI::IsMember({"bank", "consumer_finance", "micro_lender", "regulator"}));
  member_create->add_option("--region", region, "6-digit region code, e.g. 120000 for Tianjin")->required();
  auto* member_list = member->add_subcommand("list", "List members");

  auto* credential = app.add_subcommand("credential", "Member client certificates");
  credential->require_subcommand(1);
  auto* credential_issue = credential->add_subcommand("issue", "Issue a key and client certificate for a member");
  credential_issue->add_option("member", code, "Member code")->required();
  credential_issue->add_option("--ca-dir", ca_dir, "Directory holding the CA")->envname("CREDITSHARE_CA_DIR")->capture_default_str();
  credential_issue->add_option("--out", out_dir, "Directory for MEMBER.key and MEMBER.crt")->required();
  credential_issue->add_option("--days", days, "Validity in days")->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  try {
    if (migrate->parsed()) {
      creditshare::storage::ConnectionPool pool(database.Resolve());
      auto conn = pool.OpenUnpooled();
      const auto applied = creditshare::storage::ApplyMigrations(*conn);
      std::cout << "schema at version " << creditshare::storage::CurrentSchemaVersion(*conn) << " (applied "
                << applied.size() << ")\n";
    } else if (ca_init->parsed()) {
      const fs::path dir(ca_dir);
      if (fs::exists(dir / "ca.key") || fs::exists(dir / "ca.crt"))
        throw AdminError("a CA already exists in " + dir.string() + "; refusing to overwrite it");
      CertificateSpec spec;
      spec.usage = CertificateSpec::Usage::kCertificateAuthority;
      spec.common_name = ca_name;
      spec.validity = std::chrono::hours(24) * ca_days;
      const Credential c = creditshare::security::CreateCertificateAuthority(spec);
      WriteFile(dir / "ca.key", c.key_pem, true);
      WriteFile(dir / "ca.crt", c.cert_pem, false);
      std::cout << "CA created in " << dir.string() << " (fingerprint sha256:" << c.sha256_fingerprint_hex << ")\n";
    } else if (server_issue->parsed()) {
      if (dns.empty() && ips.empty()) throw AdminError("give at least one --dns or --ip");
      CertificateSpec spec;
      spec.usage = CertificateSpec::Usage::kServer;
      spec.common_name = dns.empty() ? ips.front() : dns.front();
      spec.dns_names = dns;
      spec.ip_addresses = ips;
      spec.validity = std::chrono::hours(24) * days;
      const Credential c = creditshare::security::IssueCertificate(LoadCa(ca_dir), spec);
      WriteFile(fs::path(out_dir) / "server.key", c.key_pem, true);
      WriteFile(fs::path(out_dir) / "server.crt", c.cert_pem, false);
      std::cout << "server certificate written to " << out_dir << " (serial " << c.serial_hex << ")\n";
    } else if (member_create->parsed()) {
      if (region.size() != 6 || !std::all_of(region.begin(), region.end(), ::isdigit) ||
          !creditshare::domain::IsKnownProvinceCode(region.substr(0, 2)))
        throw AdminError("--region must be a 6-digit code starting with a known province, e.g. 120000");
      creditshare::storage::ConnectionPool pool(database.Resolve());
      creditshare::storage::MemberRepository members(pool);
      creditshare::domain::Member m;
      m.code = code;
      m.name = name;
      m.type = ParseMemberType(type);
      m.region_code = region;
      auto created = members.Create(m);
      if (!created.ok()) throw AdminError("member " + code + ": " + created.error().message);
      if (output == "json") {
        std::cout << "{\"id\": " << created.value().id << ", \"code\": \"" << code << "\"}\n";
      } else {
        std::cout << "member " << code << " created (id " << created.value().id << ")\n";
      }
    } else if (member_list->parsed()) {
      creditshare::storage::ConnectionPool pool(database.Resolve());
      creditshare::storage::MemberRepository members(pool);
      for (const auto& m : members.List()) {
        std::cout << m.code << "\t" << creditshare::domain::ToString(m.type) << "\t" << m.region_code << "\t"
                  << (m.status == creditshare::domain::MemberStatus::kActive ? "active" : "suspended") << "\t" << m.name
                  << "\n";
      }
    } else if (credential_issue->parsed()) {
      creditshare::storage::ConnectionPool pool(database.Resolve());
      creditshare::storage::MemberRepository members(pool);
      if (!members.FindByCode(code)) throw AdminError("unknown member " + code);
      CertificateSpec spec;
      spec.usage = CertificateSpec::Usage::kClient;
      spec.common_name = code;
      spec.validity = std::chrono::hours(24) * days;
      const Credential c = creditshare::security::IssueCertificate(LoadCa(ca_dir), spec);
      WriteFile(fs::path(out_dir) / (code + ".key"), c.key_pem, true);
      WriteFile(fs::path(out_dir) / (code + ".crt"), c.cert_pem, false);
      std::cout << "credential for " << code << " written to " << out_dir << " (sha256:" << c.sha256_fingerprint_hex
                << ")\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "creditshare-admin: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
