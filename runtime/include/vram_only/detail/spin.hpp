// Backoff for the tracker's short critical sections: spin with a CPU pause
// hint, then yield to the scheduler so that a preempted lock holder can run.
#pragma once

#include <thread>

namespace vram_only::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class Backoff {
 public:
  void pause() noexcept {
    if (spins_ < kSpinLimit) {
      ++spins_;
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }

 private:
  static constexpr unsigned kSpinLimit = 64;
  unsigned spins_ = 0;
};

}  // namespace vram_only::detail
