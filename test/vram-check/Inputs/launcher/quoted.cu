// llama.cpp passes -DGGML_CUDA_FA_QUANTS="q4_0-q4_0,f16-f16": one macro.
#define STR2(x) #x
#define STR(x) STR2(x)
static_assert(sizeof(STR(QUANTS)) == sizeof("\"q4_0-q4_0,f16-f16\""), "one macro");
#ifdef f16
#error "the list was split at its commas"
#endif
__global__ void k(float *x) { x[threadIdx.x] = 0; }
