#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/keyed_digest.h"
#include "storage/connection_pool.h"

namespace creditshare::storage {

// Rows whose key is `d` under either version: "col IN (?, ?)" with BindKeyPair.
inline constexpr const char* kKeyPair = "(?, ?)";
void BindKeyPair(sql::PreparedStatement& stmt, int& p, const domain::KeyedDigest& d);

// While a rotation runs, writers may disagree for a moment on which version is current (each
// server reads the key set file on its own). A borrower that exists under neither form is
// therefore first claimed in borrower_claims under its form of the newer version, which every
// writer computes alike (and which outlives the rotation, unlike the old key), and looked up
// again once the claim is held: a second writer creating
// the same person waits on the claim and then finds the borrower, instead of creating it again
// under the other form. Locks the claims of the rotating keys among `keys`, in key order;
// returns whether there were any (then look the borrowers up again before inserting).
bool LockBorrowerClaims(Connection& conn, const std::vector<const domain::KeyedDigest*>& keys);

// Locks borrowers.id = `borrower_id` FOR UPDATE. Every write that changes what a borrower query
// shows takes the borrower's row before the rows it changes (the borrower state's triggers take
// it after them): a write that finds its row through a child row reads the id first, then calls
// this, then locks the child.
void LockBorrower(Connection& conn, std::uint64_t borrower_id);

}  // namespace creditshare::storage
