#include "bulk_file.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace creditshare::client {

namespace {
using google::protobuf::FieldDescriptor;

std::string RequestIdFor(const std::string& content) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(content.data(), content.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "bulk-";
  for (unsigned i = 0; i < 16; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// Sets one field of a CreditLineReport from its CSV text; an error message when it cannot.
std::optional<std::string> SetField(v1::CreditLineReport& msg, const FieldDescriptor& f, const std::string& text) {
  const auto* refl = msg.GetReflection();
  if (text.empty()) return std::nullopt;  // absent: the field keeps its default
  try {
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: refl->SetString(&msg, &f, text); return std::nullopt;
      case FieldDescriptor::CPPTYPE_INT64: {
        size_t used = 0;
        const long long v = std::stoll(text, &used);
        if (used != text.size()) return "is not a whole number";
        refl->SetInt64(&msg, &f, v);
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        size_t used = 0;
        const int v = std::stoi(text, &used);
        if (used != text.size()) return "is not a whole number";
        refl->SetInt32(&msg, &f, v);
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        // "online_micro_loan" or "PRODUCT_TYPE_ONLINE_MICRO_LOAN".
        const auto* type = f.enum_type();
        const auto* value = type->FindValueByName(Upper(text));
        if (value == nullptr) {
          std::string prefix;
          for (char c : std::string(type->name())) {
            if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix.push_back('_');
            prefix.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
          }
          value = type->FindValueByName(prefix + "_" + Upper(text));
        }
        if (value == nullptr || value->number() == 0) return "unknown value '" + text + "'";
        refl->SetEnumValue(&msg, &f, value->number());
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {  // Date
        int y = 0, m = 0, d = 0;
        char a = 0, b = 0;
        if (std::sscanf(text.c_str(), "%d%c%d%c%d", &y, &a, &m, &b, &d) != 5 || a != '-' || b != '-')
          return "is not a date like 2026-10-31";
        auto* date = static_cast<v1::Date*>(refl->MutableMessage(&msg, &f));
        date->set_year(y);
        date->set_month(m);
        date->set_day(d);
        return std::nullopt;
      }
      default: return "cannot be set from text";
    }
  } catch (const std::exception&) {
    return "is not a number";
  }
}

// JSONL lets dates be "YYYY-MM-DD" strings: turn them into Date objects before protobuf parses.
void ExpandDates(nlohmann::json& j) {
  for (auto& [key, value] : j.items()) {
    if (!value.is_string()) continue;
    int y = 0, m = 0, d = 0;
    char a = 0, b = 0;
    const auto s = value.get<std::string>();
    if (s.size() == 10 && std::sscanf(s.c_str(), "%4d%c%2d%c%2d", &y, &a, &m, &b, &d) == 5 && a == '-' && b == '-' &&
        key.find("date") != std::string::npos)
      value = nlohmann::json{{"year", y}, {"month", m}, {"day", d}};
  }
}
}  // namespace

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back().push_back(c);
    }
  }
  return out;
}

LineFileReader::Format LineFileReader::FormatOf(const std::string& path) {
  return path.size() >= 6 && path.substr(path.size() - 6) == ".jsonl" ? Format::kJsonl : Format::kCsv;
}

LineFileReader::LineFileReader(std::istream& in, Format format) : in_(in), format_(format) {
  if (format_ != Format::kCsv) return;
  std::string header;
  if (!std::getline(in_, header)) throw std::runtime_error("the CSV file is empty (it needs a header row)");
  ++line_number_;
  header_ = SplitCsv(header);
  const auto* descriptor = v1::CreditLineReport::descriptor();
  for (const auto& name : header_)
    if (name != "request_id" && descriptor->FindFieldByName(name) == nullptr)
      throw std::runtime_error("unknown CSV column '" + name + "' (columns are CreditLineReport field names)");
}

bool LineFileReader::Next(Record* out) {
  std::string line;
  do {
    if (!std::getline(in_, line)) return false;
    ++line_number_;
  } while (line.find_first_not_of(" \t\r") == std::string::npos);
  *out = Record{};
  out->line_number = line_number_;
  out->raw = line;
  v1::BulkLineRecord record;
  record.set_sequence(line_number_);
  std::string request_id;
  if (format_ == Format::kCsv) {
    const auto values = SplitCsv(line);
    if (values.size() != header_.size()) {
      out->error = "has " + std::to_string(values.size()) + " fields, the header has " + std::to_string(header_.size());
      return true;
    }
    const auto* descriptor = v1::CreditLineReport::descriptor();
    for (size_t i = 0; i < values.size(); ++i) {
      if (header_[i] == "request_id") {
        request_id = values[i];
        continue;
      }
      if (auto error = SetField(*record.mutable_line(), *descriptor->FindFieldByName(header_[i]), values[i])) {
        out->field = "line." + header_[i];
        out->error = *error;
        return true;
      }
    }
  } else {
    try {
      auto j = nlohmann::json::parse(line);
      if (j.contains("request_id")) {
        request_id = j["request_id"].get<std::string>();
        j.erase("request_id");
      }
      ExpandDates(j);
      const auto st = google::protobuf::util::JsonStringToMessage(j.dump(), record.mutable_line());
      if (!st.ok()) {
        out->error = std::string(st.message());
        return true;
      }
    } catch (const std::exception& e) {
      out->error = std::string("is not valid JSON: ") + e.what();
      return true;
    }
  }
  record.set_request_id(request_id.empty() ? RequestIdFor(line) : request_id);
  out->record = std::move(record);
  return true;
}

}  // namespace creditshare::client
