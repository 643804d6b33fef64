#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "domain/member.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// The member attributes that never change once a member exists (code and type), cached so the
// borrower reads need not join the members table on every call. Status is not here: it changes,
// and authentication reads it with its own short-lived cache.
class MemberDirectory {
 public:
  struct Entry {
    std::string code;
    domain::MemberType type = domain::MemberType::kUnspecified;
  };

  // The member's entry, read through `conn` the first time. Members are never deleted and
  // every line or reservation references one, so an unknown id is a broken invariant: throws.
  Entry Get(Connection& conn, std::uint64_t member_id);

 private:
  std::shared_mutex mu_;
  std::unordered_map<std::uint64_t, Entry> entries_;
};

}  // namespace creditshare::storage
