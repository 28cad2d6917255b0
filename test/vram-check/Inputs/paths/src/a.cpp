#include "h.h"
#include <dlfcn.h>

static void *managed;
static const struct { const char *name; void **fn; } kTable[] = { {"cuMemAllocManaged", &managed} };

int main() {
  void *fn = nullptr;
  resolve(&fn);
  for (const auto &e : kTable)
    *e.fn = dlsym(nullptr, e.name);
  return pinned(16) != nullptr;
}
