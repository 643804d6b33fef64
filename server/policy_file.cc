#include "policy_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace creditshare {

namespace {
domain::ProductType ProductByName(const std::string& name) {
  for (int i = 1; i <= domain::kMaxProductType; ++i) {
    const auto t = static_cast<domain::ProductType>(i);
    if (domain::ToString(t) == name) return t;
  }
  throw std::runtime_error("unknown product type \"" + name + "\"");
}

std::int64_t PositiveAmount(const nlohmann::json& v, const std::string& what) {
  if (!v.is_number_integer() || v.get<std::int64_t>() <= 0)
    throw std::runtime_error(what + " must be a positive integer amount in minor units");
  return v.get<std::int64_t>();
}
}  // namespace

domain::CreditPolicy ParseCreditPolicy(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  if (!j.is_object()) throw std::runtime_error("the policy must be a JSON object");
  static const std::set<std::string> kKeys = {
      "cap_currency", "product_caps_minor", "overall_cap_minor", "max_lenders", "duplicate_window_days",
      "multi_lender_inquiry_threshold", "reservation_default_ttl_hours", "reservation_max_ttl_hours"};
  for (const auto& [key, value] : j.items())
    if (!kKeys.contains(key)) throw std::runtime_error("unknown key \"" + key + "\"");
  domain::CreditPolicy p;
  if (j.contains("cap_currency")) p.cap_currency = j["cap_currency"].get<std::string>();
  if (j.contains("product_caps_minor"))
    for (const auto& [name, cap] : j["product_caps_minor"].items())
      p.product_caps_minor[ProductByName(name)] = PositiveAmount(cap, "product_caps_minor." + name);
  if (j.contains("overall_cap_minor")) p.overall_cap_minor = PositiveAmount(j["overall_cap_minor"], "overall_cap_minor");
  auto positive_int = [&](const char* key) {
    const auto& v = j[key];
    if (!v.is_number_integer() || v.get<int>() <= 0) throw std::runtime_error(std::string(key) + " must be a positive integer");
    return v.get<int>();
  };
  if (j.contains("max_lenders")) p.max_lenders = positive_int("max_lenders");
  if (j.contains("duplicate_window_days")) p.duplicate_window_days = positive_int("duplicate_window_days");
  if (j.contains("multi_lender_inquiry_threshold"))
    p.multi_lender_inquiry_threshold = positive_int("multi_lender_inquiry_threshold");
  if (j.contains("reservation_default_ttl_hours"))
    p.reservation_default_ttl = std::chrono::hours(positive_int("reservation_default_ttl_hours"));
  if (j.contains("reservation_max_ttl_hours"))
    p.reservation_max_ttl = std::chrono::hours(positive_int("reservation_max_ttl_hours"));
  if (p.reservation_default_ttl > p.reservation_max_ttl)
    throw std::runtime_error("reservation_default_ttl_hours exceeds reservation_max_ttl_hours");
  return p;
}

domain::CreditPolicy LoadCreditPolicy(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read credit policy file " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  try {
    return ParseCreditPolicy(buf.str());
  } catch (const std::exception& e) {
    throw std::runtime_error("credit policy file " + path + ": " + e.what());
  }
}

}  // namespace creditshare
