#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/member.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// A client certificate issued to a member, as recorded at issue time.
struct CredentialRecord {
  std::uint64_t id = 0;
  std::uint64_t member_id = 0;
  std::string member_code;
  std::string serial_hex;
  std::string fingerprint_sha256;
  std::chrono::system_clock::time_point not_after;
  std::chrono::system_clock::time_point issued_at;
  std::string issued_by;
  std::optional<std::chrono::system_clock::time_point> revoked_at;
  std::string revoked_by;
  std::string revoke_reason;
};

// What authentication needs to know about a presented certificate.
struct PeerCredential {
  domain::Member member;
  bool revoked = false;
  std::chrono::system_clock::time_point not_after;
};

class CredentialRepository {
 public:
  explicit CredentialRepository(ConnectionPool& pool) : pool_(pool) {}

  // The credential with this fingerprint and its member, read in one query.
  std::optional<PeerCredential> FindPeer(const std::string& fingerprint_sha256);

  // Building blocks for transactions composed by the admin service.
  static void Insert(Connection& conn, const CredentialRecord& record);
  // Matches a fingerprint or a serial number (hex, case-insensitive), locking the row.
  static std::optional<CredentialRecord> FindForUpdate(Connection& conn, const std::string& fingerprint_or_serial);
  static void MarkRevoked(Connection& conn, std::uint64_t id, const std::string& actor, const std::string& reason);
  static std::vector<CredentialRecord> ListForMember(Connection& conn, std::uint64_t member_id);

 private:
  ConnectionPool& pool_;
};

// Operator actions, written inside the transaction of the change they describe.
class AdminActionRepository {
 public:
  static void Record(Connection& conn, const std::string& actor, const std::string& action, const std::string& target,
                     const std::string& detail);
};

}  // namespace creditshare::storage
