// GroupPublisher: keeps one process's member file (group_member.hpp) up to
// date: at join, at every `interval` (tracked bytes, last sweep), at once
// when asked (a violation: publish_now() runs on the caller's thread, so the
// state is on disk before an abort-mode _exit), and at exit (exited=true).
//
// It also takes the group's port over: a process that asked for the health
// port while another member held it stands by, and its publisher thread
// calls `try_serve` at every interval until it succeeds (the holder exited
// or was killed). A probe therefore sees a gap of at most one interval.
//
// Ownership: owns its thread; the snapshot and try_serve functions must stay
// callable until stop() returns.
// Thread-safety: every member function may be called from any thread;
// publishes are serialized.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "group_member.hpp"

namespace vram_only::attach {

class GroupPublisher {
 public:
  // Fills the fields that change (healthy, violations, tracked bytes, last
  // sweep) into the given state.
  using Snapshot = std::function<void(MemberState&)>;
  // Tries to bind the group's port; true when now serving.
  using TryServe = std::function<bool()>;

  GroupPublisher(GroupDirectory directory, Snapshot snapshot, std::chrono::milliseconds interval);
  ~GroupPublisher();
  GroupPublisher(const GroupPublisher&) = delete;
  GroupPublisher& operator=(const GroupPublisher&) = delete;

  // Claims an index and publishes the first state, then starts the thread.
  // False with `error` when the group has no free index.
  bool join(std::string& error);
  void publish_now();
  // Marks the member as holding the port (or not) and publishes.
  void set_serving(bool serving);
  // The thread calls `try_serve` each interval until it returns true.
  void stand_by(TryServe try_serve);
  // Publishes the exit (exited=true), stops the thread, and removes the
  // group's directory when no other member is live. Idempotent.
  void stop();

  int index() const noexcept { return index_; }
  const GroupDirectory& directory() const noexcept { return directory_; }

 private:
  void run();
  bool forked() const noexcept;  // called in a child forked after join()

  const GroupDirectory directory_;
  const Snapshot snapshot_;
  const std::chrono::milliseconds interval_;
  MemberState state_;  // under publish_mutex_
  int index_ = -1;
  std::mutex publish_mutex_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  TryServe try_serve_;  // under wake_mutex_
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

}  // namespace vram_only::attach
