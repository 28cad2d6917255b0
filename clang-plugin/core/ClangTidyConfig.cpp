//===- ClangTidyConfig.cpp - The vram-* options of a .clang-tidy file -----===//
#include "core/ClangTidyConfig.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/YAMLParser.h"

namespace vram_only::analysis {
namespace {

std::optional<std::string> scalarText(llvm::yaml::Node *Node) {
  auto *Scalar = llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(Node);
  if (!Scalar)
    return std::nullopt;
  llvm::SmallString<64> Storage;
  return Scalar->getValue(Storage).str();
}

/// Collects key/value pairs of CheckOptions, in either YAML form.
void readCheckOptions(llvm::yaml::Node *Node,
                      llvm::StringMap<std::string> &Out,
                      std::vector<std::string> &Errors,
                      llvm::StringRef FileName) {
  if (auto *Map = llvm::dyn_cast<llvm::yaml::MappingNode>(Node)) {
    for (llvm::yaml::KeyValueNode &KV : *Map) {
      std::optional<std::string> Key = scalarText(KV.getKey());
      std::optional<std::string> Value = scalarText(KV.getValue());
      if (Key && Value)
        Out[*Key] = *Value;
    }
    return;
  }
  if (auto *List = llvm::dyn_cast<llvm::yaml::SequenceNode>(Node)) {
    for (llvm::yaml::Node &Item : *List) {
      auto *Pair = llvm::dyn_cast<llvm::yaml::MappingNode>(&Item);
      if (!Pair)
        continue;
      std::optional<std::string> Key, Value;
      for (llvm::yaml::KeyValueNode &KV : *Pair) {
        std::optional<std::string> Name = scalarText(KV.getKey());
        if (Name && *Name == "key")
          Key = scalarText(KV.getValue());
        else if (Name && *Name == "value")
          Value = scalarText(KV.getValue());
      }
      if (Key && Value)
        Out[*Key] = *Value;
    }
    return;
  }
  Errors.push_back(FileName.str() +
                   ": CheckOptions is neither a mapping nor a list");
}

} // namespace

LoadedConfig parseClangTidyConfig(llvm::StringRef Text,
                                  llvm::StringRef FileName) {
  LoadedConfig Config;
  Config.File = FileName.str();
  llvm::SourceMgr SM;
  std::string YamlErrors;
  llvm::raw_string_ostream ErrorStream(YamlErrors);
  SM.setDiagHandler(
      [](const llvm::SMDiagnostic &D, void *Context) {
        auto *OS = static_cast<llvm::raw_string_ostream *>(Context);
        *OS << D.getLineNo() << ":" << D.getColumnNo() + 1 << ": "
            << D.getMessage();
      },
      &ErrorStream);
  llvm::yaml::Stream Stream(Text, SM);
  llvm::StringMap<std::string> Options;
  for (llvm::yaml::Document &Doc : Stream) {
    auto *Root = llvm::dyn_cast_or_null<llvm::yaml::MappingNode>(Doc.getRoot());
    if (!Root)
      continue;
    for (llvm::yaml::KeyValueNode &KV : *Root) {
      std::optional<std::string> Key = scalarText(KV.getKey());
      if (Key && *Key == "CheckOptions" && KV.getValue())
        readCheckOptions(KV.getValue(), Options, Config.Errors, FileName);
    }
  }
  if (Stream.failed()) {
    Config.Errors.push_back(FileName.str() + ":" + ErrorStream.str() +
                            " (not valid YAML)");
    return Config;
  }
  for (Rule R : AllRules) {
    std::string Prefix = checkName(R).str() + ".";
    std::string Extra = Options.lookup(Prefix + ExtraFunctionsOption.str());
    std::string Exempt = Options.lookup(Prefix + ExemptNamesOption.str());
    std::vector<std::string> Errors;
    Config.Options.of(R) = parseRuleOptions(R, Extra, Exempt, Errors);
    for (const std::string &Error : Errors)
      Config.Errors.push_back(FileName.str() + ": " + Error);
  }
  return Config;
}

LoadedConfig loadClangTidyConfigFor(llvm::StringRef SourceFile,
                                    llvm::vfs::FileSystem &FS) {
  llvm::SmallString<256> Dir(SourceFile);
  if (FS.makeAbsolute(Dir))
    return {};
  llvm::sys::path::remove_dots(Dir, /*remove_dot_dot=*/true);
  llvm::sys::path::remove_filename(Dir);
  for (llvm::StringRef Current = Dir; !Current.empty();
       Current = llvm::sys::path::parent_path(Current)) {
    llvm::SmallString<256> Candidate(Current);
    llvm::sys::path::append(Candidate, ".clang-tidy");
    auto Buffer = FS.getBufferForFile(Candidate);
    if (Buffer)
      return parseClangTidyConfig((*Buffer)->getBuffer(), Candidate);
  }
  return {};
}

} // namespace vram_only::analysis
