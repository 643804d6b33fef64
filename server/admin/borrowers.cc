#include "admin/borrowers.h"

#include <cstdio>
#include <stdexcept>

#include "domain/clock.h"
#include "domain/money.h"
#include "storage/credential_repository.h"

namespace creditshare::admin {

namespace {
using nlohmann::json;

std::string Utc(std::int64_t us) {
  const std::time_t s = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}


std::string_view DisputeStatusName(int status) {
  switch (status) {
    case 1: return "open";
    case 2: return "confirmed";
    case 3: return "corrected";
    case 4: return "deleted";
  }
  return "unknown";
}

std::string Escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// With the currency's own decimals (JPY has none, KWD three).
std::string Amount(std::int64_t minor, const std::string& currency) { return Escape(domain::FormatMoney(minor, currency)); }
}  // namespace

domain::Protections Protect(storage::ConnectionPool& pool, const security::BorrowerKeyer& keyer, const std::string& actor,
                            const domain::ResidentId& id, const ProtectionChange& change, std::int64_t now_us) {
  if (change.reference.empty() || change.reference.size() > 128)
    throw std::invalid_argument("--reference: the operator's reference to the borrower's request, 1-128 characters");
  if (change.statement && !change.statement->empty())
    if (auto e = domain::CheckStatement(*change.statement, "--statement")) throw std::invalid_argument(e->field + " " + e->message);
  const domain::Date today = domain::BusinessDate(now_us);
  const storage::BorrowerIdentity borrower{keyer.BorrowerKey(id), id.region_code(), id.birth_date().year};
  std::string detail = "reference=" + change.reference;
  return storage::ProtectionRepository(pool).Update(
      borrower, now_us,
      [&](domain::Protections& p) {
        if (change.statement) {
          p.statement = *change.statement;
          detail += change.statement->empty() ? "; statement cleared" : "; statement set";
        }
        if (change.fraud_alert) {
          p.fraud_alert = *change.fraud_alert;
          p.fraud_alert_until = *change.fraud_alert == domain::FraudAlertKind::kNone
                                    ? domain::Date{}
                                    : domain::FraudAlertUntil(*change.fraud_alert, today);
          detail += "; fraud_alert=" + std::string(domain::ToString(p.fraud_alert));
          if (p.fraud_alert != domain::FraudAlertKind::kNone) detail += " until " + p.fraud_alert_until.ToString();
        }
        if (change.frozen) {
          p.frozen = *change.frozen;
          detail += p.frozen ? "; frozen" : "; freeze lifted";
        }
        if (change.notices) {
          p.notices = *change.notices;
          detail += p.notices ? "; access notices on" : "; access notices off";
        }
        // Notices go out by the reference of the latest request that left any of them on.
        const bool noticed = p.notices || p.frozen || p.fraud_alert != domain::FraudAlertKind::kNone;
        p.notice_reference = noticed ? change.reference : "";
      },
      [&](storage::Connection& conn, const domain::Protections& p) {
        storage::AdminActionRepository::Record(conn, actor, "borrower.protect", "borrower:" + std::to_string(p.borrower_id),
                                               detail);
      });
}

json ProtectionsJson(const domain::Protections& p, const domain::Date& today) {
  const auto shown = domain::Shown(p, today);
  json out{{"statement", shown.statement}, {"frozen", shown.frozen}, {"access_notices", p.notices}};
  out["fraud_alert"] = shown.fraud_alert == domain::FraudAlertKind::kNone
                           ? json(nullptr)
                           : json{{"kind", domain::ToString(shown.fraud_alert)}, {"until", shown.fraud_alert_until.ToString()}};
  return out;
}

BorrowerReport BuildBorrowerReport(storage::ConnectionPool& pool, const security::BorrowerKeyer& keyer,
                                   const domain::ResidentId& id, std::int64_t now_us) {
  BorrowerReport r;
  r.generated_at = Utc(now_us);
  r.region_code = id.region_code();
  r.birth_year = id.birth_date().year;
  r.today = domain::BusinessDate(now_us);
  r.record = storage::ProtectionRepository(pool).ReadRecord(
      keyer.BorrowerKey(id), domain::StartOfBusinessDay(r.today.AddYears(-kReportInquiryYears)));
  return r;
}

json ReportJson(const BorrowerReport& r) {
  json lines = json::array();
  for (const auto& [lender, l] : r.record.lines) {
    json months = json::array();
    for (const auto& m : l.months)
      months.push_back({{"month", m.month().ToString().substr(0, 7)}, {"code", std::string(1, m.code)},
                        {"negative", m.negative}});
    lines.push_back({{"lender", lender},
                     {"lender_code", l.member_code},
                     {"lender_type", domain::ToString(l.member_type)},
                     {"account_reference", l.line.account_reference},
                     {"product_type", domain::ToString(l.line.product_type)},
                     {"currency", l.line.currency},
                     {"credit_limit_minor", l.line.credit_limit_minor},
                     {"outstanding_balance_minor", l.line.outstanding_balance_minor},
                     {"status", domain::ToString(l.line.status)},
                     {"days_past_due", l.line.days_past_due},
                     {"overdue_amount_minor", l.line.overdue_amount_minor},
                     {"opened_date", l.line.opened_date.ToString()},
                     {"as_of_date", l.line.as_of_date.ToString()},
                     {"disputed", l.disputed},
                     {"history", months}});
  }
  json disputes = json::array();
  for (const auto& d : r.record.disputes)
    disputes.push_back({{"dispute_id", d.dispute_id},
                        {"lender", d.lender_name},
                        {"account_reference", d.account_reference},
                        {"status", DisputeStatusName(d.status)},
                        {"reason", d.reason},
                        {"filed_at", Utc(d.filed_at_us)},
                        {"due_at", Utc(d.due_at_us)},
                        {"resolved_at", d.resolved_at_us == 0 ? json(nullptr) : json(Utc(d.resolved_at_us))},
                        {"resolution_note", d.resolution_note}});
  json inquiries = json::array();
  for (const auto& i : r.record.inquiries)
    inquiries.push_back({{"member", i.member_name},
                         {"member_type", domain::ToString(i.member_type)},
                         {"purpose", domain::ToString(i.purpose)},
                         {"at", Utc(i.at_us)}});
  return {{"generated_at", r.generated_at},
          {"borrower", {{"region_code", r.region_code}, {"birth_year", r.birth_year}}},
          {"protections", ProtectionsJson(r.record.protections, r.today)},
          {"lines", lines},
          {"disputes", disputes},
          {"inquiries_since", r.today.AddYears(-kReportInquiryYears).ToString()},
          {"inquiries", inquiries}};
}

std::string ReportHtml(const BorrowerReport& r) {
  const auto shown = domain::Shown(r.record.protections, r.today);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Personal credit report</title>\n"
       "<style>body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','Liberation Sans',sans-serif;margin:2em;color:#111}"
       "h1{font-size:1.5em;border-bottom:2px solid #234;padding-bottom:.3em}h2{font-size:1.15em;margin-top:1.6em;color:#234}"
       "table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #999;padding:.3em .5em;text-align:left}"
       "th{background:#e8edf3}.note{background:#fff6d6;border:1px solid #d9b700;padding:.6em}"
       ".muted{color:#555}.code{font-family:monospace;letter-spacing:.1em}@media print{body{margin:1cm}}</style>\n"
       "</head><body>\n";
  h += "<h1>Personal credit report (个人信用报告)</h1>\n<p class=\"muted\">Generated " + Escape(r.generated_at) +
       " for the borrower registered in region " + Escape(r.region_code) + ", born " + std::to_string(r.birth_year) +
       ". The resident ID is not shown.</p>\n";
  h += "<h2>Protections</h2>\n";
  if (!shown.any() && !r.record.protections.notices) {
    h += "<p>None.</p>\n";
  } else {
    h += "<table><tr><th>Protection</th><th>State</th></tr>\n";
    h += "<tr><td>Personal statement (本人声明)</td><td>" +
         (shown.statement.empty() ? std::string("none") : Escape(shown.statement)) + "</td></tr>\n";
    h += "<tr><td>Fraud alert</td><td>" +
         (shown.fraud_alert == domain::FraudAlertKind::kNone
              ? std::string("none")
              : std::string(domain::ToString(shown.fraud_alert)) + ", until " + shown.fraud_alert_until.ToString()) +
         "</td></tr>\n";
    h += "<tr><td>Credit freeze</td><td>" + std::string(shown.frozen ? "frozen" : "not frozen") + "</td></tr>\n";
    h += "<tr><td>Access notices</td><td>" + std::string(r.record.protections.notices ? "on" : "off") + "</td></tr></table>\n";
  }
  h += "<h2>Credit lines (" + std::to_string(r.record.lines.size()) + ")</h2>\n";
  if (r.record.lines.empty()) h += "<p>None.</p>\n";
  for (const auto& [lender, l] : r.record.lines) {
    h += "<table><tr><th colspan=\"4\">" + Escape(lender) + " &middot; " + Escape(l.line.account_reference) + "</th></tr>\n";
    h += "<tr><td>Product</td><td>" + Escape(domain::ToString(l.line.product_type)) + "</td><td>Status</td><td>" +
         Escape(domain::ToString(l.line.status)) + (l.disputed ? " (under dispute)" : "") + "</td></tr>\n";
    h += "<tr><td>Credit limit</td><td>" + Amount(l.line.credit_limit_minor, l.line.currency) + "</td><td>Balance</td><td>" +
         Amount(l.line.outstanding_balance_minor, l.line.currency) + "</td></tr>\n";
    h += "<tr><td>Opened</td><td>" + l.line.opened_date.ToString() + "</td><td>Reported as of</td><td>" +
         l.line.as_of_date.ToString() + "</td></tr>\n";
    h += "<tr><td>Days past due</td><td>" + std::to_string(l.line.days_past_due) + "</td><td>Overdue</td><td>" +
         Amount(l.line.overdue_amount_minor, l.line.currency) + "</td></tr>\n";
    std::string history;
    for (const auto& m : l.months) history += m.month().ToString().substr(0, 7) + " " + std::string(1, m.code) + "  ";
    h += "<tr><td>Monthly history</td><td colspan=\"3\" class=\"code\">" + Escape(history.empty() ? "-" : history) +
         "</td></tr></table><br>\n";
  }
  h += "<h2>Disputes (" + std::to_string(r.record.disputes.size()) + ")</h2>\n";
  if (r.record.disputes.empty()) {
    h += "<p>None.</p>\n";
  } else {
    h += "<table><tr><th>Lender</th><th>Account</th><th>Status</th><th>Reason</th><th>Filed</th><th>Resolved</th></tr>\n";
    for (const auto& d : r.record.disputes)
      h += "<tr><td>" + Escape(d.lender_name) + "</td><td>" + Escape(d.account_reference) + "</td><td>" +
           std::string(DisputeStatusName(d.status)) + "</td><td>" + Escape(d.reason) + "</td><td>" + Utc(d.filed_at_us) +
           "</td><td>" + (d.resolved_at_us == 0 ? std::string("-") : Utc(d.resolved_at_us)) + "</td></tr>\n";
    h += "</table>\n";
  }
  h += "<h2>Who looked at this record since " + r.today.AddYears(-kReportInquiryYears).ToString() + " (" +
       std::to_string(r.record.inquiries.size()) + ")</h2>\n";
  if (r.record.inquiries.empty()) {
    h += "<p>Nobody.</p>\n";
  } else {
    h += "<table><tr><th>When (UTC)</th><th>Member</th><th>Type</th><th>Purpose</th></tr>\n";
    for (const auto& i : r.record.inquiries)
      h += "<tr><td>" + Utc(i.at_us) + "</td><td>" + Escape(i.member_name) + "</td><td>" +
           Escape(domain::ToString(i.member_type)) + "</td><td>" + Escape(domain::ToString(i.purpose)) + "</td></tr>\n";
    h += "</table>\n";
  }
  h += "<p class=\"note\">If anything here is wrong, you may dispute it; the lender must answer within 20 days. "
       "You may add a personal statement, place a fraud alert or freeze your credit through the operator.</p>\n";
  h += "</body></html>\n";
  return h;
}

}  // namespace creditshare::admin
