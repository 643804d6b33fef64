#include "domain/disclosure.h"

namespace creditshare::domain {

int WithholdUnreliable(std::vector<AggregateCell>& cells, std::int64_t min_borrowers) {
  int withheld = 0;
  for (auto& c : cells) {
    c.suppressed = c.measures.distinct_borrowers < min_borrowers;
    withheld += c.suppressed ? 1 : 0;
  }
  return withheld;
}

}  // namespace creditshare::domain
