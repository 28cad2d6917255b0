//===- PluginArguments.cpp - -fplugin-arg-vram_only-* ---------------------===//
#include "plugin/PluginArguments.h"

#include "core/CheckSelection.h"

#include "llvm/ADT/StringRef.h"

namespace vram_only::plugin {

llvm::Expected<PluginArguments>
parsePluginArguments(const std::vector<std::string> &Args) {
  PluginArguments Parsed;
  for (llvm::StringRef Arg : Args) {
    if (Arg == "warn") {
      Parsed.Warn = true;
      continue;
    }
    if (Arg.consume_front("checks=")) {
      llvm::Expected<analysis::RuleSet> Checks = analysis::selectChecks(Arg);
      if (!Checks)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "-fplugin-arg-vram_only-checks: " +
                llvm::toString(Checks.takeError()));
      if (Checks->empty())
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "-fplugin-arg-vram_only-checks=" + Arg.str() +
                " enables no check");
      Parsed.Checks = *Checks;
      continue;
    }
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unknown argument -fplugin-arg-vram_only-" + Arg.str() +
            " (expected -fplugin-arg-vram_only-warn or "
            "-fplugin-arg-vram_only-checks=<globs>)");
  }
  return Parsed;
}

} // namespace vram_only::plugin
