//===- NvccCommandLine.cpp - nvcc's command line, translated for clang ----===//
//
// Reads nvcc's options with the table in NvccOptions.def, the way nvcc does:
// `--long-name[=| ]value`, `-short-name[=| ]value`, `-Xvalue` for one-letter
// short names, comma-separated lists (with nvcc's quotes and escapes), and
// --options-file. What changes how the source parses (macros, include paths,
// standard, architectures, host compiler options) becomes clang's
// equivalent; everything else is dropped and noted. Host compiler options
// go through the gcc/clang translation (GnuCommandLine.cpp): one option
// table for both.
//
//===----------------------------------------------------------------------===//

#include "CompilerCommand.h"
#include "VramCheckConfig.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/StringSaver.h"

#include <optional>
#include <set>

namespace vram_only {
namespace {

enum class Arity { Flag, Value, List };

struct NvccOption {
  llvm::StringLiteral LongName;
  llvm::StringLiteral ShortName;
  Arity ValueArity;
  NvccAction Action;
};

constexpr NvccOption NvccOptions[] = {
#define NVCC_OPTION(LONG, SHORT, ARITY, ACTION)                                \
  {LONG, SHORT, Arity::ARITY, NvccAction::ACTION},
#include "NvccOptions.def"
};

/// A macro nvcc predefines in a mode (NvccMacros.def).
struct NvccMacro {
  llvm::StringLiteral Definition; ///< NAME, NAME=VALUE or NAME(ARGS)=BODY
  NvccMode Mode;
};

constexpr NvccMacro NvccMacros[] = {
#define NVCC_MACRO(DEFINITION, MODE) {DEFINITION, NvccMode::MODE},
#include "NvccMacros.def"
#undef NVCC_MACRO
};

const NvccOption *findOption(llvm::StringRef Name, bool Long) {
  for (const NvccOption &Option : NvccOptions)
    if ((Long ? Option.LongName : Option.ShortName) == Name)
      return &Option;
  return nullptr;
}

/// One argument recognised as an nvcc option.
struct MatchedOption {
  const NvccOption *Option;
  std::optional<std::string> InlineValue; ///< `=value` or `-Ivalue`
};

std::optional<MatchedOption> matchOption(llvm::StringRef Arg) {
  bool Long = Arg.starts_with("--");
  llvm::StringRef Body = Arg.drop_front(Long ? 2 : 1);
  auto [Name, Value] = Body.split('=');
  bool HasValue = Body.contains('=');
  auto Match = [&](const NvccOption *Option) -> std::optional<MatchedOption> {
    if (!Option)
      return std::nullopt;
    MatchedOption M{Option, std::nullopt};
    if (HasValue)
      M.InlineValue = Value.str();
    return M;
  };
  if (Long)
    return Match(findOption(Name, /*Long=*/true));
  // nvcc also takes long names after a single dash.
  if (auto M = Match(findOption(Name, /*Long=*/false)))
    return M;
  if (auto M = Match(findOption(Name, /*Long=*/true)))
    return M;
  // One-letter short names take their value attached: -I/path, -DX=1, -O3.
  if (Body.size() > 1) {
    const NvccOption *Option = findOption(Body.take_front(1), /*Long=*/false);
    if (Option && Option->ValueArity != Arity::Flag)
      return MatchedOption{Option, Body.drop_front(1).str()};
  }
  return std::nullopt;
}

/// Inputs nvcc links or embeds rather than compiles.
bool isObjectOrLibrary(llvm::StringRef Path) {
  llvm::StringRef Ext = llvm::sys::path::extension(Path);
  return llvm::is_contained({".o", ".obj", ".a", ".lib", ".so", ".dll", ".ptx",
                             ".cubin", ".fatbin", ".ltoir", ".res"},
                            Ext) ||
         Path.contains(".so.");
}

llvm::Error makeError(const llvm::Twine &Message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 Message.str());
}

class NvccTranslator {
public:
  NvccTranslator(llvm::StringRef Directory) : Directory(Directory) {
    Result.Compiler = CompilerKind::Nvcc;
  }

  llvm::Error translate(llvm::ArrayRef<std::string> Args, unsigned Depth);
  llvm::Expected<TranslatedCommand> finish();

private:
  llvm::Error apply(const NvccOption &Option, llvm::StringRef Spelling,
                    llvm::StringRef Value, llvm::ArrayRef<std::string> Items,
                    unsigned Depth);
  llvm::Error addHostOptions(llvm::ArrayRef<std::string> HostArgs);
  void addGpuArchs(llvm::StringRef Text);
  llvm::Error readOptionsFile(llvm::StringRef Path, unsigned Depth);
  void note(const llvm::Twine &Text) { Result.Notes.push_back(Text.str()); }

  std::string Directory;
  TranslatedCommand Result;
  std::vector<std::string> Inputs;
  std::optional<SourceLanguage> LanguageOverride;
  std::string NvccStandard;
  std::string HostStandard;
  bool ForwardUnknown = false;
  std::vector<std::string> UnknownOptions;
  /// nvcc's modes that predefine macros; Always is always on.
  std::set<NvccMode> Modes{NvccMode::Always};
};

llvm::Error NvccTranslator::translate(llvm::ArrayRef<std::string> Args,
                                      unsigned Depth) {
  for (size_t I = 0; I < Args.size(); ++I) {
    llvm::StringRef Arg = Args[I];
    if (Arg.empty())
      continue;
    if (!Arg.starts_with("-") || Arg == "-") {
      Inputs.push_back(Arg.str());
      continue;
    }
    std::optional<MatchedOption> Match = matchOption(Arg);
    if (!Match) {
      UnknownOptions.push_back(Arg.str());
      continue;
    }
    const NvccOption &Option = *Match->Option;
    std::string Value;
    if (Option.ValueArity != Arity::Flag) {
      if (Match->InlineValue) {
        Value = *Match->InlineValue;
      } else if (I + 1 < Args.size()) {
        Value = Args[++I];
      } else {
        return makeError("nvcc option '" + Arg + "' expects a value");
      }
    } else if (Match->InlineValue) {
      return makeError("nvcc option '" + Arg + "' takes no value");
    }
    std::vector<std::string> Items = Option.ValueArity == Arity::List
                                         ? splitNvccList(Value)
                                         : std::vector<std::string>{Value};
    if (llvm::Error E = apply(Option, Arg, Value, Items, Depth))
      return E;
  }
  return llvm::Error::success();
}

llvm::Error NvccTranslator::apply(const NvccOption &Option,
                                  llvm::StringRef Spelling,
                                  llvm::StringRef Value,
                                  llvm::ArrayRef<std::string> Items,
                                  unsigned Depth) {
  std::vector<std::string> &Out = Result.ClangArgs;
  switch (Option.Action) {
  case NvccAction::Ignore:
    note("ignored nvcc option '" + Spelling + "'");
    return llvm::Error::success();
  case NvccAction::DeviceCompile:
    Modes.insert(NvccMode::RelocatableDeviceCode);
    return llvm::Error::success();
  case NvccAction::RelocatableDeviceCode:
    if (Value == "true")
      Modes.insert(NvccMode::RelocatableDeviceCode);
    else if (Value == "false")
      Modes.erase(NvccMode::RelocatableDeviceCode);
    else
      return makeError("nvcc option '" + Spelling + "' expects true or false");
    return llvm::Error::success();
  case NvccAction::ExtendedLambda:
    Modes.insert(NvccMode::ExtendedLambda);
    return llvm::Error::success();
  case NvccAction::RelaxedConstexpr:
    Modes.insert(NvccMode::RelaxedConstexpr);
    return llvm::Error::success();
  case NvccAction::Define:
    for (const std::string &Item : Items)
      Out.push_back("-D" + Item);
    return llvm::Error::success();
  case NvccAction::Undefine:
    for (const std::string &Item : Items)
      Out.push_back("-U" + Item);
    return llvm::Error::success();
  case NvccAction::IncludePath:
    for (const std::string &Item : Items)
      Out.push_back("-I" + Item);
    return llvm::Error::success();
  case NvccAction::SystemIncludePath:
    for (const std::string &Item : Items) {
      Out.push_back("-isystem");
      Out.push_back(Item);
    }
    return llvm::Error::success();
  case NvccAction::PreInclude:
    for (const std::string &Item : Items) {
      Out.push_back("-include");
      Out.push_back(Item);
    }
    return llvm::Error::success();
  case NvccAction::Optimize:
    Out.push_back(("-O" + Value).str());
    return llvm::Error::success();
  case NvccAction::Standard:
    NvccStandard = Value.str();
    return llvm::Error::success();
  case NvccAction::Language:
    // nvcc's names, and clang's, which a compile database's command for a
    // header it does not list carries (-x cuda, -x c++-header).
    LanguageOverride = languageFromTypeName(Value);
    if (!LanguageOverride)
      return makeError("nvcc option '" + Spelling + "' has unknown language '" +
                       Value + "' (nvcc accepts c, c++ and cu)");
    return llvm::Error::success();
  case NvccAction::NoExceptions:
    Out.push_back("-fno-exceptions");
    return llvm::Error::success();
  case NvccAction::TemplateDepth:
    Out.push_back(("-ftemplate-depth=" + Value).str());
    return llvm::Error::success();
  case NvccAction::TemplateBacktraceLimit:
    Out.push_back(("-ftemplate-backtrace-limit=" + Value).str());
    return llvm::Error::success();
  case NvccAction::Machine:
    if (Value != "64")
      return makeError("nvcc option '" + Spelling + "' has value '" + Value +
                       "' (nvcc 13 supports only 64)");
    Out.push_back("-m64");
    return llvm::Error::success();
  case NvccAction::Machine64:
    Out.push_back("-m64");
    return llvm::Error::success();
  case NvccAction::DefaultStream:
    // Per-thread default streams rename runtime calls (cudaMemcpy ->
    // cudaMemcpy_ptds) in cuda_runtime_api.h: the macro must match nvcc's.
    if (Value == "per-thread")
      Out.push_back("-fgpu-default-stream=per-thread");
    else if (Value == "legacy" || Value == "null")
      Out.push_back("-fgpu-default-stream=legacy");
    else
      return makeError("nvcc option '" + Spelling + "' has unknown value '" +
                       Value + "' (legacy, null or per-thread)");
    return llvm::Error::success();
  case NvccAction::GpuArchitecture:
  case NvccAction::GpuCode:
  case NvccAction::GenerateCode:
    for (const std::string &Item : Items)
      addGpuArchs(Item);
    return llvm::Error::success();
  case NvccAction::HostCompilerOptions: {
    // nvcc joins the items with spaces into the host compiler's command,
    // which a shell reads (`nvcc --dryrun` shows it): -Xcompiler "-Wall
    // -Wextra" is two options, -Xcompiler '-DA="x y"' one.
    llvm::BumpPtrAllocator Alloc;
    llvm::StringSaver Saver(Alloc);
    llvm::SmallVector<const char *, 8> Words;
    llvm::cl::TokenizeGNUCommandLine(llvm::join(Items, " "), Saver, Words);
    return addHostOptions(std::vector<std::string>(Words.begin(), Words.end()));
  }
  case NvccAction::ForwardUnknownToHost:
    ForwardUnknown = true;
    return llvm::Error::success();
  case NvccAction::OptionsFile:
    for (const std::string &Item : Items)
      if (llvm::Error E = readOptionsFile(Item, Depth))
        return E;
    return llvm::Error::success();
  }
  llvm_unreachable("unhandled nvcc action");
}

void NvccTranslator::addGpuArchs(llvm::StringRef Text) {
  // Accepts sm_90, "compute_90,sm_90" and -gencode specifications such as
  // arch=compute_90,code=[compute_90,sm_90] or code=\"sm_90,compute_90\".
  llvm::SmallVector<llvm::StringRef, 8> Words;
  Text.split(Words, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef Word : Words) {
    Word = Word.trim(" \"'[]");
    if (Word.consume_front("arch="))
      Word = Word.trim(" \"'[]");
    else if (Word.consume_front("code="))
      Word = Word.trim(" \"'[]");
    if (Word.empty())
      continue;
    std::string Arch = clangGpuArchFor(Word);
    if (Arch.empty()) {
      note("GPU architecture '" + Word + "' parsed with clang's default");
      continue;
    }
    if (Arch != "sm_" + Word.drop_front(Word.find('_') + 1).str())
      note("GPU architecture '" + Word + "' parsed as " + Arch);
    if (!llvm::is_contained(Result.GpuArchs, Arch))
      Result.GpuArchs.push_back(Arch);
  }
}

/// Host compiler options (-Xcompiler, or unknown options forwarded with
/// -forward-unknown-to-host-compiler), read as gcc reads them.
llvm::Error NvccTranslator::addHostOptions(llvm::ArrayRef<std::string> HostArgs) {
  // The host compiler is gcc (nvcc's default -ccbin on Linux).
  TranslatedCommand Host;
  if (llvm::Error E =
          translateGnuArguments(HostArgs, Directory, CompilerKind::Gcc, Host))
    return E;
  llvm::append_range(Result.ClangArgs, Host.ClangArgs);
  if (!Host.Standard.empty())
    HostStandard = Host.Standard;
  for (const std::string &Note : Host.Notes)
    note("host compiler options: " + Note);
  for (const SourceInput &Input : Host.Sources)
    note("host compiler options: ignored input '" + Input.Path + "'");
  return llvm::Error::success();
}

llvm::Error NvccTranslator::readOptionsFile(llvm::StringRef Path,
                                            unsigned Depth) {
  if (Depth > 8)
    return makeError("nvcc options file '" + Path +
                     "' nests more than 8 levels deep");
  llvm::SmallString<256> FullPath(Path);
  if (!llvm::sys::path::is_absolute(FullPath)) {
    FullPath = Directory;
    llvm::sys::path::append(FullPath, Path);
  }
  auto Buffer = llvm::MemoryBuffer::getFile(FullPath);
  if (!Buffer)
    return makeError("cannot read nvcc options file '" + FullPath +
                     "': " + Buffer.getError().message());
  llvm::BumpPtrAllocator Alloc;
  llvm::StringSaver Saver(Alloc);
  llvm::SmallVector<const char *, 32> Tokens;
  llvm::cl::TokenizeGNUCommandLine((*Buffer)->getBuffer(), Saver, Tokens);
  std::vector<std::string> Args(Tokens.begin(), Tokens.end());
  return translate(Args, Depth + 1);
}

llvm::Expected<TranslatedCommand> NvccTranslator::finish() {
  if (ForwardUnknown) {
    if (llvm::Error E = addHostOptions(UnknownOptions))
      return std::move(E);
  } else
    for (const std::string &Option : UnknownOptions)
      note("ignored unknown nvcc option '" + Option + "'");
  Result.Standard = !NvccStandard.empty() ? NvccStandard : HostStandard;
  for (const NvccMacro &Macro : NvccMacros)
    if (Modes.count(Macro.Mode))
      Result.Predefines.push_back(("-D" + Macro.Definition).str());
  for (const std::string &Input : Inputs) {
    // nvcc's -x applies to every input whatever its extension (-x cu
    // kernels.cuh, -x cu - for standard input), except objects and
    // libraries; without it, .c/.cpp go to the host compiler.
    std::optional<SourceLanguage> Language = languageFromExtension(Input);
    if (LanguageOverride && (Language || !isObjectOrLibrary(Input)))
      Language = LanguageOverride;
    if (!Language)
      continue; // objects, libraries, PTX: nothing to parse
    Result.Sources.push_back({Input, *Language});
  }
  Result.ImplicitCudaIncludePath = true;
  return std::move(Result);
}

} // namespace

llvm::Expected<TranslatedCommand>
translateNvccCommand(llvm::ArrayRef<std::string> Argv,
                     llvm::StringRef Directory) {
  NvccTranslator Translator(Directory);
  if (llvm::Error E = Translator.translate(Argv.drop_front(), /*Depth=*/0))
    return std::move(E);
  return Translator.finish();
}

std::vector<std::string> splitNvccList(llvm::StringRef Value) {
  std::vector<std::string> Items;
  std::string Item;
  bool Quoted = false;
  for (size_t I = 0; I < Value.size(); ++I) {
    char C = Value[I];
    if (C == '\\' && I + 1 < Value.size()) {
      Item += Value[++I];
    } else if (C == '"') {
      Quoted = !Quoted;
      Item += C;
    } else if (C == ',' && !Quoted) {
      if (!Item.empty())
        Items.push_back(std::move(Item));
      Item.clear();
    } else {
      Item += C;
    }
  }
  if (!Item.empty())
    Items.push_back(std::move(Item));
  return Items;
}

} // namespace vram_only
