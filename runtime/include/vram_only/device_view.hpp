// DeviceView<T>: a pointer and an element count for device memory, passed to
// kernels by value. Built by checked_view() (tensor_check.hpp), which
// verifies the range once, at construction. The view itself does no
// checking and owns nothing.
#pragma once

#include <cstddef>
#include <type_traits>

#include "vram_only/config.hpp"

namespace vram_only {

template <class T>
class DeviceView {
 public:
  using element_type = T;
  using value_type = std::remove_cv_t<T>;
  using size_type = std::size_t;
  using pointer = T*;
  using reference = T&;
  using iterator = T*;

  constexpr DeviceView() noexcept = default;
  VRAM_ONLY_HOST_DEVICE constexpr DeviceView(T* data, std::size_t size) noexcept
      : data_(data), size_(size) {}

  // DeviceView<T> converts to DeviceView<const T>.
  template <class U, class = std::enable_if_t<std::is_convertible<U (*)[], T (*)[]>::value>>
  VRAM_ONLY_HOST_DEVICE constexpr DeviceView(const DeviceView<U>& other) noexcept
      : data_(other.data()), size_(other.size()) {}

  VRAM_ONLY_HOST_DEVICE constexpr T* data() const noexcept { return data_; }
  VRAM_ONLY_HOST_DEVICE constexpr std::size_t size() const noexcept { return size_; }
  VRAM_ONLY_HOST_DEVICE constexpr std::size_t size_bytes() const noexcept {
    return size_ * sizeof(T);
  }
  VRAM_ONLY_HOST_DEVICE constexpr bool empty() const noexcept { return size_ == 0; }

  // Element access: device memory, so dereference in device code only.
  VRAM_ONLY_HOST_DEVICE constexpr T& operator[](std::size_t i) const noexcept { return data_[i]; }
  VRAM_ONLY_HOST_DEVICE constexpr T* begin() const noexcept { return data_; }
  VRAM_ONLY_HOST_DEVICE constexpr T* end() const noexcept { return data_ + size_; }

  // Elements [offset, offset + count) clamped to this view: stays inside
  // the range that was checked.
  VRAM_ONLY_HOST_DEVICE constexpr DeviceView subview(std::size_t offset,
                                                     std::size_t count) const noexcept {
    if (offset >= size_) {
      return DeviceView(data_ + size_, 0);
    }
    const std::size_t rest = size_ - offset;
    return DeviceView(data_ + offset, count < rest ? count : rest);
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace vram_only
