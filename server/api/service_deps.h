#pragma once

#include <atomic>
#include <chrono>

#include "api/call_guard.h"
#include "api/reciprocity_gate.h"
#include "domain/clock.h"
#include "domain/decision.h"
#include "security/borrower_keyer.h"
#include "posix_semaphore.h"
#include "storage/credit_line_repository.h"
#include "storage/dispute_repository.h"
#include "storage/inquiry_repository.h"
#include "storage/reservation_repository.h"
#include "storage/scorecard_repository.h"

namespace creditshare::api {

// What the gRPC services share; owned by the server assembly.
struct ServiceDeps {
  CallGuard& guard;
  const domain::Clock& clock;
  const security::BorrowerKeyer& keyer;
  const domain::CreditPolicy& policy;
  storage::CreditLineRepository& lines;
  storage::InquiryRepository& inquiries;
  storage::ReservationRepository& reservations;
  storage::DisputeRepository& disputes;
  storage::ScorecardRepository& scorecard;
  int bulk_parallelism = 1;  // chunk transactions of one bulk stream committed at once
  // Chunk transactions of all bulk streams together: bulk reporting never takes more than this
  // many pooled connections, however many lenders stream at once.
  Semaphore* bulk_slots = nullptr;
  // True once the server shuts down: a bulk stream then takes no further chunk, answers every
  // chunk it committed and ends with UNAVAILABLE, well before the drain deadline cuts it off.
  const std::atomic<bool>* draining = nullptr;
  // A bulk stream that neither sends a chunk nor has one in flight for this long is cancelled.
  std::chrono::milliseconds stream_idle_timeout{60000};
  // Reciprocity on application inquiries.
  ReciprocityGate* reciprocity = nullptr;
};

}  // namespace creditshare::api
