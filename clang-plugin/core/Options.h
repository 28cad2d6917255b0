//===- Options.h - The user's options of each rule ------------------------===//
//
// Two options per rule (per check), with the same syntax in every front end:
//   ExtraFunctions  "name=reason;name=reason"  the user's own wrappers to
//                   forbid; a finding reads "<name> <reason>". A name may be
//                   qualified ("ns::name", "::name").
//   ExemptNames     "name;name"  names the rule reports that it must not
//                   report (a policy name, a cuda.h symbol, or one of the
//                   rule's ExtraFunctions).
// Parsing keeps every valid entry and returns one message per bad entry, each
// naming the option and the entry, so that nothing valid is lost.
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_ANALYSIS_OPTIONS_H
#define VRAM_ONLY_ANALYSIS_OPTIONS_H

#include "core/Rule.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <string>
#include <vector>

namespace vram_only::analysis {

inline constexpr llvm::StringLiteral ExtraFunctionsOption = "ExtraFunctions";
inline constexpr llvm::StringLiteral ExemptNamesOption = "ExemptNames";

struct ExtraFunction {
  std::string Name;   ///< as written: "stagePinned", "io::stagePinned"
  std::string Reason; ///< completes "<Name> <Reason>"
};

struct RuleOptions {
  std::vector<ExtraFunction> ExtraFunctions;
  std::vector<std::string> ExemptNames; ///< normalised to policy names
};

/// The options of every rule, and where the project's own code is.
class AnalysisOptions {
public:
  /// Files under this absolute directory are the project's code even when
  /// the compiler takes them for system headers (#pragma GCC system_header,
  /// -isystem): their findings are reported with a note that says so.
  /// Empty: every system header is outside the user's code. vram-check sets
  /// it (--source-root); clang-tidy and the plugin leave it empty.
  std::string ProjectRoot;

  RuleOptions &of(Rule R) { return PerRule[static_cast<unsigned>(R)]; }
  const RuleOptions &of(Rule R) const {
    return PerRule[static_cast<unsigned>(R)];
  }

private:
  std::array<RuleOptions, AllRules.size()> PerRule;
};

/// Parses an ExtraFunctions value. \p OptionName is the name the user wrote
/// it under (e.g. "vram-host-memory.ExtraFunctions"); it starts every error.
std::vector<ExtraFunction>
parseExtraFunctions(llvm::StringRef OptionName, llvm::StringRef Value,
                    std::vector<std::string> &Errors);

/// Parses an ExemptNames value of rule \p R, whose ExtraFunctions are
/// \p Extras. Unknown names are errors with a suggestion.
std::vector<std::string> parseExemptNames(Rule R, llvm::StringRef OptionName,
                                          llvm::StringRef Value,
                                          llvm::ArrayRef<ExtraFunction> Extras,
                                          std::vector<std::string> &Errors);

/// Parses both options of rule \p R as the user wrote them (the values of
/// "<check>.ExtraFunctions" and "<check>.ExemptNames"); errors are appended.
RuleOptions parseRuleOptions(Rule R, llvm::StringRef ExtraFunctions,
                             llvm::StringRef ExemptNames,
                             std::vector<std::string> &Errors);

/// The names rule \p R can report, which ExemptNames may list (policy names
/// and the cuda.h symbols they are renamed to).
std::vector<std::string> exemptableNames(Rule R);

/// true for "name", "ns::name", "::ns::name" (C++ identifiers).
bool isQualifiedIdentifier(llvm::StringRef Name);

} // namespace vram_only::analysis

#endif // VRAM_ONLY_ANALYSIS_OPTIONS_H
