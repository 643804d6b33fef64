// creditshare: the lender command line. Reports credit lines and queries borrower exposure over
// mTLS. Exit codes: 0 success, 1 local error (files, arguments), 2 usage (CLI11: 105-115), 3 the
// service refused or failed the call (its gRPC status is printed), 4 a file was reported but some
// records were rejected (see the rejects file).
#include <CLI/CLI.hpp>
#include <google/protobuf/util/json_util.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <cctype>
#include <iomanip>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>

#include "bulk_file.h"
#include "creditshare_client.h"
#include "scorecard_format.h"

namespace {

namespace v1 = creditshare::v1;
using creditshare::client::Client;
using creditshare::client::ClientOptions;

constexpr int kExitLocalError = 1;
constexpr int kExitRpcError = 3;
constexpr int kExitSomeRejected = 4;

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}
std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "online_micro_loan" -> PRODUCT_TYPE_ONLINE_MICRO_LOAN via the generated parser.
template <typename E, typename ParseFn>
E ParseEnum(const std::string& text, const std::string& prefix, ParseFn parse, const char* option) {
  E value{};
  if (!parse(prefix + Upper(text), &value) || static_cast<int>(value) == 0)
    throw CLI::ValidationError(option, "unknown value '" + text + "'");
  return value;
}
template <typename E, typename NameFn>
std::string EnumName(E value, const std::string& prefix, NameFn name) {
  std::string s = name(value);
  return Lower(s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s);
}

// Amounts are typed in major units with up to two decimals ("50000", "1234.5") and sent in
// minor units (fen).
int64_t ParseAmount(const std::string& text, const char* option) {
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto digits = [](const std::string& s) { return std::all_of(s.begin(), s.end(), ::isdigit); };
  if (whole.empty() || !digits(whole) || frac.size() > 2 || !digits(frac) || whole.size() > 15)
    throw CLI::ValidationError(option, "'" + text + "' is not an amount like 1234.56");
  frac.resize(2, '0');
  return std::stoll(whole) * 100 + std::stoll(frac);
}
std::string FormatAmount(int64_t minor) {
  std::ostringstream out;
  out << (minor < 0 ? "-" : "") << std::llabs(minor) / 100 << '.' << std::setw(2) << std::setfill('0')
      << std::llabs(minor) % 100;
  return out.str();
}

v1::Date ParseDate(const std::string& text, const char* option) {
  int y = 0, m = 0, d = 0;
  char a = 0, b = 0;
  std::istringstream in(text);
  if (!(in >> y >> a >> m >> b >> d) || a != '-' || b != '-')
    throw CLI::ValidationError(option, "'" + text + "' is not a date like 2026-11-23");
  v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}
std::string FormatDate(const v1::Date& d) {
  std::ostringstream out;
  out << std::setfill('0') << std::setw(4) << d.year() << '-' << std::setw(2) << d.month() << '-' << std::setw(2)
      << d.day();
  return out.str();
}

std::string RandomRequestId() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << std::setfill('0');
  for (int i = 0; i < 4; ++i) out << std::setw(8) << rd();
  return out.str();
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, opts);
  return json;
}

int RpcFailed(const grpc::Status& status) {
  static const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
                                 "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
                                 "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  const int code = status.error_code();
  std::cerr << "creditshare: " << (code >= 0 && code <= 16 ? kNames[code] : "ERROR") << ": " << status.error_message()
            << "\n";
  return kExitRpcError;
}

// "new_line,past_due" -> ALERT_KIND_NEW_LINE, ALERT_KIND_PAST_DUE.
std::vector<v1::AlertKind> ParseAlertKinds(const std::string& text) {
  std::vector<v1::AlertKind> out;
  std::istringstream in(text);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) out.push_back(ParseEnum<v1::AlertKind>(name, "ALERT_KIND_", v1::AlertKind_Parse, "--kinds"));
  return out;
}

// One readable line per alert: when (China time), severity, kind, your account or reservation,
// the other lender as your exposure shows it, and the figures.
std::string AlertLine(const v1::Alert& a) {
  const std::time_t china = static_cast<std::time_t>(a.occurred_at_unix_micros() / 1'000'000) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&china, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S") << "  " << std::left << std::setw(8)
      << Upper(EnumName(a.severity(), "ALERT_SEVERITY_", v1::AlertSeverity_Name<v1::AlertSeverity>)) << std::setw(20)
      << EnumName(a.kind(), "ALERT_KIND_", v1::AlertKind_Name<v1::AlertKind>) << std::right;
  std::string yours;
  for (const auto& r : a.account_references()) yours += (yours.empty() ? "" : ",") + r;
  for (const auto& r : a.reservation_ids()) yours += (yours.empty() ? "" : ",") + ("reservation " + r);
  out << "your " << (yours.empty() ? "-" : yours) << "  ";
  const std::string type = EnumName(a.lender_type(), "MEMBER_TYPE_", v1::MemberType_Name<v1::MemberType>);
  out << (a.lender_ordinal() > 0 ? "lender #" + std::to_string(a.lender_ordinal()) + " (" + type + ")"
                                 : "a " + type + " without credit to the borrower");
  if (a.product_type() != v1::PRODUCT_TYPE_UNSPECIFIED)
    out << "  " << EnumName(a.product_type(), "PRODUCT_TYPE_", v1::ProductType_Name<v1::ProductType>);
  switch (a.kind()) {
    case v1::ALERT_KIND_NEW_LINE: out << "  limit " << FormatAmount(a.amount_minor()) << " " << a.currency(); break;
    case v1::ALERT_KIND_NEW_RESERVATION:
      out << "  amount " << FormatAmount(a.amount_minor()) << " " << a.currency();
      break;
    case v1::ALERT_KIND_APPLICATION_INQUIRY:
      out << "  purpose " << EnumName(a.purpose(), "PURPOSE_", v1::Purpose_Name<v1::Purpose>);
      break;
    case v1::ALERT_KIND_PAST_DUE:
      out << "  " << a.days_past_due() << " days past due (was " << a.previous_days_past_due() << "), overdue "
          << FormatAmount(a.overdue_amount_minor()) << " " << a.currency();
      break;
    case v1::ALERT_KIND_CHARGED_OFF:
      out << "  charged off " << FormatAmount(a.amount_minor()) << " " << a.currency();
      break;
    case v1::ALERT_KIND_COLLECTIONS:
      out << "  stage " << EnumName(a.collections_stage(), "COLLECTIONS_STAGE_", v1::CollectionsStage_Name<v1::CollectionsStage>);
      break;
    default: break;
  }
  out << "  cursor " << a.cursor();
  return out.str();
}

std::string CompactJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, opts);
  return json;
}

// The cursor file holds one cursor; it is replaced atomically (write, fsync, rename) so a crash
// leaves the old cursor or the new one, never a torn one.
std::string ReadCursorFile(const std::string& path) {
  std::ifstream in(path);
  std::string cursor;
  if (in) in >> cursor;
  return cursor;
}
void WriteCursorFile(const std::string& path, const std::string& cursor) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + tmp);
  const bool ok = std::fputs((cursor + "\n").c_str(), f) >= 0 && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error("cannot write " + tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot replace " + path);
}

// Both GetBorrowerExposureResponse and CheckNewCreditResponse carry these fields.
template <typename Response>
void PrintExposureTable(const Response& r) {
  const auto& s = r.summary();
  std::cout << "open lines:        " << s.open_line_count() << "\n"
            << "distinct lenders:  " << s.distinct_lender_count() << "\n"
            << "worst days overdue " << s.worst_days_past_due() << "\n"
            << "worst status 12/24 months: " << (s.worst_status_12_months().empty() ? "-" : s.worst_status_12_months())
            << " / " << (s.worst_status_24_months().empty() ? "-" : s.worst_status_24_months()) << "\n"
            << "other lenders inquiring 7/30/90 days: " << r.inquiries().last_7_days() << " / "
            << r.inquiries().last_30_days() << " / " << r.inquiries().last_90_days() << "\n"
            << "active reservations: " << s.active_reservation_count() << "\n";
  if (r.has_protections()) {
    const auto& p = r.protections();
    if (!p.statement().empty()) std::cout << "BORROWER STATEMENT: " << p.statement() << "\n";
    if (p.has_fraud_alert())
      std::cout << "FRAUD ALERT ("
                << EnumName(p.fraud_alert().kind(), "FRAUD_ALERT_KIND_", v1::FraudAlertKind_Name<v1::FraudAlertKind>)
                << ") until " << p.fraud_alert().until().year() << "-" << std::setw(2) << std::setfill('0')
                << p.fraud_alert().until().month() << "-" << std::setw(2) << p.fraud_alert().until().day()
                << std::setfill(' ') << ": verify the applicant's identity\n";
    if (p.frozen()) std::cout << "CREDIT FROZEN: members without a relationship cannot make application inquiries\n";
  }
  for (const auto& t : s.totals())
    std::cout << "total " << t.currency() << ":         limit " << FormatAmount(t.credit_limit_minor()) << "  balance "
              << FormatAmount(t.outstanding_balance_minor()) << "  overdue " << FormatAmount(t.overdue_amount_minor())
              << "\n";
  std::cout << "\n"
            << std::left << std::setw(18) << "LENDER" << std::setw(18) << "TYPE" << std::setw(16) << "ACCOUNT"
            << std::setw(26) << "PRODUCT" << std::setw(12) << "STATUS" << std::right << std::setw(14) << "LIMIT"
            << std::setw(14) << "BALANCE" << std::setw(6) << "DPD" << "  AS OF       HISTORY\n";
  for (const auto& l : r.lines()) {
    const std::string lender = l.own_line() ? l.member_code() + " (you)" : "lender #" + std::to_string(l.lender_ordinal());
    std::cout << std::left << std::setw(18) << lender << std::setw(18)
              << EnumName(l.lender_type(), "MEMBER_TYPE_", v1::MemberType_Name<v1::MemberType>) << std::setw(16)
              << (l.own_line() ? l.account_reference() : "-") << std::setw(26)
              << EnumName(l.product_type(), "PRODUCT_TYPE_", v1::ProductType_Name<v1::ProductType>) << std::setw(12)
              << EnumName(l.status(), "LINE_STATUS_", v1::LineStatus_Name<v1::LineStatus>) << std::right
              << std::setw(14) << FormatAmount(l.credit_limit_minor()) << std::setw(14)
              << FormatAmount(l.outstanding_balance_minor()) << std::setw(6) << l.days_past_due() << "  "
              << FormatDate(l.as_of_date()) << "  " << l.repayment_history() << (l.disputed() ? "  [DISPUTED]" : "")
              << (l.restructure_count() > 0 ? "  [RESTRUCTURED]" : "") << "  " << l.line_id() << "\n";
  }
}

// Streams a file through BulkReportCreditLines with a progress line on stderr; rejected records
// (by the file parser or the service) go to the rejects file with their reasons.
int ReportFile(Client& client, const std::string& path, std::string rejects_path, std::string warnings_path,
               int chunk_size, const std::string& output) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::size_t total_lines = 0;
  for (std::string l; std::getline(in, l);) total_lines += l.find_first_not_of(" \t\r") != std::string::npos;
  in.clear();
  in.seekg(0);
  const auto format = creditshare::client::LineFileReader::FormatOf(path);
  if (format == creditshare::client::LineFileReader::Format::kCsv && total_lines > 0) --total_lines;  // header
  creditshare::client::LineFileReader reader(in, format);
  if (rejects_path.empty()) rejects_path = path + ".rejects.csv";
  std::ofstream rejects(rejects_path, std::ios::trunc);
  if (!rejects) throw std::runtime_error("cannot write " + rejects_path);
  rejects << "line,code,field,message\n";
  // Accepted records that broke a data-quality rule that only warns, one row per rule broken.
  if (warnings_path.empty()) warnings_path = path + ".warnings.csv";
  std::ofstream warnings(warnings_path, std::ios::trunc);
  if (!warnings) throw std::runtime_error("cannot write " + warnings_path);
  warnings << "line,rule,field,message\n";
  auto csv = [](const std::string& v) {
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };

  std::mutex mu;  // the writer thread (parse rejects) and the reader (acknowledgements) both count
  long accepted = 0, replayed = 0, rejected = 0, warned = 0, done = 0;
  auto reject = [&](long line, const std::string& code, const std::string& field, const std::string& message) {
    rejects << line << "," << code << "," << csv(field) << "," << csv(message) << "\n";
    ++rejected;
  };
  const auto start = std::chrono::steady_clock::now();
  auto last_print = start;
  auto progress = [&](bool final) {
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_print < std::chrono::milliseconds(200)) return;
    last_print = now;
    const double secs = std::max(1e-3, std::chrono::duration<double>(now - start).count());
    const double rate = static_cast<double>(done) / secs;
    const double eta = rate > 0 ? static_cast<double>(static_cast<long>(total_lines) - done) / rate : 0;
    std::fprintf(stderr, "\r%ld/%zu records  %.0f rec/s  ETA %.0fs  (accepted %ld, replayed %ld, rejected %ld)%s", done,
                 total_lines, rate, std::max(0.0, eta), accepted, replayed, rejected, final ? "\n" : "");
  };

  const auto status = client.BulkReportCreditLines(
      [&](creditshare::v1::BulkLineRecord* out) {
        creditshare::client::LineFileReader::Record r;
        while (reader.Next(&r)) {
          if (r.record) {
            *out = *r.record;
            return true;
          }
          std::lock_guard lock(mu);
          reject(r.line_number, "INVALID_ARGUMENT", r.field, r.error);
          ++done;
        }
        return false;
      },
      chunk_size,
      [&](const creditshare::v1::BulkRecordResult& result) {
        std::lock_guard lock(mu);
        ++done;
        switch (result.status()) {
          case creditshare::v1::BULK_RECORD_STATUS_ACCEPTED: ++accepted; break;
          case creditshare::v1::BULK_RECORD_STATUS_REPLAYED: ++replayed; break;
          default: reject(result.sequence(), result.code(), result.field(), result.message()); break;
        }
        for (const auto& w : result.warnings())
          warnings << result.sequence() << "," << w.rule() << "," << csv(w.field()) << "," << csv(w.message()) << "\n";
        warned += result.warnings_size() > 0;
        progress(false);
      });
  progress(true);
  rejects.flush();
  warnings.flush();
  if (output == "json") {
    std::cout << "{\"accepted\": " << accepted << ", \"replayed\": " << replayed << ", \"rejected\": " << rejected
              << ", \"with_warnings\": " << warned << ", \"rejects_file\": \"" << rejects_path
              << "\", \"warnings_file\": \"" << warnings_path << "\"}\n";
  } else {
    std::cout << path << ": " << accepted << " accepted, " << replayed << " already applied, " << rejected
              << " rejected" << (rejected > 0 ? " (see " + rejects_path + ")" : "") << "; " << warned
              << " with data-quality warnings" << (warned > 0 ? " (see " + warnings_path + ")" : "") << "\n";
  }
  if (!status.ok()) {
    std::cerr << "creditshare: the stream ended early; re-run the same command to resume\n";
    return RpcFailed(status);
  }
  return rejected > 0 ? kExitSomeRejected : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "creditshare: report credit lines and query borrower exposure.\n"
      "Connection settings may come from CREDITSHARE_TARGET, CREDITSHARE_CA, CREDITSHARE_CERT, CREDITSHARE_KEY.\n\n"
      "Examples:\n"
      "  creditshare report --account-ref L-1001 --resident-id 120101199003071235 --product online_micro_loan \\\n"
      "      --limit 50000 --balance 12000 --opened 2026-01-15 --status open --as-of 2026-10-31\n"
      "  creditshare exposure --resident-id 120101199003071235 --purpose loan_approval --consent C-778 --output json\n"
      "  creditshare check --resident-id 120101199003071235 --purpose loan_approval --consent C-778 \\\n"
      "      --product online_micro_loan --limit 20000\n"
      "  creditshare reserve --resident-id 120101199003071235 --purpose loan_approval --consent C-778 \\\n"
      "      --product online_micro_loan --amount 20000 --account-ref L-2002"};
  app.require_subcommand(1);
  app.fallthrough();  // connection and output options may follow the subcommand
  // Connection settings can live in a small config file so certificate paths need not be typed:
  //   target = "creditshare.example:7443"
  //   ca = "/etc/creditshare/ca.crt"  cert = "..."  key = "..."
  const char* home = std::getenv("HOME");
  app.set_config("--config", home ? std::string(home) + "/.config/creditshare/config.toml" : "",
                 "Config file (TOML: target, ca, cert, key, output); default ~/.config/creditshare/config.toml");
  ClientOptions opts;
  std::string output = "table";
  app.add_option("--target", opts.target, "Service address host:port")->envname("CREDITSHARE_TARGET")->capture_default_str();
  app.add_option("--ca", opts.ca_file, "CA certificate that signed the server's certificate")->envname("CREDITSHARE_CA");
  app.add_option("--cert", opts.cert_file, "Your member client certificate")->envname("CREDITSHARE_CERT");
  app.add_option("--key", opts.key_file, "Your member private key")->envname("CREDITSHARE_KEY");
  app.add_option("--server-name", opts.server_name_override, "TLS server name, when it differs from the target host");
  app.add_option("--output", output, "table, json, or (regulator reports) csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))->capture_default_str();

  // report
  auto* report = app.add_subcommand(
      "report", "Create or update one of your credit lines, or stream a whole file of them (--file)");
  std::string file, rejects_file, warnings_file;
  int chunk_size = 500;
  report->add_option("--file", file, "CSV or JSONL file of lines (see docs/file-formats.md); resumable by re-running");
  report->add_option("--rejects", rejects_file, "Where rejected records go (default: FILE.rejects.csv)");
  report->add_option("--warnings", warnings_file,
                     "Where data-quality warnings of accepted records go (default: FILE.warnings.csv)");
  report->add_option("--chunk", chunk_size, "Records per committed batch")->check(CLI::Range(1, 1000))->capture_default_str();
  std::string account_ref, resident_id, product, currency = "CNY", limit, balance = "0", overdue = "0", opened, status,
                                                  as_of, request_id;
  int dpd = 0;
  report->add_option("--account-ref", account_ref, "Your reference for the line (never reused)");
  report->add_option("--resident-id", resident_id, "Borrower's 18-character resident ID");
  report->add_option("--product", product, "revolving_consumer_credit, instalment_consumer_loan, online_micro_loan, "
                                           "credit_card, business_loan, mortgage, auto_loan");
  report->add_option("--currency", currency, "ISO 4217 code")->capture_default_str();
  report->add_option("--limit", limit, "Credit limit, e.g. 50000.00");
  report->add_option("--balance", balance, "Outstanding balance")->capture_default_str();
  report->add_option("--opened", opened, "Opened date YYYY-MM-DD");
  report->add_option("--status", status, "open, closed, charged_off, frozen");
  report->add_option("--dpd", dpd, "Days past due")->capture_default_str();
  report->add_option("--overdue", overdue, "Overdue amount")->capture_default_str();
  report->add_option("--as-of", as_of, "Date the figures describe, YYYY-MM-DD");
  report->add_option("--request-id", request_id, "Idempotency key; re-use it to retry safely (default: random)");
  std::string first_delinquency, maturity, charged_off_date, classification, collections, settlement,
      scheduled = "0", actual = "0", charged_off_amount = "0";
  report->add_option("--first-delinquency", first_delinquency, "Date of first delinquency (required when --dpd > 0)");
  report->add_option("--scheduled", scheduled, "Payment due this month")->capture_default_str();
  report->add_option("--actual", actual, "Payment made this month")->capture_default_str();
  report->add_option("--classification", classification, "normal, special_mention, substandard, doubtful, loss");
  report->add_option("--maturity", maturity, "Maturity date YYYY-MM-DD");
  report->add_option("--collections", collections, "internal_soft, internal_hard, agency, legal");
  report->add_option("--charged-off-amount", charged_off_amount, "Amount written off")->capture_default_str();
  report->add_option("--charged-off-date", charged_off_date, "Date written off");
  report->add_option("--settlement", settlement, "For closed lines: paid_as_agreed, by_guarantor, asset_disposal, other");

  // exposure
  auto* exposure = app.add_subcommand("exposure", "A borrower's exposure across all members");
  std::string purpose, consent;
  exposure->add_option("--resident-id", resident_id, "Borrower's 18-character resident ID")->required();
  exposure->add_option("--purpose", purpose, "loan_approval, credit_card_approval, guarantee_review, "
                                             "post_loan_management, self_query")->required();
  exposure->add_option("--consent", consent, "Reference to the borrower's written consent")->required();

  // check
  auto* check = app.add_subcommand("check", "Pre-approval: exposure plus decision signals for a proposed line");
  std::string amount;
  check->add_option("--resident-id", resident_id, "Borrower's 18-character resident ID")->required();
  check->add_option("--purpose", purpose, "Why you are asking (loan_approval, ...)")->required();
  check->add_option("--consent", consent, "Reference to the borrower's written consent")->required();
  check->add_option("--product", product, "Product type of the proposed line")->required();
  check->add_option("--limit", amount, "Proposed credit limit")->required();
  check->add_option("--currency", currency, "ISO 4217 code")->capture_default_str();

  // reserve / release
  auto* reserve = app.add_subcommand("reserve", "Reserve room under the caps for a line being approved");
  int ttl_hours = 0;
  reserve->add_option("--resident-id", resident_id, "Borrower's 18-character resident ID")->required();
  reserve->add_option("--purpose", purpose, "Why you are asking (loan_approval, ...)")->required();
  reserve->add_option("--consent", consent, "Reference to the borrower's written consent")->required();
  reserve->add_option("--product", product, "Product type")->required();
  reserve->add_option("--amount", amount, "Credit limit being approved")->required();
  reserve->add_option("--currency", currency, "ISO 4217 code")->capture_default_str();
  reserve->add_option("--account-ref", account_ref, "Account reference the line will be reported under");
  reserve->add_option("--ttl-hours", ttl_hours, "Hours until it expires (default from the service's policy)");
  reserve->add_option("--request-id", request_id, "Idempotency key (default: random)");
  auto* release = app.add_subcommand("release", "End one of your reservations");
  std::string reservation_id;
  release->add_option("reservation", reservation_id, "Reservation id")->required();
  release->add_option("--request-id", request_id, "Idempotency key (default: random)");

  // inquiries
  auto* scorecard = app.add_subcommand("scorecard", "Your feed's data-quality scorecard, per month (csv or json too)");
  std::string scorecard_from, scorecard_to;
  scorecard->add_option("--from", scorecard_from, "First month, YYYY-MM (default: 5 months before --to)");
  scorecard->add_option("--to", scorecard_to, "Last month, YYYY-MM (default: the current month)");
  auto* inquiries = app.add_subcommand("inquiries", "Your own past inquiries, newest first");
  int page_size = 100;
  std::string page_token;
  inquiries->add_option("--page-size", page_size, "1..1000")->capture_default_str();
  inquiries->add_option("--page-token", page_token, "From the previous page");

  // regulator reports
  auto* regulator = app.add_subcommand("regulator", "Aggregate reports (regulator members only)");
  regulator->require_subcommand(1);
  int report_timeout_s = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(opts.report_deadline).count());
  regulator->add_option("--timeout", report_timeout_s, "Seconds to wait for a report (a month of a large book takes minutes)")
      ->check(CLI::Range(1, 24 * 3600))->capture_default_str();
  auto* aggregate = regulator->add_subcommand(
      "aggregate", "One month's noisy measures by region level and/or one other dimension (costs ε of the month)");
  std::string month, by, out_file, from_month, to_month;
  bool prefecture = false;
  aggregate->add_option("--month", month, "YYYY-MM")->required();
  aggregate->add_option("--by", by, "Comma-separated: province, prefecture, product_type, member_type, dpd_bucket, "
                                    "classification (none: one grand-total cell)");
  aggregate->add_option("--currency", currency, "ISO 4217 code")->capture_default_str();
  std::string report_region;
  aggregate->add_option("--region", report_region, "Only this province (12) or prefecture (1201) of your scope");
  aggregate->add_option("--out", out_file, "Write to this file instead of stdout");
  auto* multi = regulator->add_subcommand("multi-lending", "Borrowers at 2+/3+/5+ lenders per region and month");
  multi->add_option("--from", from_month, "First month YYYY-MM")->required();
  multi->add_option("--to", to_month, "Last month YYYY-MM")->required();
  multi->add_flag("--prefecture", prefecture, "Group by prefecture instead of province");
  multi->add_option("--currency", currency, "ISO 4217 code")->capture_default_str();
  multi->add_option("--region", report_region, "Only this province (12) or prefecture (1201) of your scope");
  multi->add_option("--out", out_file, "Write to this file instead of stdout");

  // disputes
  auto* dispute = app.add_subcommand("dispute", "Disputes on a borrower's behalf and on your own lines");
  dispute->require_subcommand(1);
  auto* dispute_file = dispute->add_subcommand("file", "File a dispute on a line (its line id from `exposure`)");
  std::string line_id, reason, dispute_id, resolution, note, filter = "open";
  dispute_file->add_option("--resident-id", resident_id, "Borrower's resident ID")->required();
  dispute_file->add_option("--line-id", line_id, "The line's id")->required();
  dispute_file->add_option("--reason", reason, "What the borrower disputes")->required();
  dispute_file->add_option("--request-id", request_id, "Idempotency key (default: random)");
  auto* dispute_resolve = dispute->add_subcommand("resolve", "Resolve a dispute on one of your lines");
  dispute_resolve->add_option("dispute", dispute_id, "Dispute id")->required();
  dispute_resolve->add_option("--resolution", resolution, "confirmed, corrected or deleted")
      ->required()->check(CLI::IsMember({"confirmed", "corrected", "deleted"}));
  dispute_resolve->add_option("--note", note, "What was found");
  dispute_resolve->add_option("--request-id", request_id, "Idempotency key (default: random)");
  auto* dispute_list = dispute->add_subcommand("list", "Disputes on your lines, with their deadlines");
  dispute_list->add_option("--filter", filter, "open, overdue or all")
      ->check(CLI::IsMember({"open", "overdue", "all"}))->capture_default_str();

  // alerts
  auto* alerts = app.add_subcommand("alerts", "Post-loan alerts: your borrowers took credit or fell behind elsewhere");
  alerts->require_subcommand(1);
  auto* alerts_watch = alerts->add_subcommand(
      "watch", "Follow alerts as they are committed; resumes by itself after a server restart");
  std::string alert_cursor, cursor_file, alert_kinds;
  int alert_count = 0;
  constexpr const char* kKindsHelp =
      "Comma-separated: new_line, new_reservation, application_inquiry, past_due, restructured, collections, "
      "charged_off, dispute_filed";
  auto* from_opt = alerts_watch->add_option(
      "--from", alert_cursor, "Start after this cursor, or 'now' for new alerts only (default: the oldest alert kept)");
  alerts_watch->add_option("--cursor-file", cursor_file,
                           "Start after the cursor in this file and write each new cursor to it, so a restart resumes")
      ->excludes(from_opt);
  alerts_watch->add_option("--kinds", alert_kinds, kKindsHelp);
  alerts_watch->add_option("--count", alert_count, "Stop after this many alerts (default: run until stopped)")
      ->check(CLI::NonNegativeNumber);
  auto* alerts_list = alerts->add_subcommand("list", "One page of alerts after a cursor (for polling and catch-up)");
  alerts_list->add_option("--from", alert_cursor, "After this cursor (default: the oldest alert kept)");
  alerts_list->add_option("--page-size", page_size, "1..1000")->capture_default_str();
  alerts_list->add_option("--kinds", alert_kinds, kKindsHelp);
  auto* alerts_settings = alerts->add_subcommand("settings", "The kinds of alert you receive; --kinds changes them");
  alerts_settings->add_option("--kinds", alert_kinds, std::string(kKindsHelp) + ", or all");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    opts.report_deadline = std::chrono::seconds(report_timeout_s);
    Client client(opts);
    if (report->parsed() && !file.empty()) return ReportFile(client, file, rejects_file, warnings_file, chunk_size, output);
    if (report->parsed()) {
      for (const auto& [name, value] : std::vector<std::pair<const char*, const std::string*>>{
               {"--account-ref", &account_ref}, {"--resident-id", &resident_id}, {"--product", &product},
               {"--limit", &limit}, {"--opened", &opened}, {"--status", &status}, {"--as-of", &as_of}})
        if (value->empty()) throw CLI::RequiredError(std::string(name) + " (or --file)");
      v1::ReportCreditLineRequest req;
      req.set_request_id(request_id.empty() ? RandomRequestId() : request_id);
      auto* line = req.mutable_line();
      line->set_account_reference(account_ref);
      line->set_resident_id(resident_id);
      line->set_product_type(ParseEnum<v1::ProductType>(product, "PRODUCT_TYPE_", v1::ProductType_Parse, "--product"));
      line->set_currency(currency);
      line->set_credit_limit_minor(ParseAmount(limit, "--limit"));
      line->set_outstanding_balance_minor(ParseAmount(balance, "--balance"));
      *line->mutable_opened_date() = ParseDate(opened, "--opened");
      line->set_status(ParseEnum<v1::LineStatus>(status, "LINE_STATUS_", v1::LineStatus_Parse, "--status"));
      line->set_days_past_due(dpd);
      line->set_overdue_amount_minor(ParseAmount(overdue, "--overdue"));
      *line->mutable_as_of_date() = ParseDate(as_of, "--as-of");
      line->set_scheduled_payment_minor(ParseAmount(scheduled, "--scheduled"));
      line->set_actual_payment_minor(ParseAmount(actual, "--actual"));
      line->set_charged_off_amount_minor(ParseAmount(charged_off_amount, "--charged-off-amount"));
      if (!first_delinquency.empty())
        *line->mutable_first_delinquency_date() = ParseDate(first_delinquency, "--first-delinquency");
      if (!maturity.empty()) *line->mutable_maturity_date() = ParseDate(maturity, "--maturity");
      if (!charged_off_date.empty()) *line->mutable_charged_off_date() = ParseDate(charged_off_date, "--charged-off-date");
      if (!classification.empty())
        line->set_classification(ParseEnum<v1::LoanClassification>(classification, "LOAN_CLASSIFICATION_",
                                                                   v1::LoanClassification_Parse, "--classification"));
      if (!collections.empty())
        line->set_collections_stage(ParseEnum<v1::CollectionsStage>(collections, "COLLECTIONS_STAGE_",
                                                                    v1::CollectionsStage_Parse, "--collections"));
      if (!settlement.empty())
        line->set_settlement_type(
            ParseEnum<v1::SettlementType>(settlement, "SETTLEMENT_TYPE_", v1::SettlementType_Parse, "--settlement"));
      v1::ReportCreditLineResponse resp;
      const auto st = client.ReportCreditLine(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      if (output == "json") {
        std::cout << ToJson(resp);
      } else {
        std::cout << resp.account_reference() << ": "
                  << EnumName(resp.outcome(), "REPORT_OUTCOME_", v1::ReportOutcome_Name<v1::ReportOutcome>)
                  << " (as of " << FormatDate(resp.stored_as_of_date()) << ", version " << resp.version()
                  << ", request " << req.request_id() << ")\n";
        for (const auto& w : resp.warnings())
          std::cout << "  quality warning " << w.rule() << " (" << w.field() << "): " << w.message() << "\n";
      }
    } else if (exposure->parsed()) {
      v1::GetBorrowerExposureRequest req;
      req.set_resident_id(resident_id);
      req.set_purpose(ParseEnum<v1::Purpose>(purpose, "PURPOSE_", v1::Purpose_Parse, "--purpose"));
      req.set_consent_reference(consent);
      v1::GetBorrowerExposureResponse resp;
      const auto st = client.GetBorrowerExposure(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      if (output == "json") {
        std::cout << ToJson(resp);
      } else {
        PrintExposureTable(resp);
      }
    } else if (check->parsed()) {
      v1::CheckNewCreditRequest req;
      req.set_resident_id(resident_id);
      req.set_purpose(ParseEnum<v1::Purpose>(purpose, "PURPOSE_", v1::Purpose_Parse, "--purpose"));
      req.set_consent_reference(consent);
      req.set_product_type(ParseEnum<v1::ProductType>(product, "PRODUCT_TYPE_", v1::ProductType_Parse, "--product"));
      req.set_currency(currency);
      req.set_proposed_limit_minor(ParseAmount(amount, "--limit"));
      v1::CheckNewCreditResponse resp;
      const auto st = client.CheckNewCredit(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      if (output == "json") {
        std::cout << ToJson(resp);
      } else {
        PrintExposureTable(resp);
        std::cout << "\nafter the proposed line: " << FormatAmount(resp.projected_product_limit_minor()) << " "
                  << currency << " of this product, " << FormatAmount(resp.projected_total_limit_minor()) << " "
                  << currency << " in all, " << resp.projected_lender_count() << " lenders\n";
        if (resp.signals().empty()) std::cout << "signals: none\n";
        for (const auto& signal : resp.signals())
          std::cout << "SIGNAL " << EnumName(signal.code(), "SIGNAL_CODE_", v1::SignalCode_Name<v1::SignalCode>) << ": "
                    << signal.message() << "\n";
      }
    } else if (reserve->parsed()) {
      v1::ReserveCreditRequest req;
      req.set_request_id(request_id.empty() ? RandomRequestId() : request_id);
      req.set_resident_id(resident_id);
      req.set_purpose(ParseEnum<v1::Purpose>(purpose, "PURPOSE_", v1::Purpose_Parse, "--purpose"));
      req.set_consent_reference(consent);
      req.set_product_type(ParseEnum<v1::ProductType>(product, "PRODUCT_TYPE_", v1::ProductType_Parse, "--product"));
      req.set_currency(currency);
      req.set_amount_minor(ParseAmount(amount, "--amount"));
      req.set_account_reference(account_ref);
      req.set_ttl_seconds(static_cast<int64_t>(ttl_hours) * 3600);
      v1::ReserveCreditResponse resp;
      const auto st = client.ReserveCredit(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      if (output == "json") {
        std::cout << ToJson(resp);
      } else {
        std::cout << "reservation " << resp.reservation_id() << " until unix time " << resp.expires_at_unix_seconds()
                  << " (request " << req.request_id() << ")\n";
        for (const auto& warning : resp.warnings()) std::cout << "WARNING: " << warning << "\n";
      }
    } else if (release->parsed()) {
      v1::ReleaseReservationRequest req;
      req.set_request_id(request_id.empty() ? RandomRequestId() : request_id);
      req.set_reservation_id(reservation_id);
      v1::ReleaseReservationResponse resp;
      const auto st = client.ReleaseReservation(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      std::cout << (output == "json" ? ToJson(resp) : "reservation " + resp.reservation_id() + " released\n");
    } else if (scorecard->parsed()) {
      v1::GetMemberScorecardRequest req;
      auto set_month = [](const std::string& text, const char* option, v1::YearMonth* m) {
        const v1::Date d = ParseDate(text + "-01", option);
        m->set_year(d.year());
        m->set_month(d.month());
      };
      if (!scorecard_from.empty()) set_month(scorecard_from, "--from", req.mutable_from_month());
      if (!scorecard_to.empty()) set_month(scorecard_to, "--to", req.mutable_to_month());
      v1::MemberScorecard resp;
      const auto st = client.GetMemberScorecard(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      creditshare::client::WriteScorecards({resp}, output, std::cout);
    } else if (inquiries->parsed()) {
      v1::ListMyInquiriesRequest req;
      req.set_page_size(page_size);
      req.set_page_token(page_token);
      v1::ListMyInquiriesResponse resp;
      const auto st = client.ListMyInquiries(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      if (output == "json") {
        std::cout << ToJson(resp);
      } else {
        for (const auto& i : resp.inquiries())
          std::cout << i.inquiry_id() << "  " << i.at_unix_seconds() << "  " << std::left << std::setw(22)
                    << EnumName(i.purpose(), "PURPOSE_", v1::Purpose_Name<v1::Purpose>) << std::setw(22) << i.method()
                    << i.consent_reference() << "\n";
        if (!resp.next_page_token().empty()) std::cout << "next page: --page-token " << resp.next_page_token() << "\n";
      }
    } else if (aggregate->parsed() || multi->parsed()) {
      std::ofstream report_file;
      if (!out_file.empty()) {
        report_file.open(out_file, std::ios::trunc);
        if (!report_file) throw std::runtime_error("cannot write " + out_file);
      }
      std::ostream& out = out_file.empty() ? std::cout : report_file;
      auto parse_month = [](const std::string& text, const char* option) {
        v1::Date d = ParseDate(text + "-01", option);
        v1::YearMonth m;
        m.set_year(d.year());
        m.set_month(d.month());
        return m;
      };
      auto money = [](int64_t minor) { return FormatAmount(minor); };
      if (aggregate->parsed()) {
        v1::GetAggregateReportRequest req;
        *req.mutable_month() = parse_month(month, "--month");
        req.set_currency(currency);
        req.set_region(report_region);
        std::vector<std::string> names;
        std::stringstream list(by);
        for (std::string d; std::getline(list, d, ',');) {
          if (d.empty()) continue;
          req.add_dimensions(ParseEnum<v1::ReportDimension>(d, "REPORT_DIMENSION_", v1::ReportDimension_Parse, "--by"));
          names.push_back(d);
        }
        std::vector<v1::GetAggregateReportResponse> resp;
        const auto st = client.GetAggregateReport(req, &resp);
        if (!st.ok()) return RpcFailed(st);
        const char* kMeasures[] = {"borrowers", "lines", "credit_limit", "balance", "overdue", "new_lines",
                                   "restructured_lines", "charged_off"};
        auto values = [&](const v1::AggregateMeasures& m) {
          return std::vector<std::string>{std::to_string(m.distinct_borrowers()), std::to_string(m.lines()),
                                          money(m.credit_limit_minor()), money(m.outstanding_balance_minor()),
                                          money(m.overdue_amount_minor()), std::to_string(m.new_lines()),
                                          std::to_string(m.restructured_lines()), money(m.charged_off_amount_minor())};
        };
        if (output == "json") {
          for (const auto& r : resp) out << ToJson(r);
        } else {
          const std::string sep = output == "csv" ? "," : "\t";
          for (const auto& n : names) out << n << sep;
          out << "suppressed";
          for (const char* m : kMeasures) out << sep << m;
          out << "\n";
          for (const auto& r : resp) {
            if (!r.has_cell()) continue;
            for (const auto& v : r.cell().dimension_values()) out << v << sep;
            out << (r.cell().suppressed() ? "yes" : "no");
            for (const auto& v : r.cell().suppressed() ? std::vector<std::string>(8, "") : values(r.cell().measures()))
              out << sep << v;
            out << "\n";
          }
          const auto& s = resp.back().summary();
          if (!s.totals_withheld()) {
            for (size_t i = 0; i < names.size(); ++i) out << (i == 0 ? "TOTAL" : "") << sep;
            out << (names.empty() ? "TOTAL" : "") << "no";
            for (const auto& v : values(s.totals())) out << sep << v;
            out << "\n";
          }
          if (output == "table") {
            const auto& p = s.privacy();
            out << "# scope " << s.scope() << "; k = " << s.min_borrowers_per_cell() << "; " << s.suppressed_cells()
                << " of " << s.cells() << " cells withheld (noisy borrowers under k)\n";
            out << "# noise: 95 % of figures within borrowers ±" << p.error_bound_95().distinct_borrowers()
                << ", lines ±" << p.error_bound_95().lines() << ", amounts ±"
                << money(p.error_bound_95().outstanding_balance_minor()) << "; ε charged " << p.epsilon_charged()
                << ", ε left this month " << p.budget_remaining() << "\n";
          }
        }
      } else {
        v1::GetMultiLendingReportRequest req;
        *req.mutable_from_month() = parse_month(from_month, "--from");
        *req.mutable_to_month() = parse_month(to_month, "--to");
        req.set_region_level(prefecture ? v1::REGION_LEVEL_PREFECTURE : v1::REGION_LEVEL_PROVINCE);
        req.set_currency(currency);
        req.set_region(report_region);
        std::vector<v1::GetMultiLendingReportResponse> resp;
        const auto st = client.GetMultiLendingReport(req, &resp);
        if (!st.ok()) return RpcFailed(st);
        if (output == "json") {
          for (const auto& r : resp) out << ToJson(r);
        } else {
          const std::string sep = output == "csv" ? "," : "\t";
          out << "month" << sep << "region" << sep << "suppressed" << sep << "borrowers" << sep << "balance";
          for (int n : {2, 3, 5}) out << sep << "borrowers_" << n << "plus" << sep << "balance_share_" << n << "plus";
          out << "\n";
          for (const auto& item : resp) {
            if (item.has_summary()) {
              if (output != "table") continue;
              const auto& p = item.summary().privacy();
              out << "# scope " << item.summary().scope() << "; noise: 95 % of figures within borrowers ±"
                  << p.error_bound_95().distinct_borrowers() << ", balances ±"
                  << money(p.error_bound_95().outstanding_balance_minor()) << std::defaultfloat << "; ε charged "
                  << p.epsilon_charged() << ", ε left " << p.budget_remaining() << "\n";
              continue;
            }
            const auto& r = item.row();
            out << r.month().year() << "-" << std::setw(2) << std::setfill('0') << r.month().month() << std::setfill(' ')
                << sep << r.region() << sep << (r.suppressed() ? "yes" : "no") << sep;
            if (r.suppressed()) {
              out << sep << sep << sep << sep << sep << sep << sep << "\n";
              continue;
            }
            out << r.borrowers() << sep << money(r.outstanding_balance_minor());
            for (const auto& g : r.groups()) {
              if (g.suppressed()) {
                out << sep << "suppressed" << sep;
              } else {
                out << sep << g.borrowers() << sep << std::fixed << std::setprecision(4) << g.balance_share();
              }
            }
            out << "\n";
          }
        }
      }
    } else if (alerts_watch->parsed()) {
      v1::WatchAlertsRequest req;
      req.set_cursor(cursor_file.empty() ? alert_cursor : ReadCursorFile(cursor_file));
      if (req.cursor() == "now") {
        req.clear_cursor();
        req.set_from_now(true);
      }
      for (const auto k : ParseAlertKinds(alert_kinds)) req.add_kinds(k);
      int seen = 0;
      const auto st = client.FollowAlerts(
          req,
          [&](const v1::WatchAlertsResponse& m) {
            for (const auto& a : m.alerts()) {
              std::cout << (output == "json" ? CompactJson(a) : AlertLine(a)) << "\n";
              ++seen;
            }
            std::cout.flush();
            // After the alerts are out: a restart repeats at most this message, never skips one.
            if (!cursor_file.empty() && !m.cursor().empty()) WriteCursorFile(cursor_file, m.cursor());
            return alert_count == 0 || seen < alert_count;
          },
          [](const grpc::Status& s) { std::cerr << "creditshare: stream ended (" << s.error_message() << "); resuming\n"; });
      if (!st.ok()) return RpcFailed(st);
    } else if (alerts_list->parsed()) {
      v1::ListAlertsRequest req;
      req.set_cursor(alert_cursor);
      req.set_page_size(page_size);
      for (const auto k : ParseAlertKinds(alert_kinds)) req.add_kinds(k);
      v1::ListAlertsResponse resp;
      const auto st = client.ListAlerts(req, &resp);
      if (!st.ok()) return RpcFailed(st);
      for (const auto& a : resp.alerts()) std::cout << (output == "json" ? CompactJson(a) : AlertLine(a)) << "\n";
      if (output != "json")
        std::cerr << "next cursor: " << resp.next_cursor() << (resp.more() ? " (more waiting)" : "") << "\n";
    } else if (alerts_settings->parsed()) {
      v1::AlertSettings resp;
      grpc::Status st;
      if (alert_kinds.empty()) {
        st = client.GetAlertSettings(&resp);
      } else {
        v1::UpdateAlertSettingsRequest req;
        const auto kinds = alert_kinds == "all" ? std::vector<v1::AlertKind>{} : ParseAlertKinds(alert_kinds);
        if (alert_kinds == "all")
          for (int k = v1::AlertKind_MIN + 1; k <= v1::AlertKind_MAX; ++k) req.add_kinds(static_cast<v1::AlertKind>(k));
        for (const auto k : kinds) req.add_kinds(k);
        st = client.UpdateAlertSettings(req, &resp);
      }
      if (!st.ok()) return RpcFailed(st);
      if (output == "json") {
        std::cout << ToJson(resp);
      } else {
        std::string names;
        for (const int k : resp.kinds())
          names += (names.empty() ? "" : ",") + EnumName(static_cast<v1::AlertKind>(k), "ALERT_KIND_", v1::AlertKind_Name<v1::AlertKind>);
        std::cout << "alert kinds: " << names << "\n";
      }
    } else if (dispute_file->parsed() || dispute_resolve->parsed() || dispute_list->parsed()) {
      auto print = [&](const v1::Dispute& d) {
        std::cout << d.dispute_id() << "  line " << d.line_id()
                  << (d.account_reference().empty() ? "" : " (" + d.account_reference() + ")") << "  "
                  << EnumName(d.status(), "DISPUTE_STATUS_", v1::DisputeStatus_Name<v1::DisputeStatus>) << "  due "
                  << d.due_at_unix_seconds() << (d.overdue() ? "  OVERDUE" : "") << "  " << d.reason() << "\n";
      };
      if (dispute_list->parsed()) {
        v1::ListDisputesRequest req;
        req.set_filter(filter == "all" ? v1::ListDisputesRequest::FILTER_ALL
                                       : filter == "overdue" ? v1::ListDisputesRequest::FILTER_OVERDUE
                                                             : v1::ListDisputesRequest::FILTER_OPEN);
        v1::ListDisputesResponse resp;
        const auto st = client.ListDisputes(req, &resp);
        if (!st.ok()) return RpcFailed(st);
        if (output == "json") {
          std::cout << ToJson(resp);
        } else {
          for (const auto& d : resp.disputes()) print(d);
        }
      } else if (dispute_file->parsed()) {
        v1::FileDisputeRequest req;
        req.set_request_id(request_id.empty() ? RandomRequestId() : request_id);
        req.set_resident_id(resident_id);
        req.set_line_id(line_id);
        req.set_reason(reason);
        v1::FileDisputeResponse resp;
        const auto st = client.FileDispute(req, &resp);
        if (!st.ok()) return RpcFailed(st);
        if (output == "json") {
          std::cout << ToJson(resp);
        } else {
          print(resp.dispute());
        }
      } else {
        v1::ResolveDisputeRequest req;
        req.set_request_id(request_id.empty() ? RandomRequestId() : request_id);
        req.set_dispute_id(dispute_id);
        req.set_resolution(ParseEnum<v1::DisputeStatus>(resolution, "DISPUTE_STATUS_", v1::DisputeStatus_Parse,
                                                        "--resolution"));
        req.set_note(note);
        v1::ResolveDisputeResponse resp;
        const auto st = client.ResolveDispute(req, &resp);
        if (!st.ok()) return RpcFailed(st);
        if (output == "json") {
          std::cout << ToJson(resp);
        } else {
          print(resp.dispute());
        }
      }
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "creditshare: " << e.what() << "\n";
    return kExitLocalError;
  }
  return 0;
}
