//===- VramOnlyTidyModule.cpp - The clang-tidy module of the vram-* checks ===//
//
//   clang-tidy-19 --load=build/lib/VramOnlyTidyModule.so --checks='-*,vram-*'
//
// One check per rule of the core (vram-managed-memory, vram-host-memory,
// vram-mapped-memory, vram-dynamic-lookup), each documented in
// docs/checks/<name>.md.
//
//===----------------------------------------------------------------------===//
#include "core/Rule.h"
#include "tidy/VramRuleCheck.h"

#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"

namespace vram_only::tidy {
namespace {

class VramOnlyModule : public clang::tidy::ClangTidyModule {
public:
  void
  addCheckFactories(clang::tidy::ClangTidyCheckFactories &Factories) override {
    for (analysis::Rule TheRule : analysis::AllRules)
      Factories.registerCheckFactory(
          analysis::checkName(TheRule),
          [TheRule](llvm::StringRef Name, clang::tidy::ClangTidyContext *Context) {
            return std::make_unique<VramRuleCheck>(Name, Context, TheRule);
          });
  }
};

clang::tidy::ClangTidyModuleRegistry::Add<VramOnlyModule>
    Registration("vram-only", "Checks that CUDA memory stays in VRAM.");

} // namespace
} // namespace vram_only::tidy
