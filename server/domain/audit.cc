#include "domain/audit.h"

#include <vector>

namespace creditshare::domain {

namespace {
void AppendFields(std::string& out, const std::vector<std::string>& head, const AuditEvent& e) {
  auto field = [&out](const std::string& v) {
    out += std::to_string(v.size());
    out += ':';
    out += v;
    out += '|';
  };
  for (const auto& h : head) field(h);
  field(std::to_string(e.at_us));
  field(e.principal);
  field(e.cert_fingerprint);
  field(e.method);
  field(std::to_string(e.purpose));
  field(e.consent_reference);
  field(e.borrower_key);
  field(std::to_string(e.result_code));
  field(e.request_id);
  field(std::to_string(e.latency_us));
  if (e.key_version != 0) field("k" + std::to_string(e.key_version));
}
}  // namespace

std::string CanonicalEncoding(std::uint64_t id, const AuditEvent& e) {
  std::string out = "audit/v1|";
  AppendFields(out, {std::to_string(id)}, e);
  return out;
}

std::string LaneCanonicalEncoding(std::uint32_t lane, std::uint64_t seq, const AuditEvent& e) {
  std::string out = "audit/v2|";
  AppendFields(out, {std::to_string(lane), std::to_string(seq)}, e);
  return out;
}

}  // namespace creditshare::domain
