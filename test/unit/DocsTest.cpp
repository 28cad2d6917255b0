//===- DocsTest.cpp - Every check's page lists what the check reports -----===//
#include "core/Policy.h"
#include "core/Rule.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

namespace vram_only::analysis {
namespace {

std::string checkPage(Rule R) {
  std::string Path = std::string(VRAM_ONLY_SOURCE_DIR) + "/docs/checks/" +
                     checkName(R).str() + ".md";
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Page =
      llvm::MemoryBuffer::getFile(Path);
  if (!Page) {
    ADD_FAILURE() << "missing " << Path;
    return "";
  }
  return (*Page)->getBuffer().str();
}

bool mentions(const std::string &Page, llvm::StringRef Name) {
  return Page.find(("`" + Name + "`").str()) != std::string::npos;
}

TEST(DocsTest, EveryCheckPageListsItsNames) {
  for (Rule R : AllRules) {
    std::string Page = checkPage(R);
    SCOPED_TRACE(checkName(R).str());
    EXPECT_NE(Page.find("# " + checkName(R).str()), std::string::npos);
    for (const PolicyEntry &E : policyEntries())
      if (E.TheRule == R)
        EXPECT_TRUE(mentions(Page, E.Name)) << E.Name.str();
    if (R == FlagRule)
      for (const FlagEntry &F : flagEntries())
        EXPECT_TRUE(mentions(Page, F.Function)) << F.Function.str();
    if (R == LookupRule)
      for (const LookupEntry &L : lookupEntries())
        EXPECT_TRUE(mentions(Page, L.Function)) << L.Function.str();
    // The exact command lines, host side and device side.
    EXPECT_NE(Page.find("--cuda-host-only"), std::string::npos);
    EXPECT_NE(Page.find("--cuda-device-only"), std::string::npos);
    EXPECT_NE(Page.find("-isystem clang-plugin/compat/cuda13"),
              std::string::npos);
  }
}

std::string sourceFile(llvm::StringRef Relative) {
  std::string Path = std::string(VRAM_ONLY_SOURCE_DIR) + "/" + Relative.str();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> File =
      llvm::MemoryBuffer::getFile(Path);
  if (!File) {
    ADD_FAILURE() << "missing " << Path;
    return "";
  }
  return (*File)->getBuffer().str();
}

/// clang-plugin/compat/cuda13/clang-flags.txt as the docs write it: the
/// toolkit at /usr/local/cuda, the stub directory relative to the checkout.
std::vector<std::string> documentedCuda13Flags() {
  std::vector<std::string> Flags;
  std::string File = sourceFile("clang-plugin/compat/cuda13/clang-flags.txt");
  llvm::SmallVector<llvm::StringRef, 16> Lines;
  llvm::StringRef(File).split(Lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef Line : Lines) {
    Line = Line.trim();
    if (Line.empty() || Line.starts_with("#"))
      continue;
    std::string Flag = Line.str();
    for (auto [Placeholder, Value] :
         {std::pair<std::string, std::string>{"{cuda_path}", "/usr/local/cuda"},
          {"{compat_dir}", "clang-plugin/compat/cuda13"}})
      for (size_t At = Flag.find(Placeholder); At != std::string::npos;
           At = Flag.find(Placeholder))
        Flag.replace(At, Placeholder.size(), Value);
    Flags.push_back(Flag);
  }
  return Flags;
}

/// The command lines of \p Text (a clang tool first) that analyse one CUDA
/// side, each joined from its backslash-continued lines and split into words.
std::vector<std::vector<std::string>> cudaSideCommands(llvm::StringRef Text) {
  std::vector<std::vector<std::string>> Commands;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  Text.split(Lines, '\n');
  std::string Command;
  for (llvm::StringRef Line : Lines) {
    Command += " " + Line.str();
    if (Line.rtrim().ends_with("\\")) {
      Command.erase(Command.size() - 1 - (Line.size() - Line.rtrim().size()));
      continue;
    }
    llvm::SmallVector<llvm::StringRef, 32> Words;
    llvm::SplitString(Command, Words);
    if (!Words.empty() && Words.front().starts_with("clang") &&
        (llvm::is_contained(Words, "--cuda-host-only") ||
         llvm::is_contained(Words, "--cuda-device-only")))
      Commands.emplace_back(Words.begin(), Words.end());
    Command.clear();
  }
  return Commands;
}

TEST(DocsTest, CudaCommandLinesCarryTheFlagsFile) {
  std::vector<std::string> Flags = documentedCuda13Flags();
  ASSERT_FALSE(Flags.empty());
  std::vector<std::string> Docs = {"README.md", "docs/analysis.md"};
  for (Rule R : AllRules)
    Docs.push_back("docs/checks/" + checkName(R).str() + ".md");
  for (const std::string &Doc : Docs) {
    std::vector<std::vector<std::string>> Commands =
        cudaSideCommands(sourceFile(Doc));
    EXPECT_FALSE(Commands.empty()) << Doc << " shows no CUDA command line";
    for (const std::vector<std::string> &Command : Commands) {
      // Every flag, in the file's order (the standard and the architecture
      // may stand between them).
      auto At = Command.begin();
      for (const std::string &Flag : Flags) {
        At = std::find(At, Command.end(), Flag);
        EXPECT_NE(At, Command.end())
            << Doc << ": '" << Flag << "' missing or out of order in: "
            << llvm::join(Command, " ");
        if (At == Command.end())
          break;
        ++At;
      }
    }
  }
}

} // namespace
} // namespace vram_only::analysis
