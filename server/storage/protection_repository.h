#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/exposure.h"
#include "domain/keyed_digest.h"
#include "domain/protection.h"
#include "domain/types.h"
#include "storage/connection_pool.h"
#include "storage/credit_line_repository.h"

namespace creditshare::storage {

// Borrower protections as operators set them (creditshare-admin borrower protect), and the
// access notices inquiries leave (written by InquiryRepository with the inquiry).
class ProtectionRepository {
 public:
  explicit ProtectionRepository(ConnectionPool& pool) : pool_(pool) {}

  // The borrower's protections (none, borrower_id 0, when the borrower is unknown or has none).
  domain::Protections Read(const domain::KeyedDigest& borrower_key);
  // The same inside the caller's transaction, for a borrower row it holds.
  static domain::Protections ForBorrower(Connection& conn, std::uint64_t borrower_id);
  // Applies `change` to the borrower's protections in one transaction, with the borrower row
  // (created when the person has none yet: a freeze may come before any credit) locked, and
  // `record(conn, after)` (the operator's action) in the same transaction. Returns them after.
  domain::Protections Update(const BorrowerIdentity& borrower, std::int64_t now_us,
                             const std::function<void(domain::Protections&)>& change,
                             const std::function<void(Connection&, const domain::Protections&)>& record);

  // Everything the borrower is entitled to see of their own record: every line with its lender
  // named and its monthly history, disputes of those lines, protections, and every inquiry since
  // `inquiries_since_us` with the member that made it.
  struct Record {
    struct Line {
      std::string lender_name;
      domain::BorrowerLine line;
    };
    struct Dispute {
      std::string dispute_id, account_reference, lender_name, reason, resolution_note;
      int status = 0;  // domain::DisputeStatus
      std::int64_t filed_at_us = 0, due_at_us = 0, resolved_at_us = 0;
    };
    struct Inquiry {
      std::string member_name;
      domain::MemberType member_type = domain::MemberType::kUnspecified;
      domain::Purpose purpose = domain::Purpose::kUnspecified;
      std::int64_t at_us = 0;
    };
    std::vector<Line> lines;
    std::vector<Dispute> disputes;
    std::vector<Inquiry> inquiries;
    domain::Protections protections;
  };
  Record ReadRecord(const domain::KeyedDigest& borrower_key, std::int64_t inquiries_since_us);

  struct Notice {
    std::uint64_t id = 0;
    std::string reference;
    domain::MemberType member_type = domain::MemberType::kUnspecified;
    domain::Purpose purpose = domain::Purpose::kUnspecified;
    bool refused = false;
    std::int64_t at_us = 0;
  };
  // Notices with id > after_id inserted at least `settle_s` seconds ago (the database's clock),
  // oldest first, stopping at the first newer one: a delivery job's cursor. Ids are taken when a
  // notice is inserted and its transaction commits a moment later, so a reader that stays a few
  // seconds behind never steps over one still committing.
  std::vector<Notice> NoticesAfter(std::uint64_t after_id, int settle_s, int limit);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
