#include "cli_options.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace creditshare {

void DatabaseOptions::AddTo(CLI::App& app) {
  app.add_option("--db-host", db.host, "MariaDB/MySQL host")->envname("CREDITSHARE_DB_HOST")->capture_default_str();
  app.add_option("--db-port", db.port, "Database port")->envname("CREDITSHARE_DB_PORT")->capture_default_str();
  app.add_option("--db-user", db.user, "Database user")->envname("CREDITSHARE_DB_USER")->capture_default_str();
  app.add_option("--db-password-file", password_file, "File holding the database password")
      ->envname("CREDITSHARE_DB_PASSWORD_FILE");
  app.add_option("--db-name", db.database, "Database (schema) name")->envname("CREDITSHARE_DB_NAME")->capture_default_str();
  app.add_option("--db-pool-size", db.pool_size, "Pooled database connections")
      ->envname("CREDITSHARE_DB_POOL_SIZE")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--db-acquire-timeout-ms", db.acquire_timeout, "Longest wait for a pooled connection")
      ->envname("CREDITSHARE_DB_ACQUIRE_TIMEOUT_MS")->capture_default_str();
  app.add_option("--db-connect-timeout-s", db.connect_timeout_seconds,
                 "Longest wait for a new database connection's handshake")
      ->envname("CREDITSHARE_DB_CONNECT_TIMEOUT_S")->check(CLI::Range(1, 300))->capture_default_str();
  app.add_option("--db-read-timeout-s", db.read_timeout_seconds,
                 "Longest wait for the database to answer a statement (or take a write) before the "
                 "connection is dropped; regulator reports and migrations use their own, longer limits")
      ->envname("CREDITSHARE_DB_READ_TIMEOUT_S")->check(CLI::Range(1, 3600))->capture_default_str();
}

storage::DbConfig DatabaseOptions::Resolve() const {
  storage::DbConfig out = db;
  if (!password_file.empty()) {
    std::ifstream in(password_file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read database password file " + password_file);
    std::ostringstream buf;
    buf << in.rdbuf();
    out.password = buf.str();
    while (!out.password.empty() && (out.password.back() == '\n' || out.password.back() == '\r')) out.password.pop_back();
  } else if (const char* pw = std::getenv("CREDITSHARE_DB_PASSWORD")) {
    out.password = pw;
  }
  return out;
}

}  // namespace creditshare
