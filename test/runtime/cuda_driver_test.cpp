// The driver loader and the default oracle on a machine without a usable
// driver (CI): everything fails closed with a clear reason.
#include <gtest/gtest.h>

#include <string>

#include <vram_only/cuda_driver.hpp>
#include <vram_only/residency.hpp>

namespace vram_only {
namespace {

TEST(CudaDriver, MissingLibraryIsReportedNotFatal) {
  const CudaDriver driver("libvram-only-no-such-driver.so.1");
  EXPECT_FALSE(driver.available());
  const std::string status = driver.status();
  EXPECT_EQ(status.rfind("CUDA driver not available (", 0), 0u) << status;
  EXPECT_NE(status.find("libvram-only-no-such-driver.so.1"), std::string::npos) << status;
  EXPECT_EQ(driver.symbol("cuInit"), nullptr);
  EXPECT_EQ(driver.pointer_get_attributes(0, nullptr, nullptr, 0), CUDA_ERROR_NOT_INITIALIZED);
  EXPECT_STREQ(driver.error_name(CUDA_ERROR_INVALID_VALUE), "CUDA_ERROR_UNKNOWN_CODE");
}

TEST(CudaDriver, LibraryWithoutTheEntryPointsIsRejected) {
  const CudaDriver driver("libm.so.6");
  EXPECT_FALSE(driver.available());
  EXPECT_EQ(std::string(driver.status()),
            "CUDA driver not available (libm.so.6 lacks cuInit or cuPointerGetAttributes)");
}

TEST(CudaResidencyOracle, WithoutDriverEveryPointerIsAnError) {
  const CudaDriver driver("libvram-only-no-such-driver.so.1");
  const CudaResidencyOracle oracle(driver);
  int on_stack = 0;
  const auto v = oracle.query(&on_stack);
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_FALSE(v.resident());
  EXPECT_STREQ(v.reason, driver.status());
  EXPECT_EQ(v.cuda_error, 0);  // no CUDA call was possible
  EXPECT_STREQ(v.cuda_error_name, "");
  EXPECT_FALSE(check_pointer_residency(&on_stack, oracle));
}

TEST(CudaResidencyOracle, NullIsUnregisteredWithoutAskingTheDriver) {
  const CudaDriver driver("libvram-only-no-such-driver.so.1");
  const CudaResidencyOracle oracle(driver);
  const auto v = oracle.query(nullptr);
  EXPECT_EQ(v.memory_type, MemoryType::Unregistered);
  EXPECT_STREQ(v.reason, "null pointer");
}

TEST(DefaultOracle, FailsClosedWhenThisMachineHasNoDriver) {
  if (cuda_driver().available()) {
    GTEST_SKIP() << "libcuda.so.1 is usable here; the GPU suite (label gpu) covers real verdicts";
  }
  int on_stack = 0;
  const auto v = query_pointer_residency(&on_stack);
  EXPECT_EQ(v.memory_type, MemoryType::Error);
  EXPECT_EQ(std::string(v.reason).rfind("CUDA driver not available", 0), 0u) << v.reason;
  EXPECT_FALSE(check_pointer_residency(&on_stack));
  EXPECT_FALSE(check_pointer_residency(nullptr));
}

}  // namespace
}  // namespace vram_only
