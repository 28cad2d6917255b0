#include "group_publisher.hpp"

#include <unistd.h>

namespace vram_only::attach {
namespace {

std::int64_t now_secs() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

GroupPublisher::GroupPublisher(GroupDirectory directory, Snapshot snapshot, std::chrono::milliseconds interval)
    : directory_(std::move(directory)), snapshot_(std::move(snapshot)), interval_(interval) {
  state_.pid = static_cast<long>(getpid());
  state_.start_time = process_start_time(state_.pid).value_or(0);
  state_.command = own_command();
  state_.rank = own_rank();
  state_.started_secs = now_secs();
}

GroupPublisher::~GroupPublisher() { stop(); }

bool GroupPublisher::join(std::string& error) {
  {
    std::lock_guard<std::mutex> lock(publish_mutex_);
    snapshot_(state_);
    state_.updated_secs = now_secs();
    index_ = directory_.join(state_, error);
    if (index_ < 0) return false;
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

bool GroupPublisher::forked() const noexcept { return static_cast<long>(getpid()) != state_.pid; }

void GroupPublisher::publish_now() {
  std::lock_guard<std::mutex> lock(publish_mutex_);
  if (index_ < 0 || state_.exited || forked()) return;
  snapshot_(state_);
  state_.updated_secs = now_secs();
  std::string error;
  directory_.publish(index_, state_, error);  // best effort: the next interval tries again
}

void GroupPublisher::set_serving(bool serving) {
  {
    std::lock_guard<std::mutex> lock(publish_mutex_);
    state_.serving = serving;
  }
  publish_now();
}

void GroupPublisher::stand_by(TryServe try_serve) {
  std::lock_guard<std::mutex> lock(wake_mutex_);
  try_serve_ = std::move(try_serve);
}

void GroupPublisher::run() {
  std::unique_lock<std::mutex> lock(wake_mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    TryServe try_serve = try_serve_;
    lock.unlock();
    if (try_serve && try_serve()) {
      std::lock_guard<std::mutex> standing(wake_mutex_);
      try_serve_ = nullptr;
    }
    publish_now();
    lock.lock();
  }
}

void GroupPublisher::stop() {
  if (stopped_.exchange(true)) return;
  // A forked child (CUDA cannot be used there once the parent initialized
  // it) has no publisher thread and must not write its parent's file.
  if (forked()) return;
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stopping_ = true;
    try_serve_ = nullptr;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(publish_mutex_);
  if (index_ < 0) return;
  snapshot_(state_);
  state_.serving = false;
  state_.exited = true;
  state_.updated_secs = now_secs();
  std::string error;
  directory_.publish(index_, state_, error);
  directory_.leave(index_);  // the last live member ends the group
}

}  // namespace vram_only::attach
