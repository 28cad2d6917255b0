//===- SarifOutput.cpp - SARIF 2.1.0 for code scanning --------------------===//
//
// What GitHub code scanning reads: runs[].tool.driver (name, version, rules
// with ids, descriptions, help text and default level), results with ruleId,
// ruleIndex, level, message.text, a physical location (artifact URI relative
// to %SRCROOT% when the file lies under the source root, region start line
// and column) and partialFingerprints, plus invocations[] telling whether
// every source was analysed.
//
//===----------------------------------------------------------------------===//

#include "AnalysisReport.h"

#include "core/Rule.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

namespace vram_only {
namespace {

/// Percent-encodes what a URI path may not hold as is.
std::string uriEscape(llvm::StringRef Path) {
  std::string Out;
  for (char C : Path) {
    if (llvm::isAlnum(C) || llvm::StringRef("/-._~").contains(C))
      Out += C;
    else
      Out += "%" + llvm::utohexstr(static_cast<unsigned char>(C), false, 2);
  }
  return Out;
}

struct ArtifactUri {
  std::string Uri;
  bool UnderRoot;
};

/// \p File relative to \p Root when it lies under it, else an absolute
/// file:// URI. Reports name files by absolute paths; a relative one is
/// relative to the current directory (never to the root, which may be
/// another directory).
ArtifactUri artifactUri(llvm::StringRef File, llvm::StringRef Root) {
  llvm::SmallString<256> Path(File);
  llvm::sys::fs::make_absolute(Path);
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  llvm::StringRef Rel(Path);
  if (!Root.empty() && Rel.consume_front(Root) &&
      (Rel.consume_front("/") || Root.ends_with("/")))
    return {uriEscape(Rel), true};
  return {"file://" + uriEscape(Path), false};
}

std::string fingerprint(const ReportedFinding &F) {
  // Stable across line shifts: the check, the API and the line's text.
  llvm::SHA256 Hash;
  Hash.update(F.check());
  Hash.update("\n");
  Hash.update(F.Api);
  Hash.update("\n");
  Hash.update(llvm::StringRef(F.SourceLine).trim());
  auto Digest = Hash.final();
  return llvm::toHex(llvm::ArrayRef<uint8_t>(Digest.data(), 16), true);
}

} // namespace

void writeSarif(const AnalysisReport &Report, analysis::RuleSet Rules,
                Severity Level, llvm::StringRef SourceRoot,
                llvm::StringRef ToolVersion, llvm::raw_ostream &OS) {
  llvm::SmallString<256> Root(SourceRoot);
  llvm::sys::path::remove_dots(Root, /*remove_dot_dot=*/true);
  const char *LevelName = Level == Severity::Error ? "error" : "warning";
  std::vector<analysis::Rule> Checks;
  llvm::copy_if(analysis::AllRules, std::back_inserter(Checks),
                [&](analysis::Rule R) { return Rules.contains(R); });
  auto RuleIndex = [&](llvm::StringRef Check) -> int64_t {
    auto It = llvm::find_if(Checks, [&](analysis::Rule R) {
      return analysis::checkName(R) == Check;
    });
    return It == Checks.end() ? -1 : It - Checks.begin();
  };

  llvm::json::OStream J(OS, /*IndentSize=*/2);
  auto WriteArtifact = [&](llvm::StringRef File) {
    ArtifactUri Uri = artifactUri(File, Root);
    J.attributeObject("artifactLocation", [&] {
      J.attribute("uri", Uri.Uri);
      if (Uri.UnderRoot)
        J.attribute("uriBaseId", "%SRCROOT%");
    });
  };
  J.object([&] {
    J.attribute("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    J.attribute("version", "2.1.0");
    J.attributeArray("runs", [&] {
      J.object([&] {
        J.attributeObject("tool", [&] {
          J.attributeObject("driver", [&] {
            J.attribute("name", "vram-check");
            J.attribute("version", ToolVersion);
            J.attribute("semanticVersion", ToolVersion);
            J.attributeArray("rules", [&] {
              for (analysis::Rule Check : Checks)
                J.object([&] {
                  J.attribute("id", analysis::checkName(Check));
                  J.attributeObject("shortDescription", [&] {
                    J.attribute("text", analysis::ruleSummary(Check));
                  });
                  J.attributeObject("help", [&] {
                    J.attribute("text", analysis::ruleHelp(Check));
                  });
                  J.attributeObject("defaultConfiguration", [&] {
                    J.attribute("level", LevelName);
                  });
                  J.attributeObject("properties", [&] {
                    J.attributeArray("tags", [&] {
                      J.value("cuda");
                      J.value("vram-only");
                    });
                  });
                });
            });
          });
        });
        J.attributeObject("originalUriBaseIds", [&] {
          J.attributeObject("%SRCROOT%", [&] {
            J.attribute("uri", "file://" + uriEscape(Root) + "/");
          });
        });
        auto WriteResult = [&](const ReportedFinding &F, const char *Level,
                               const std::string &Text, const char *Origin) {
            J.object([&] {
              J.attribute("ruleId", F.check());
              if (int64_t Index = RuleIndex(F.check()); Index >= 0)
                J.attribute("ruleIndex", Index);
              J.attribute("level", Level);
              J.attributeObject("message", [&] {
                J.attribute("text", Text);
              });
              J.attributeArray("locations", [&] {
                J.object([&] {
                  J.attributeObject("physicalLocation", [&] {
                    WriteArtifact(F.file());
                    J.attributeObject("region", [&] {
                      J.attribute("startLine", F.Line);
                      J.attribute("startColumn", F.Column);
                    });
                  });
                });
              });
              if (!F.Notes.empty())
                J.attributeArray("relatedLocations", [&] {
                  for (size_t I = 0; I < F.Notes.size(); ++I)
                    J.object([&] {
                      J.attribute("id", static_cast<int64_t>(I));
                      J.attributeObject("physicalLocation", [&] {
                        WriteArtifact(F.Notes[I].FilePath);
                        J.attributeObject("region", [&] {
                          J.attribute("startLine", F.NotePlaces[I].Line);
                          J.attribute("startColumn", F.NotePlaces[I].Column);
                        });
                      });
                      J.attributeObject("message", [&] {
                        J.attribute("text", F.Notes[I].Message);
                      });
                    });
                });
              J.attributeObject("partialFingerprints", [&] {
                J.attribute("vramCheckFingerprint/v1", fingerprint(F));
              });
              J.attributeObject("properties", [&] {
                J.attribute("api", F.Api);
                J.attribute("origin", Origin);
              });
            });
        };
        J.attributeArray("results", [&] {
          for (const ReportedFinding &F : Report.Findings)
            WriteResult(F, LevelName,
                        F.fromTokenScan() ? F.text() +
                                                " (found by a token scan: " +
                                                F.ScanReason + ")"
                                          : F.text(),
                        F.fromTokenScan() ? "token-scan" : "analysis");
          for (const ReportedFinding &N : Report.InactiveNames)
            WriteResult(N, Report.Strict ? LevelName : "note",
                        describeInactiveName(N), "inactive-branch");
        });
        J.attributeArray("invocations", [&] {
          J.object([&] {
            J.attribute("executionSuccessful", Report.fatalFailures() == 0);
            J.attributeArray("toolExecutionNotifications", [&] {
              for (const AnalysisFailure &Failure : Report.Failures)
                J.object([&] {
                  J.attribute("level",
                              Report.isFatal(Failure) ? "error" : "warning");
                  J.attributeObject("message", [&] {
                    std::string Text = describeFailure(Failure);
                    if (Failure.TokenScanned)
                      Text += " (read by a token scan instead)";
                    J.attribute("text", Text);
                  });
                  J.attributeArray("locations", [&] {
                    J.object([&] {
                      J.attributeObject("physicalLocation", [&] {
                        WriteArtifact(Failure.File);
                      });
                    });
                  });
                });
            });
          });
        });
      });
    });
  });
  OS << '\n';
}

} // namespace vram_only
