#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/audit.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "domain/types.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

struct InquiryEntry {
  std::uint64_t id = 0;
  std::int64_t at_us = 0;
  domain::Purpose purpose = domain::Purpose::kUnspecified;
  std::string consent_reference;
  std::string method;
};

// Everything a borrower query shows, read in one transaction.
struct BorrowerSnapshot {
  std::vector<domain::BorrowerLine> lines;
  std::vector<domain::ActiveReservation> reservations;
  domain::InquiryCounts inquiries;
};

class InquiryRepository {
 public:
  explicit InquiryRepository(ConnectionPool& pool) : pool_(pool) {}

  struct Query {
    std::string borrower_key;
    std::uint64_t member_id = 0;
    domain::Purpose purpose = domain::Purpose::kUnspecified;
    std::string consent_reference;
    std::string method;
    std::int64_t now_us = 0;
  };
  // Reads the snapshot, lets `permit` refuse the query from it (nothing is then written), and
  // records the inquiry with its audit record in the same transaction.
  domain::Result<BorrowerSnapshot> Inquire(const Query& query,
                                           const std::function<domain::MaybeError(const BorrowerSnapshot&)>& permit,
                                           const std::function<domain::AuditEvent()>& audit);

  static void Record(Connection& conn, const std::string& borrower_key, std::uint64_t member_id,
                     domain::Purpose purpose, const std::string& consent_reference, const std::string& method,
                     std::int64_t at_us);
  // Distinct members other than `caller` that inquired with an application purpose (loan,
  // credit card, guarantee) within the 7/30/90 days up to now: at_us > now - N days.
  static domain::InquiryCounts Counts(Connection& conn, const std::string& borrower_key, std::uint64_t caller,
                                      std::int64_t now_us);
  // The member's inquiries with id < before_id (0: from the newest), newest first.
  std::vector<InquiryEntry> ListForMember(std::uint64_t member_id, std::uint64_t before_id, int limit);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
