// creditshare-admin: operator tool to onboard members. Creates the certificate authority,
// issues server and member certificates (OpenSSL C API), manages members and credentials and
// applies the schema. Every change is recorded in admin_actions with the operator's name.
// Exit codes: 0 success, 1 failure (one clear line on stderr), 2 usage.
#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/borrowers.h"
#include "admin/key_rotation.h"
#include "admin/onboarding.h"
#include "api/proto_mapping.h"
#include "audit/audit_chain.h"
#include "domain/clock.h"
#include "domain/currency.h"
#include "domain/resident_id.h"
#include "security/borrower_keyer.h"
#include "storage/audit_repository.h"
#include "storage/borrower_state.h"
#include "storage/credit_line_repository.h"
#include "storage/key_rotation_repository.h"
#include "storage/protection_repository.h"
#include "storage/report_summary_repository.h"
#include "storage/retention_repository.h"
#include "storage/scorecard_repository.h"
#include "cli_options.h"
#include "policy_file.h"
#include "scorecard_format.h"
#include "security/pki.h"
#include "storage/migrations.h"
#include "storage/sql_time.h"

namespace {

namespace fs = std::filesystem;
using creditshare::admin::Onboarding;
using creditshare::domain::Member;
using creditshare::domain::MemberStatus;
using creditshare::domain::MemberType;
using creditshare::security::CertificateSpec;
using creditshare::security::Credential;
using creditshare::storage::CredentialRecord;
using nlohmann::json;

class AdminError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename T>
T Require(creditshare::domain::Result<T> r) {
  if (!r.ok()) throw AdminError(r.error().message);
  return std::move(r).value();
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw AdminError("cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Private keys are written readable by their owner only.
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

MemberType ParseMemberType(const std::string& s) {
  if (s == "bank") return MemberType::kBank;
  if (s == "consumer_finance") return MemberType::kConsumerFinance;
  if (s == "micro_lender") return MemberType::kMicroLender;
  return MemberType::kRegulator;  // CLI11 has checked the value
}

std::string StatusName(MemberStatus s) { return s == MemberStatus::kActive ? "active" : "suspended"; }

std::string Time(std::chrono::system_clock::time_point t) { return creditshare::storage::FormatDateTime(t) + "Z"; }

json ToJson(const Member& m) {
  json out = {{"id", m.id},     {"code", m.code},     {"name", m.name}, {"type", creditshare::domain::ToString(m.type)},
          {"region", m.region_code}, {"status", StatusName(m.status)}};
  if (m.type == creditshare::domain::MemberType::kRegulator) {
    out["report_scope"] = m.report_scope;
    out["privacy_budget"] =
        m.privacy_budget_milli ? json(creditshare::domain::FormatEpsilon(*m.privacy_budget_milli)) : json("default");
  }
  return out;
}

json ToJson(const CredentialRecord& c) {
  return {{"member", c.member_code},
          {"serial", c.serial_hex},
          {"fingerprint_sha256", c.fingerprint_sha256},
          {"not_after", Time(c.not_after)},
          {"issued_at", Time(c.issued_at)},
          {"issued_by", c.issued_by},
          {"revoked_at", c.revoked_at ? json(Time(*c.revoked_at)) : json(nullptr)},
          {"revoked_by", c.revoked_by},
          {"revoke_reason", c.revoke_reason}};
}

void PrintMembers(const std::vector<Member>& members, bool as_json) {
  if (as_json) {
    json out = json::array();
    for (const auto& m : members) out.push_back(ToJson(m));
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << std::left << std::setw(20) << "CODE" << std::setw(18) << "TYPE" << std::setw(8) << "REGION"
            << std::setw(11) << "STATUS" << "NAME\n";
  for (const auto& m : members)
    std::cout << std::left << std::setw(20) << m.code << std::setw(18) << creditshare::domain::ToString(m.type)
              << std::setw(8) << m.region_code << std::setw(11) << StatusName(m.status) << m.name << "\n";
}

void PrintCredentials(const std::vector<CredentialRecord>& creds, bool as_json) {
  if (as_json) {
    json out = json::array();
    for (const auto& c : creds) out.push_back(ToJson(c));
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << std::left << std::setw(34) << "SERIAL" << std::setw(22) << "NOT AFTER" << std::setw(10) << "STATE"
            << "SHA-256 FINGERPRINT\n";
  for (const auto& c : creds)
    std::cout << std::left << std::setw(34) << c.serial_hex << std::setw(22) << Time(c.not_after) << std::setw(10)
              << (c.revoked_at ? "revoked" : "valid") << c.fingerprint_sha256 << "\n";
}

// Microseconds since the epoch at 00:00 China Standard Time of a YYYY-MM-DD date.
std::int64_t DayStartMicros(const std::string& text, const char* option) {
  const auto d = creditshare::domain::Date::Parse(text);
  if (!d) throw AdminError(std::string(option) + " must be a date like 2026-11-23");
  return (d->DaysSinceEpoch() * 86400LL - 8 * 3600LL) * 1'000'000LL;
}

json ToJson(const creditshare::domain::AuditRecord& r) {
  const auto& e = r.event;
  const auto at = std::chrono::system_clock::time_point(std::chrono::microseconds(e.at_us));
  return {{"id", r.id},
          {"at", Time(at)},
          {"principal", e.principal},
          {"method", e.method},
          {"purpose", std::string(creditshare::domain::ToString(static_cast<creditshare::domain::Purpose>(e.purpose)))},
          {"consent_reference", e.consent_reference},
          {"borrower_key", creditshare::security::ToHex(e.borrower_key)},
          {"result_code", e.result_code},
          {"request_id", e.request_id},
          {"latency_us", e.latency_us},
          {"certificate_sha256", e.cert_fingerprint},
          {"lane", r.lane},
          {"chain_seq", r.chain_seq}};
}

std::string DefaultActor() {
  const char* user = std::getenv("USER");
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  return std::string(user ? user : "operator") + "@" + host;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"creditshare-admin: onboard member institutions and manage the service's PKI and schema.\n"
               "Database options take CREDITSHARE_DB_* environment variables, like the server's."};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--output, --db-*) may follow the subcommand
  creditshare::DatabaseOptions database;
  database.AddTo(app);
  std::string output = "table";
  std::string actor = DefaultActor();
  app.add_option("--output", output, "table or json (csv: member scorecard only)")
      ->check(CLI::IsMember({"table", "json", "csv"}))->capture_default_str();
  app.add_option("--actor", actor, "Operator name recorded with every change")
      ->envname("CREDITSHARE_ADMIN_ACTOR")->capture_default_str();

  auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations");

  std::string ca_dir = "pki";
  auto add_ca_dir = [&](CLI::App* cmd) {
    cmd->add_option("--ca-dir", ca_dir, "Directory holding ca.key and ca.crt")
        ->envname("CREDITSHARE_CA_DIR")->capture_default_str();
  };
  auto* ca = app.add_subcommand("ca", "The certificate authority for member and server certificates");
  ca->require_subcommand(1);
  auto* ca_init = ca->add_subcommand("init", "Create the CA key and self-signed certificate (refuses to overwrite)");
  std::string ca_name = "creditshare member CA";
  int ca_days = 3650;
  ca_init->add_option("--dir", ca_dir, "Directory for ca.key and ca.crt")->envname("CREDITSHARE_CA_DIR")->capture_default_str();
  ca_init->add_option("--name", ca_name, "CA common name")->capture_default_str();
  ca_init->add_option("--days", ca_days, "Validity in days")->check(CLI::Range(1, 36500))->capture_default_str();

  auto* server_cert = app.add_subcommand("server-cert", "The server's own TLS certificate");
  server_cert->require_subcommand(1);
  auto* server_issue = server_cert->add_subcommand("issue", "Issue a server certificate signed by the CA");
  std::vector<std::string> dns, ips;
  std::string out_dir;
  int days = 365;
  add_ca_dir(server_issue);
  server_issue->add_option("--dns", dns, "DNS name(s) the server answers to");
  server_issue->add_option("--ip", ips, "IP address(es) the server answers on");
  server_issue->add_option("--out", out_dir, "Directory for server.key and server.crt")->required();
  server_issue->add_option("--days", days, "Validity in days")->check(CLI::Range(1, 3650))->capture_default_str();

  auto* member = app.add_subcommand("member", "Member institutions");
  member->require_subcommand(1);
  std::string code, name, type, region, reason;
  auto* member_create = member->add_subcommand("create", "Register a member");
  member_create->add_option("--code", code, "Unique member code (the CN of its certificates)")->required();
  member_create->add_option("--name", name, "Institution name")->required();
  member_create->add_option("--type", type, "bank, consumer_finance, micro_lender or regulator")
      ->required()->check(CLI::IsMember({"bank", "consumer_finance", "micro_lender", "regulator"}));
  member_create->add_option("--region", region, "6-digit region code, e.g. 120000 for Tianjin")->required();
  auto* member_list = member->add_subcommand("list", "List members");
  auto* member_show = member->add_subcommand("show", "A member and its credentials");
  member_show->add_option("member", code, "Member code")->required();
  auto* member_suspend = member->add_subcommand("suspend", "Refuse every call of a member (within the auth cache time)");
  member_suspend->add_option("member", code, "Member code")->required();
  auto* member_alerts = member->add_subcommand("alerts", "The kinds of post-loan alert a lender receives; --kinds sets them");
  std::string alert_kinds;
  member_alerts->add_option("member", code, "Member code")->required();
  member_alerts->add_option("--kinds", alert_kinds,
                            "all, or comma-separated: new_line, new_reservation, application_inquiry, past_due, "
                            "restructured, collections, charged_off, dispute_filed");
  auto* member_reciprocity = member->add_subcommand(
      "reciprocity", "Exempt a member from reciprocity (--exempt on) or require it again (--exempt off)");
  std::string exempt;
  member_reciprocity->add_option("member", code, "Member code")->required();
  member_reciprocity->add_option("--exempt", exempt, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  auto* member_regulator = member->add_subcommand(
      "regulator", "A regulator's report scope and privacy budget per month; --scope and --budget change them");
  std::string report_scope, privacy_budget;
  member_regulator->add_option("member", code, "Regulator member code")->required();
  member_regulator->add_option("--scope", report_scope,
                               "national, a province code (12) or a prefecture code (1201); default at onboarding: "
                               "the member's registered region");
  member_regulator->add_option("--budget", privacy_budget,
                               "ε a regulator may spend on each month's data (e.g. 20), or 'default' for the "
                               "server's --privacy-budget");
  auto* member_scorecard = member->add_subcommand(
      "scorecard", "Data-quality scorecards of every lender, or of one (table, --output csv or json)");
  std::string scorecard_code, scorecard_from, scorecard_to;
  member_scorecard->add_option("member", scorecard_code, "Member code (default: every lender)");
  member_scorecard->add_option("--from", scorecard_from, "First month, YYYY-MM (default: 5 months before --to)");
  member_scorecard->add_option("--to", scorecard_to, "Last month, YYYY-MM (default: the current month)");
  auto* member_resume = member->add_subcommand("resume", "Let a suspended member call again");
  member_resume->add_option("member", code, "Member code")->required();

  auto* credential = app.add_subcommand("credential", "Member client certificates");
  credential->require_subcommand(1);
  auto* credential_issue = credential->add_subcommand("issue", "Issue a key and client certificate for a member");
  credential_issue->add_option("member", code, "Member code")->required();
  add_ca_dir(credential_issue);
  credential_issue->add_option("--out", out_dir, "Directory for MEMBER.key and MEMBER.crt")->required();
  credential_issue->add_option("--days", days, "Validity in days")->check(CLI::Range(1, 3650))->capture_default_str();
  auto* credential_list = credential->add_subcommand("list", "A member's credentials");
  credential_list->add_option("member", code, "Member code")->required();
  auto* credential_revoke = credential->add_subcommand("revoke", "Revoke a credential by fingerprint or serial");
  std::string key;
  credential_revoke->add_option("credential", key, "SHA-256 fingerprint or serial number (hex)")->required();
  credential_revoke->add_option("--reason", reason, "Why (recorded)")->capture_default_str();

  auto* audit = app.add_subcommand("audit", "The tamper-evident audit log");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand("verify", "Re-walk the hash chain; exit 1 at the first broken record");
  auto* audit_seal = audit->add_subcommand("seal", "Chain every record not yet sealed (the server does this itself)");
  auto* audit_export = audit->add_subcommand(
      "export", "Records by member, borrower and period (for regulators and \"who looked at me\" requests)");
  std::string export_member, export_borrower, hmac_key_file, from_date, to_date;
  int export_limit = 100000;
  audit_export->add_option("--member", export_member, "Member code (the principal)");
  audit_export->add_option("--borrower-id", export_borrower, "Borrower's resident ID (hashed, never stored)");
  audit_export->add_option("--hmac-key-file", hmac_key_file, "The server's HMAC key, needed with --borrower-id")
      ->envname("CREDITSHARE_HMAC_KEY_FILE");
  audit_export->add_option("--from", from_date, "First day, YYYY-MM-DD (China Standard Time)");
  audit_export->add_option("--to", to_date, "Last day, YYYY-MM-DD (inclusive)");
  audit_export->add_option("--limit", export_limit, "Most records")->capture_default_str();

  auto* retention = app.add_subcommand("retention", "Negative-information retention (5 years after the event ended)");
  retention->require_subcommand(1);
  auto* retention_purge =
      retention->add_subcommand("purge", "Delete negative information whose retention ran out (run daily, e.g. a CronJob)");
  std::string purge_today;
  int alert_retention_days = creditshare::domain::kDefaultAlertRetentionDays;
  retention_purge->add_option("--today", purge_today, "Business date to purge as of (default: today, China time)");
  retention_purge->add_option("--alert-retention-days", alert_retention_days, "Alerts older than this are deleted")
      ->envname("CREDITSHARE_ALERT_RETENTION_DAYS")->check(CLI::Range(1, 3650))->capture_default_str();
  int notice_retention_days = creditshare::domain::kDefaultNoticeRetentionDays;
  retention_purge->add_option("--notice-retention-days", notice_retention_days, "Access notices older than this are deleted")
      ->envname("CREDITSHARE_NOTICE_RETENTION_DAYS")->check(CLI::Range(1, 3650))->capture_default_str();

  auto* summary = app.add_subcommand("report-summary", "The summaries regulator reports read");
  summary->require_subcommand(1);
  auto* summary_build = summary->add_subcommand(
      "build", "Rebuild one month's summary now, e.g. after a backfill (the server refreshes the current and "
               "previous month itself)");
  std::string summary_month, summary_currency = "CNY", policy_file;
  summary_build->add_option("--month", summary_month, "YYYY-MM")->required();
  summary_build->add_option("--currency", summary_currency, "ISO 4217 code")->capture_default_str();
  summary_build->add_option("--policy-file", policy_file,
                            "The server's credit policy (its regulator_privacy bounds); default: the built-in bounds")
      ->envname("CREDITSHARE_POLICY_FILE");

  auto* keys = app.add_subcommand("keys", "Rotate the borrower key set (docs/operations.md)");
  keys->require_subcommand(1);
  std::string key_set_file;
  int rekey_batch = 1000;
  auto* keys_add = keys->add_subcommand("add", "Step 1: add a new version with a fresh key (not yet current)");
  auto* keys_promote = keys->add_subcommand("promote", "Step 2: make the new version current");
  auto* keys_rekey = keys->add_subcommand(
      "rekey", "Step 3: move every stored value to the current version and retire the other (runs while serving)");
  auto* keys_retire = keys->add_subcommand("retire", "Step 4: remove the retired version's key from the file");
  auto* keys_status = keys->add_subcommand("status", "Stored rows per key version, and the versions' states");
  for (auto* c : {keys_add, keys_promote, keys_rekey, keys_retire, keys_status})
    c->add_option("--key-set", key_set_file, "The key set file the servers read (--hmac-key-file)")
        ->envname("CREDITSHARE_HMAC_KEY_FILE")
        ->required();
  keys_rekey->add_option("--batch", rekey_batch, "Rows per transaction")->check(CLI::Range(1, 10000))->capture_default_str();
  int server_max_age = creditshare::admin::kDefaultServerMaxAgeSeconds;
  for (auto* c : {keys_promote, keys_rekey})
    c->add_option("--server-max-age-s", server_max_age,
                  "Servers that reported their key set within this long must have read it before this step")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();

  auto* borrower = app.add_subcommand(
      "borrower", "A borrower's protections and own report, on the borrower's verified request (docs/operations.md)");
  borrower->require_subcommand(1);
  std::string borrower_resident_id, borrower_key_file, protect_reference, protect_statement, protect_fraud_alert,
      protect_freeze, protect_notices, report_html;
  bool clear_statement = false;
  auto* borrower_protect = borrower->add_subcommand(
      "protect", "Set or lift the borrower's statement, fraud alert, freeze or access notices (recorded)");
  auto* borrower_show = borrower->add_subcommand("show", "The borrower's protections");
  auto* borrower_report = borrower->add_subcommand(
      "report", "The borrower's own report: every line with its lender, history, disputes, protections, 2 years of "
                "inquiries (JSON on stdout; --html for a printable page)");
  auto* borrower_build_states = borrower->add_subcommand(
      "build-states", "Build every borrower state still missing (after migration 0019 or a bulk load; the servers also "
                      "build them in the background)");
  std::string borrower_id_file;
  for (auto* c : {borrower_protect, borrower_show, borrower_report}) {
    auto* by_value = c->add_option("--resident-id", borrower_resident_id, "The borrower's resident ID (keyed, never stored)");
    auto* by_file = c->add_option("--resident-id-file", borrower_id_file,
                                  "Read the resident ID from this file (- for stdin), keeping it out of the process list "
                                  "and shell history");
    by_value->excludes(by_file);  // one of the two is required: checked when it runs
    c->add_option("--hmac-key-file", borrower_key_file, "The servers' borrower key set")
        ->envname("CREDITSHARE_HMAC_KEY_FILE")
        ->required();
  }
  for (auto* c : {borrower_protect, borrower_report})
    c->add_option("--reference", protect_reference, "Your reference to the borrower's verified request (recorded)")
        ->required();
  borrower_protect->add_option("--statement", protect_statement, "The borrower's statement, up to 200 characters");
  borrower_protect->add_flag("--clear-statement", clear_statement, "Remove the statement");
  borrower_protect->add_option("--fraud-alert", protect_fraud_alert, "initial (1 year), extended (7 years) or lift")
      ->check(CLI::IsMember({"initial", "extended", "lift"}));
  borrower_protect->add_option("--freeze", protect_freeze, "on or off")->check(CLI::IsMember({"on", "off"}));
  borrower_protect->add_option("--notices", protect_notices, "on or off: an access notice for every inquiry")
      ->check(CLI::IsMember({"on", "off"}));
  borrower_report->add_option("--html", report_html, "Also write the report as a printable HTML page here");
  auto* notices = app.add_subcommand("notices", "Access notices, for the operator's delivery job");
  notices->require_subcommand(1);
  auto* notices_list = notices->add_subcommand("list", "Notices after a cursor, one JSON object per line, oldest first");
  std::uint64_t notices_after = 0;
  int notices_limit = 1000, notices_settle_s = 5;
  notices_list->add_option("--after", notices_after, "The id of the last notice delivered (0: from the start)");
  notices_list->add_option("--limit", notices_limit, "Most notices")->check(CLI::Range(1, 100000))->capture_default_str();
  notices_list->add_option("--settle-s", notices_settle_s, "Stay this far behind the newest, so none is still committing")
      ->check(CLI::Range(0, 3600))->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  const bool as_json = output == "json";

  try {
    if (ca_init->parsed()) {
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
      std::cout << "CA created in " << dir.string() << " (sha256:" << c.sha256_fingerprint_hex << ")\n";
      return 0;
    }
    if (keys_add->parsed()) {
      const int version = creditshare::admin::AddKeyVersion(key_set_file);
      const auto set = creditshare::admin::ReadKeySet(key_set_file);
      if (as_json)
        std::cout << json{{"version", version}, {"current", set.current}}.dump() << "\n";
      else
        std::cout << "key version " << version << " added to " << key_set_file << " (current stays " << set.current
                  << "); once every server has read it, run `keys promote`\n";
      return 0;
    }
    if (server_issue->parsed()) {
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
      return 0;
    }

    // Everything below works on the database, as operator batch work: migrations and purges
    // may run one statement for minutes.
    auto db = database.Resolve();
    db.read_timeout_seconds = creditshare::storage::DbConfig::kBatchReadTimeoutSeconds;
    creditshare::storage::ConnectionPool pool(db);
    if (migrate->parsed()) {
      auto conn = pool.OpenUnpooled();
      const auto applied = creditshare::storage::ApplyMigrations(*conn);
      std::cout << "schema at version " << creditshare::storage::CurrentSchemaVersion(*conn) << " (applied "
                << applied.size() << ")\n";
      return 0;
    }
    {
      auto conn = pool.Acquire();
      if (auto behind = creditshare::storage::CheckSchemaVersion(*conn)) throw AdminError(behind->message);
    }
    Onboarding onboarding(pool, actor);
    if (summary_build->parsed()) {
      namespace domain = creditshare::domain;
      const auto month = domain::Date::Parse(summary_month + "-01");
      if (!month) throw AdminError("--month must be a month, YYYY-MM");
      if (auto e = domain::CheckCurrency(summary_currency, "currency")) throw AdminError(e->field + ": " + e->message);
      const auto policy = policy_file.empty() ? domain::CreditPolicy{} : creditshare::LoadCreditPolicy(policy_file);
      const domain::SystemClock clock;
      creditshare::storage::ReportSummaryRepository summaries(pool, policy.privacy, clock);
      const auto started = std::chrono::steady_clock::now();
      const auto build = summaries.Rebuild(*month, summary_currency);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      creditshare::storage::RunTransaction(pool, [&](creditshare::storage::Connection& conn)
                                                     -> creditshare::domain::Result<bool> {
        creditshare::storage::AdminActionRepository::Record(conn, actor, "report_summary.build",
                                                            summary_month + " " + summary_currency,
                                                            std::to_string(build.source_lines) + " records");
        return true;
      });
      if (as_json) {
        std::cout << json{{"month", summary_month}, {"currency", summary_currency}, {"records", build.source_lines},
                          {"seconds", seconds}, {"digest", creditshare::security::ToHex(build.digest)}}
                         .dump()
                  << "\n";
      } else {
        std::cout << "summary of " << summary_month << " in " << summary_currency << ": " << build.source_lines
                  << " monthly records in " << std::fixed << std::setprecision(2) << seconds << " s\n";
      }
      return 0;
    }
    if (retention_purge->parsed()) {
      auto today = creditshare::domain::SystemClock().Today();
      if (!purge_today.empty()) {
        const auto d = creditshare::domain::Date::Parse(purge_today);
        if (!d) throw AdminError("--today must be a date like 2026-11-23");
        today = *d;
      }
      using Counts = creditshare::storage::RetentionRepository::PurgeCounts;
      creditshare::storage::RetentionRepository retention_repo(pool);
      const long alerts_deleted = retention_repo.PurgeAlerts(creditshare::domain::AlertRetentionCutoff(
          creditshare::domain::SystemClock().NowMicros(), alert_retention_days));
      const long receipts_deleted = retention_repo.PurgeReceipts(creditshare::domain::OldestScorecardMonth(today));
      const long notices_deleted = retention_repo.PurgeNotices(creditshare::domain::AlertRetentionCutoff(
          creditshare::domain::SystemClock().NowMicros(), notice_retention_days));
      const auto counts = retention_repo.Purge(
          today, [&](creditshare::storage::Connection& conn, const Counts& c) {
            creditshare::storage::AdminActionRepository::Record(
                conn, actor, "retention.purge", today.ToString(),
                "months=" + std::to_string(c.months_deleted) + " lines=" + std::to_string(c.lines_cleared) +
                    " alerts=" + std::to_string(alerts_deleted) + " receipts=" + std::to_string(receipts_deleted) +
                    " notices=" + std::to_string(notices_deleted));
          });
      if (as_json) {
        std::cout << json{{"today", today.ToString()}, {"lines_reviewed", counts.lines_reviewed},
                          {"months_deleted", counts.months_deleted},
                          {"lines_cleared", counts.lines_cleared}, {"alerts_deleted", alerts_deleted},
                          {"receipts_deleted", receipts_deleted}, {"notices_deleted", notices_deleted}}.dump() << "\n";
      } else {
        std::cout << "purged negative information as of " << today.ToString() << ": " << counts.months_deleted
                  << " monthly records deleted, " << counts.lines_cleared << " lines cleared; " << alerts_deleted
                  << " alerts older than " << alert_retention_days << " days deleted; " << receipts_deleted
                  << " scorecard receipt rows before " << creditshare::domain::OldestScorecardMonth(today).ToString()
                  << " deleted; " << notices_deleted << " access notices older than " << notice_retention_days
                  << " days deleted\n";
      }
      return 0;
    }
    if (keys_promote->parsed()) {
      const int version = creditshare::admin::PromoteKeyVersion(pool, key_set_file, server_max_age);
      if (as_json)
        std::cout << json{{"version", version}, {"current", version}}.dump() << "\n";
      else
        std::cout << "key version " << version << " is current in " << key_set_file
                  << "; once every server has read it, run `keys rekey`\n";
      return 0;
    }
    if (keys_rekey->parsed()) {
      const auto keyer = creditshare::security::BorrowerKeyer::FromFile(key_set_file);
      const auto report = creditshare::admin::Rekey(
          pool, keyer, actor, rekey_batch,
          [&](const std::string& line) {
            if (!as_json) std::cout << line << "\n" << std::flush;
          },
          server_max_age);
      if (as_json) {
        std::cout << json{{"from", report.from}, {"to", report.to}, {"passes", report.passes},
                          {"converted", report.converted}, {"audit_head_before", report.head_before}}.dump()
                  << "\n";
      } else {
        std::cout << "stored values moved from key version " << report.from << " to " << report.to << " in "
                  << report.passes << " pass(es); version " << report.from
                  << " is retired: run `keys retire`, then destroy its key\n";
      }
      return 0;
    }
    if (keys_retire->parsed()) {
      const int old = creditshare::admin::RetireKeyVersion(pool, key_set_file);
      std::cout << "key version " << old << " removed from " << key_set_file
                << "; destroy every other copy of it (backups of the key set included)\n";
      return 0;
    }
    if (keys_status->parsed()) {
      const auto set = creditshare::admin::ReadKeySet(key_set_file);
      const auto counts = creditshare::admin::KeyVersionCounts(pool);
      const auto states = creditshare::storage::KeyVersionRepository(pool).Read();
      json tables = json::object();
      for (const auto& [table, by_version] : counts)
        for (const auto& [version, n] : by_version) tables[table][std::to_string(version)] = n;
      json stored = json::object();
      for (const auto& [version, state] : states)
        stored[std::to_string(version)] = state == creditshare::domain::KeyVersionState::kRetired ? "retired" : "in_use";
      std::vector<int> in_file;
      for (const auto& v : set.versions) in_file.push_back(v.version);
      std::cout << json{{"current", set.current}, {"versions_in_file", in_file}, {"stored_versions", stored},
                        {"rows", tables}}.dump(as_json ? -1 : 2)
                << "\n";
      return 0;
    }
    if (borrower_protect->parsed() || borrower_show->parsed() || borrower_report->parsed()) {
      namespace domain = creditshare::domain;
      const domain::SystemClock clock;
      if (!borrower_id_file.empty()) {
        std::string line;
        if (borrower_id_file == "-") {
          std::getline(std::cin, line);
        } else {
          std::ifstream in(borrower_id_file);
          if (!in) throw AdminError("cannot read --resident-id-file " + borrower_id_file);
          std::getline(in, line);
        }
        borrower_resident_id = line;
      }
      if (borrower_resident_id.empty()) throw AdminError("give --resident-id or --resident-id-file");
      auto id = domain::ResidentId::Parse(borrower_resident_id, clock.Today(), "--resident-id");
      if (!id.ok()) throw AdminError(id.error().field + " " + id.error().message);
      const auto keyer = creditshare::security::BorrowerKeyer::FromFile(borrower_key_file);
      // A stale key set would create the borrower a second time, under a version nobody reads.
      if (auto problem = domain::KeySetProblem(creditshare::storage::KeyVersionRepository(pool).Read(),
                                               keyer.current_version(), keyer.versions()))
        throw AdminError("--hmac-key-file: " + *problem);
      if (borrower_report->parsed()) {
        const auto report = creditshare::admin::BuildBorrowerReport(pool, keyer, id.value(), clock.NowMicros());
        if (!report_html.empty()) WriteFile(report_html, creditshare::admin::ReportHtml(report), true);
        creditshare::storage::RunTransaction(pool, [&](creditshare::storage::Connection& conn)
                                                       -> domain::Result<bool> {
          creditshare::storage::AdminActionRepository::Record(conn, actor, "borrower.report",
                                                              "borrower:" + std::to_string(report.record.protections.borrower_id),
                                                              "reference=" + protect_reference);
          return true;
        });
        std::cout << creditshare::admin::ReportJson(report).dump(as_json ? -1 : 2) << "\n";
        return 0;
      }
      domain::Protections p;
      if (borrower_protect->parsed()) {
        creditshare::admin::ProtectionChange change;
        change.reference = protect_reference;
        if (clear_statement && !protect_statement.empty()) throw AdminError("give --statement or --clear-statement, not both");
        if (clear_statement) change.statement = "";
        if (!protect_statement.empty()) change.statement = protect_statement;
        if (!protect_fraud_alert.empty())
          change.fraud_alert = protect_fraud_alert == "lift" ? domain::FraudAlertKind::kNone
                                                             : *domain::ParseFraudAlertKind(protect_fraud_alert);
        if (!protect_freeze.empty()) change.frozen = protect_freeze == "on";
        if (!protect_notices.empty()) change.notices = protect_notices == "on";
        if (!change.statement && !change.fraud_alert && !change.frozen && !change.notices)
          throw AdminError("nothing to change: give --statement, --clear-statement, --fraud-alert, --freeze or --notices");
        try {
          p = creditshare::admin::Protect(pool, keyer, actor, id.value(), change, clock.NowMicros());
        } catch (const std::invalid_argument& e) {
          throw AdminError(e.what());
        }
      } else {
        p = creditshare::storage::ProtectionRepository(pool).Read(keyer.BorrowerKey(id.value()));
      }
      std::cout << creditshare::admin::ProtectionsJson(p, clock.Today()).dump(as_json ? -1 : 2) << "\n";
      return 0;
    }
    if (notices_list->parsed()) {
      const auto rows =
          creditshare::storage::ProtectionRepository(pool).NoticesAfter(notices_after, notices_settle_s, notices_limit);
      for (const auto& n : rows)
        std::cout << json{{"id", n.id},
                          {"reference", n.reference},
                          {"member_type", creditshare::domain::ToString(n.member_type)},
                          {"purpose", creditshare::domain::ToString(n.purpose)},
                          {"refused", n.refused},
                          {"at_unix_seconds", n.at_us / 1'000'000}}
                         .dump()
                  << "\n";
      return 0;
    }
    if (audit_verify->parsed()) {
      const auto report = creditshare::audit::VerifyChain(pool);
      if (report.broken_record_id)
        throw AdminError("audit chain broken at record " + std::to_string(*report.broken_record_id) + ": " +
                         report.problem);
      if (as_json) {
        std::cout << json{{"intact", true}, {"sealed", report.sealed}, {"unsealed", report.unsealed},
                          {"lanes", report.lanes}, {"checkpoints", report.checkpoints}}
                         .dump()
                  << "\n";
      } else {
        std::cout << "audit chain intact: " << report.sealed << " sealed records in " << report.lanes << " lanes, "
                  << report.unsealed << " awaiting sealing\n";
      }
      return 0;
    }
    if (borrower_build_states->parsed()) {
      const auto started = std::chrono::steady_clock::now();
      const creditshare::domain::SystemClock clock;
      creditshare::storage::BorrowerStateBuilder builder(db, clock, {10000, 64, 5000});
      const int built = builder.BuildAll();
      std::cout << "built " << built << " borrower states in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s\n";
      return 0;
    }
    if (audit_seal->parsed()) {
      creditshare::audit::Sealer sealer(pool);
      const long sealed = sealer.SealAll();
      std::cout << "sealed " << sealed << " records; checkpointed " << sealer.Checkpoint() << " lanes\n";
      return 0;
    }
    if (audit_export->parsed()) {
      creditshare::storage::AuditFilter filter;
      if (!export_member.empty()) filter.principal = export_member;
      if (!export_borrower.empty()) {
        if (hmac_key_file.empty()) throw AdminError("--borrower-id needs --hmac-key-file");
        const auto keyer = creditshare::security::BorrowerKeyer::FromFile(hmac_key_file);
        auto id = creditshare::domain::ResidentId::Parse(export_borrower, creditshare::domain::SystemClock().Today(),
                                                         "--borrower-id");
        if (!id.ok()) throw AdminError(id.error().field + " " + id.error().message);
        filter.borrower_key = keyer.BorrowerKey(id.value());
      }
      if (!from_date.empty()) filter.from_us = DayStartMicros(from_date, "--from");
      if (!to_date.empty()) filter.to_us = DayStartMicros(to_date, "--to") + 86'400'000'000LL;
      const auto records = creditshare::storage::AuditRepository(pool).Find(filter, export_limit);
      for (const auto& r : records) {
        if (as_json) {
          std::cout << ToJson(r).dump() << "\n";  // one JSON object per line
        } else {
          const auto j = ToJson(r);
          std::cout << j["at"].get<std::string>() << "  " << std::left << std::setw(20) << r.event.principal
                    << std::setw(22) << r.event.method << std::setw(22) << j["purpose"].get<std::string>()
                    << "code " << r.event.result_code << "  request " << r.event.request_id << "\n";
        }
      }
      return 0;
    }
    if (member_create->parsed()) {
      Member m;
      m.code = code;
      m.name = name;
      m.type = ParseMemberType(type);
      m.region_code = region;
      const auto created = Require(onboarding.CreateMember(m));
      if (as_json) {
        std::cout << ToJson(created).dump(2) << "\n";
      } else {
        std::cout << "member " << created.code << " created (id " << created.id << ")\n";
      }
    } else if (member_list->parsed()) {
      PrintMembers(onboarding.ListMembers(), as_json);
    } else if (member_show->parsed()) {
      const auto details = Require(onboarding.ShowMember(code));
      if (as_json) {
        json out = ToJson(details.member);
        out["credentials"] = json::array();
        for (const auto& c : details.credentials) out["credentials"].push_back(ToJson(c));
        std::cout << out.dump(2) << "\n";
      } else {
        PrintMembers({details.member}, false);
        std::cout << "\n";
        PrintCredentials(details.credentials, false);
      }
    } else if (member_reciprocity->parsed()) {
      const auto m = Require(onboarding.SetReciprocityExempt(code, exempt == "on"));
      if (as_json) {
        std::cout << json{{"member", m.code}, {"reciprocity_exempt", exempt == "on"}}.dump() << "\n";
      } else {
        std::cout << "member " << m.code << (exempt == "on" ? " is exempt from reciprocity" : " must report to inquire")
                  << "\n";
      }
    } else if (member_regulator->parsed()) {
      auto opt = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
      const auto m = Require(onboarding.RegulatorSettings(code, opt(report_scope), opt(privacy_budget)));
      if (as_json) {
        std::cout << ToJson(m).dump() << "\n";
      } else {
        std::cout << "regulator " << m.code << ": scope " << m.report_scope << ", privacy budget "
                  << (m.privacy_budget_milli ? "ε " + creditshare::domain::FormatEpsilon(*m.privacy_budget_milli)
                                             : std::string("the server's default"))
                  << " per month of data\n";
      }
    } else if (member_scorecard->parsed()) {
      namespace domain = creditshare::domain;
      auto month = [](const std::string& text, const char* option) -> std::optional<domain::Date> {
        if (text.empty()) return std::nullopt;
        const auto d = domain::Date::Parse(text + "-01");
        if (!d) throw AdminError(std::string(option) + ": must be a month, YYYY-MM");
        return *d;
      };
      const domain::Date today = domain::SystemClock().Today();
      auto range = domain::ScorecardRange(month(scorecard_from, "--from"), month(scorecard_to, "--to"), today,
                                          "--from", "--to");
      if (!range.ok()) throw AdminError(range.error().field + ": " + range.error().message);
      std::vector<Member> lenders;
      if (scorecard_code.empty()) {
        for (auto& m : onboarding.ListMembers())
          if (domain::IsLender(m.type)) lenders.push_back(std::move(m));
      } else {
        lenders.push_back(Require(onboarding.ShowMember(scorecard_code)).member);
        if (!domain::IsLender(lenders.back().type)) throw AdminError("member " + scorecard_code + " is not a lender");
      }
      creditshare::storage::ScorecardRepository scorecards(pool, pool);
      std::vector<creditshare::v1::MemberScorecard> cards;
      for (const auto& m : lenders) {
        auto& card = cards.emplace_back();
        card.set_member_code(m.code);
        const auto facts = scorecards.Facts(m.id, range.value(), today);
        for (const auto& month_figures : domain::BuildScorecard(facts, range.value().first, range.value().last, today))
          creditshare::api::ToProto(month_figures, card.add_months());
      }
      creditshare::client::WriteScorecards(cards, output, std::cout);
    } else if (member_alerts->parsed()) {
      std::optional<creditshare::domain::AlertKindSet> kinds;
      if (!alert_kinds.empty()) {
        auto parsed = creditshare::domain::ParseAlertKinds(alert_kinds, "--kinds");
        if (!parsed.ok()) throw AdminError(parsed.error().field + ": " + parsed.error().message);
        kinds = parsed.value();
      }
      const auto now = Require(onboarding.MemberAlertKinds(code, kinds));
      if (as_json) {
        std::cout << json{{"member", code}, {"alert_kinds", creditshare::domain::FormatAlertKinds(now)}}.dump() << "\n";
      } else {
        std::cout << "member " << code << " receives alerts: " << creditshare::domain::FormatAlertKinds(now) << "\n";
      }
    } else if (member_suspend->parsed() || member_resume->parsed()) {
      const auto m = Require(onboarding.SetMemberStatus(
          code, member_suspend->parsed() ? MemberStatus::kSuspended : MemberStatus::kActive));
      if (as_json) {
        std::cout << ToJson(m).dump(2) << "\n";
      } else {
        std::cout << "member " << m.code << " is now " << StatusName(m.status) << "\n";
      }
    } else if (credential_issue->parsed()) {
      const auto issued = Require(onboarding.IssueCredential(code, LoadCa(ca_dir), std::chrono::hours(24) * days));
      const fs::path out(out_dir);
      WriteFile(out / (code + ".key"), issued.credential.key_pem, true);
      WriteFile(out / (code + ".crt"), issued.credential.cert_pem, false);
      if (as_json) {
        json j = ToJson(issued.record);
        j["key_file"] = (out / (code + ".key")).string();
        j["cert_file"] = (out / (code + ".crt")).string();
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << "credential for " << code << " written to " << out_dir << " (serial " << issued.record.serial_hex
                  << ", sha256:" << issued.record.fingerprint_sha256 << ", expires " << Time(issued.record.not_after)
                  << ")\n";
      }
    } else if (credential_list->parsed()) {
      PrintCredentials(Require(onboarding.ShowMember(code)).credentials, as_json);
    } else if (credential_revoke->parsed()) {
      const auto revoked = Require(onboarding.RevokeCredential(key, reason));
      if (as_json) {
        std::cout << ToJson(revoked).dump(2) << "\n";
      } else {
        std::cout << "credential " << revoked.serial_hex << " of " << revoked.member_code << " revoked\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "creditshare-admin: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
