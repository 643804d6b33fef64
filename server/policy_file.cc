#include "policy_file.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "domain/currency.h"

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

// "what." for naming a member of `what`; nothing at the top level.
std::string Prefix(const std::string& what) { return what.empty() ? "" : what + "."; }

// Throws naming `what` when `object` is not a JSON object or has a key outside `keys`.
void RequireObjectWithKeys(const nlohmann::json& object, const std::set<std::string>& keys, const std::string& what) {
  if (!object.is_object()) throw std::runtime_error(what + " must be a JSON object");
  for (const auto& [key, value] : object.items())
    if (!keys.contains(key)) throw std::runtime_error("unknown key \"" + Prefix(what) + key + "\"");
}

std::string CurrencyCode(const std::string& code, const std::string& what) {
  if (domain::FindCurrency(code) == nullptr)
    throw std::runtime_error(what + " \"" + code + "\" is not an active ISO 4217 currency code");
  return code;
}

// {"product_caps_minor": {...}, "overall_cap_minor": N} of one currency; `what` names it in
// errors ("" for the top-level caps of cap_currency).
domain::CurrencyCaps ParseCaps(const nlohmann::json& j, const std::string& what) {
  RequireObjectWithKeys(j, {"product_caps_minor", "overall_cap_minor"}, what);
  const std::string p = Prefix(what);
  domain::CurrencyCaps caps;
  if (j.contains("product_caps_minor")) {
    if (!j["product_caps_minor"].is_object()) throw std::runtime_error(p + "product_caps_minor must be a JSON object");
    for (const auto& [name, cap] : j["product_caps_minor"].items())
      caps.product_caps_minor[ProductByName(name)] = PositiveAmount(cap, p + "product_caps_minor." + name);
  }
  if (j.contains("overall_cap_minor"))
    caps.overall_cap_minor = PositiveAmount(j["overall_cap_minor"], p + "overall_cap_minor");
  if (caps.product_caps_minor.empty() && !caps.overall_cap_minor)
    throw std::runtime_error((what.empty() ? "the top-level caps" : what) + " configure no cap");
  return caps;
}

domain::PlausibilityBound ParseBound(const nlohmann::json& j, const std::string& what) {
  RequireObjectWithKeys(j, {"max_credit_limit_major", "max_balance_percent_of_limit"}, what);
  domain::PlausibilityBound b;
  if (j.contains("max_credit_limit_major")) {
    const auto& v = j["max_credit_limit_major"];
    if (!v.is_number_integer() || v.get<std::int64_t>() <= 0)
      throw std::runtime_error(what + ".max_credit_limit_major must be a positive integer amount in major units");
    b.max_credit_limit_major = v.get<std::int64_t>();
  }
  if (j.contains("max_balance_percent_of_limit")) {
    const auto& v = j["max_balance_percent_of_limit"];
    if (!v.is_number_integer() || v.get<std::int64_t>() <= 0 || v.get<std::int64_t>() > 100'000)
      throw std::runtime_error(what + ".max_balance_percent_of_limit must be an integer percentage from 1 to 100000");
    b.max_balance_percent_of_limit = v.get<int>();
  }
  return b;
}

// object[key], when present, into *days: 0 to 3650; `what` names the object in errors.
void ReadDays(const nlohmann::json& object, const char* key, const std::string& what, int* days) {
  if (!object.contains(key)) return;
  const auto& v = object[key];
  if (!v.is_number_integer() || v.get<int>() < 0 || v.get<int>() > 3650)
    throw std::runtime_error(what + "." + key + " must be an integer number of days from 0 to 3650");
  *days = v.get<int>();
}

// {"default": {...}, "<product>": {...}}
domain::PlausibilityBounds ParsePlausibility(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("plausibility must be a JSON object");
  domain::PlausibilityBounds bounds;
  for (const auto& [name, bound] : j.items()) {
    if (name == "default")
      bounds.default_bound = ParseBound(bound, "plausibility.default");
    else
      bounds.by_product[ProductByName(name)] = ParseBound(bound, "plausibility." + name);
  }
  return bounds;
}
}  // namespace

domain::CreditPolicy ParseCreditPolicy(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  if (!j.is_object()) throw std::runtime_error("the policy must be a JSON object");
  static const std::set<std::string> kKeys = {
      "cap_currency", "product_caps_minor", "overall_cap_minor", "max_lenders", "duplicate_window_days",
      "multi_lender_inquiry_threshold", "reservation_default_ttl_hours", "reservation_max_ttl_hours",
      "caps_by_currency", "plausibility", "reciprocity", "quality", "regulator_privacy"};
  for (const auto& [key, value] : j.items())
    if (!kKeys.contains(key)) throw std::runtime_error("unknown key \"" + key + "\"");
  domain::CreditPolicy p;
  // The top-level caps are those of cap_currency (CNY unless given); caps_by_currency adds others.
  if (j.contains("caps_by_currency")) {
    if (!j["caps_by_currency"].is_object()) throw std::runtime_error("caps_by_currency must be a JSON object");
    for (const auto& [code, caps] : j["caps_by_currency"].items()) {
      p.caps_by_currency[CurrencyCode(code, "caps_by_currency key")] = ParseCaps(caps, "caps_by_currency." + code);
    }
  }
  const bool top_level_caps = j.contains("product_caps_minor") || j.contains("overall_cap_minor");
  if (j.contains("cap_currency") && !top_level_caps)
    throw std::runtime_error(
        "cap_currency names the currency of product_caps_minor and overall_cap_minor, and neither is given");
  if (top_level_caps) {
    const std::string currency =
        j.contains("cap_currency") ? CurrencyCode(j["cap_currency"].get<std::string>(), "cap_currency") : "CNY";
    nlohmann::json caps = nlohmann::json::object();
    for (const char* key : {"product_caps_minor", "overall_cap_minor"})
      if (j.contains(key)) caps[key] = j[key];
    if (p.caps_by_currency.contains(currency))
      throw std::runtime_error("the caps of " + currency + " are given twice: by cap_currency and in caps_by_currency");
    p.caps_by_currency[currency] = ParseCaps(caps, "");
  }
  if (j.contains("plausibility")) p.plausibility = ParsePlausibility(j["plausibility"]);
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
  if (j.contains("reciprocity")) {
    const auto& r = j["reciprocity"];
    RequireObjectWithKeys(r, {"report_window_days", "grace_days"}, "reciprocity");
    p.reciprocity.enabled = true;
    ReadDays(r, "report_window_days", "reciprocity", &p.reciprocity.report_window_days);
    ReadDays(r, "grace_days", "reciprocity", &p.reciprocity.grace_days);
  }
  if (j.contains("quality")) {
    const auto& q = j["quality"];
    std::set<std::string> keys = {"stale_as_of_days", "tolerance_days"};
    for (int r = 1; r <= domain::kMaxQualityRule; ++r) keys.insert(std::string(domain::ToString(static_cast<domain::QualityRule>(r))));
    RequireObjectWithKeys(q, keys, "quality");
    for (int r = 1; r <= domain::kMaxQualityRule; ++r) {
      const std::string name(domain::ToString(static_cast<domain::QualityRule>(r)));
      if (!q.contains(name)) continue;
      const auto& v = q[name];
      const std::string action = v.is_string() ? v.get<std::string>() : "";
      if (action != "off" && action != "warn" && action != "refuse")
        throw std::runtime_error("quality." + name + " must be \"off\", \"warn\" or \"refuse\"");
      p.quality.actions[static_cast<std::size_t>(r)] = action == "refuse" ? domain::QualityAction::kRefuse
                                                       : action == "warn" ? domain::QualityAction::kWarn
                                                                          : domain::QualityAction::kOff;
    }
    ReadDays(q, "stale_as_of_days", "quality", &p.quality.stale_as_of_days);
    ReadDays(q, "tolerance_days", "quality", &p.quality.tolerance_days);
  }
  if (j.contains("regulator_privacy")) {
    const auto& r = j["regulator_privacy"];
    RequireObjectWithKeys(r, {"epsilon_per_report", "monthly_budget", "max_lines_per_borrower",
                              "max_amount_per_borrower_major"},
                          "regulator_privacy");
    auto epsilon = [&](const char* key, domain::MilliEpsilon* out) {
      if (!r.contains(key)) return;
      if (!r[key].is_number()) throw std::runtime_error(std::string("regulator_privacy.") + key + " must be a number");
      char number[64];
      std::snprintf(number, sizeof number, "%.3f", r[key].get<double>());
      auto v = domain::ParseEpsilon(number, key);
      if (!v.ok()) throw std::runtime_error("regulator_privacy." + v.error().field + ": " + v.error().message);
      *out = v.value();
    };
    epsilon("epsilon_per_report", &p.privacy.epsilon_per_report);
    epsilon("monthly_budget", &p.privacy.monthly_budget);
    if (r.contains("max_lines_per_borrower")) {
      if (!r["max_lines_per_borrower"].is_number_integer())
        throw std::runtime_error("regulator_privacy.max_lines_per_borrower must be an integer");
      p.privacy.max_lines_per_borrower = r["max_lines_per_borrower"].get<int>();
    }
    if (r.contains("max_amount_per_borrower_major")) {
      if (!r["max_amount_per_borrower_major"].is_number_integer())
        throw std::runtime_error("regulator_privacy.max_amount_per_borrower_major must be an integer");
      p.privacy.max_amount_per_borrower_major = r["max_amount_per_borrower_major"].get<std::int64_t>();
    }
    if (auto e = domain::ValidatePrivacyPolicy(p.privacy))
      throw std::runtime_error("regulator_privacy." + e->field + " " + e->message);
  }
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
