#pragma once

#include "storage/connection_pool.h"

namespace creditshare::storage {

// Part of migration 0009: brings every stored line to the ledger's model. For each line, in
// batches of one transaction each, its monthly records get the facts they did not keep (the
// current month's from the line; older ones the status their code implies), then the line's ledger
// copy and retention review date are computed from its records by the domain's rules. Re-running
// it recomputes the same values.
void BackfillLedgers(Connection& conn);

}  // namespace creditshare::storage
