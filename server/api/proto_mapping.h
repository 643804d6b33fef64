#pragma once

#include <string>

#include "creditshare/v1/common.pb.h"
#include "creditshare/v1/inquiry_service.pb.h"
#include "creditshare/v1/reporting_service.pb.h"
#include "domain/credit_line.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "domain/types.h"

// Conversions between creditshare.v1 messages and domain values. Enum values out of range are
// rejected here, naming the field; all other validation is the domain's.
namespace creditshare::api {

domain::Date FromProto(const v1::Date& d);
void ToProto(const domain::Date& d, v1::Date* out);

domain::Result<domain::LineReport> FromProto(const v1::CreditLineReport& line, const std::string& prefix);
domain::Result<domain::Purpose> PurposeFromProto(int value, const std::string& field);

void ToProto(const domain::ReportResult& result, const std::string& account_reference,
             v1::ReportCreditLineResponse* out);
void ToProto(const domain::Exposure& exposure, v1::GetBorrowerExposureResponse* out);

// 1..max_length printable ASCII characters, or INVALID_ARGUMENT naming `field`.
domain::MaybeError ValidateToken(const std::string& value, std::size_t max_length, const std::string& field);

}  // namespace creditshare::api
