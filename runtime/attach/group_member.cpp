#include "group_member.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace vram_only::attach {
namespace {

using Json = nlohmann::ordered_json;

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// mkdir 0700, or check that the existing directory is ours, private and real.
bool private_directory(const std::string& path, std::string& error) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    error = errno_text("cannot create", path);
    return false;
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    error = errno_text("cannot stat", path);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    error = path + " is not a directory (a symbolic link or a file is refused)";
    return false;
  }
  if (st.st_uid != geteuid()) {
    error = path + " belongs to uid " + std::to_string(st.st_uid) + ", not to this process's uid " +
            std::to_string(geteuid());
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    error = path + " is readable or writable by others (mode 0" + std::to_string((st.st_mode >> 6) & 7) +
            std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) + "; it must be 0700)";
    return false;
  }
  return true;
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// "member-12.json" -> 12; -1 for other names.
int index_of(const char* name) {
  constexpr const char* kPrefix = "member-";
  constexpr std::size_t kPrefixLength = 7;
  if (std::strncmp(name, kPrefix, kPrefixLength) != 0) return -1;
  const char* p = name + kPrefixLength;
  int index = 0;
  int digits = 0;
  for (; *p >= '0' && *p <= '9' && digits < 4; ++p, ++digits) index = index * 10 + (*p - '0');
  if (digits == 0 || std::strcmp(p, ".json") != 0 || index >= GroupDirectory::kMaxMembers) return -1;
  return index;
}

}  // namespace

const char* to_string(Liveness liveness) {
  switch (liveness) {
    case Liveness::Live: return "live";
    case Liveness::Exited: return "exited";
    case Liveness::Gone: return "gone";
  }
  return "gone";
}

std::string to_json(const MemberState& s) {
  Json j;
  j["format"] = "vram-only member 1";
  j["pid"] = s.pid;
  j["start_time"] = s.start_time;
  j["command"] = s.command;
  j["rank"] = s.rank;
  j["healthy"] = s.healthy;
  j["enforcement_active"] = s.enforcement_active;
  j["exited"] = s.exited;
  j["serving"] = s.serving;
  j["violations_total"] = s.violations_total;
  j["violations"] = Json::array();
  for (const MemberViolation& v : s.violations) {
    j["violations"].push_back(Json{{"kind", v.kind},     {"memory_type", v.memory_type}, {"label", v.label},
                                   {"reason", v.reason}, {"pointer", v.pointer},         {"bytes", v.bytes},
                                   {"device", v.device}});
  }
  j["tracked_bytes"] = Json::object();
  for (const auto& [device, bytes] : s.tracked_bytes) j["tracked_bytes"][std::to_string(device)] = bytes;
  j["last_sweep_secs"] = s.last_sweep_secs;
  j["started_secs"] = s.started_secs;
  j["updated_secs"] = s.updated_secs;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool from_json(const std::string& text, MemberState& s, std::string& error) {
  try {
    const Json j = Json::parse(text);
    if (!j.is_object() || j.value("format", "") != "vram-only member 1") {
      error = "not a member state (format \"vram-only member 1\")";
      return false;
    }
    MemberState out;
    out.pid = j.at("pid").get<long>();
    out.start_time = j.at("start_time").get<std::uint64_t>();
    out.command = j.at("command").get<std::string>();
    out.rank = j.at("rank").get<int>();
    out.healthy = j.at("healthy").get<bool>();
    out.enforcement_active = j.at("enforcement_active").get<bool>();
    out.exited = j.at("exited").get<bool>();
    out.serving = j.at("serving").get<bool>();
    out.violations_total = j.at("violations_total").get<std::uint64_t>();
    for (const Json& v : j.at("violations")) {
      if (out.violations.size() >= MemberState::kMaxViolations) break;
      out.violations.push_back(MemberViolation{v.at("kind").get<std::string>(), v.at("memory_type").get<std::string>(),
                                               v.at("label").get<std::string>(), v.at("reason").get<std::string>(),
                                               v.at("pointer").get<std::uint64_t>(), v.at("bytes").get<std::uint64_t>(),
                                               v.at("device").get<int>()});
    }
    for (const auto& [device, bytes] : j.at("tracked_bytes").items()) {
      out.tracked_bytes[std::stoi(device)] = bytes.get<std::uint64_t>();
    }
    out.last_sweep_secs = j.at("last_sweep_secs").get<std::int64_t>();
    out.started_secs = j.at("started_secs").get<std::int64_t>();
    out.updated_secs = j.at("updated_secs").get<std::int64_t>();
    s = std::move(out);
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

std::optional<std::uint64_t> process_start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  // The command (field 2) is in parentheses and may hold spaces and ')':
  // the fields after it start after the last ')'.
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  // Fields 3.. follow; starttime is field 22, the 20th after the command.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return std::nullopt;
  }
  try {
    return std::stoull(field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string own_command() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string command;
  std::string word;
  while (std::getline(in, word, '\0') && command.size() < MemberState::kMaxCommand) {
    command += (command.empty() ? "" : " ") + word;
  }
  if (command.size() > MemberState::kMaxCommand) command.resize(MemberState::kMaxCommand);
  return command;
}

int own_rank() {
  for (const char* name : {"LOCAL_RANK", "RANK"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0' || std::strlen(value) > 5) continue;
    if (std::strspn(value, "0123456789") != std::strlen(value)) continue;
    return std::atoi(value);
  }
  return -1;
}


Liveness liveness_of(const MemberState& state) {
  if (state.exited) return Liveness::Exited;
  const std::optional<std::uint64_t> start = process_start_time(state.pid);
  return start && *start == state.start_time ? Liveness::Live : Liveness::Gone;
}

std::optional<GroupDirectory> GroupDirectory::open(const std::string& root, const std::string& group,
                                                   std::string& error) {
  const std::string base = root + "/vram-only-" + std::to_string(geteuid());
  if (!private_directory(base, error)) return std::nullopt;
  const std::string path = base + "/" + group;
  if (!private_directory(path, error)) return std::nullopt;
  return GroupDirectory(path, group);
}

std::string GroupDirectory::member_path(int index) const {
  return path_ + "/member-" + std::to_string(index) + ".json";
}

bool GroupDirectory::publish(int index, const MemberState& state, std::string& error) const {
  static std::atomic<unsigned> counter{0};
  const std::string target = member_path(index);
  const std::string temp = path_ + "/.member-" + std::to_string(index) + ".tmp." + std::to_string(getpid()) + "." +
                           std::to_string(counter.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    error = errno_text("cannot create", temp);
    return false;
  }
  const bool written = write_all(fd, to_json(state));
  const int saved = errno;
  close(fd);
  if (!written) {
    errno = saved;
    error = errno_text("cannot write", temp);
    unlink(temp.c_str());
    return false;
  }
  if (rename(temp.c_str(), target.c_str()) != 0) {
    error = errno_text("cannot rename to", target);
    unlink(temp.c_str());
    return false;
  }
  return true;
}

std::vector<MemberRecord> GroupDirectory::read_all() const {
  std::vector<MemberRecord> records;
  DIR* dir = opendir(path_.c_str());
  if (dir == nullptr) return records;
  std::set<int> indexes;
  while (const dirent* entry = readdir(dir)) {
    const int index = index_of(entry->d_name);
    if (index >= 0) indexes.insert(index);
  }
  closedir(dir);
  for (const int index : indexes) {
    const int fd = ::open(member_path(index).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    std::string text;
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || text.size() > (1u << 20)) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    close(fd);
    MemberRecord record;
    record.index = index;
    std::string error;
    if (!from_json(text, record.state, error)) continue;
    record.liveness = liveness_of(record.state);
    records.push_back(std::move(record));
  }
  return records;
}

int GroupDirectory::lock(std::string& error) const {
  // The directory may have been removed by a group that just ended.
  if (!private_directory(path_, error)) return -1;
  const std::string lock_path = path_ + "/.lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0) {
    error = errno_text("cannot open", lock_path);
    return -1;
  }
  while (flock(lock, LOCK_EX) != 0) {
    if (errno != EINTR) {
      error = errno_text("cannot lock", lock_path);
      close(lock);
      return -1;
    }
  }
  return lock;
}

bool GroupDirectory::leave(int index) const {
  std::string error;
  const int lock = this->lock(error);
  if (lock < 0) return false;
  bool others_live = false;
  for (const MemberRecord& r : read_all()) {
    others_live = others_live || (r.index != index && r.liveness == Liveness::Live);
  }
  if (!others_live) {
    if (DIR* dir = opendir(path_.c_str())) {
      while (const dirent* entry = readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") unlink((path_ + "/" + name).c_str());
      }
      closedir(dir);
    }
    rmdir(path_.c_str());
  }
  close(lock);  // releases the flock; the file is gone with the directory
  return !others_live;
}

int GroupDirectory::join(const MemberState& state, std::string& error) const {
  const int lock = this->lock(error);
  if (lock < 0) return -1;
  const std::vector<MemberRecord> records = read_all();
  std::set<int> taken;
  for (const MemberRecord& r : records) taken.insert(r.index);
  // A slot whose file is unreadable or half-made counts as taken.
  if (DIR* dir = opendir(path_.c_str())) {
    while (const dirent* entry = readdir(dir)) {
      const int index = index_of(entry->d_name);
      if (index >= 0) taken.insert(index);
    }
    closedir(dir);
  }
  int index = -1;
  for (int i = 0; i < kMaxMembers && index < 0; ++i) {
    if (taken.count(i) == 0) index = i;
  }
  for (std::size_t i = 0; index < 0 && i < records.size(); ++i) {
    const MemberRecord& r = records[i];
    if (r.liveness != Liveness::Live && r.state.violations_total == 0 && r.state.enforcement_active) {
      index = r.index;  // gone or exited, and never violated: its record is not needed
    }
  }
  bool ok = index >= 0;
  if (!ok) {
    error = "the group " + group_ + " has " + std::to_string(kMaxMembers) +
            " members, each live or with a violation: no index is free";
  } else {
    ok = publish(index, state, error);
  }
  flock(lock, LOCK_UN);
  close(lock);
  return ok ? index : -1;
}

}  // namespace vram_only::attach
