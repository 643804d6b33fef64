#pragma once

#include <pthread.h>

namespace creditshare {

// Names the calling thread as `top -H`, `perf` and /proc/PID/task/*/comm show it, so an operator
// can tell workers from group-commit writers from gRPC's own threads. Linux keeps 15 characters.
inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace creditshare
