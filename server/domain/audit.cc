#include "domain/audit.h"

namespace creditshare::domain {

std::string CanonicalEncoding(std::uint64_t id, const AuditEvent& e) {
  std::string out = "audit/v1|";
  auto field = [&out](const std::string& v) {
    out += std::to_string(v.size());
    out += ':';
    out += v;
    out += '|';
  };
  field(std::to_string(id));
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
  return out;
}

}  // namespace creditshare::domain
