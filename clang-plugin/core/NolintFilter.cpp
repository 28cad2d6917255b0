//===- NolintFilter.cpp - clang-tidy's NOLINT comments, for the other front ends
#include "core/NolintFilter.h"

#include "clang-tidy/NoLintDirectiveHandler.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Tooling/Core/Diagnostic.h"
#include "llvm/ADT/SmallVector.h"

namespace vram_only::analysis {

/// clang-tidy's handler decides on a clang::Diagnostic, which only a
/// DiagnosticsEngine can make: a private engine over the translation unit's
/// SourceManager reports one warning per question to this consumer, which
/// passes it to the handler. Nothing reaches the compile's own diagnostics.
class NolintFilter::Query : public clang::DiagnosticConsumer {
public:
  explicit Query(const clang::SourceManager &SM)
      : Engine(new clang::DiagnosticIDs, new clang::DiagnosticOptions, this,
               /*ShouldOwnClient=*/false),
        DiagID(Engine.getCustomDiagID(clang::DiagnosticsEngine::Warning,
                                      "%0")) {
    // The engine only reads locations through it.
    Engine.setSourceManager(const_cast<clang::SourceManager *>(&SM));
  }

  bool silences(clang::SourceLocation Loc, llvm::StringRef CheckName) {
    Check = CheckName;
    Silenced = false;
    Engine.Report(Loc, DiagID) << CheckName;
    return Silenced;
  }

private:
  void HandleDiagnostic(clang::DiagnosticsEngine::Level,
                        const clang::Diagnostic &Info) override {
    // A finding of the plugin is an error by default; clang-tidy never
    // silences errors, so the handler is asked about a warning, which is
    // what the finding is for clang-tidy.
    llvm::SmallVector<clang::tooling::Diagnostic, 1> UnmatchedBlocks;
    Silenced = Handler.shouldSuppress(clang::DiagnosticsEngine::Warning, Info,
                                      Check, UnmatchedBlocks,
                                      /*AllowIO=*/true,
                                      /*EnableNoLintBlocks=*/true);
  }

  clang::DiagnosticsEngine Engine;
  unsigned DiagID;
  clang::tidy::NoLintDirectiveHandler Handler;
  llvm::StringRef Check;
  bool Silenced = false;
};

NolintFilter::NolintFilter(const clang::SourceManager &SM)
    : TheQuery(std::make_unique<Query>(SM)) {}

NolintFilter::~NolintFilter() = default;

bool NolintFilter::silences(clang::SourceLocation FileLoc,
                            llvm::StringRef CheckName) {
  if (FileLoc.isInvalid())
    return false;
  return TheQuery->silences(FileLoc, CheckName);
}

} // namespace vram_only::analysis
