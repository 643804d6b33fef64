#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/alert.h"
#include "domain/audit.h"
#include "domain/keyed_digest.h"
#include "domain/types.h"
#include "posix_semaphore.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// An inquiry as kept for other members' inquiry counts and for the caller's own listing.
struct InquiryRecord {
  domain::KeyedDigest borrower_key;  // stored under its current version; looked up under both
  std::uint64_t member_id = 0;
  domain::Purpose purpose = domain::Purpose::kUnspecified;
  std::string consent_reference;
  std::string method;
  std::int64_t at_us = 0;
  // What an application inquiry tells the borrower's other lenders, written with the inquiry.
  std::vector<domain::Alert> alerts;
  // The access notice an inquiry on a protected or subscribed borrower leaves, written with it.
  struct Notice {
    std::uint64_t borrower_id = 0;
    std::string reference;
    domain::MemberType member_type = domain::MemberType::kUnspecified;
  };
  std::optional<Notice> notice;
};

// Writes the records a call leaves behind when it changes nothing else (its audit record, and
// the inquiry of a borrower query) with group commit: records that arrive while a commit is
// under way go into the next one, as multi-row INSERTs in one transaction, so concurrent calls
// share a transaction and a log flush instead of paying one each. Write returns only after the
// caller's records are durable, so no call answers with data it has not recorded.
//
// The writers use connections of their own (a pool of `writers`), so a pool exhausted by
// handlers cannot starve the records those handlers are waiting for.
class GroupCommitWriter {
 public:
  struct Options {
    int writers = 2;     // concurrent transactions (one fills while the other flushes)
    int max_batch = 64;  // records per transaction
  };
  // Called after each committed batch with its size (for metrics); must be thread-safe.
  using BatchObserver = std::function<void(int records)>;

  GroupCommitWriter(const DbConfig& db, Options options, BatchObserver observer = {});
  // Writes everything already queued, then stops the writers.
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Blocks until `audit` (and `inquiry`, when given) are committed. Throws UnavailableError
  // when the database cannot take them, std::runtime_error when the records themselves were refused.
  void Write(const domain::AuditEvent& audit, const InquiryRecord* inquiry = nullptr);

  // Queues `audit` (and `inquiry`, when given) and returns at once; `done` runs on a writer thread
  // once the records are committed (empty error) or refused (the reason). For callers that must
  // not block: a call answered from gRPC's own threads, or a worker that has nothing left to do
  // but answer.
  using Done = std::function<void(const std::string& error)>;
  void WriteAsync(domain::AuditEvent audit, Done done, std::unique_ptr<InquiryRecord> inquiry = nullptr);

 private:
  struct Pending {
    const domain::AuditEvent* audit = nullptr;
    const InquiryRecord* inquiry = nullptr;
    // Released once the outcome is set. Not a mutex and condition variable: glibc marks a mutex
    // taken back after a condition wait as contended, so the waiter's unlock always made a
    // futex call: 15 % of the server's under load (see Semaphore for the rest).
    Semaphore finished{0};
    enum class Outcome { kCommitted, kUnavailable, kFailed } outcome = Outcome::kCommitted;
    std::string error;
    // Of a WriteAsync record: the record itself and its callback; the writer deletes it.
    std::unique_ptr<domain::AuditEvent> owned;
    std::unique_ptr<InquiryRecord> owned_inquiry;
    Done done;
  };

  void Run();
  void Commit(const std::vector<Pending*>& batch);
  static void Finish(Pending* p, Pending::Outcome outcome, const std::string& error = {});

  ConnectionPool pool_;
  const Options options_;
  BatchObserver observer_;
  std::mutex mu_;
  std::condition_variable queued_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace creditshare::storage
