/*
 * CUDA 13 compatibility stub for clang 19 (vram-only).
 *
 * clang 19's __clang_cuda_runtime_wrapper.h includes <texture_fetch_functions.h>,
 * a header that CUDA 13 removed (texture references are gone). Put this
 * directory on an -isystem path ahead of the CUDA headers so that the include
 * resolves to this empty file and CUDA 13 sources parse in CUDA mode:
 *
 *   -x cuda --cuda-path=/usr/local/cuda --cuda-gpu-arch=sm_90 -nocudalib
 *   -isystem <repo>/clang-plugin/compat/cuda13 -I/usr/local/cuda/include/cccl
 *   -Xclang -target-sdk-version=12.5 -Wno-unknown-cuda-version
 *
 * It declares nothing: CUDA 13 has no texture fetch functions to declare.
 * See docs/analysis.md.
 */
#ifndef VRAM_ONLY_COMPAT_CUDA13_TEXTURE_FETCH_FUNCTIONS_H
#define VRAM_ONLY_COMPAT_CUDA13_TEXTURE_FETCH_FUNCTIONS_H
#endif
