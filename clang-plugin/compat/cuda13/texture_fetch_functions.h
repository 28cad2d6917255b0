/*
 * CUDA 13 compatibility for clang 19 (vram-only). Documented in
 * docs/analysis.md.
 *
 * Put this directory on an -isystem path when clang parses CUDA sources:
 *
 *   -x cuda --cuda-path=/usr/local/cuda --cuda-gpu-arch=sm_90 -nocudalib
 *   -isystem <repo>/clang-plugin/compat/cuda13 -I/usr/local/cuda/include/cccl
 *   -Xclang -target-sdk-version=12.5 -Wno-unknown-cuda-version
 *
 * 1. clang 19's __clang_cuda_runtime_wrapper.h includes
 *    <texture_fetch_functions.h>, which CUDA 13 removed along with texture
 *    references. This file takes its place; there is nothing to declare.
 *
 * 2. clang ignores the `managed` attribute in CUDA mode, so a __managed__
 *    variable becomes a host variable and every kernel that uses it fails to
 *    compile on the device side ("reference to __host__ variable in
 *    __global__ function"). nvcc makes __managed__ variables __device__
 *    variables too; so does this file, which the wrapper includes after
 *    CUDA's host_defines.h defined __managed__. Only clang's CUDA mode
 *    includes this file; nvcc never sees it. The vram-managed-memory check
 *    reports every expansion of __managed__ all the same.
 */
#ifndef VRAM_ONLY_COMPAT_CUDA13_TEXTURE_FETCH_FUNCTIONS_H
#define VRAM_ONLY_COMPAT_CUDA13_TEXTURE_FETCH_FUNCTIONS_H

#if defined(__clang__) && defined(__CUDA__)
#undef __managed__
#define __managed__ __location__(device)
#endif

#endif
