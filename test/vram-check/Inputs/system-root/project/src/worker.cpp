#include "pinned_staging.h"
#include <mapped_staging.h>
#include <vendor_alloc.h>

int main() {
  void *host = nullptr;
  stage(&host, 64);
  stageMapped(&host, 64);
  vendorStage(&host, 64);
  return 0;
}
