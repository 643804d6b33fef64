#include "storage/group_commit.h"

#include <stdexcept>

#include "storage/audit_repository.h"
#include "storage/alert_repository.h"
#include "storage/inquiry_repository.h"
#include "storage/transaction.h"
#include "thread_name.h"

namespace creditshare::storage {

namespace {
DbConfig WriterPoolConfig(DbConfig db, int writers) {
  db.pool_size = writers;
  db.cache_multi_row_statements = true;  // two statement shapes, batch sizes up to max_batch
  db.autocommit = false;                  // nothing but transactions: no START TRANSACTION round trip
  return db;
}
}  // namespace

GroupCommitWriter::GroupCommitWriter(const DbConfig& db, Options options, BatchObserver observer)
    : pool_(WriterPoolConfig(db, std::max(1, options.writers))), options_(options), observer_(std::move(observer)) {
  if (options_.max_batch < 1 || options_.max_batch > static_cast<int>(Connection::kMaxCachedRows))
    throw std::invalid_argument("group commit batch size must be 1 to " + std::to_string(Connection::kMaxCachedRows));
  for (int i = 0; i < std::max(1, options_.writers); ++i) threads_.emplace_back([this] {
      NameThisThread("cs-commit");
      Run();
    });
}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& t : threads_) t.join();
}

void GroupCommitWriter::Write(const domain::AuditEvent& audit, const InquiryRecord* inquiry) {
  Pending pending;
  pending.audit = &audit;
  pending.inquiry = inquiry;
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw UnavailableError("the server is stopping");
    queue_.push_back(&pending);
  }
  queued_.notify_one();
  pending.finished.Acquire();
  switch (pending.outcome) {
    case Pending::Outcome::kCommitted: return;
    case Pending::Outcome::kUnavailable: throw UnavailableError(pending.error);
    case Pending::Outcome::kFailed: throw std::runtime_error(pending.error);
  }
}

void GroupCommitWriter::WriteAsync(domain::AuditEvent audit, Done done, std::unique_ptr<InquiryRecord> inquiry) {
  auto pending = std::make_unique<Pending>();
  pending->owned = std::make_unique<domain::AuditEvent>(std::move(audit));
  pending->audit = pending->owned.get();
  pending->owned_inquiry = std::move(inquiry);
  pending->inquiry = pending->owned_inquiry.get();
  pending->done = std::move(done);
  {
    std::unique_lock lock(mu_);
    if (!stopping_) {
      queue_.push_back(pending.release());
      lock.unlock();
      queued_.notify_one();  // unlocked: a writer woken under mu_ would block on it again
      return;
    }
  }
  pending->done("the server is stopping");
}

void GroupCommitWriter::Run() {
  std::vector<Pending*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mu_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    Commit(batch);
  }
}

void GroupCommitWriter::Finish(Pending* p, Pending::Outcome outcome, const std::string& error) {
  if (p->done) {
    const std::unique_ptr<Pending> owned(p);
    try {
      p->done(outcome == Pending::Outcome::kCommitted ? std::string() : (error.empty() ? "refused" : error));
    } catch (...) {
      // The callback answers its call; one that throws must not take the writer with it.
    }
    return;
  }
  p->outcome = outcome;
  p->error = error;
  p->finished.Release();  // the last access: the waiter may return and destroy `p` at once
}

void GroupCommitWriter::Commit(const std::vector<Pending*>& batch) {
  auto write = [](const std::vector<Pending*>& records) {
    std::vector<const domain::AuditEvent*> audits;
    std::vector<const InquiryRecord*> inquiries;
    for (const auto* p : records) {
      audits.push_back(p->audit);
      if (p->inquiry != nullptr) inquiries.push_back(p->inquiry);
    }
    return [audits = std::move(audits), inquiries = std::move(inquiries)](Connection& conn) -> domain::Result<int> {
      if (!inquiries.empty()) {
        InquiryRepository::RecordMany(conn, inquiries);
        std::vector<const domain::Alert*> alerts;
        for (const auto* i : inquiries)
          for (const auto& a : i->alerts) alerts.push_back(&a);
        AlertRepository::Enqueue(conn, alerts);
      }
      AuditRepository::InsertMany(conn, audits);
      return static_cast<int>(audits.size());
    };
  };
  // Only the transaction is inside the try: a record is finished exactly once, after its outcome
  // is known, whatever its callback does.
  enum class Result { kCommitted, kUnavailable, kRefused };
  auto attempt = [&](const std::vector<Pending*>& records, std::string* error) {
    try {
      RunTransaction(pool_, write(records));
      return Result::kCommitted;
    } catch (const UnavailableError& e) {
      *error = e.what();
      return Result::kUnavailable;
    } catch (const std::exception& e) {
      *error = e.what();
      return Result::kRefused;
    }
  };
  auto finish_all = [&](const std::vector<Pending*>& records, Result result, const std::string& error) {
    const auto outcome = result == Result::kCommitted     ? Pending::Outcome::kCommitted
                         : result == Result::kUnavailable ? Pending::Outcome::kUnavailable
                                                          : Pending::Outcome::kFailed;
    for (auto* p : records) Finish(p, outcome, error);
    if (result == Result::kCommitted && observer_) observer_(static_cast<int>(records.size()));
  };
  std::string error;
  const Result result = attempt(batch, &error);
  if (result != Result::kRefused || batch.size() == 1) {
    finish_all(batch, result, error);
    return;
  }
  // The database refused the batch for something in it: write each record on its own so one
  // bad record fails only its own call.
  for (auto* p : batch) {
    std::string one_error;
    const Result one = attempt({p}, &one_error);
    finish_all({p}, one, one_error);
  }
}

}  // namespace creditshare::storage
