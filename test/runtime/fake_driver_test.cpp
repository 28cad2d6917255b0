// CudaDriver and CudaResidencyOracle against a fake libcuda (see
// fake_cuda_driver.c): the real loading and marshalling code, no GPU.
#include <gtest/gtest.h>

#include <string>

#include <vram_only/cuda_driver.hpp>
#include <vram_only/residency.hpp>

#include "test_support.hpp"

namespace vram_only {
namespace {

using testing::ptr;

TEST(FakeDriver, LoadsAndInitialises) {
  const CudaDriver driver(VRAM_ONLY_FAKE_CUDA_DRIVER);
  ASSERT_TRUE(driver.available()) << driver.status();
  EXPECT_STREQ(driver.status(), "");
  EXPECT_EQ(driver.init_result(), CUDA_SUCCESS);
  EXPECT_STREQ(driver.error_name(CUDA_ERROR_INVALID_CONTEXT), "CUDA_ERROR_INVALID_CONTEXT");
  EXPECT_STREQ(driver.error_name(static_cast<CUresult>(12345)), "CUDA_ERROR_UNKNOWN_CODE");
  EXPECT_NE(driver.symbol("cuInit"), nullptr);
  EXPECT_EQ(driver.symbol("cuNoSuchFunction"), nullptr);
}

TEST(FakeDriver, VerdictsThroughTheRealMarshalling) {
  const CudaDriver driver(VRAM_ONLY_FAKE_CUDA_DRIVER);
  const CudaResidencyOracle oracle(driver);

  auto v = oracle.query(ptr(0x10010));
  EXPECT_EQ(v.memory_type, MemoryType::Device);
  EXPECT_EQ(v.device, 1);
  EXPECT_TRUE(check_pointer_residency(ptr(0x10010), oracle));

  v = oracle.query(ptr(0x20000));
  EXPECT_EQ(v.memory_type, MemoryType::Managed);
  EXPECT_EQ(v.device, 0);

  v = oracle.query(ptr(0x30000));
  EXPECT_EQ(v.memory_type, MemoryType::Host);

  v = oracle.query(ptr(0x60000));  // unknown: attributes left at their defaults
  EXPECT_EQ(v.memory_type, MemoryType::Unregistered);
  EXPECT_EQ(v.device, -1);

  v = oracle.query(ptr(0x40000));
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_EQ(v.cuda_error, CUDA_ERROR_INVALID_VALUE);
  EXPECT_STREQ(v.cuda_error_name, "CUDA_ERROR_INVALID_VALUE");

  v = oracle.query(ptr(0x50000));
  EXPECT_EQ(v.memory_type, MemoryType::Unregistered);
  EXPECT_STREQ(v.reason, "not CUDA memory (no CUDA context knows this address)");

  v = oracle.query(nullptr);
  EXPECT_EQ(v.memory_type, MemoryType::Unregistered);
  EXPECT_STREQ(v.reason, "null pointer");
}

TEST(FakeDriver, FailingInitIsReportedWithItsName) {
  const CudaDriver driver(VRAM_ONLY_FAKE_CUDA_DRIVER_NO_DEVICE);
  EXPECT_FALSE(driver.available());
  EXPECT_EQ(driver.init_result(), CUDA_ERROR_NO_DEVICE);
  EXPECT_EQ(std::string(driver.status()),
            "CUDA driver not available (cuInit failed: CUDA_ERROR_NO_DEVICE)");
  const CudaResidencyOracle oracle(driver);
  const auto v = oracle.query(ptr(0x10000));
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_EQ(v.cuda_error, CUDA_ERROR_NO_DEVICE);
  EXPECT_STREQ(v.cuda_error_name, "CUDA_ERROR_NO_DEVICE");
  EXPECT_STREQ(v.reason, "CUDA driver not available (cuInit failed: CUDA_ERROR_NO_DEVICE)");
}

TEST(FakeDriver, TrackerSweepWithTheFakeDriver) {
  const CudaDriver driver(VRAM_ONLY_FAKE_CUDA_DRIVER);
  const CudaResidencyOracle oracle(driver);
  testing::CapturingSink log;
  TrackerOptions options;
  options.oracle = &oracle;
  options.sink = log.sink();
  VramTracker tracker(options);
  ASSERT_TRUE(tracker.record_allocation(ptr(0x10000), 4096, VramPurpose::ModelWeights, "w", 1));
  ASSERT_TRUE(tracker.record_allocation(ptr(0x20000), 4096, VramPurpose::KvCache, "kv", 0));
  const auto report = tracker.verify_vram_residency();
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_EQ(report.violations[0].label, "kv");
  EXPECT_EQ(report.violations[0].memory_type, MemoryType::Managed);
}

}  // namespace
}  // namespace vram_only
