// ReaderSlotsLock: a reader-writer lock whose readers scale with cores.
//
// A reader increments the counter of its own slot (one of kSlots, each on a
// cache line of its own; a thread keeps its slot for life) and checks that
// no writer is active; readers of different slots therefore never write the
// same cache line, so lookups on 8 cores run about 8 times as many as on
// one. A writer takes a mutex (writers are serialised), raises the writer
// flag, then waits until every slot's counter is zero. New readers back
// off while the flag is up, so a writer is never starved.
//
// The lock/lock_shared/unlock/unlock_shared members make it usable with
// std::unique_lock and std::shared_lock. Not recursive: a thread that holds
// it (shared or exclusive) must not take it again, since a waiting writer
// would then wait for that thread forever.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace vram_only::detail {

class ReaderSlotsLock {
 public:
  static constexpr std::size_t kSlots = 32;

  void lock_shared() noexcept {
    Slot& slot = slots_[this_thread_slot()];
    for (;;) {
      // Dekker-style: our increment and the writer's flag are both seq_cst,
      // so either the writer sees our count or we see its flag.
      slot.readers.fetch_add(1, std::memory_order_seq_cst);
      if (!writer_.load(std::memory_order_seq_cst)) {
        return;
      }
      slot.readers.fetch_sub(1, std::memory_order_release);
      for (unsigned spins = 0; writer_.load(std::memory_order_acquire); ++spins) {
        pause(spins);
      }
    }
  }

  void unlock_shared() noexcept {
    slots_[this_thread_slot()].readers.fetch_sub(1, std::memory_order_release);
  }

  void lock() {
    writers_.lock();
    writer_.store(true, std::memory_order_seq_cst);
    for (Slot& slot : slots_) {
      for (unsigned spins = 0; slot.readers.load(std::memory_order_seq_cst) != 0; ++spins) {
        pause(spins);
      }
    }
  }

  void unlock() noexcept {
    writer_.store(false, std::memory_order_release);
    writers_.unlock();
  }

 private:
  struct alignas(64) Slot {
    std::atomic<std::int32_t> readers{0};
  };

  // Threads get slots round robin, so up to kSlots threads never share one.
  static std::size_t this_thread_slot() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t slot = next.fetch_add(1, std::memory_order_relaxed) % kSlots;
    return slot;
  }

  // Holds are short (a lookup, a copy of 64 records): spin briefly, then yield.
  static void pause(unsigned spins) noexcept {
    if (spins >= 64) {
      std::this_thread::yield();
    }
  }

  Slot slots_[kSlots];
  alignas(64) std::atomic<bool> writer_{false};
  std::mutex writers_;
};

}  // namespace vram_only::detail
