#include "scorecard_format.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <iomanip>
#include <stdexcept>

namespace creditshare::client {

namespace {

std::string Counts(const google::protobuf::RepeatedPtrField<v1::ScorecardCount>& counts) {
  std::string out;
  for (const auto& c : counts) {
    if (!out.empty()) out += ";";
    out += c.key() + "=" + std::to_string(c.records());
  }
  return out;
}

std::string Percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string Month(const v1::YearMonth& m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", m.year(), m.month());
  return buf;
}

const std::vector<std::string> kColumns = {
    "member", "month", "received", "accepted", "refused", "refused_by_reason", "warned", "warnings_by_rule",
    "lag_median_days", "lag_p95_days", "open_lines", "fresh_lines", "fresh_pct", "app_inquiries", "booked",
    "not_booked", "pending", "look_to_book_pct"};

std::vector<std::string> Row(const std::string& member, const v1::ScorecardMonth& m) {
  return {member,
          Month(m.month()),
          std::to_string(m.records_received()),
          std::to_string(m.records_accepted()),
          std::to_string(m.records_refused()),
          Counts(m.refused_by_reason()),
          std::to_string(m.accepted_with_warnings()),
          Counts(m.warnings_by_rule()),
          m.has_timeliness() ? std::to_string(m.timeliness().median_days()) : "",
          m.has_timeliness() ? std::to_string(m.timeliness().p95_days()) : "",
          std::to_string(m.open_lines()),
          std::to_string(m.fresh_lines()),
          Percent(m.fresh_lines(), m.open_lines()),
          std::to_string(m.application_inquiries()),
          std::to_string(m.inquiries_booked()),
          std::to_string(m.inquiries_not_booked()),
          std::to_string(m.inquiries_pending()),
          // Of the inquiries decided (booked or not within the window), the share booked.
          Percent(m.inquiries_booked(), m.inquiries_booked() + m.inquiries_not_booked())};
}

std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\n") == std::string::npos) return v;
  std::string out = "\"";
  for (const char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

void WriteScorecards(const std::vector<v1::MemberScorecard>& cards, const std::string& format, std::ostream& out) {
  if (format == "json") {
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    for (const auto& c : cards) {
      std::string json;
      if (!google::protobuf::util::MessageToJsonString(c, &json, options).ok())
        throw std::runtime_error("cannot encode a scorecard as JSON");
      out << json << "\n";
    }
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : cards)
    for (const auto& m : c.months()) rows.push_back(Row(c.member_code(), m));
  if (format == "csv") {
    for (std::size_t i = 0; i < kColumns.size(); ++i) out << (i ? "," : "") << kColumns[i];
    out << "\n";
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < r.size(); ++i) out << (i ? "," : "") << CsvField(r[i]);
      out << "\n";
    }
    return;
  }
  if (format != "table") throw std::invalid_argument("--output must be table, csv or json");
  std::vector<std::size_t> width(kColumns.size());
  for (std::size_t i = 0; i < kColumns.size(); ++i) width[i] = kColumns[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t i = 0; i < r.size(); ++i) out << (i ? "  " : "") << std::left << std::setw(static_cast<int>(width[i])) << r[i];
    out << "\n";
  };
  line(kColumns);
  for (const auto& r : rows) line(r);
}

}  // namespace creditshare::client
