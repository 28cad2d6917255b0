//===- ClangTidyConfig.cpp - The vram-* options of the project's .clang-tidy =//
#include "core/ClangTidyConfig.h"

#include "clang-tidy/ClangTidyOptions.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace vram_only::analysis {
namespace {

/// clang-tidy's FileOptionsProvider whose .clang-tidy parser keeps the parse
/// errors (with the file and position) instead of printing them.
class RecordingOptionsProvider : public clang::tidy::FileOptionsProvider {
public:
  RecordingOptionsProvider(llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS,
                           std::vector<std::string> &Errors)
      : FileOptionsProvider(clang::tidy::ClangTidyGlobalOptions(),
                            clang::tidy::ClangTidyOptions(),
                            clang::tidy::ClangTidyOptions(), std::move(FS)) {
    ConfigHandlers = {{".clang-tidy", [&Errors](llvm::MemoryBufferRef Text) {
                         return parse(Text, Errors);
                       }}};
  }

private:
  static llvm::ErrorOr<clang::tidy::ClangTidyOptions>
  parse(llvm::MemoryBufferRef Text, std::vector<std::string> &Errors) {
    std::string Message;
    auto Parsed = clang::tidy::parseConfigurationWithDiags(
        Text, [&Message](const llvm::SMDiagnostic &D) {
          if (D.getKind() == llvm::SourceMgr::DK_Error && Message.empty())
            Message = std::to_string(D.getLineNo()) + ":" +
                      std::to_string(D.getColumnNo() + 1) + ": " +
                      D.getMessage().str();
        });
    if (Parsed)
      return Parsed;
    if (Message.empty())
      Message = Parsed.getError().message();
    Errors.push_back(Text.getBufferIdentifier().str() + ":" + Message +
                     " (not a valid .clang-tidy)");
    // The file is found but unusable: the error above stops the analysis;
    // an empty configuration keeps clang-tidy's provider from printing it.
    return clang::tidy::ClangTidyOptions();
  }
};

/// An option's value and the file it came from.
struct SourcedValue {
  std::string Value;
  std::string File;
};

} // namespace

LoadedConfig
loadClangTidyConfigFor(llvm::StringRef SourceFile,
                       llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS) {
  LoadedConfig Config;
  RecordingOptionsProvider Provider(std::move(FS), Config.Errors);
  // Sources in the order clang-tidy merges them: defaults, the farthest
  // .clang-tidy ... the nearest, overrides; a later value wins.
  llvm::StringMap<SourcedValue> Values;
  for (const auto &[Options, Source] : Provider.getRawOptions(SourceFile)) {
    bool IsFile = llvm::StringRef(Source).ends_with(".clang-tidy");
    if (IsFile)
      Config.Files.push_back(Source);
    for (const auto &Option : Options.CheckOptions)
      if (Option.getKey().starts_with("vram-"))
        Values[Option.getKey()] = {Option.getValue().Value, Source};
  }
  if (!Config.Errors.empty())
    return Config;
  for (Rule R : AllRules) {
    std::string Prefix = checkName(R).str() + ".";
    std::string ExtraName = Prefix + ExtraFunctionsOption.str();
    std::string ExemptName = Prefix + ExemptNamesOption.str();
    SourcedValue Extra = Values.lookup(ExtraName);
    SourcedValue Exempt = Values.lookup(ExemptName);
    auto Report = [&](const std::vector<std::string> &Errors,
                      const std::string &File) {
      for (const std::string &Error : Errors)
        Config.Errors.push_back(File + ": " + Error);
    };
    std::vector<std::string> ExtraErrors, ExemptErrors;
    RuleOptions &Parsed = Config.Options.of(R);
    Parsed.ExtraFunctions =
        parseExtraFunctions(ExtraName, Extra.Value, ExtraErrors);
    Parsed.ExemptNames = parseExemptNames(R, ExemptName, Exempt.Value,
                                          Parsed.ExtraFunctions, ExemptErrors);
    Report(ExtraErrors, Extra.File);
    Report(ExemptErrors, Exempt.File);
  }
  return Config;
}

} // namespace vram_only::analysis
