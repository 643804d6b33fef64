#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "domain/keyed_digest.h"
#include "storage/connection_pool.h"
#include "storage/transaction.h"

namespace creditshare::storage {

struct IdempotencyKey {
  std::string request_id;
  // Equal fingerprints mean equal requests; a stored one matches under either version.
  domain::KeyedDigest fingerprint;
};

// The stored response of a write and whether this call only replayed it.
struct IdempotentOutcome {
  std::string response;
  bool replayed = false;
};

// Whether `stored` (of `stored_version`) is `d` under one of its versions.
inline bool Matches(const domain::KeyedDigest& d, const std::string& stored, int stored_version) {
  return (stored_version == d.version && stored == d.current) || (stored_version == d.other_version && stored == d.other);
}

// Claims (member, request_id) inside the current transaction; false when it is taken. A
// concurrent claim of the same key waits on the primary key until the first transaction ends.
bool ClaimIdempotencyKey(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key, std::string_view method);
void StoreIdempotentResponse(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key,
                             const std::string& response);
// The response stored under a taken key; INVALID_ARGUMENT ("request_id") when the key was used
// for a different request or method.
domain::Result<std::string> StoredResponse(Connection& conn, std::uint64_t member_id, const IdempotencyKey& key,
                                           std::string_view method);

// Runs `change(Connection&) -> Result<std::string>` (the encoded response) in one transaction
// behind the idempotency key: a replay returns the first response and changes nothing; an error
// rolls everything back, the key included, so a corrected request may reuse it.
template <typename Fn>
domain::Result<IdempotentOutcome> RunIdempotent(ConnectionPool& pool, std::uint64_t member_id,
                                                const IdempotencyKey& key, std::string_view method, Fn&& change) {
  using Applied = std::optional<std::string>;  // nullopt: the key was taken, nothing was written
  auto result = RunTransaction(pool, [&](Connection& conn) -> domain::Result<Applied> {
    if (!ClaimIdempotencyKey(conn, member_id, key, method)) return Applied{};
    auto response = change(conn);
    if (!response.ok()) return response.error();
    StoreIdempotentResponse(conn, member_id, key, response.value());
    return Applied{std::move(response).value()};
  });
  if (!result.ok()) return result.error();
  if (result.value()) return IdempotentOutcome{std::move(*result.value()), false};
  auto stored = WithConnection(pool, [&](Connection& conn) { return StoredResponse(conn, member_id, key, method); });
  if (!stored.ok()) return stored.error();
  return IdempotentOutcome{std::move(stored).value(), true};
}

}  // namespace creditshare::storage
