//===- PolicyListing.cpp - vram-check --print-policy ----------------------===//

#include "PolicyListing.h"

#include "core/Policy.h"

#include "llvm/Support/JSON.h"

namespace vram_only {

void printPolicy(llvm::raw_ostream &OS) {
  using namespace analysis;
  llvm::json::OStream J(OS, 2);
  J.object([&] {
    J.attributeArray("entries", [&] {
      for (const PolicyEntry &E : policyEntries())
        J.object([&] {
          J.attribute("kind", entryKindName(E.Kind));
          J.attribute("check", checkName(E.TheRule));
          J.attribute("name", E.Name);
          J.attributeArray("symbols", [&] {
            for (llvm::StringRef Symbol : symbolsOf(E.Name))
              J.value(Symbol);
          });
          J.attribute("reason", E.Reason);
          J.attribute("alternative", E.Alternative);
        });
    });
    J.attributeArray("flags", [&] {
      for (const FlagEntry &F : flagEntries())
        J.object([&] {
          J.attribute("function", F.Function);
          J.attribute("argument", F.Argument);
          J.attribute("mask", static_cast<int64_t>(F.Mask));
          J.attribute("flag", F.Flag);
          J.attribute("check", checkName(FlagRule));
        });
    });
    J.attributeArray("lookups", [&] {
      for (const LookupEntry &L : lookupEntries())
        J.object([&] {
          J.attribute("function", L.Function);
          J.attribute("name_argument", L.NameArgument);
          J.attribute("resolves_versions", L.ResolvesVersions);
          J.attribute("check", checkName(LookupRule));
        });
    });
  });
  OS << '\n';
}

} // namespace vram_only
