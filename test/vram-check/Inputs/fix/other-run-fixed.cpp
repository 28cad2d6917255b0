// A source whose parse waits on "slow.h" (a FIFO the test opens): the test
// changes this file while the analysis waits, as a second --fix run would.
#include <cuda_runtime.h>
#include "slow.h"

void grow(float **p, size_t n) { cudaMalloc(p, n); }
