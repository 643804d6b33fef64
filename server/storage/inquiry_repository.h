#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "domain/audit.h"
#include "domain/error.h"
#include "domain/exposure.h"
#include "domain/protection.h"
#include "domain/types.h"
#include "storage/borrower_state.h"
#include "storage/connection_pool.h"
#include "storage/group_commit.h"
#include "storage/member_directory.h"

namespace creditshare::storage {

struct InquiryEntry {
  std::uint64_t id = 0;
  std::int64_t at_us = 0;
  domain::Purpose purpose = domain::Purpose::kUnspecified;
  std::string consent_reference;
  std::string method;
};

// Everything a borrower query shows.
struct BorrowerSnapshot {
  std::vector<domain::BorrowerLine> lines;
  std::vector<domain::ActiveReservation> reservations;
  domain::InquiryCounts inquiries;
  domain::Protections protections;  // borrower_id 0 when the borrower has none
};

class InquiryRepository {
 public:
  // `states` (may be null) is asked to build the states readers find missing.
  InquiryRepository(ConnectionPool& pool, MemberDirectory& members, GroupCommitWriter& writer,
                    BorrowerStateBuilder* states = nullptr)
      : pool_(pool), members_(members), writer_(writer), states_(states) {}

  // A permitted query: what it shows, and the inquiry to record (with the alerts and the access
  // notice it leaves) before anything of it is shown.
  struct Prepared {
    BorrowerSnapshot snapshot;
    InquiryRecord record;
  };
  // Reads the snapshot as of `inquiry.at_us` for `inquiry.member_id` and lets `permit` refuse the
  // query from it (nothing is then written but a refused attempt's access notice). The caller
  // writes `record` with its audit record through the group commit (Write, or WriteAsync and
  // answer in its callback) and shows the snapshot only once both are durable.
  domain::Result<Prepared> Prepare(const InquiryRecord& inquiry,
                                   const std::function<domain::MaybeError(const BorrowerSnapshot&)>& permit);
  // Prepare, then Write: returns once the inquiry and its audit record are durable.
  domain::Result<BorrowerSnapshot> Inquire(const InquiryRecord& inquiry,
                                           const std::function<domain::MaybeError(const BorrowerSnapshot&)>& permit,
                                           const std::function<domain::AuditEvent()>& audit);

  // The borrower's lines (with monthly history), active reservations, and the distinct members
  // other than `caller` that inquired with an application purpose (loan, credit card,
  // guarantee) within the 7/30/90 days up to now (at_us > now - N days). One round trip while
  // the borrower's state is built (borrower_state.h); two, reading the tables, until then.
  BorrowerSnapshot ReadSnapshot(Connection& conn, const domain::KeyedDigest& borrower_key, std::uint64_t caller,
                                std::int64_t now_us);
  // Inserts inquiries and their access notices inside the caller's transaction (one multi-row
  // statement each).
  static void RecordMany(Connection& conn, const std::vector<const InquiryRecord*>& inquiries);
  // The member's inquiries with id < before_id (0: from the newest), newest first.
  std::vector<InquiryEntry> ListForMember(std::uint64_t member_id, std::uint64_t before_id, int limit);

  // Reads that found the borrower's state built / missing (for metrics).
  std::uint64_t state_hits() const { return state_hits_.load(std::memory_order_relaxed); }
  std::uint64_t state_misses() const { return state_misses_.load(std::memory_order_relaxed); }

 private:
  template <typename Row>
  void AddStateRow(Connection& conn, Row& row, std::int64_t now_us, BorrowerSnapshot& s);
  static void InsertNotices(Connection& conn,
                            const std::vector<std::pair<const InquiryRecord*, InquiryRecord::Notice>>& notices,
                            bool refused);

  ConnectionPool& pool_;
  MemberDirectory& members_;
  GroupCommitWriter& writer_;
  BorrowerStateBuilder* states_;
  std::atomic<std::uint64_t> state_hits_{0}, state_misses_{0};
};

}  // namespace creditshare::storage
