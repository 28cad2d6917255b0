// A program linked against libcuda that calls the driver through its PLT
// (as llama.cpp's VMM pool does): the interposer's exports under the
// driver's names must see these calls.
#include <cstdio>
#include <cstdlib>

extern "C" {
int cuInit(unsigned);
int cuMemAlloc_v2(unsigned long long*, size_t);
int cuMemFree_v2(unsigned long long);
int cuMemHostAlloc(void**, size_t, unsigned);
int cuMemFreeHost(void*);

__attribute__((noinline)) void run_plt_calls() {
  unsigned long long device = 0;
  void* pinned = nullptr;
  if (cuInit(0) != 0 || cuMemAlloc_v2(&device, 3 << 20) != 0 || cuMemHostAlloc(&pinned, 4096, 0) != 0 ||
      cuMemFreeHost(pinned) != 0 || cuMemFree_v2(device) != 0) {
    std::fprintf(stderr, "plt_client: a driver call failed\n");
    std::exit(4);
  }
}
}

int main() {
  run_plt_calls();
  std::printf("plt done\n");
  return 0;
}
