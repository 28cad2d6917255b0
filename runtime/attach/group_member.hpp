// The processes of one group (a pod: a server and the workers it starts)
// publish their state where the group's health endpoint reads it without
// talking to them: one small JSON file per process in a private directory,
//
//   <root>/vram-only-<uid>/<group>/member-<index>.json      (root: /dev/shm)
//
// Why files in /dev/shm: a process that dies (SIGKILL, OOM killer) leaves
// its last state behind and nothing to clean up or unlock; a reader needs
// no cooperation from a writer (no socket to a hung process, no shared
// lock a dead writer could hold); memory-backed, so a write costs no disk.
// Each write is a temporary file renamed over the member's file, so a
// reader sees the old state or the new one, never a torn one. Directories
// are created 0700 and must be owned by the caller's user and not be
// symbolic links (another user cannot plant or read states).
//
// A member's index is claimed once, under flock() of the group's .lock
// file (released by the kernel if the claimer dies): the lowest free one;
// when all kMaxMembers are taken, the slot of a member that is gone and
// never violated is reused. Indexes label the per-process metrics, so
// their number is bounded.
//
// The group ends when its last live member exits: that member removes the
// directory. A group whose last member was killed keeps its files (nobody
// is left to remove them) until a member of a new group of that name leaves.
//
// Liveness: a state names its pid and the process's start time
// (/proc/<pid>/stat, field 22, clock ticks since boot). A member is Live
// when that pid exists with that start time, Exited when it published its
// exit, Gone otherwise (killed, or its pid now belongs to another process).
//
// Thread-safety: GroupDirectory is immutable after open(); its functions
// may be called from any thread and any process.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vram_only::attach {

// One violation as a member publishes it (full detail: the health
// endpoint redacts for clients that are not on loopback).
struct MemberViolation {
  std::string kind;         // "NotResident", "QueryFailed", ...
  std::string memory_type;  // "Host", "Managed", "Error", ...
  std::string label;        // API, flags, call site
  std::string reason;
  std::uint64_t pointer = 0;
  std::uint64_t bytes = 0;
  int device = -1;
};

struct MemberState {
  long pid = 0;
  std::uint64_t start_time = 0;  // /proc/<pid>/stat starttime
  std::string command;           // argv joined by spaces, at most kMaxCommand bytes
  int rank = -1;                 // LOCAL_RANK (else RANK) of the process, -1 if none
  bool healthy = false;
  bool enforcement_active = true;
  bool exited = false;  // published by the process at its exit
  std::uint64_t violations_total = 0;
  std::vector<MemberViolation> violations;          // the first kMaxViolations
  std::map<int, std::uint64_t> tracked_bytes;       // by device
  std::int64_t last_sweep_secs = 0;                 // Unix time; 0 = none yet
  std::int64_t started_secs = 0;                    // Unix time of the first state
  std::int64_t updated_secs = 0;                    // Unix time of this state
  bool serving = false;                             // holds the group's port

  static constexpr std::size_t kMaxViolations = 16;
  static constexpr std::size_t kMaxCommand = 256;
};

std::string to_json(const MemberState& state);
// False (and `error` set) when `text` is not a member state.
bool from_json(const std::string& text, MemberState& state, std::string& error);

enum class Liveness { Live, Exited, Gone };
const char* to_string(Liveness liveness);

struct MemberRecord {
  int index = 0;
  MemberState state;
  Liveness liveness = Liveness::Gone;
};

// Start time of `pid` (/proc/<pid>/stat field 22); nullopt when there is no such process.
std::optional<std::uint64_t> process_start_time(long pid);
// This process's command line, argv joined by spaces, cut at kMaxCommand bytes.
std::string own_command();
// LOCAL_RANK, else RANK, of this process (torchrun sets both); -1 if neither is a number.
int own_rank();

class GroupDirectory {
 public:
  static constexpr int kMaxMembers = 256;

  // Opens (creating) <root>/vram-only-<uid>/<group>. Empty optional, with
  // `error`, when a directory cannot be made private or is not ours.
  static std::optional<GroupDirectory> open(const std::string& root, const std::string& group,
                                            std::string& error);

  // Claims an index for `state` and publishes it there; -1 with `error`
  // when every index is taken by a live member or one that violated.
  int join(const MemberState& state, std::string& error) const;
  // The member at `index` leaves: when no other member is live, the group
  // ends and its directory is removed (its records with it). True when removed.
  bool leave(int index) const;
  // Replaces the state at `index` atomically; false with `error` on failure.
  bool publish(int index, const MemberState& state, std::string& error) const;
  // Every member's last state, by index, with its liveness now. Files that
  // are not member states are skipped.
  std::vector<MemberRecord> read_all() const;

  const std::string& path() const noexcept { return path_; }
  const std::string& group() const noexcept { return group_; }

 private:
  GroupDirectory(std::string path, std::string group) : path_(std::move(path)), group_(std::move(group)) {}
  std::string member_path(int index) const;
  // Creates the directory again if needed and takes the group's flock; the
  // descriptor, or -1 with `error`.
  int lock(std::string& error) const;

  std::string path_;
  std::string group_;
};

// The liveness of a published state, now.
Liveness liveness_of(const MemberState& state);

}  // namespace vram_only::attach
