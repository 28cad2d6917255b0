//===- AnalysisTest.cpp - The core driven through LibTooling --------------===//
//
// vram-check and the compiler plugin drive the core as this test does: their
// own FrontendAction, MatchFinder and FindingSink around one Analysis.
//
//===----------------------------------------------------------------------===//
#include "core/Analysis.h"

#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Tooling/Tooling.h"

#include <gtest/gtest.h>

namespace vram_only::analysis {
namespace {

struct Reported {
  Rule TheRule;
  unsigned Line;
  unsigned Column;
  std::string Api;
  std::string Message;
  size_t FixIts;
  std::string Notes = ""; ///< "line:column: message" of each note, "; "-joined

  bool operator==(const Reported &O) const {
    return std::tie(TheRule, Line, Column, Api, Message, FixIts, Notes) ==
           std::tie(O.TheRule, O.Line, O.Column, O.Api, O.Message, O.FixIts,
                    O.Notes);
  }
  friend std::ostream &operator<<(std::ostream &OS, const Reported &R) {
    return OS << checkName(R.TheRule).str() << " " << R.Line << ":" << R.Column
              << " " << R.Api << " \"" << R.Message << "\" fixits=" << R.FixIts
              << " notes=\"" << R.Notes << "\"";
  }
};

class Collector : public FindingSink,
                  public clang::ast_matchers::MatchFinder::MatchCallback {
public:
  explicit Collector(Analysis &A) : A(A) {}

  void
  run(const clang::ast_matchers::MatchFinder::MatchResult &Result) override {
    A.interpret(Result, *this);
  }
  void report(const Finding &F) override {
    clang::PresumedLoc P = SM->getPresumedLoc(F.Location);
    std::string Notes;
    for (const FindingNote &N : F.Notes) {
      clang::PresumedLoc NP = SM->getPresumedLoc(N.Location);
      Notes += (Notes.empty() ? "" : "; ") + std::to_string(NP.getLine()) +
               ":" + std::to_string(NP.getColumn()) + ": " + N.Message;
    }
    Findings.push_back({F.TheRule, P.getLine(), P.getColumn(), F.Api, F.Message,
                        F.FixIts.size(), Notes});
  }

  Analysis &A;
  const clang::SourceManager *SM = nullptr;
  std::vector<Reported> Findings;
};

/// A LibTooling action over the core, as vram-check has.
class AnalysisAction : public clang::ASTFrontendAction {
public:
  AnalysisAction(Analysis &A, Collector &C) : A(A), C(C) {
    A.registerMatchers(Finder, &C);
  }
  std::unique_ptr<clang::ASTConsumer>
  CreateASTConsumer(clang::CompilerInstance &CI, llvm::StringRef) override {
    C.SM = &CI.getSourceManager();
    A.registerPPCallbacks(CI.getPreprocessor(), C);
    return Finder.newASTConsumer();
  }

private:
  Analysis &A;
  Collector &C;
  clang::ast_matchers::MatchFinder Finder;
};

std::vector<Reported> analyse(llvm::StringRef Code, RuleSet Rules,
                              const AnalysisOptions &Options = {}) {
  Analysis A(Rules, Options);
  Collector C(A);
  EXPECT_TRUE(clang::tooling::runToolOnCodeWithArgs(
      std::make_unique<AnalysisAction>(A, C), Code, {"-std=c++17"},
      "worker.cpp"));
  // The sink's order is the order of discovery (preprocessor first); sort by
  // position for readable expectations.
  std::stable_sort(C.Findings.begin(), C.Findings.end(),
                   [](const Reported &X, const Reported &Y) {
                     return std::tie(X.Line, X.Column) <
                            std::tie(Y.Line, Y.Column);
                   });
  return C.Findings;
}

// The C API as cuda_runtime_api.h and cuda.h declare it, reduced to what the
// tests call (the lit suite runs against the real CUDA 13 headers).
constexpr llvm::StringLiteral MiniCuda = R"cpp(
typedef int cudaError_t;
extern "C" cudaError_t cudaMallocManaged(void **p, unsigned long n, unsigned flags = 1);
extern "C" cudaError_t cudaHostAlloc(void **p, unsigned long n, unsigned flags);
extern "C" cudaError_t cudaMalloc(void **p, unsigned long n);
#define cudaHostAllocMapped 0x02
#define cudaHostAllocPortable 0x01
#define cuMemAllocHost cuMemAllocHost_v2
extern "C" int cuMemAllocHost(void **p, unsigned long n);
extern "C" void *dlsym(void *, const char *);
#define CHECK(x) (void)(x)
)cpp";

TEST(AnalysisTest, FindingsOfEveryRule) {
  std::vector<Reported> Findings = analyse(MiniCuda.str() + R"cpp(
void worker(void **p) {
  CHECK(cudaMallocManaged(p, 16));
  cudaHostAlloc(p, 16, cudaHostAllocPortable | cudaHostAllocMapped);
  cudaHostAlloc(p, 16, 3);
  cuMemAllocHost(p, 16);
  dlsym(nullptr, "cuMemAllocHost_v2");
  cudaMalloc(p, 16);
}
)cpp",
                                           RuleSet::all());
  const unsigned L = 13; // line of "void worker"
  EXPECT_EQ(
      Findings,
      (std::vector<Reported>{
          {Rule::ManagedMemory, L + 1, 9, "cudaMallocManaged",
           "cudaMallocManaged allocates managed (unified) memory that can "
           "migrate to host RAM; use cudaMalloc",
           1},
          {Rule::HostMemory, L + 2, 3, "cudaHostAlloc",
           "cudaHostAlloc allocates page-locked (pinned) host memory; "
           "keep the data in cudaMalloc memory",
           0},
          {Rule::MappedMemory, L + 2, 48, "cudaHostAllocMapped",
           "cudaHostAllocMapped maps page-locked host memory into the "
           "device address space (zero-copy); remove the flag and keep "
           "the data in cudaMalloc memory",
           0},
          {Rule::HostMemory, L + 3, 3, "cudaHostAlloc",
           "cudaHostAlloc allocates page-locked (pinned) host memory; "
           "keep the data in cudaMalloc memory",
           0},
          {Rule::MappedMemory, L + 3, 24, "cudaHostAllocMapped",
           "cudaHostAlloc flags include cudaHostAllocMapped (0x02), which "
           "maps page-locked host memory into the device address space "
           "(zero-copy); remove the flag and keep the data in cudaMalloc "
           "memory",
           0},
          {Rule::HostMemory, L + 4, 3, "cuMemAllocHost",
           "cuMemAllocHost allocates page-locked (pinned) host memory; "
           "keep the data in cuMemAlloc memory",
           0},
          {Rule::DynamicLookup, L + 5, 18, "cuMemAllocHost_v2",
           "dlsym looks up cuMemAllocHost_v2 by name, which hides its use "
           "from compile-time checks: cuMemAllocHost allocates page-locked "
           "(pinned) host memory; keep the data in cuMemAlloc memory",
           0},
      }));
}

TEST(AnalysisTest, LookupsThroughConstantData) {
  const unsigned L = 13; // line of "static void *a, *b;"
  std::vector<Reported> Findings = analyse(MiniCuda.str() + R"cpp(
static void *a, *b;
static const struct { const char *name; void **fn; } table[] = {
    {"cudaMallocManaged", &a}, {"cudaMalloc", &b}};
void load(void *h, const char *fromFile, const char *const fallback = "cudaHostAlloc") {
  for (const auto &e : table) *e.fn = dlsym(h, e.name);
  constexpr const char *const names[] = {"cudaMalloc", "cudaHostAlloc"};
  dlsym(h, names[1]);
  const char *changing = "cudaHostAlloc";
  changing = fromFile;
  dlsym(h, changing);
  const char *unchanged = "cudaMallocHost";
  dlsym(h, unchanged);
  dlsym(h, fromFile);
  dlsym(h, fallback);
}
)cpp",
                                           RuleSet::only(Rule::DynamicLookup));
  EXPECT_EQ(
      Findings,
      (std::vector<Reported>{
          {Rule::DynamicLookup, L + 2, 6, "cudaMallocManaged",
           "dlsym looks up cudaMallocManaged by name, which hides its use "
           "from compile-time checks: cudaMallocManaged allocates managed "
           "(unified) memory that can migrate to host RAM; use cudaMalloc",
           0, std::to_string(L + 4) + ":48: dlsym looks up cudaMallocManaged here"},
          {Rule::DynamicLookup, L + 6, 12, "cudaHostAlloc",
           "dlsym looks up cudaHostAlloc by name, which hides its use from "
           "compile-time checks: cudaHostAlloc allocates page-locked (pinned) "
           "host memory; keep the data in cudaMalloc memory",
           0},
          {Rule::DynamicLookup, L + 11, 12, "cudaMallocHost",
           "dlsym looks up cudaMallocHost by name, which hides its use from "
           "compile-time checks: cudaMallocHost allocates page-locked (pinned) "
           "host memory; keep the data in cudaMalloc memory",
           0},
      }));
}

TEST(AnalysisTest, OnlyTheEnabledRulesReport) {
  std::vector<Reported> Findings = analyse(MiniCuda.str() + R"cpp(
void worker(void **p) {
  cudaMallocManaged(p, 16);
  cudaHostAlloc(p, 16, cudaHostAllocMapped);
}
)cpp",
                                           RuleSet::only(Rule::HostMemory));
  ASSERT_EQ(Findings.size(), 1u);
  EXPECT_EQ(Findings[0].Api, "cudaHostAlloc");
}

TEST(AnalysisTest, OneFindingPerLocationEvenAcrossInstantiations) {
  std::vector<Reported> Findings = analyse(MiniCuda.str() + R"cpp(
template <class T, unsigned F> void alloc(T **p) {
  cudaMallocManaged((void **)p, sizeof(T));
  cudaHostAlloc((void **)p, 16, F);
}
void worker() {
  float *f; int *i;
  alloc<float, 2>(&f); alloc<int, 2>(&i); alloc<int, 3>(&i); alloc<float, 0>(&f);
}
)cpp",
                                           RuleSet::all());
  // The pattern's two calls once each, and the flag that only the
  // instantiations alloc<float, 2> and alloc<int, 3> know, once.
  ASSERT_EQ(Findings.size(), 3u) << ::testing::PrintToString(Findings);
  EXPECT_EQ(Findings[0].Api, "cudaMallocManaged");
  EXPECT_EQ(Findings[0].Line, 14u);
  EXPECT_EQ(Findings[1].Api, "cudaHostAlloc");
  EXPECT_EQ(Findings[1].Line, 15u);
  EXPECT_EQ(Findings[2].Api, "cudaHostAllocMapped");
  EXPECT_EQ(Findings[2].Line, 15u);
  EXPECT_EQ(Findings[2].Column, 33u);
}

TEST(AnalysisTest, OptionsAddAndExemptNames) {
  AnalysisOptions Options;
  Options.of(Rule::HostMemory).ExtraFunctions = {
      {"stagePinned", "pins a staging buffer; use DeviceArena"}};
  Options.of(Rule::HostMemory).ExemptNames = {"cuMemAllocHost"};
  std::vector<Reported> Findings =
      analyse(MiniCuda.str() + R"cpp(
void stagePinned(void **p, unsigned long n);
void worker(void **p) {
  stagePinned(p, 16);
  cuMemAllocHost(p, 16);
  cudaHostAlloc(p, 16, 0);
}
)cpp",
              RuleSet::only(Rule::HostMemory), Options);
  ASSERT_EQ(Findings.size(), 2u) << ::testing::PrintToString(Findings);
  EXPECT_EQ(Findings[0].Api, "stagePinned");
  EXPECT_EQ(Findings[0].Message,
            "stagePinned pins a staging buffer; use DeviceArena");
  EXPECT_EQ(Findings[1].Api, "cudaHostAlloc");
}

} // namespace
} // namespace vram_only::analysis
