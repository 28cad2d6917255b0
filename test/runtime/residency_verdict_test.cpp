// The mapping from the driver's pointer attributes to verdicts, one row of
// the measured facts table (docs/runtime.md) per test.
#include <gtest/gtest.h>

#include <cuda.h>

#include <string>

#include <vram_only/residency_verdict.hpp>

namespace vram_only {
namespace {

ResidencyVerdict classify(int result, unsigned type, unsigned managed, int ordinal,
                          const char* name = "") {
  return classify_pointer_attributes(result, type, managed, ordinal, name);
}

TEST(ResidencyVerdict, CudaMallocIsResidentDevice) {
  const auto v = classify(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 0, 3);
  EXPECT_EQ(v.memory_type, MemoryType::Device);
  EXPECT_TRUE(v.resident());
  EXPECT_EQ(v.device, 3);
  EXPECT_STREQ(v.reason, "device memory");
  EXPECT_EQ(v.cuda_error, 0);
}

TEST(ResidencyVerdict, ManagedReportsDeviceTypeButIsManaged) {
  // cudaMallocManaged, also after prefetching to the GPU: MEMORY_TYPE=DEVICE, IS_MANAGED=1.
  const auto v = classify(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 1, 0);
  EXPECT_EQ(v.memory_type, MemoryType::Managed);
  EXPECT_FALSE(v.resident());
  EXPECT_STREQ(v.reason, "managed (unified) memory: its pages can migrate to host memory");
}

TEST(ResidencyVerdict, UnifiedMemoryTypeIsManaged) {
  const auto v = classify(CUDA_SUCCESS, CU_MEMORYTYPE_UNIFIED, 0, 0);
  EXPECT_EQ(v.memory_type, MemoryType::Managed);
  EXPECT_FALSE(v.resident());
}

TEST(ResidencyVerdict, HostKindsAreHost) {
  // cudaHostAlloc (any flags), cudaMallocHost, cudaHostRegister, host-NUMA VMM and pools.
  const auto v = classify(CUDA_SUCCESS, CU_MEMORYTYPE_HOST, 0, 0);
  EXPECT_EQ(v.memory_type, MemoryType::Host);
  EXPECT_FALSE(v.resident());
  EXPECT_STREQ(v.reason, "host memory (pinned, registered, mapped or host-NUMA)");
}

TEST(ResidencyVerdict, MemoryTypeZeroIsUnregistered) {
  // malloc, stack, freed pointers: the plural call succeeds and leaves the type 0.
  const auto v = classify(CUDA_SUCCESS, 0, 0, -1);
  EXPECT_EQ(v.memory_type, MemoryType::Unregistered);
  EXPECT_FALSE(v.resident());
  EXPECT_EQ(v.device, -1);
  EXPECT_STREQ(v.reason, "not CUDA memory (plain host memory, or freed / dangling)");
}

TEST(ResidencyVerdict, InvalidContextMeansNoContextKnowsTheAddress) {
  const auto v = classify(CUDA_ERROR_INVALID_CONTEXT, 0, 0, -1, "CUDA_ERROR_INVALID_CONTEXT");
  EXPECT_EQ(v.memory_type, MemoryType::Unregistered);
  EXPECT_STREQ(v.reason, "not CUDA memory (no CUDA context knows this address)");
}

TEST(ResidencyVerdict, OtherErrorsFailClosed) {
  const auto v = classify(CUDA_ERROR_DEINITIALIZED, CU_MEMORYTYPE_DEVICE, 0, 0,
                          "CUDA_ERROR_DEINITIALIZED");
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_FALSE(v.resident());
  EXPECT_EQ(v.cuda_error, CUDA_ERROR_DEINITIALIZED);
  EXPECT_STREQ(v.cuda_error_name, "CUDA_ERROR_DEINITIALIZED");
  EXPECT_STREQ(v.reason, "cuPointerGetAttributes failed");
}

TEST(ResidencyVerdict, NullErrorNameBecomesEmpty) {
  const auto v = classify(CUDA_ERROR_INVALID_VALUE, 0, 0, -1, nullptr);
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_STREQ(v.cuda_error_name, "");
}

TEST(ResidencyVerdict, ArrayAndUnknownTypesFailClosed) {
  EXPECT_EQ(classify(CUDA_SUCCESS, CU_MEMORYTYPE_ARRAY, 0, 0).memory_type, MemoryType::Error);
  const auto v = classify(CUDA_SUCCESS, 77, 0, 0);
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_STREQ(v.reason, "CUDA reported an unknown memory type");
}

TEST(ResidencyVerdict, DeviceDecisionIgnoresDevicePointerAndNeedsNotManaged) {
  // Only type + managed decide; any non-zero managed flag means managed.
  EXPECT_EQ(classify(CUDA_SUCCESS, CU_MEMORYTYPE_DEVICE, 0x100, 0).memory_type, MemoryType::Managed);
}

TEST(ResidencyVerdict, DefaultVerdictIsAnUndeterminedError) {
  const ResidencyVerdict v;
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_FALSE(v.resident());
}

TEST(MemoryType, ToString) {
  EXPECT_EQ(to_string(MemoryType::Device), "Device");
  EXPECT_EQ(to_string(MemoryType::Managed), "Managed");
  EXPECT_EQ(to_string(MemoryType::Host), "Host");
  EXPECT_EQ(to_string(MemoryType::Unregistered), "Unregistered");
  EXPECT_EQ(to_string(MemoryType::Error), "Error");
}

}  // namespace
}  // namespace vram_only
