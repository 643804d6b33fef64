// Fuzzes what the server does with a request's bytes before any database is touched: the call
// guard's ParseMessage (api/streams.h) for the request type of every RPC, then the validation the
// handlers run on a parsed request (resident IDs, line reports, tokens, pages, enums, amounts);
// and the --member-limit parser (AddMemberLimit).
//
// Input: byte 0 selects the request type (selector % 14; 13 is AddMemberLimit) and how many slices
// the rest arrives in (1 + selector / 14), as gRPC may hand a message over in several; the rest is
// the message bytes (or, for AddMemberLimit, the specs, one per line).
//
// Nothing may crash, leak or trip UBSan: every problem must come back as an error value. A broken
// invariant of a value that was accepted aborts too.

#include <google/protobuf/stubs/logging.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/member_admission.h"
#include "api/proto_mapping.h"
#include "api/streams.h"
#include "creditshare/v1/credit_service.pb.h"
#include "creditshare/v1/dispute_service.pb.h"
#include "creditshare/v1/inquiry_service.pb.h"
#include "creditshare/v1/regulator_service.pb.h"
#include "creditshare/v1/reporting_service.pb.h"
#include "domain/credit_line.h"
#include "domain/currency.h"
#include "domain/date.h"
#include "domain/plausibility.h"
#include "domain/resident_id.h"
#include "domain/types.h"

namespace {

using namespace creditshare;  // NOLINT(google-build-using-namespace)

constexpr domain::Date kToday{2026, 11, 23};  // the server's clock.Today()
constexpr int kKinds = 14;

// ParseMessage needs gRPC's core codegen interface; this sets it up without starting gRPC.
grpc::internal::GrpcLibraryInitializer g_grpc_library;

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

void RequireInvalidArgument(const domain::Error& e, std::string_view field_prefix) {
  Require(e.code == domain::ErrorCode::kInvalidArgument, "validation error is not INVALID_ARGUMENT");
  Require(std::string_view(e.field).starts_with(field_prefix), "error does not name a field under its prefix");
}

// Validated twice: without plausibility bounds, and with those of config/credit-policy.json.
const std::vector<domain::PlausibilityBounds>& AllBounds() {
  static const std::vector<domain::PlausibilityBounds> bounds = [] {
    std::vector<domain::PlausibilityBounds> v(2);
    auto& policy = v[1];
    policy.default_bound = {100'000'000, 150};
    policy.by_product[domain::ProductType::kCreditCard] = {10'000'000, 120};
    policy.by_product[domain::ProductType::kOnlineMicroLoan] = {10'000'000, std::nullopt};
    policy.by_product[domain::ProductType::kMortgage] = {1'000'000'000, std::nullopt};
    policy.by_product[domain::ProductType::kBusinessLoan] = {10'000'000'000, std::nullopt};
    return v;
  }();
  return bounds;
}

// The rest of the input as gRPC would hand it over: in (up to) `pieces` slices of equal size.
grpc::ByteBuffer ToByteBuffer(const std::uint8_t* data, std::size_t size, std::size_t pieces) {
  std::vector<grpc::Slice> slices;
  const std::size_t step = (size + pieces - 1) / pieces;
  for (std::size_t at = 0; at < size; at += step) {
    const std::size_t n = std::min(step, size - at);
    slices.emplace_back(data + at, n);
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

// What ResidentId::Parse promises of an ID it accepts, and that it never echoes one it refuses.
std::optional<domain::ResidentId> CheckResidentId(const std::string& text, const std::string& field) {
  auto id = domain::ResidentId::Parse(text, kToday, field);
  if (!id.ok()) {
    RequireInvalidArgument(id.error(), field);
    // Messages are fixed sentences: an input with a run of six digits (the start of an ID) must not
    // appear in one. Shorter inputs could be words of the sentence itself.
    const auto six_digits =
        std::search_n(text.begin(), text.end(), 6, 0, [](char c, int) { return c >= '0' && c <= '9'; });
    if (six_digits != text.end()) {
      const std::string_view digits(&*six_digits, 6);
      Require(id.error().message.find(digits) == std::string::npos, "error echoes the ID");
    }
    return std::nullopt;
  }
  const auto& r = id.value();
  const std::string& n = r.normalized();
  Require(n.size() == 18, "normalized ID is not 18 characters");
  Require(domain::ResidentId::CheckCharacter(std::string_view(n).substr(0, 17)) == n[17], "check character");
  Require(domain::IsKnownProvinceCode(r.province_code()), "province code");
  Require(r.region_code().size() == 6, "region code");
  Require(r.birth_date().IsValid() && r.birth_date() <= kToday, "birth date");
  return r;
}

// What the report handlers (unary and bulk) validate of one line before storage.
void CheckLine(const v1::CreditLineReport& line) {
  const auto id = CheckResidentId(line.resident_id(), "line.resident_id");
  auto report = api::FromProto(line, "line.");
  if (!report.ok()) {
    RequireInvalidArgument(report.error(), "line.");
    return;
  }
  for (const auto& bounds : AllBounds()) {
    if (auto e = domain::ValidateLineReport(report.value(), kToday, bounds, "line.")) {
      RequireInvalidArgument(*e, "line.");
      continue;
    }
    const auto& r = report.value();
    Require(r.as_of_date.IsValid() && r.as_of_date <= kToday, "accepted as-of date");
    Require(r.opened_date.IsValid(), "accepted opened date");
    Require(domain::FindCurrency(r.currency) != nullptr, "accepted currency");
    Require(r.credit_limit_minor >= 0 && r.outstanding_balance_minor >= 0, "accepted amounts");
    (void)domain::CanonicalEncoding(r, id ? id->normalized() : std::string());
  }
}

void CheckToken(const std::string& value, std::size_t max_length, const std::string& field) {
  if (auto e = api::ValidateToken(value, max_length, field)) {
    RequireInvalidArgument(*e, field);
  } else {
    Require(!value.empty() && value.size() <= max_length, "accepted token length");
  }
}

void CheckPurpose(int value) {
  auto p = api::PurposeFromProto(value, "purpose");
  if (!p.ok()) RequireInvalidArgument(p.error(), "purpose");
}

void CheckNewCredit(int product_type, const std::string& currency, std::int64_t amount, const std::string& field) {
  auto c = api::NewCreditFromProto(product_type, currency, amount, field);
  if (!c.ok()) return RequireInvalidArgument(c.error(), "");
  Require(c.value().limit_minor > 0 && domain::FindCurrency(c.value().currency) != nullptr, "accepted new credit");
}

void CheckPage(int size, const std::string& token, char tag) {
  auto page = api::ParsePage(size, token, tag);
  if (!page.ok()) return RequireInvalidArgument(page.error(), "page_");
  Require(page.value().size >= 1 && page.value().size <= 1000, "page size");
  if (!token.empty()) Require(api::PageToken(tag, page.value().cursor).size() <= token.size(), "page token");
}

// A regulator report's month, as the handler checks it (the first of the month must be a date).
void CheckMonth(const v1::YearMonth& m) { (void)domain::Date{m.year(), m.month(), 1}.IsValid(); }

void CheckReportCurrency(const std::string& c) {
  if (c.empty()) return;
  if (auto e = domain::CheckCurrency(c, "currency")) RequireInvalidArgument(*e, "currency");
}

template <typename Request, typename Check>
void Fuzz(const grpc::ByteBuffer& raw, Check check) {
  Request request;
  if (!api::ParseMessage(raw, &request)) return;  // answered by the guard as malformed
  check(request);
  (void)api::CanonicalBytes(request);  // request fingerprints hash these
}

void FuzzRequest(int kind, const grpc::ByteBuffer& raw) {
  switch (kind) {
    case 0:
      return Fuzz<v1::ReportCreditLineRequest>(raw, [](const auto& r) {
        CheckToken(r.request_id(), api::kMaxRequestIdLength, "request_id");
        if (r.has_line()) CheckLine(r.line());
      });
    case 1:
      return Fuzz<v1::RestructureCreditLineRequest>(raw, [](const auto& r) {
        CheckToken(r.request_id(), api::kMaxRequestIdLength, "request_id");
        CheckToken(r.account_reference(), domain::kMaxAccountReferenceLength, "account_reference");
        (void)api::FromProto(r.restructure_date()).IsValid();
        for (int c : r.concessions()) {
          auto concession = api::EnumFromProto<domain::Concession>(c, domain::kMaxConcession, "concessions");
          if (!concession.ok()) RequireInvalidArgument(concession.error(), "concessions");
        }
        if (auto d = api::OptionalFromProto(r.new_maturity_date())) (void)d->IsValid();
      });
    case 2:
      return Fuzz<v1::BulkReportCreditLinesRequest>(raw, [](const auto& r) {
        for (const auto& record : r.records()) {
          CheckToken(record.request_id(), api::kMaxRequestIdLength, "request_id");
          CheckLine(record.line());
        }
      });
    case 3:
      return Fuzz<v1::GetBorrowerExposureRequest>(raw, [](const auto& r) {
        CheckResidentId(r.resident_id(), "resident_id");
        CheckPurpose(r.purpose());
        CheckToken(r.consent_reference(), api::kMaxConsentReferenceLength, "consent_reference");
      });
    case 4:
      return Fuzz<v1::CheckNewCreditRequest>(raw, [](const auto& r) {
        CheckResidentId(r.resident_id(), "resident_id");
        CheckPurpose(r.purpose());
        CheckToken(r.consent_reference(), api::kMaxConsentReferenceLength, "consent_reference");
        CheckNewCredit(r.product_type(), r.currency(), r.proposed_limit_minor(), "proposed_limit_minor");
      });
    case 5:
      return Fuzz<v1::ListMyInquiriesRequest>(raw, [](const auto& r) { CheckPage(r.page_size(), r.page_token(), 'i'); });
    case 6:
      return Fuzz<v1::ReserveCreditRequest>(raw, [](const auto& r) {
        CheckToken(r.request_id(), api::kMaxRequestIdLength, "request_id");
        CheckResidentId(r.resident_id(), "resident_id");
        CheckPurpose(r.purpose());
        CheckToken(r.consent_reference(), api::kMaxConsentReferenceLength, "consent_reference");
        CheckNewCredit(r.product_type(), r.currency(), r.amount_minor(), "amount_minor");
        if (!r.account_reference().empty())
          CheckToken(r.account_reference(), domain::kMaxAccountReferenceLength, "account_reference");
      });
    case 7:
      return Fuzz<v1::ReleaseReservationRequest>(raw, [](const auto& r) {
        CheckToken(r.request_id(), api::kMaxRequestIdLength, "request_id");
        CheckToken(r.reservation_id(), 64, "reservation_id");
      });
    case 8:
      return Fuzz<v1::FileDisputeRequest>(raw, [](const auto& r) {
        CheckToken(r.request_id(), api::kMaxRequestIdLength, "request_id");
        CheckResidentId(r.resident_id(), "resident_id");
        CheckToken(r.line_id(), 64, "line_id");
      });
    case 9:
      return Fuzz<v1::ResolveDisputeRequest>(raw, [](const auto& r) {
        CheckToken(r.request_id(), api::kMaxRequestIdLength, "request_id");
        CheckToken(r.dispute_id(), 64, "dispute_id");
      });
    case 10:
      return Fuzz<v1::ListDisputesRequest>(raw, [](const auto& r) { CheckPage(r.page_size(), r.page_token(), 'd'); });
    case 11:
      return Fuzz<v1::GetAggregateReportRequest>(raw, [](const auto& r) {
        CheckMonth(r.month());
        CheckReportCurrency(r.currency());
      });
    case 12:
      return Fuzz<v1::GetMultiLendingReportRequest>(raw, [](const auto& r) {
        CheckMonth(r.from_month());
        CheckMonth(r.to_month());
        CheckReportCurrency(r.currency());
      });
    default: return;
  }
}

// One --member-limit spec per line, applied in turn as the server's options do.
void FuzzMemberLimits(std::string_view text) {
  api::MemberLimits limits;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view spec = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (auto e = api::AddMemberLimit(spec, limits)) {
      Require(e->code == domain::ErrorCode::kInvalidArgument && e->field == "member-limit", "member-limit error");
    }
  }
  const auto in_range = [](const api::MemberBounds& b) {
    return b.running >= 1 && b.running <= 1'000'000 && b.queued >= 1 && b.queued <= 1'000'000 && b.streams >= 1 &&
           b.streams <= 1'000'000;
  };
  for (const auto& [code, bounds] : limits.by_member) {
    Require(!code.empty() && in_range(bounds), "member bounds");
    Require(limits.For(code, std::nullopt).running == bounds.running, "member bounds lookup");
  }
  for (int t = 1; t <= domain::kMaxMemberType; ++t)
    Require(in_range(limits.For("", static_cast<domain::MemberType>(t))), "type bounds");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Invalid UTF-8 in string fields is logged by libprotobuf on every such input (the parse fails).
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int kind = data[0] % kKinds;
  const std::size_t pieces = 1 + data[0] / kKinds;
  ++data;
  --size;
  if (kind == kKinds - 1) {
    FuzzMemberLimits(std::string_view(reinterpret_cast<const char*>(data), size));
  } else {
    FuzzRequest(kind, ToByteBuffer(data, size, pieces));
  }
  return 0;
}
