//===- VramOnlyTidyModule.cpp - The clang-tidy module of the vram-* checks ===//
//
//   clang-tidy-19 --load=build/lib/VramOnlyTidyModule.so --checks='-*,vram-*'
//
//===----------------------------------------------------------------------===//
#include "core/Rule.h"
#include "tidy/DynamicLookupCheck.h"
#include "tidy/HostMemoryCheck.h"
#include "tidy/ManagedMemoryCheck.h"
#include "tidy/MappedMemoryCheck.h"

#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"

namespace vram_only::tidy {
namespace {

using analysis::checkName;
using analysis::Rule;

class VramOnlyModule : public clang::tidy::ClangTidyModule {
public:
  void
  addCheckFactories(clang::tidy::ClangTidyCheckFactories &Factories) override {
    Factories.registerCheck<ManagedMemoryCheck>(checkName(Rule::ManagedMemory));
    Factories.registerCheck<HostMemoryCheck>(checkName(Rule::HostMemory));
    Factories.registerCheck<MappedMemoryCheck>(checkName(Rule::MappedMemory));
    Factories.registerCheck<DynamicLookupCheck>(checkName(Rule::DynamicLookup));
  }
};

clang::tidy::ClangTidyModuleRegistry::Add<VramOnlyModule>
    Registration("vram-only", "Checks that CUDA memory stays in VRAM.");

} // namespace
} // namespace vram_only::tidy
