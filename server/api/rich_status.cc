#include "api/rich_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace creditshare::api {

namespace {
grpc::Status WithDetail(grpc::StatusCode code, const std::string& message, const google::protobuf::Message& detail) {
  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message(message);
  status.add_details()->PackFrom(detail);
  return grpc::Status(code, message, status.SerializeAsString());
}
}  // namespace

grpc::Status RetryLater(grpc::StatusCode code, const std::string& message, std::chrono::milliseconds delay) {
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(delay.count() / 1000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int>(delay.count() % 1000) * 1'000'000);
  return WithDetail(code, message, retry);
}

grpc::Status BadField(const std::string& field, const std::string& description) {
  google::rpc::BadRequest bad;
  auto* violation = bad.add_field_violations();
  violation->set_field(field);
  violation->set_description(description);
  return WithDetail(grpc::StatusCode::INVALID_ARGUMENT, field + ": " + description, bad);
}

}  // namespace creditshare::api
