// Uses the vendor header only: nothing of the project.
#include <vendor_alloc.h>

int main() {
  void *host = nullptr;
  return vendorStage(&host, 64);
}
