#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "storage/connection_pool.h"

namespace sql {
class ResultSet;
}

namespace creditshare::storage {

// A borrower's current state in `borrowers.state` (schema 0019): the rows of StatePartsSql for
// that borrower, each column kept as its text or NULL. A borrower read decodes them into
// StoredRows and reads them with the same code as live result rows, so the state says exactly
// what the tables said when it was built. NULL in the column: not built (the triggers clear it
// on every change to the borrower's lines, reservations or protections).
namespace borrower_state {

// Row layout of StatePartsSql (and of the decoded state): the columns of a snapshot row
// (line_rows' 1-28 for lines; reservations and protections fill some of them), then:
inline constexpr int kKindColumn = 29;   // what the row is (RowKind)
inline constexpr int kOwnerColumn = 30;  // borrowers.id the row belongs to
inline constexpr int kColumns = 30;
enum RowKind : int { kLineRow = 1, kReservationRow = 2, kProtectionRow = 4 };

// One statement: the state rows of `n` borrowers (bind: the n ids; the n ids, the active
// reservation status and an expiry bound; the n ids). Reservations are those active by status
// that expire after the bound; whether one has expired is decided again when it is read
// (domain::IsActiveAt), so a state does not age. An expired reservation changes no row, so a
// state may leave out those that expired before it was built: builds use kExpiredKeptUs before
// their clock's now, for replicas whose clocks differ.
std::string StatePartsSql(std::size_t n);
inline constexpr std::int64_t kExpiredKeptUs = 3600LL * 1000 * 1000;

// A decoded row: ResultSet's getters by column number (1-based); NULL reads as 0 or "".
class StoredRow {
 public:
  bool isNull(int column) const { return !cell(column).has_value(); }
  std::string getString(int column) const { return cell(column).value_or(std::string()); }
  std::int32_t getInt(int column) const { return static_cast<std::int32_t>(getInt64(column)); }
  std::int64_t getInt64(int column) const;
  std::uint64_t getUInt64(int column) const;
  bool getBoolean(int column) const { return getInt64(column) != 0; }

  std::vector<std::optional<std::string>> cells;

 private:
  const std::optional<std::string>& cell(int column) const;
};

// One borrower's rows as stored in borrowers.state, marked with a digest of StatePartsSql: a
// state written with another row layout is not read but rebuilt.
std::string Encode(const std::vector<StoredRow>& rows);
// nullopt when `bytes` is not a state of this layout, or a row's kind or owner is not a number
// (then the tables are read instead, and the state is rebuilt).
std::optional<std::vector<StoredRow>> Decode(std::string_view bytes);
// The current row of a result set of StatePartsSql as a StoredRow.
StoredRow FromResultSet(sql::ResultSet& rs);

}  // namespace borrower_state

// Builds missing borrower states off the request path, on a connection of its own: those readers
// asked for (Request), then a sweep over all borrowers (after migration 0019, after bulk uploads,
// after a change by a server that predates the state). Several replicas may build at once: each
// build locks its borrowers' rows (skipping those being written) and writes only a state still
// missing, so builds neither wait for writers nor overwrite a newer state.
class BorrowerStateBuilder {
 public:
  struct Options {
    std::size_t max_requested = 10000;  // requests held; beyond it they wait for the sweep
    int batch = 50;                     // borrowers per transaction
    int sweep_batch = 200;              // borrowers the sweep looks at per RunOnce
  };
  struct Stats {
    std::uint64_t built = 0;  // states written
    std::uint64_t failed = 0;  // transactions that failed (their borrowers are left for later)
    std::string last_error;   // why the last one failed
  };

  // `clock` bounds which expired reservations a state leaves out (kExpiredKeptUs).
  BorrowerStateBuilder(const DbConfig& db, const domain::Clock& clock, Options options);
  BorrowerStateBuilder(const DbConfig& db, const domain::Clock& clock) : BorrowerStateBuilder(db, clock, Options{}) {}

  // A reader found this borrower's state missing or unreadable: it is rebuilt whatever it holds.
  // Never blocks.
  void Request(std::uint64_t borrower_id);
  // Builds what was requested, then sweeps the next `sweep_batch` borrowers; returns the number
  // of states written. Called by one thread (the server's task).
  int RunOnce();
  // Builds every missing state (tests, the bench): sweeps from the start to the end once.
  int BuildAll();
  Stats stats() const;

  // Builds the states of `ids` still missing (all of them when `rebuild`), in one transaction on
  // `conn`; returns how many it wrote. Borrowers whose rows another transaction holds are skipped.
  // Reservations that expired before `expired_before_us` are left out.
  static int Build(Connection& conn, const std::vector<std::uint64_t>& ids, std::int64_t expired_before_us,
                   bool rebuild = false);

 private:
  int BuildBatches(std::vector<std::uint64_t> ids, bool rebuild);
  int Sweep(int limit, bool* wrapped);

  ConnectionPool pool_;
  const domain::Clock& clock_;
  const Options options_;
  mutable std::mutex mu_;
  std::set<std::uint64_t> requested_;
  Stats stats_;
  std::uint64_t sweep_after_ = 0;  // the sweep's cursor (RunOnce's thread only)
};

}  // namespace creditshare::storage
