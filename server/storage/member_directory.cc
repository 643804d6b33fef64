#include "storage/member_directory.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace creditshare::storage {

MemberDirectory::Entry MemberDirectory::Get(Connection& conn, std::uint64_t member_id) {
  {
    std::shared_lock lock(mu_);
    if (auto it = entries_.find(member_id); it != entries_.end()) return it->second;
  }
  auto& stmt = conn.Prepare("SELECT code, member_type FROM members WHERE id = ?");
  stmt.setUInt64(1, member_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) throw std::runtime_error("member " + std::to_string(member_id) + " is referenced but missing");
  Entry entry{rs->getString(1), static_cast<domain::MemberType>(rs->getInt(2))};
  std::unique_lock lock(mu_);
  return entries_.try_emplace(member_id, std::move(entry)).first->second;
}

}  // namespace creditshare::storage
