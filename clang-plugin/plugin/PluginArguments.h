//===- PluginArguments.h - -fplugin-arg-vram_only-* -----------------------===//
//
//   -fplugin-arg-vram_only-warn             findings are warnings, not errors
//   -fplugin-arg-vram_only-checks=<globs>   clang-tidy glob list (default
//                                           vram-*), e.g. -*,vram-host-memory
//
//===----------------------------------------------------------------------===//
#ifndef VRAM_ONLY_PLUGIN_PLUGIN_ARGUMENTS_H
#define VRAM_ONLY_PLUGIN_PLUGIN_ARGUMENTS_H

#include "core/Rule.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace vram_only::plugin {

struct PluginArguments {
  bool Warn = false;
  analysis::RuleSet Checks = analysis::RuleSet::all();
};

/// Parses the plugin's arguments; an unknown argument or a bad glob list is
/// an error that names it.
llvm::Expected<PluginArguments>
parsePluginArguments(const std::vector<std::string> &Args);

} // namespace vram_only::plugin

#endif
