#pragma once

#include <string>

#include "domain/credit_line.h"
#include "domain/error.h"

namespace creditshare::storage {

// A report's result as stored with its idempotency key, so that a replay answers the same.
std::string EncodeReportResult(const domain::ReportResult& r);
domain::Result<domain::ReportResult> DecodeReportResult(const std::string& stored);

}  // namespace creditshare::storage
