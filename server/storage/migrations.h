#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// One file of schema/, embedded at build time. Landed migrations are never edited.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& EmbeddedMigrations();
// The schema version this build expects: the highest embedded migration.
int RequiredSchemaVersion();
// The version recorded in the database; 0 for an empty database.
int CurrentSchemaVersion(Connection& conn);
// Applies every pending migration in order, holding a named lock so that concurrent runs
// (several replicas, a Job) apply each once; `up_to` stops at that version (tests of a
// migration on a populated database). Returns the versions applied.
std::vector<int> ApplyMigrations(Connection& conn, int up_to = std::numeric_limits<int>::max());
// An error telling the operator what to do when the database is behind (or ahead of) this build.
domain::MaybeError CheckSchemaVersion(Connection& conn);
// Splits a migration file into statements: ';' at a line end ends one; '--' lines are comments.
std::vector<std::string> SplitStatements(std::string_view sql);

}  // namespace creditshare::storage
