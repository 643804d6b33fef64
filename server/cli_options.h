#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "storage/connection_pool.h"

namespace creditshare {

// Database options shared by creditshare-server and creditshare-admin, each with an
// environment variable. The password comes from a file (or CREDITSHARE_DB_PASSWORD).
struct DatabaseOptions {
  storage::DbConfig db;
  std::string password_file;

  void AddTo(CLI::App& app);
  // Loads the password into db; throws std::runtime_error when the file cannot be read.
  storage::DbConfig Resolve() const;
};

}  // namespace creditshare
