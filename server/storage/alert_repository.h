#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "domain/alert.h"
#include "domain/audit.h"
#include "storage/connection_pool.h"

// The alert outbox and feed (schema 0011). Write paths raise events inside their own
// transactions; domain::FanOut decides who is told; the sequencer numbers committed alerts;
// readers page through a member's alerts by sequence.
namespace creditshare::storage {

// An event about one borrower raised by a write path.
struct RaisedEvent {
  std::uint64_t borrower_id = 0;
  domain::AlertEvent event;
  // For a dispute: the disputed line, whose owner alone is told.
  std::uint64_t disputed_line_id = 0;
};

class AlertRepository {
 public:
  explicit AlertRepository(ConnectionPool& pool) : pool_(pool) {}

  // Inside the caller's transaction, after its writes: reads the relationships of each event's
  // borrower and writes the alerts domain::FanOut (or DisputeAlert) decides into the outbox.
  // `actor` is the member whose change raised the events.
  static void Raise(Connection& conn, std::uint64_t actor, const std::vector<RaisedEvent>& events,
                    std::int64_t now_us);
  // The same for one event whose borrower's relationships the caller has read in this
  // transaction already (under the borrower row lock), so they are not read again.
  static void RaiseAmong(Connection& conn, std::uint64_t actor, const domain::AlertEvent& event,
                         const domain::BorrowerRelations& relations, std::int64_t now_us);
  // Writes alerts already fanned out (an inquiry's, from the snapshot its query read).
  static void Enqueue(Connection& conn, const std::vector<const domain::Alert*>& alerts);

  struct Sequenced {
    int count = 0;
    std::uint64_t last_sequence = 0;
    std::map<domain::AlertKind, int> by_kind;
    std::set<std::uint64_t> recipients;
  };
  // Numbers up to `max` committed outbox alerts, oldest first, after the last sequence number,
  // and moves them to the feed, in one transaction. The sequence row's lock makes the sequencers
  // of all replicas take turns.
  Sequenced SequencePending(int max, std::int64_t now_us);
  std::uint64_t LastSequence();
  // Members with alerts whose sequence is in (after, upto].
  std::set<std::uint64_t> RecipientsBetween(std::uint64_t after, std::uint64_t upto);
  // The member's alerts of `kinds` with sequence > after, oldest first, at most `limit`.
  std::vector<domain::Alert> ListForMember(std::uint64_t member, std::uint64_t after, domain::AlertKindSet kinds,
                                           int limit);
  // The newest sequence number among the member's alerts of `kinds` (0: none).
  std::uint64_t NewestForMember(std::uint64_t member, domain::AlertKindSet kinds);

  // The kinds the member chose (every kind unless it chose).
  domain::AlertKindSet KindsOf(std::uint64_t member);
  static domain::AlertKindSet KindsOf(Connection& conn, std::uint64_t member);
  // Sets them, with the change's audit record, in one transaction.
  void SetKinds(std::uint64_t member, domain::AlertKindSet kinds, const std::function<domain::AuditEvent()>& audit);
  static void SetKinds(Connection& conn, std::uint64_t member, domain::AlertKindSet kinds);

  // Alerts raised before `before_us`, at most `limit` per statement; returns how many went.
  static long PurgeBefore(Connection& conn, std::int64_t before_us, int limit);

 private:
  ConnectionPool& pool_;
};

}  // namespace creditshare::storage
