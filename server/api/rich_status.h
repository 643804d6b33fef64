#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

namespace creditshare::api {

// gRPC statuses with google.rpc error details (trailer grpc-status-details-bin), for what a
// client acts on: when to retry (RetryInfo) and which field to fix (BadRequest).
grpc::Status RetryLater(grpc::StatusCode code, const std::string& message, std::chrono::milliseconds delay);
grpc::Status BadField(const std::string& field, const std::string& description);

}  // namespace creditshare::api
