#include "domain/disclosure.h"

#include <algorithm>

namespace creditshare::domain {

bool ApplyDisclosureControl(std::vector<AggregateCell>& cells, std::int64_t min_borrowers) {
  int suppressed = 0;
  for (auto& c : cells) {
    c.suppressed = c.measures.distinct_borrowers < min_borrowers;
    suppressed += c.suppressed ? 1 : 0;
  }
  if (suppressed == 1) {
    auto smallest = cells.end();
    for (auto it = cells.begin(); it != cells.end(); ++it)
      if (!it->suppressed && (smallest == cells.end() ||
                              it->measures.distinct_borrowers < smallest->measures.distinct_borrowers))
        smallest = it;
    if (smallest != cells.end()) smallest->suppressed = true;
  }
  return suppressed > 0;
}

}  // namespace creditshare::domain
