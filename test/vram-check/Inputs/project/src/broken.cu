// Parses up to the violation, then fails: the finding is still reported and
// the file is reported as not analysed.
#include "worker.h"

void early(float **p) { CUDA_CHECK(cudaMallocManaged(p, 64)); }

void late( {
