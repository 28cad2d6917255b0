//===- Finding.h - One violation, and where the front ends receive it -----===//
#ifndef VRAM_ONLY_ANALYSIS_FINDING_H
#define VRAM_ONLY_ANALYSIS_FINDING_H

#include "core/Rule.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceLocation.h"

#include <string>
#include <vector>

namespace vram_only::analysis {

/// A place that explains a finding: the lookup that reads a table entry, why
/// a header the compiler treats as a system header is reported.
struct FindingNote {
  clang::SourceLocation Location; ///< a file location in the user's code
  std::string Message;
};

/// A violation, ready to print. Location is a file location in the user's
/// code (never inside a macro, a system header or the CUDA toolkit's
/// headers); Message has no "[check]" suffix: each front end adds the check
/// name its own way (checkName(TheRule)).
struct Finding {
  Rule TheRule;
  clang::SourceLocation Location;
  std::string Api;     ///< the name at fault, as the user wrote it
  std::string Message; ///< "<Api> <reason>; <alternative>"
  std::vector<clang::FixItHint> FixIts;
  std::vector<FindingNote> Notes; ///< printed after the finding, in order
};

/// Receives the findings of one translation unit, at most one per
/// (rule, location, api).
class FindingSink {
public:
  virtual ~FindingSink() = default;
  virtual void report(const Finding &F) = 0;
};

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_FINDING_H
