#pragma once

#include <semaphore.h>

#include <cerrno>
#include <system_error>

namespace creditshare {

// A counting semaphore on POSIX sem_t. Not std::counting_semaphore: libstdc++'s acquire spins
// with sched_yield before it sleeps, and on a busy 2-core machine (where a system call or a
// context switch is dear) that showed up as about a thousand sched_yield calls a second from
// bulk streams waiting for a slot, and as extra switches per query in the group commit. sem_t
// makes one futex call on each side when it must wait, and it may be destroyed as soon as the
// waiter returns (the poster's wake-up is its last access).
class Semaphore {
 public:
  explicit Semaphore(unsigned initial) {
    if (sem_init(&sem_, /*pshared=*/0, initial) != 0) throw std::system_error(errno, std::generic_category(), "sem_init");
  }
  ~Semaphore() { sem_destroy(&sem_); }
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  void Acquire() {
    while (sem_wait(&sem_) != 0) {
      // EINTR is the only error for a valid semaphore: a signal handler ran; wait on.
    }
  }
  void Release() { sem_post(&sem_); }

 private:
  sem_t sem_;
};

}  // namespace creditshare
