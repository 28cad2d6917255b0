// vram-only-run's options and errors: the parser, and the binary itself on
// commands that do not use CUDA (no GPU needed).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "attach_options.hpp"
#include "launcher_options.hpp"
#include "preload_reach.hpp"
#include "run_command.hpp"

namespace vram_only::attach {
namespace {

LaunchPlan parse(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  return parse_launcher_args(args, [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(LauncherOptions, DefaultsAndCommand) {
  const LaunchPlan p = parse({"--", "python3", "-m", "server"});
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.command, (std::vector<std::string>{"python3", "-m", "server"}));
  EXPECT_EQ(p.options.on_violation, OnViolation::Report);
  EXPECT_EQ(p.options.sweep_interval_ms, 5000u);
  EXPECT_EQ(p.options.call_sites, CallSites::All);
  EXPECT_FALSE(p.options.require);
  EXPECT_EQ(p.options.backend, Backend::Interpose);
}

TEST(LauncherOptions, EveryOptionBothSpellings) {
  const LaunchPlan p = parse({"--on-violation=abort", "--policy", "p.json", "--health=0.0.0.0:8081", "--report",
                              "r-%p.json", "--require", "--sweep-interval", "250", "--call-sites=violations",
                              "--callbacks", "none", "--cupti", "/x/libcupti.so.13", "--library=/y/libvram_only_attach.so", "llama-cli",
                              "-m", "m.gguf"});
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.on_violation, OnViolation::Abort);
  EXPECT_EQ(p.options.policy, "p.json");
  EXPECT_EQ(p.options.health, "0.0.0.0:8081");
  EXPECT_EQ(p.options.report, "r-%p.json");
  EXPECT_TRUE(p.options.require);
  EXPECT_EQ(p.options.sweep_interval_ms, 250u);
  EXPECT_EQ(p.options.call_sites, CallSites::Violations);
  EXPECT_EQ(p.options.callbacks, Callbacks::None);
  EXPECT_EQ(p.options.cupti, "/x/libcupti.so.13");
  EXPECT_EQ(p.options.library, "/y/libvram_only_attach.so");
  EXPECT_EQ(p.command, (std::vector<std::string>{"llama-cli", "-m", "m.gguf"})) << "the first non-option starts it";
}

TEST(LauncherOptions, EnvironmentVariableForEveryOption) {
  const std::map<std::string, std::string> env = {
      {"VRAM_ONLY_ON_VIOLATION", "abort"},      {"VRAM_ONLY_POLICY", "p.json"},
      {"VRAM_ONLY_HEALTH", "127.0.0.1:0"},      {"VRAM_ONLY_REPORT", "r.json"},
      {"VRAM_ONLY_REQUIRE", "1"},               {"VRAM_ONLY_SWEEP_INTERVAL_MS", "100"},
      {"VRAM_ONLY_CALL_SITES", "off"},          {"VRAM_ONLY_CALLBACKS", "none"},
      {"VRAM_ONLY_CUPTI", "/c.so"},             {"VRAM_ONLY_GROUP", "pod-7"},
      {"VRAM_ONLY_HEALTH_DETAIL", "full"},
      {"VRAM_ONLY_ATTACH_LIBRARY", "/a.so"},    {"VRAM_ONLY_BACKEND", "cupti"}};
  EXPECT_EQ(env.size(), option_variables().size()) << "one variable per option";
  const LaunchPlan p = parse({"prog"}, env);
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.on_violation, OnViolation::Abort);
  EXPECT_EQ(p.options.policy, "p.json");
  EXPECT_EQ(p.options.health, "127.0.0.1:0");
  EXPECT_EQ(p.options.report, "r.json");
  EXPECT_TRUE(p.options.require);
  EXPECT_EQ(p.options.sweep_interval_ms, 100u);
  EXPECT_EQ(p.options.call_sites, CallSites::Off);
  EXPECT_EQ(p.options.callbacks, Callbacks::None);
  EXPECT_EQ(p.options.cupti, "/c.so");
  EXPECT_EQ(p.options.library, "/a.so");
  EXPECT_EQ(p.options.group, "pod-7");
  EXPECT_EQ(p.options.health_detail, HealthDetail::Full);
  EXPECT_EQ(p.options.backend, Backend::Cupti);
  // The command line wins over the environment.
  EXPECT_EQ(parse({"--on-violation=report", "prog"}, env).options.on_violation, OnViolation::Report);
  // And the options travel to the child as the same variables.
  std::map<std::string, std::string> exported;
  for (const auto& [k, v] : options_to_environment(p.options)) exported[k] = v;
  EXPECT_EQ(exported, env);
}

TEST(LauncherOptions, Errors) {
  EXPECT_EQ(parse({}).error, "no command given");
  EXPECT_EQ(parse({"--report", "r.json"}).error, "no command given");
  EXPECT_EQ(parse({"--report", "r.json", "--"}).error, "no command given");
  EXPECT_EQ(parse({"--verbose", "prog"}).error, "unknown option --verbose");
  EXPECT_EQ(parse({"--policy"}).error, "--policy needs a value");
  EXPECT_EQ(parse({"--on-violation=kill", "prog"}).error, "--on-violation must be report or abort, not 'kill'");
  EXPECT_EQ(parse({"--health", "8080", "prog"}).error,
            "--health must be HOST:PORT (port 0..65535, 0 = any free port), not '8080'");
  EXPECT_EQ(parse({"--health", "h:70000", "prog"}).error,
            "--health must be HOST:PORT (port 0..65535, 0 = any free port), not 'h:70000'");
  EXPECT_EQ(parse({"--sweep-interval", "0", "prog"}).error,
            "--sweep-interval must be a number of milliseconds >= 1, not '0'");
  EXPECT_EQ(parse({"--call-sites=some", "prog"}).error, "--call-sites must be all, violations or off, not 'some'");
  EXPECT_EQ(parse({"--callbacks=all", "prog"}).error, "--callbacks must be allocations or none, not 'all'");
  EXPECT_EQ(parse({"--require=yes", "prog"}).error, "--require takes no value");
  EXPECT_EQ(parse({"--group", "../etc", "prog"}).error,
            "--group must be 1 to 64 of A-Z a-z 0-9 _ . - (not starting with '.'), not '../etc'");
  EXPECT_EQ(parse({"--group", std::string(65, 'g'), "prog"}).error,
            "--group must be 1 to 64 of A-Z a-z 0-9 _ . - (not starting with '.'), not '" + std::string(65, 'g') +
                "'");
  EXPECT_EQ(parse({"--health-detail=all", "prog"}).error,
            "--health-detail must be local, full or redacted, not 'all'");
  EXPECT_EQ(parse({"--backend=ptrace", "prog"}).error, "--backend must be interpose or cupti, not 'ptrace'");
  EXPECT_EQ(parse({"prog"}, {{"VRAM_ONLY_ON_VIOLATION", "explode"}}).error,
            "VRAM_ONLY_ON_VIOLATION=explode: --on-violation must be report or abort, not 'explode'");
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h", "prog"}).help);
}

TEST(LauncherOptions, HostPortAndPid) {
  std::string host;
  int port = -1;
  EXPECT_TRUE(parse_host_port("127.0.0.1:0", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  EXPECT_TRUE(parse_host_port("[::1]:8080", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8080);
  EXPECT_FALSE(parse_host_port(":8080", host, port));
  EXPECT_FALSE(parse_host_port("host:", host, port));
  EXPECT_FALSE(parse_host_port("host:http", host, port));
  EXPECT_EQ(expand_pid("/tmp/r-%p.json", 123), "/tmp/r-123.json");
  EXPECT_EQ(expand_pid("%p%p%", 7), "77%");
}

// ---- The binary --------------------------------------------------------------

using testing::CommandResult;

// Its stdout and stderr together.
CommandResult run(const std::string& command) { return testing::run_command(command + " 2>&1"); }

const std::string kRun = std::string("env -u CUDA_INJECTION64_PATH ") + testing::kSanitizerEnvironment + VRAM_ONLY_RUN_PATH;

TEST(LauncherBinary, NoCommand) {
  const CommandResult r = run(kRun);
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.output, "vram-only-run: no command given (see vram-only-run --help)\n");
}

TEST(LauncherBinary, UnknownOption) {
  const CommandResult r = run(kRun + " --bogus -- true");
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.output, "vram-only-run: unknown option --bogus (see vram-only-run --help)\n");
}

TEST(LauncherBinary, MissingLibrary) {
  const CommandResult r = run(kRun + " --library /nonexistent/libvram_only_attach.so -- true");
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.output, "vram-only-run: cannot read the injection library /nonexistent/libvram_only_attach.so: No "
                      "such file or directory (build it, or pass --library / VRAM_ONLY_ATTACH_LIBRARY)\n");
}

TEST(LauncherBinary, BadPolicyFileFailsBeforeTheWorkload) {
  const std::string path = ::testing::TempDir() + "/vram_only_bad_policy.json";
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("{\"allow\": [\n  {\"kind\": \"pinnned\", \"max_bytes_total\": 1}]}\n", f);
  std::fclose(f);
  const CommandResult r = run(kRun + " --policy " + path + " -- echo workload-ran");
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.output, "vram-only-run: bad policy file: " + path +
                          ":2: \"kind\" must be one of managed, pinned, mapped, registered, host_vmm, host_pool, "
                          "migration\n");
  std::remove(path.c_str());
}

TEST(LauncherBinary, CommandNotFoundAndNotExecutable) {
  EXPECT_EQ(run(kRun + " -- /nonexistent/program").status, 127);
  const std::string plain = ::testing::TempDir() + "/vram_only_not_executable";
  std::fclose(std::fopen(plain.c_str(), "w"));
  EXPECT_EQ(run(kRun + " -- " + plain).status, 126);
  std::remove(plain.c_str());
}

TEST(LauncherBinary, ExitStatusAndOutputAreTheCommands) {
  const CommandResult r = run(kRun + " -- sh -c 'echo hello; exit 3'");
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.output, "hello\n");
}

TEST(LauncherBinary, PreloadsTheLibraryAndSetsEveryVariable) {
  const CommandResult r = run(kRun + " --on-violation=abort --health 127.0.0.1:0 --report r-%p.json --sweep-interval 250 "
                              "--call-sites off --cupti " VRAM_ONLY_ATTACH_PATH " -- env");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* expected :
       {"\nLD_PRELOAD=" VRAM_ONLY_ATTACH_PATH "\n", "VRAM_ONLY_BACKEND=interpose\n",
        "VRAM_ONLY_ATTACH_LIBRARY=" VRAM_ONLY_ATTACH_PATH "\n", "VRAM_ONLY_ON_VIOLATION=abort\n",
        "VRAM_ONLY_HEALTH=127.0.0.1:0\n", "VRAM_ONLY_SWEEP_INTERVAL_MS=250\n", "VRAM_ONLY_CALL_SITES=off\n",
        "VRAM_ONLY_CALLBACKS=allocations\n", "VRAM_ONLY_CUPTI=" VRAM_ONLY_ATTACH_PATH "\n", "VRAM_ONLY_REQUIRE=0\n"}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << "\n" << r.output;
  }
  EXPECT_EQ(r.output.find("CUDA_INJECTION64_PATH="), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/r-%p.json\n"), std::string::npos) << "made absolute, %p kept for the child\n" << r.output;
}

TEST(LauncherBinary, EveryRunIsItsOwnGroupUnlessOneIsNamed) {
  // run-<launcher pid>-<its start time>: the launcher execs, so the pid is the command's.
  const CommandResult own = run(kRun + " -- sh -c 'echo $$ $VRAM_ONLY_GROUP; cut -d\\) -f2 /proc/$$/stat'");
  ASSERT_EQ(own.status, 0) << own.output;
  std::istringstream lines(own.output);
  std::string pid;
  std::string group;
  lines >> pid >> group;
  std::string field;
  std::vector<std::string> fields;
  while (lines >> field) fields.push_back(field);
  ASSERT_GE(fields.size(), 20u) << own.output;
  EXPECT_EQ(group, "run-" + pid + "-" + fields[19]) << own.output;  // starttime: field 22, the 20th after ')'

  const CommandResult named = run(kRun + " --group pod-7 --health-detail=redacted -- env");
  EXPECT_NE(named.output.find("VRAM_ONLY_GROUP=pod-7\n"), std::string::npos) << named.output;
  EXPECT_NE(named.output.find("VRAM_ONLY_HEALTH_DETAIL=redacted\n"), std::string::npos) << named.output;
  const CommandResult inherited = run("VRAM_ONLY_GROUP=ns.pod " + kRun + " -- env");
  EXPECT_NE(inherited.output.find("VRAM_ONLY_GROUP=ns.pod\n"), std::string::npos) << inherited.output;
}

TEST(LauncherBinary, AppendsToAnExistingPreloadAndKeepsAnotherInjection) {
  const CommandResult r =
      run(std::string("env ") + testing::kSanitizerEnvironment + "LD_PRELOAD=" VRAM_ONLY_NEIGHBOUR_TOOL_PATH
          " CUDA_INJECTION64_PATH=/opt/profiler.so " +
          std::string(VRAM_ONLY_RUN_PATH) + " -- sh -c 'echo \"$LD_PRELOAD|$CUDA_INJECTION64_PATH\"'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, VRAM_ONLY_NEIGHBOUR_TOOL_PATH ":" VRAM_ONLY_ATTACH_PATH "|/opt/profiler.so\n");
}

TEST(LauncherBinary, CuptiBackendSetsTheInjection) {
  const CommandResult r = run(kRun + " --backend=cupti -- env");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("CUDA_INJECTION64_PATH=" VRAM_ONLY_ATTACH_PATH "\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("VRAM_ONLY_BACKEND=cupti\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("LD_PRELOAD=" VRAM_ONLY_ATTACH_PATH), std::string::npos) << r.output;
}

TEST(LauncherBinary, RefusesToReplaceAnotherInjection) {
  const CommandResult r =
      run(std::string("CUDA_INJECTION64_PATH=/opt/other.so ") + VRAM_ONLY_RUN_PATH + " --backend=cupti -- true");
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.output, "vram-only-run: CUDA_INJECTION64_PATH is already set to /opt/other.so (another CUDA "
                      "injection); unset it to run under vram-only-run\n");
}

// Checked before the command runs: exit 125 with this one line, and the
// command never starts.
void expect_refused(const std::string& options, const std::string& message, const std::string& environment = "") {
  const CommandResult r = run(environment + kRun + " " + options + " -- echo workload-ran");
  EXPECT_EQ(r.status, 125) << options;
  EXPECT_EQ(r.output, "vram-only-run: " + message + "\n");
}

TEST(LauncherBinary, EmptyPolicyPath) {
  expect_refused("--policy ''", "--policy needs a file name, not an empty one (see vram-only-run --help)");
}

TEST(LauncherBinary, MisspelledVariableIsAnError) {
  expect_refused("", "unknown environment variable 'VRAM_ONLY_ON_VIOLATON' (vram-only-run reads "
                     "VRAM_ONLY_BACKEND, VRAM_ONLY_ON_VIOLATION, VRAM_ONLY_POLICY, VRAM_ONLY_HEALTH, VRAM_ONLY_REPORT, VRAM_ONLY_REQUIRE, "
                     "VRAM_ONLY_SWEEP_INTERVAL_MS, VRAM_ONLY_CALL_SITES, VRAM_ONLY_CALLBACKS, VRAM_ONLY_CUPTI, "
                     "VRAM_ONLY_ATTACH_LIBRARY, VRAM_ONLY_GROUP, VRAM_ONLY_HEALTH_DETAIL; unset it or fix its name)",
                 "VRAM_ONLY_ON_VIOLATON=abort ");
}

TEST(LauncherBinary, ReportToADirectoryOrAnUnwritablePlace) {
  const std::string dir = ::testing::TempDir();
  expect_refused("--report " + dir, "--report " + dir + " is a directory (it names the report file)");
  expect_refused("--report /nonexistent/r-%p.json",
                 "--report: cannot create a file in /nonexistent: No such file or directory");
}

TEST(LauncherBinary, InvalidHealthAddress) {
  expect_refused("--health 256.1.2.3:80", "--health 256.1.2.3:80: 256.1.2.3 is not a valid IPv4 address");
}

TEST(LauncherBinary, LibraryThatIsNotTheAttachLibrary) {
  expect_refused("--library /bin/sh",
                 "--library /bin/sh is not libvram_only_attach.so (it does not export vram_only_attach_preflight)");
  const std::string text = ::testing::TempDir() + "/vram_only_not_a_library.so";
  std::FILE* f = std::fopen(text.c_str(), "w");
  std::fputs("not a library at all, but long enough to hold an ELF header's bytes...........\n", f);
  std::fclose(f);
  expect_refused("--library " + text, "--library " + text + " is not libvram_only_attach.so (not an ELF file)");
  std::remove(text.c_str());
}

TEST(LauncherBinary, MissingCupti) {
  expect_refused("--cupti /nonexistent/libcupti.so.13",
                 "--cupti: cannot read /nonexistent/libcupti.so.13: No such file or directory");
}

// LD_PRELOAD cannot reach a static program: refused, never run unenforced.
TEST(LauncherBinary, StaticProgramNeedsTheCuptiBackend) {
  const CommandResult r = run(kRun + " -- " VRAM_ONLY_STATIC_PROGRAM_PATH);
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.output, "vram-only-run: " VRAM_ONLY_STATIC_PROGRAM_PATH
                      " is statically linked: there is no dynamic linker to preload the interposer; run it with "
                      "--backend=cupti\n");
  EXPECT_EQ(run(kRun + " --backend=cupti -- " VRAM_ONLY_STATIC_PROGRAM_PATH).status, 0);
  EXPECT_EQ(why_preload_cannot_reach(find_executable("sh", std::getenv("PATH"))), "") << "a dynamic program";
}

TEST(LauncherBinary, SetUserIdProgramNeedsTheCuptiBackend) {
  // A set-user-ID program owned by someone else: the dynamic linker runs it
  // in secure mode. (Owned by us, the bit changes nothing.)
  const std::string program = find_executable("su", "/usr/bin:/bin");
  struct stat st {};
  if (program.empty() || stat(program.c_str(), &st) != 0 || (st.st_mode & S_ISUID) == 0 || st.st_uid == geteuid()) {
    GTEST_SKIP() << "needs a set-user-ID program owned by another user (su), run as a user other than its owner";
  }
  EXPECT_EQ(why_preload_cannot_reach(program), program + " is set-user-ID: the dynamic linker ignores LD_PRELOAD for it");
}

TEST(LauncherBinary, CallbacksNoneIsACuptiDiagnostic) {
  const CommandResult r = run(kRun + " --callbacks=none -- true");
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.output, "vram-only-run: --callbacks=none measures CUPTI's own cost: it needs --backend=cupti\n");
}

}  // namespace
}  // namespace vram_only::attach
