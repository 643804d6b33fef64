#pragma once

#include <cstdint>
#include <string>

#include "domain/keyed_digest.h"

namespace creditshare::domain {

// What the audit log keeps of one call or operator action. Never a raw resident ID: the
// borrower appears only as its HMAC key.
struct AuditEvent {
  std::int64_t at_us = 0;         // start of the call, microseconds since the epoch (UTC)
  std::string principal = "-";    // member code, operator name, or "-" when unknown
  std::string cert_fingerprint;   // SHA-256 of the presented client certificate, when any
  std::string method;             // RPC name, or "admin.<action>"
  int purpose = 0;                // domain::Purpose value, 0 when none
  std::string consent_reference;
  std::string borrower_key;       // 32 raw bytes, or empty
  int key_version = 0;            // of the key set the borrower key is under
  int result_code = 0;            // gRPC status code
  std::string request_id;
  std::int64_t latency_us = 0;

  void set_borrower(const KeyedDigest& key) {
    borrower_key = key.current;
    key_version = key.version;
  }
  bool operator==(const AuditEvent&) const = default;
};

// The method of a checkpoint record (lane 0): it names every audit lane that moved since the last
// checkpoint with its sequence number then (see storage::CheckpointDigest).
inline constexpr const char* kAuditCheckpointMethod = "audit.checkpoint";

// A stored record with its place in a hash chain: record `chain_seq` of lane `lane` (lane 0 is the
// sealer's chain, where a record is unsealed while chain_seq is 0).
struct AuditRecord {
  std::uint64_t id = 0;
  AuditEvent event;
  std::uint32_t lane = 0;
  std::uint64_t chain_seq = 0;
  std::string prev_hash;  // 32 bytes when sealed
  std::string hash;       // 32 bytes when sealed
};

// The bytes a record's hash covers: every field, length-prefixed, with its id. The key version
// is appended only when it is not 0, so records sealed before key sets keep their hashes.
std::string CanonicalEncoding(std::uint64_t id, const AuditEvent& event);

// The same for a record of lane > 0, which is hashed before it is inserted and so before it has an
// id: its place (lane, sequence) stands in for the id.
std::string LaneCanonicalEncoding(std::uint32_t lane, std::uint64_t seq, const AuditEvent& event);

}  // namespace creditshare::domain
