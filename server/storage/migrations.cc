#include "storage/migrations.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <map>
#include <stdexcept>

#include "storage/ledger_backfill.h"

namespace creditshare::storage {

namespace {
constexpr const char* kCreateLedger =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB";

// Steps a migration's SQL cannot express with the domain's rules: run after the statements of
// the version they belong to, before it is recorded (so a failed step runs again next time).
const std::map<int, void (*)(Connection&)>& CodeSteps() {
  static const std::map<int, void (*)(Connection&)> kSteps = {{9, &BackfillLedgers}};
  return kSteps;
}

bool LedgerExists(Connection& conn) {
  auto& stmt = conn.Prepare(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = "
      "'schema_migrations'");
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() && rs->getInt(1) > 0;
}

class NamedLock {
 public:
  explicit NamedLock(Connection& conn) : conn_(conn) {
    auto& stmt = conn_.Prepare("SELECT GET_LOCK('creditshare.migrate', 60)");
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (!rs->next() || rs->getInt(1) != 1) throw std::runtime_error("another migration holds the lock for over 60 s");
  }
  ~NamedLock() {
    try {
      std::unique_ptr<sql::ResultSet> rs(conn_.Prepare("SELECT RELEASE_LOCK('creditshare.migrate')").executeQuery());
    } catch (const sql::SQLException&) {
      // The lock dies with the session anyway.
    }
  }
  NamedLock(const NamedLock&) = delete;
  NamedLock& operator=(const NamedLock&) = delete;

 private:
  Connection& conn_;
};
}  // namespace

int RequiredSchemaVersion() {
  const auto& all = EmbeddedMigrations();
  return all.empty() ? 0 : all.back().version;
}

int CurrentSchemaVersion(Connection& conn) {
  if (!LedgerExists(conn)) return 0;
  std::unique_ptr<sql::ResultSet> rs(conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").executeQuery());
  return rs->next() ? rs->getInt(1) : 0;
}

std::vector<std::string> SplitStatements(std::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t end = sql.find('\n', pos);
    if (end == std::string_view::npos) end = sql.size();
    std::string_view line = sql.substr(pos, end - pos);
    pos = end + 1;
    // The code part of the line: up to a "--" comment that is not inside a quoted string.
    bool quoted = false;
    size_t code_end = line.size();
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\'') quoted = !quoted;
      if (!quoted && line.compare(i, 2, "--") == 0) {
        code_end = i;
        break;
      }
    }
    const std::string_view code = line.substr(0, code_end);
    const auto last = code.find_last_not_of(" \t\r");
    if (last == std::string_view::npos) continue;
    current.append(code.substr(0, last + 1));
    if (code[last] == ';') {
      current.pop_back();
      out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back('\n');
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(std::move(current));
  return out;
}

std::vector<int> ApplyMigrations(Connection& conn, int up_to) {
  NamedLock lock(conn);
  conn.Execute(kCreateLedger);
  const int current = CurrentSchemaVersion(conn);
  std::vector<int> applied;
  for (const auto& m : EmbeddedMigrations()) {
    if (m.version <= current || m.version > up_to) continue;
    // MariaDB commits DDL implicitly, so a migration is recorded after its last statement;
    // each file is written to be re-runnable up to its failure point by an operator.
    for (const auto& stmt : SplitStatements(m.sql)) conn.Execute(stmt);
    if (const auto step = CodeSteps().find(m.version); step != CodeSteps().end()) step->second(conn);
    auto& record = conn.Prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
    record.setInt(1, m.version);
    record.setString(2, std::string(m.name));
    record.executeUpdate();
    applied.push_back(m.version);
  }
  return applied;
}

domain::MaybeError CheckSchemaVersion(Connection& conn) {
  const int current = CurrentSchemaVersion(conn);
  const int required = RequiredSchemaVersion();
  if (current < required)
    return domain::Error::FailedPrecondition(
        "", "database schema is at version " + std::to_string(current) + " but this server needs version " +
                std::to_string(required) + "; run `creditshare-server migrate` first");
  if (current > required)
    return domain::Error::FailedPrecondition(
        "", "database schema is at version " + std::to_string(current) + ", newer than this server's " +
                std::to_string(required) + "; upgrade the server");
  return std::nullopt;
}

}  // namespace creditshare::storage
