// One view per process group: member files written by forked processes
// through the library's own code (GroupDirectory), killed with SIGKILL,
// exited, reused pids, concurrent writers; the aggregate /health and
// /metrics; the health port taken over when its holder stops.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "group_member.hpp"
#include "group_publisher.hpp"
#include "group_view.hpp"
#include "http_get.hpp"
#include "runtime_bridge.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/residency_oracle.hpp"

namespace vram_only::attach {
namespace {

using namespace std::chrono_literals;

MemberState own_state(bool violated = false) {
  MemberState s;
  s.pid = static_cast<long>(getpid());
  s.start_time = process_start_time(s.pid).value_or(0);
  s.command = own_command();
  s.healthy = !violated;
  s.tracked_bytes[0] = 1 << 20;
  s.last_sweep_secs = 1767225600;
  if (violated) {
    s.violations_total = 1;
    s.violations.push_back(MemberViolation{"NotResident", "Host", "cuMemHostAlloc flags=0 from libtorch_cuda.so+0xcc0bd3",
                                           "pinned host memory (cuMemHostAlloc, 16777216 bytes) is not VRAM",
                                           0x7f92a2000000, 16777216, -1});
  }
  return s;
}

// A forked member: joins through the library's code, optionally violates,
// then waits to be killed or exits after publishing its exit.
enum class Then { Wait, Exit };
pid_t fork_member(const GroupDirectory& dir, bool violated, Then then) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  std::string error;
  const int index = dir.join(own_state(false), error);
  if (index < 0) _exit(3);
  if (violated && !dir.publish(index, own_state(true), error)) _exit(4);
  if (then == Then::Exit) {
    MemberState s = own_state(violated);
    s.exited = true;
    _exit(dir.publish(index, s, error) ? 0 : 5);
  }
  for (;;) pause();
}

void kill9(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// The members once `count` have joined (waits up to 5 s).
std::vector<MemberRecord> wait_for_members(const GroupDirectory& dir, std::size_t count) {
  std::vector<MemberRecord> records;
  for (int i = 0; i < 500; ++i) {
    records = dir.read_all();
    if (records.size() >= count) break;
    std::this_thread::sleep_for(10ms);
  }
  return records;
}

const MemberRecord* find_pid(const std::vector<MemberRecord>& records, pid_t pid) {
  for (const MemberRecord& r : records) {
    if (r.state.pid == pid) return &r;
  }
  return nullptr;
}

class GroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vram-only-group-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root = pattern;
  }
  void TearDown() override {
    for (const pid_t pid : children) kill9(pid);
    std::filesystem::remove_all(root);
  }
  GroupDirectory open_group(const std::string& name = "pod") {
    std::string error;
    std::optional<GroupDirectory> dir = GroupDirectory::open(root, name, error);
    EXPECT_TRUE(dir.has_value()) << error;
    return *dir;
  }
  pid_t spawn(const GroupDirectory& dir, bool violated) {
    const pid_t pid = fork_member(dir, violated, Then::Wait);
    children.push_back(pid);
    return pid;
  }
  void reap(pid_t pid) {
    kill9(pid);
    children.erase(std::remove(children.begin(), children.end(), pid), children.end());
  }

  std::string root;
  std::vector<pid_t> children;
};

TEST(MemberStateJson, RoundTrips) {
  MemberState s = own_state(true);
  s.rank = 3;
  s.tracked_bytes[1] = 42;
  s.exited = true;
  s.serving = true;
  s.started_secs = 17;
  s.updated_secs = 18;
  MemberState back;
  std::string error;
  ASSERT_TRUE(from_json(to_json(s), back, error)) << error;
  EXPECT_EQ(to_json(back), to_json(s));
  EXPECT_EQ(back.violations.at(0).pointer, 0x7f92a2000000u);
  EXPECT_EQ(back.tracked_bytes.at(1), 42u);
}

TEST(MemberStateJson, OtherFilesAreRefusedWithTheReason) {
  MemberState s;
  std::string error;
  EXPECT_FALSE(from_json("{}", s, error));
  EXPECT_EQ(error, R"(not a member state (format "vram-only member 1"))");
  EXPECT_FALSE(from_json("{\"format\":\"vram-only member 1\",\"pid\":1", s, error));
  EXPECT_NE(error.find("parse error"), std::string::npos) << error;
}

TEST(ProcessStartTime, SurvivesACommandWithParenthesesAndEndsWithTheProcess) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NAME, "a) b (c", 0, 0, 0);
    const char byte = 1;
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    for (;;) pause();
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  std::ifstream comm("/proc/" + std::to_string(child) + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, "a) b (c");
  const auto start = process_start_time(child);
  ASSERT_TRUE(start.has_value());
  EXPECT_GE(*start, *process_start_time(getpid()));
  kill9(child);
  EXPECT_FALSE(process_start_time(child).has_value());
  close(ready[0]);
  close(ready[1]);
}

TEST_F(GroupTest, DirectoriesArePrivateAndForeignOnesAreRefused) {
  GroupDirectory dir = open_group("pod");
  struct stat st {};
  ASSERT_EQ(stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((root + "/vram-only-" + std::to_string(geteuid())).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  const std::string base = root + "/vram-only-" + std::to_string(geteuid());
  ASSERT_EQ(mkdir((base + "/open").c_str(), 0700), 0);
  ASSERT_EQ(chmod((base + "/open").c_str(), 0755), 0);
  std::string error;
  EXPECT_FALSE(GroupDirectory::open(root, "open", error).has_value());
  EXPECT_EQ(error, base + "/open is readable or writable by others (mode 0755; it must be 0700)");
  ASSERT_EQ(symlink("/tmp", (base + "/link").c_str()), 0);
  EXPECT_FALSE(GroupDirectory::open(root, "link", error).has_value());
  EXPECT_EQ(error, base + "/link is not a directory (a symbolic link or a file is refused)");
}

TEST_F(GroupTest, AViolatingMemberTurnsTheGroupUnhealthyAndIsNamed) {
  GroupDirectory dir = open_group();
  const pid_t healthy = spawn(dir, false);
  const pid_t violator = spawn(dir, true);
  std::vector<MemberRecord> records;
  for (int i = 0; i < 500; ++i) {
    records = dir.read_all();
    const MemberRecord* v = find_pid(records, violator);
    if (records.size() == 2 && v != nullptr && v->state.violations_total == 1) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(group_healthy(records));
  const MemberRecord* v = find_pid(records, violator);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->liveness, Liveness::Live);
  EXPECT_TRUE(member_breaks_health(*v));
  EXPECT_FALSE(member_breaks_health(*find_pid(records, healthy)));
  const std::string json = group_health_json("pod", records, true);
  EXPECT_NE(json.find(R"("status":"unhealthy")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"member":)" + std::to_string(v->index) + R"(,"pid":)" + std::to_string(violator) +
                      R"(,"command":")" + own_command() + R"(","process":"live","pointer":"0x7f92a2000000",)"),
            std::string::npos)
      << json;

  // Killed, it stays in the view: its violation happened.
  reap(violator);
  records = dir.read_all();
  EXPECT_EQ(find_pid(records, violator)->liveness, Liveness::Gone);
  EXPECT_FALSE(group_healthy(records));
  EXPECT_NE(group_health_json("pod", records, true).find(R"("process":"gone")"), std::string::npos);
}

TEST_F(GroupTest, AMemberKilledWithSigkillThatNeverViolatedLeavesTheGroupHealthy) {
  GroupDirectory dir = open_group();
  spawn(dir, false);
  const pid_t victim = spawn(dir, false);
  ASSERT_EQ(wait_for_members(dir, 2).size(), 2u);
  reap(victim);
  const std::vector<MemberRecord> records = dir.read_all();
  ASSERT_EQ(records.size(), 2u);
  const MemberRecord* gone = find_pid(records, victim);
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->liveness, Liveness::Gone);
  EXPECT_TRUE(group_healthy(records));
  const std::string metrics = group_metrics(records);
  EXPECT_NE(metrics.find("vram_only_group_healthy 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_group_members{state=\"gone\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_group_members{state=\"live\"} 1\n"), std::string::npos) << metrics;
  const std::string index = std::to_string(gone->index);
  EXPECT_NE(metrics.find("vram_only_group_member_gone{member=\"" + index + "\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_group_member_up{member=\"" + index + "\"} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_group_member_tracked_bytes{member=\"" + index + "\",device=\"0\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("vram_only_group_tracked_bytes{device=\"0\"} 1048576\n"), std::string::npos) << metrics;
}

TEST_F(GroupTest, AMemberThatExitedAfterAViolationKeepsTheGroupUnhealthy) {
  GroupDirectory dir = open_group();
  const pid_t pid = fork_member(dir, true, Then::Exit);
  int status = -1;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const std::vector<MemberRecord> records = dir.read_all();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].liveness, Liveness::Exited);
  EXPECT_FALSE(group_healthy(records));
  const std::string json = group_health_json("pod", records, false);
  EXPECT_NE(json.find(R"("pid":)" + std::to_string(pid) + R"(,"command":")" + own_command() +
                      R"(","process":"exited","bytes":16777216,"memory_type":"Host",)"
                      R"("label":"cuMemHostAlloc flags=0 from libtorch_cuda.so","device":-1,"kind":"NotResident",)"),
            std::string::npos)
      << json;
  EXPECT_EQ(json.find("0x"), std::string::npos) << json;
}

TEST_F(GroupTest, AnExitedMemberWithoutViolationLeavesItHealthy) {
  GroupDirectory dir = open_group();
  const pid_t pid = fork_member(dir, false, Then::Exit);
  int status = -1;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  const std::vector<MemberRecord> records = dir.read_all();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].liveness, Liveness::Exited);
  EXPECT_TRUE(group_healthy(records));
}

TEST_F(GroupTest, AReusedPidIsRecognisedByItsStartTime) {
  MemberState s = own_state();
  EXPECT_EQ(liveness_of(s), Liveness::Live);
  s.start_time += 1;  // the same pid, another process
  EXPECT_EQ(liveness_of(s), Liveness::Gone);

  GroupDirectory dir = open_group();
  std::string error;
  const int index = dir.join(s, error);
  ASSERT_GE(index, 0) << error;
  const std::vector<MemberRecord> records = dir.read_all();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].liveness, Liveness::Gone);
  EXPECT_TRUE(group_healthy(records));
}

TEST_F(GroupTest, ConcurrentWritersGetDistinctIndexesAndReadersNeverSeeATornFile) {
  GroupDirectory dir = open_group();
  constexpr int kWriters = 6;
  constexpr int kWrites = 300;
  std::vector<pid_t> writers;
  for (int w = 0; w < kWriters; ++w) {
    const pid_t pid = fork();
    if (pid == 0) {
      std::string error;
      MemberState s = own_state();
      const int index = dir.join(s, error);
      if (index < 0) _exit(3);
      for (int i = 0; i < kWrites; ++i) {
        s.tracked_bytes[0] = static_cast<std::uint64_t>(i);
        s.command = std::string(static_cast<std::size_t>(i % 200), 'x');  // sizes vary
        if (!dir.publish(index, s, error)) _exit(4);
      }
      _exit(0);
    }
    writers.push_back(pid);
  }
  std::size_t reads = 0;
  std::size_t torn = 0;
  bool running = true;
  while (running) {
    running = false;
    for (const pid_t pid : writers) running = running || waitpid(pid, nullptr, WNOHANG) == 0;
    for (int index = 0; index < kWriters; ++index) {
      std::ifstream in(dir.path() + "/member-" + std::to_string(index) + ".json");
      if (!in) continue;
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      MemberState s;
      std::string error;
      ++reads;
      torn += from_json(text, s, error) ? 0 : 1;
    }
  }
  EXPECT_GT(reads, 0u);
  EXPECT_EQ(torn, 0u);
  const std::vector<MemberRecord> records = dir.read_all();
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kWriters));
  std::set<int> indexes;
  std::set<long> pids;
  for (const MemberRecord& r : records) {
    indexes.insert(r.index);
    pids.insert(r.state.pid);
    EXPECT_EQ(r.state.tracked_bytes.at(0), static_cast<std::uint64_t>(kWrites - 1));
  }
  EXPECT_EQ(indexes, (std::set<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(pids.size(), static_cast<std::size_t>(kWriters));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST_F(GroupTest, AFullGroupReusesTheIndexOfAGoneMemberThatNeverViolated) {
  GroupDirectory dir = open_group();
  MemberState dead = own_state(true);
  dead.start_time += 1;  // not this process: gone
  std::string error;
  for (int i = 0; i < GroupDirectory::kMaxMembers; ++i) {
    MemberState s = dead;
    if (i == 77) {
      s.violations_total = 0;
      s.violations.clear();
    }
    ASSERT_TRUE(dir.publish(i, s, error)) << error;
  }
  EXPECT_EQ(dir.join(own_state(), error), 77) << error;
  MemberState s = dead;
  ASSERT_TRUE(dir.publish(77, s, error));
  EXPECT_EQ(dir.join(own_state(), error), -1);
  EXPECT_EQ(error, "the group pod has 256 members, each live or with a violation: no index is free");
}

TEST_F(GroupTest, TheLastLiveMemberToLeaveEndsTheGroup) {
  GroupDirectory dir = open_group();
  const pid_t other = spawn(dir, true);
  ASSERT_EQ(wait_for_members(dir, 1).size(), 1u);
  std::string error;
  const int own = dir.join(own_state(), error);
  ASSERT_GE(own, 0) << error;
  EXPECT_FALSE(dir.leave(own)) << "another member is live";
  EXPECT_EQ(dir.read_all().size(), 2u);
  reap(other);
  EXPECT_TRUE(dir.leave(own));
  EXPECT_FALSE(std::filesystem::exists(dir.path()));
  // A new group of that name starts empty; joining makes the directory again.
  EXPECT_EQ(dir.join(own_state(), error), 0) << error;
  EXPECT_EQ(dir.read_all().size(), 1u);
}

TEST(GroupView, ExactHealthJsonForEachDetail) {
  MemberRecord a;
  a.index = 0;
  a.state = own_state();
  a.state.pid = 811;
  a.state.command = "python3 server.py";
  a.state.serving = true;
  a.liveness = Liveness::Live;
  MemberRecord b;
  b.index = 1;
  b.state = own_state(true);
  b.state.pid = 812;
  b.state.command = "python3 -c spawn_main";
  b.state.rank = 1;
  b.state.tracked_bytes.clear();
  b.liveness = Liveness::Exited;
  const std::vector<MemberRecord> records = {a, b};
  EXPECT_EQ(group_health_json("run-810-5", records, true),
            R"({"status":"unhealthy","resident":false,"vram_bytes_used":1048576,"last_check_secs":1767225600,)"
            R"("violations":[{"member":1,"pid":812,"command":"python3 -c spawn_main","process":"exited",)"
            R"("pointer":"0x7f92a2000000","bytes":16777216,"memory_type":"Host",)"
            R"("label":"cuMemHostAlloc flags=0 from libtorch_cuda.so+0xcc0bd3","device":-1,"kind":"NotResident",)"
            R"("reason":"pinned host memory (cuMemHostAlloc, 16777216 bytes) is not VRAM"}],"group":"run-810-5",)"
            R"("members":[{"member":0,"pid":811,"command":"python3 server.py","rank":-1,"process":"live",)"
            R"("healthy":true,"serving":true,"enforcement_active":true,"violations_total":0,)"
            R"("tracked_bytes":{"0":1048576},"last_check_secs":1767225600},)"
            R"({"member":1,"pid":812,"command":"python3 -c spawn_main","rank":1,"process":"exited",)"
            R"("healthy":false,"serving":false,"enforcement_active":true,"violations_total":1,)"
            R"("tracked_bytes":{},"last_check_secs":1767225600}]})");
  const std::string redacted = group_health_json("run-810-5", records, false);
  EXPECT_NE(redacted.find(R"("process":"exited","bytes":16777216,"memory_type":"Host",)"
                          R"("label":"cuMemHostAlloc flags=0 from libtorch_cuda.so","device":-1,)"),
            std::string::npos)
      << redacted;
  EXPECT_EQ(redacted.find("0x"), std::string::npos) << redacted;
}

TEST(GroupView, MetricsHaveBoundedLabelsAndGroupTotals) {
  MemberRecord a;
  a.index = 0;
  a.state = own_state();
  a.state.pid = 811;
  a.state.rank = 0;
  a.state.started_secs = 1767225000;
  a.liveness = Liveness::Live;
  MemberRecord b = a;
  b.index = 1;
  b.state.pid = 812;
  b.state.rank = 1;
  b.state.enforcement_active = false;
  const std::string m = group_metrics({a, b});
  for (const char* line : {
           "vram_only_group_healthy 0\n",
           "vram_only_group_members{state=\"live\"} 2\n",
           "vram_only_group_tracked_bytes{device=\"0\"} 2097152\n",
           "vram_only_group_member_enforcement_active{member=\"1\"} 0\n",
           "vram_only_group_member_healthy{member=\"1\"} 0\n",
           "vram_only_group_member_rank{member=\"1\"} 1\n",
           "vram_only_group_member_start_time_seconds{member=\"0\"} 1767225000\n",
           "vram_only_group_member_last_check_timestamp_seconds{member=\"0\"} 1767225600\n",
           "# TYPE vram_only_group_member_violations_total counter\n",
       }) {
    EXPECT_NE(m.find(line), std::string::npos) << line << "\n" << m;
  }
  EXPECT_EQ(m.find("811"), std::string::npos) << "no pid in a label or value";
}

// Everything is device memory.
class DeviceOracle final : public ResidencyOracle {
 public:
  ResidencyVerdict query(const void*) const noexcept override {
    ResidencyVerdict v;
    v.memory_type = MemoryType::Device;
    v.reason = "device";
    return v;
  }
};

TEST_F(GroupTest, TheBridgeServesTheGroupAndAnotherMemberTakesThePortOver) {
  set_default_log_sink([](vram_only::LogLevel, std::string_view) {});
  DeviceOracle oracle;
  BridgeOptions options;
  options.oracle = &oracle;
  options.sweep_interval_ms = 60000;
  options.group = "pod";
  options.group_root = root;
  options.publish_interval_ms = 50;
  RuntimeBridge first(options);
  RuntimeBridge second(options);
  first.start_monitor();
  second.start_monitor();
  std::string error;
  const int port = first.start_health_server("127.0.0.1", 0, nullptr, error);
  if (port < 0 && error.find("built without --health") != std::string::npos) GTEST_SKIP() << error;
  ASSERT_GT(port, 0) << error;
  EXPECT_EQ(second.start_health_server("127.0.0.1", port, nullptr, error), 0);

  EXPECT_EQ(http_get(port, "/health").substr(0, 3), "200");
  second.report_violation(ViolationRecord{0x7f0000001000, 16 << 20, -1, false,
                                          "cuMemHostAlloc flags=0 from libworker.so+0x10", "pinned host memory", 7});
  const std::string health = http_get(port, "/health");
  EXPECT_EQ(health.substr(0, 4), "503 ") << health;
  EXPECT_NE(health.find(R"("violations":[{"member":1,"pid":)" + std::to_string(getpid())), std::string::npos)
      << health;
  EXPECT_NE(health.find(R"("label":"cuMemHostAlloc flags=0 from libworker.so+0x10")"), std::string::npos) << health;
  const std::string metrics = http_get(port, "/metrics");
  EXPECT_NE(metrics.find("vram_only_group_member_serving{member=\"0\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vram_only_group_member_violations_total{member=\"1\"} 1\n"), std::string::npos)
      << metrics;

  first.stop();  // the holder exits: the second takes the port over
  std::string after;
  for (int i = 0; i < 300 && after.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    after = http_get(port, "/health");
  }
  EXPECT_EQ(after.substr(0, 4), "503 ") << after;
  EXPECT_NE(after.find(R"("member":0,"pid":)" + std::to_string(getpid()) + R"(,"command":")" + own_command() +
                       R"(","rank":-1,"process":"exited","healthy":true,"serving":false)"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find(R"("process":"live","healthy":false,"serving":true)"), std::string::npos) << after;
  second.stop();  // the last live member: the group ends
  EXPECT_FALSE(std::filesystem::exists(root + "/vram-only-" + std::to_string(geteuid()) + "/pod"));
  set_default_log_sink({});
}

}  // namespace
}  // namespace vram_only::attach
