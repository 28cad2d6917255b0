//===- TidyMachineryTest.cpp - clang-tidy's machinery under the core ------===//
//
// The plugin and vram-check read .clang-tidy files and check globs through
// libclangTidy, as clang-tidy does: InheritParentConfig chains, the nearest
// value winning, errors naming the file the bad value came from, and glob
// lists decided by their last matching glob.
//
//===----------------------------------------------------------------------===//
#include "core/CheckSelection.h"
#include "core/ClangTidyConfig.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <gtest/gtest.h>

namespace vram_only::analysis {
namespace {

llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem>
projectWith(std::initializer_list<std::pair<const char *, const char *>> Files) {
  llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> FS(
      new llvm::vfs::InMemoryFileSystem);
  for (const auto &[Path, Text] : Files)
    FS->addFile(Path, 0, llvm::MemoryBuffer::getMemBuffer(Text));
  FS->setCurrentWorkingDirectory("/project");
  return FS;
}

TEST(ClangTidyConfigTest, InheritParentConfigMergesNearestLast) {
  auto FS = projectWith(
      {{"/project/.clang-tidy",
        "CheckOptions:\n"
        "  vram-host-memory.ExtraFunctions: 'stagePinned=pins'\n"
        "  vram-host-memory.ExemptNames: 'cudaHostRegister'\n"},
       {"/project/src/.clang-tidy",
        "InheritParentConfig: true\n"
        "CheckOptions:\n"
        "  - key: vram-host-memory.ExemptNames\n"
        "    value: 'cudaMallocHost'\n"},
       {"/project/src/gpu/.clang-tidy", "InheritParentConfig: true\n"},
       {"/project/src/gpu/kv.cu", ""},
       {"/project/alone/.clang-tidy", "Checks: '-*,vram-*'\n"},
       {"/project/alone/a.cpp", ""}});

  LoadedConfig Config = loadClangTidyConfigFor("src/gpu/kv.cu", FS);
  EXPECT_TRUE(Config.Errors.empty());
  EXPECT_EQ(Config.Files,
            (std::vector<std::string>{"/project/.clang-tidy",
                                      "/project/src/.clang-tidy",
                                      "/project/src/gpu/.clang-tidy"}));
  const RuleOptions &Host = Config.Options.of(Rule::HostMemory);
  ASSERT_EQ(Host.ExtraFunctions.size(), 1u);
  EXPECT_EQ(Host.ExtraFunctions[0].Name, "stagePinned");
  EXPECT_EQ(Host.ExemptNames, std::vector<std::string>{"cudaMallocHost"});

  // Without InheritParentConfig only the nearest file counts.
  LoadedConfig Alone = loadClangTidyConfigFor("/project/alone/a.cpp", FS);
  EXPECT_EQ(Alone.Files, std::vector<std::string>{"/project/alone/.clang-tidy"});
  EXPECT_TRUE(Alone.Options.of(Rule::HostMemory).ExtraFunctions.empty());
}

TEST(ClangTidyConfigTest, ErrorsNameTheFileTheValueCameFrom) {
  auto FS = projectWith(
      {{"/project/.clang-tidy",
        "CheckOptions:\n  vram-host-memory.ExemptNames: 'cudaHostRegistr'\n"},
       {"/project/src/.clang-tidy",
        "InheritParentConfig: true\n"
        "CheckOptions:\n  vram-managed-memory.ExtraFunctions: 'noReason'\n"},
       {"/project/src/a.cpp", ""},
       {"/project/yaml/.clang-tidy", "CheckOptions: [\n"},
       {"/project/yaml/a.cpp", ""}});

  LoadedConfig Config = loadClangTidyConfigFor("/project/src/a.cpp", FS);
  ASSERT_EQ(Config.Errors.size(), 2u);
  EXPECT_EQ(Config.Errors[0],
            "/project/src/.clang-tidy: option "
            "'vram-managed-memory.ExtraFunctions': entry 'noReason' has no "
            "reason; write 'name=reason'");
  EXPECT_EQ(Config.Errors[1],
            "/project/.clang-tidy: option 'vram-host-memory.ExemptNames': "
            "'cudaHostRegistr' is not a name that vram-host-memory reports "
            "(did you mean 'cudaHostRegister'?)");

  LoadedConfig Yaml = loadClangTidyConfigFor("/project/yaml/a.cpp", FS);
  ASSERT_EQ(Yaml.Errors.size(), 1u);
  EXPECT_TRUE(llvm::StringRef(Yaml.Errors[0])
                  .starts_with("/project/yaml/.clang-tidy:"))
      << Yaml.Errors[0];
  EXPECT_TRUE(llvm::StringRef(Yaml.Errors[0])
                  .ends_with(" (not a valid .clang-tidy)"))
      << Yaml.Errors[0];
}

TEST(ClangTidyConfigTest, NoFileNoOptions) {
  auto FS = projectWith({{"/project/a.cpp", ""}});
  LoadedConfig Config = loadClangTidyConfigFor("a.cpp", FS);
  EXPECT_TRUE(Config.Errors.empty());
  EXPECT_TRUE(Config.Files.empty());
}

TEST(CheckSelectionTest, ClangTidyGlobsLastMatchDecides) {
  auto Selected = [](llvm::StringRef Globs) {
    llvm::Expected<RuleSet> Rules = selectChecks(Globs);
    EXPECT_TRUE(static_cast<bool>(Rules)) << llvm::toString(Rules.takeError());
    std::string Names;
    for (Rule R : AllRules)
      if (Rules->contains(R))
        Names += checkName(R).str() + " ";
    return Names;
  };
  EXPECT_EQ(Selected("vram-*"), "vram-managed-memory vram-host-memory "
                                "vram-mapped-memory vram-dynamic-lookup ");
  EXPECT_EQ(Selected("vram-*,-vram-dynamic-lookup"),
            "vram-managed-memory vram-host-memory vram-mapped-memory ");
  EXPECT_EQ(Selected("-*, vram-host-*"), "vram-host-memory ");
  EXPECT_EQ(Selected("-vram-*,*m*-memory,-*mapped*"),
            "vram-managed-memory vram-host-memory ");
  EXPECT_EQ(Selected(""), "");

  llvm::Expected<RuleSet> Bad = selectChecks("vram-*,,vram-host-memory");
  ASSERT_FALSE(static_cast<bool>(Bad));
  EXPECT_EQ(llvm::toString(Bad.takeError()),
            "empty glob in 'vram-*,,vram-host-memory'");
  llvm::Expected<RuleSet> Typo = selectChecks("vram-host memory");
  ASSERT_FALSE(static_cast<bool>(Typo));
  EXPECT_EQ(llvm::toString(Typo.takeError()),
            "'vram-host memory' is not a check glob (letters, digits, '-', "
            "'_', '.' and '*')");
}

} // namespace
} // namespace vram_only::analysis
