// Parses up to the violation, then fails: the finding is still reported and
// the file is reported as not analysed.
#include "worker.h"

void early(float **p) { CUDA_CHECK(cudaMallocManaged(p, 64)); }

void late( {

// The parse never gets here; the token scan does. Names in comments
// (cudaHostRegister) and strings are not uses.
void later(void **p) { cudaMallocHost(p, 64, "cudaMallocManaged"); }
