// CPU cost per kernel launch, per cheap driver call and per CUDA graph step,
// in place (only the calls are timed; the GPU is waited for, untimed,
// between batches): N launches of an empty kernel, in batches of 100; 10 N
// calls of cuCtxGetDevice (a driver call that does no work, so its time is
// the dispatch alone); N / 100
// launches of a captured graph of 64 empty kernels; and N / 200 rounds of
// what llama.cpp does for every generated token: capture the 64 launches on
// a stream, cudaGraphExecUpdate the executable graph, launch it. Run plain,
// under vram-only-run --callbacks=none (CUPTI subscribed, nothing enabled)
// and under vram-only-run by scripts/gpu-realclients, to tell CUPTI's own
// cost on calls we never enable from ours.
// Prints {"launches": N, "ns_per_launch": X, "driver_calls": M, "ns_per_driver_call": Y,
//         "graph_launches": G, "ns_per_graph_launch": Z, "graph_rounds": R, "ns_per_graph_round": W}.
#include <cuda.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cstdlib>

#include "attach_programs.hpp"

__global__ void empty_kernel() {}

// Sums the time between start() and stop() calls.
struct Stopwatch {
  std::chrono::steady_clock::time_point began;
  double ns = 0;
  void start() { began = std::chrono::steady_clock::now(); }
  void stop() { ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - began).count(); }
};

int main(int argc, char** argv) {
  const int launches = argc > 1 ? std::atoi(argv[1]) : 200000;
  CHECK_CUDA(cudaFree(nullptr));  // context
  for (int i = 0; i < 1000; ++i) empty_kernel<<<1, 1>>>();  // warm-up
  CHECK_CUDA(cudaDeviceSynchronize());
  // Only the calls are timed, in batches of 100 with an untimed
  // synchronisation between them: the CPU's cost, not the GPU's.
  Stopwatch launch_time;
  for (int i = 0; i < launches; i += 100) {
    launch_time.start();
    for (int k = 0; k < 100; ++k) empty_kernel<<<1, 1>>>();
    launch_time.stop();
    CHECK_CUDA(cudaDeviceSynchronize());
  }
  CHECK_CUDA(cudaGetLastError());
  const double ns = launch_time.ns;

  const int calls = 10 * launches;
  CUdevice device = -1;
  Stopwatch call_time;
  call_time.start();
  for (int i = 0; i < calls; ++i) {
    if (cuCtxGetDevice(&device) != CUDA_SUCCESS) {
      std::fprintf(stderr, "cuCtxGetDevice failed\n");
      return 1;
    }
  }
  call_time.stop();
  const double calls_ns = call_time.ns;

  constexpr int kNodes = 64;
  cudaStream_t stream = nullptr;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const auto capture = [&] {
    cudaGraph_t graph = nullptr;
    CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
    for (int k = 0; k < kNodes; ++k) empty_kernel<<<1, 1, 0, stream>>>();
    CHECK_CUDA(cudaStreamEndCapture(stream, &graph));
    return graph;
  };
  cudaGraph_t graph = capture();
  cudaGraphExec_t exec = nullptr;
  CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0));
  CHECK_CUDA(cudaGraphDestroy(graph));
  CHECK_CUDA(cudaGraphLaunch(exec, stream));
  CHECK_CUDA(cudaStreamSynchronize(stream));

  const int graph_launches = launches / 100;
  Stopwatch graph_time;
  for (int i = 0; i < graph_launches; ++i) {
    graph_time.start();
    CHECK_CUDA(cudaGraphLaunch(exec, stream));
    graph_time.stop();
    CHECK_CUDA(cudaStreamSynchronize(stream));
  }
  const double graphs_ns = graph_time.ns;

  const int rounds = launches / 200;
  Stopwatch round_time;
  for (int i = 0; i < rounds; ++i) {
    round_time.start();
    graph = capture();
    cudaGraphExecUpdateResultInfo info{};
    CHECK_CUDA(cudaGraphExecUpdate(exec, graph, &info));
    CHECK_CUDA(cudaGraphDestroy(graph));
    CHECK_CUDA(cudaGraphLaunch(exec, stream));
    round_time.stop();
    CHECK_CUDA(cudaStreamSynchronize(stream));
  }
  const double rounds_ns = round_time.ns;
  CHECK_CUDA(cudaGraphExecDestroy(exec));
  CHECK_CUDA(cudaStreamDestroy(stream));

  std::printf(
      "{\"launches\": %d, \"ns_per_launch\": %.1f, \"driver_calls\": %d, \"ns_per_driver_call\": %.1f, "
      "\"graph_launches\": %d, \"ns_per_graph_launch\": %.1f, \"graph_rounds\": %d, \"ns_per_graph_round\": %.1f}\n",
      launches, ns / launches, calls, calls_ns / calls, graph_launches, graphs_ns / graph_launches, rounds,
      rounds_ns / rounds);
  return 0;
}
