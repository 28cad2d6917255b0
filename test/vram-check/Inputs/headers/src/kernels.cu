// Clean itself: the forbidden call is in the header it includes.
#include "alloc.h"

__global__ void fill(float *x) { x[threadIdx.x] = 0; }
void launch(void **p) { stage(p, 64); }
