//===- DocsTest.cpp - Every check's page lists what the check reports -----===//
#include "core/Policy.h"
#include "core/Rule.h"

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

} // namespace
} // namespace vram_only::analysis
