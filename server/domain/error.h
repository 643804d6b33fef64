#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace creditshare::domain {

// Outcomes the domain and storage layers report as values; the API layer maps them to
// grpc::Status codes one to one.
enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kUnavailable,
  kAborted,  // the operation stopped; the client resumes it (e.g. a stream that fell behind)
  kInternal,
};

struct Error {
  ErrorCode code;
  std::string field;    // request field in question, empty when none
  std::string message;  // safe to show the caller: never contains a resident ID
  std::string reason = {};  // a stable code of why, when the rule has one (e.g. "quality:stale_as_of")

  static Error InvalidArgument(std::string field, std::string message) {
    return {ErrorCode::kInvalidArgument, std::move(field), std::move(message)};
  }
  static Error FailedPrecondition(std::string field, std::string message) {
    return {ErrorCode::kFailedPrecondition, std::move(field), std::move(message)};
  }
};

// A value or the reason there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}   // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

using MaybeError = std::optional<Error>;

}  // namespace creditshare::domain
