// The vram-only runtime core: residency queries, the allocation tracker,
// tensor-construction checks and the health monitor. Header-only, C++17;
// needs the CUDA toolkit headers (not its libraries: the driver is loaded
// at run time) and links with -ldl -pthread (the CMake target
// VramOnly::runtime does that).
//
// The HTTP endpoint is separate: <vram_only/health_server.hpp>.
#pragma once

#include "vram_only/allocation.hpp"
#include "vram_only/config.hpp"
#include "vram_only/cuda_driver.hpp"
#include "vram_only/device_view.hpp"
#include "vram_only/health_monitor.hpp"
#include "vram_only/log_sink.hpp"
#include "vram_only/memory_type.hpp"
#include "vram_only/residency.hpp"
#include "vram_only/residency_oracle.hpp"
#include "vram_only/residency_report.hpp"
#include "vram_only/residency_verdict.hpp"
#include "vram_only/tensor_check.hpp"
#include "vram_only/violation.hpp"
#include "vram_only/vram_purpose.hpp"
#include "vram_only/vram_tracker.hpp"
