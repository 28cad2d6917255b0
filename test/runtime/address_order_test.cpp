// detail::sort_by_address, the radix sort behind the sweep's address order,
// against std::stable_sort in each of its regimes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <vram_only/detail/address_order.hpp>

namespace vram_only::detail {
namespace {

struct Item {
  std::uint64_t base;
  std::uint32_t tag;  // the original position: shows stability
};

bool operator==(const Item& a, const Item& b) { return a.base == b.base && a.tag == b.tag; }

std::vector<Item> sorted_by_radix(const std::vector<Item>& items, SortScratch& scratch) {
  std::vector<Item> out(items.size(), Item{0, 0});
  sort_by_address(items.data(), items.size(), [](const Item& i) { return i.base; }, out.data(),
                  scratch);
  return out;
}

std::vector<Item> sorted_by_std(std::vector<Item> items) {
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.base < b.base; });
  return items;
}

std::vector<Item> make(std::size_t n, std::uint64_t first, std::uint64_t spread,
                       std::uint64_t align, std::mt19937_64& rng) {
  std::vector<Item> items;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t offset = spread == 0 ? 0 : (rng() % spread) / align * align;
    items.push_back(Item{first + offset, static_cast<std::uint32_t>(i)});
  }
  return items;
}

TEST(AddressOrder, EmptyAndSingle) {
  SortScratch scratch;
  EXPECT_TRUE(sorted_by_radix({}, scratch).empty());
  const std::vector<Item> one = {Item{42, 7}};
  EXPECT_EQ(sorted_by_radix(one, scratch), one);
}

TEST(AddressOrder, EqualKeysKeepTheirOrder) {
  SortScratch scratch;
  std::vector<Item> items;
  for (std::uint32_t i = 0; i < 100; ++i) {
    items.push_back(Item{0x7f0000000000, i});
  }
  EXPECT_EQ(sorted_by_radix(items, scratch), items);
}

struct Regime {
  const char* name;
  std::size_t n;
  std::uint64_t first;
  std::uint64_t spread;
  std::uint64_t align;
};

class AddressOrderRegimes : public ::testing::TestWithParam<Regime> {};

TEST_P(AddressOrderRegimes, MatchesStableSort) {
  const Regime r = GetParam();
  std::mt19937_64 rng(r.n + r.spread);
  SortScratch scratch;
  for (int round = 0; round < 3; ++round) {  // scratch reused across calls
    const auto items = make(r.n, r.first, r.spread, r.align, rng);
    EXPECT_EQ(sorted_by_radix(items, scratch), sorted_by_std(items)) << r.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, AddressOrderRegimes,
    ::testing::Values(
        Regime{"two_items", 2, 0x7f0000001000, 4096, 4096},
        Regime{"one_pass_page_aligned", 1000, 0x7f0000000000, 1000 * 4096, 4096},
        Regime{"one_pass_with_duplicates", 3000, 0x7f0000000000, 512 * 256, 256},
        Regime{"two_passes", 20000, 0x7f0000000000, std::uint64_t{1} << 36, 512},
        Regime{"many_passes", 5000, 0x1000, std::uint64_t{1} << 47, 1},
        Regime{"whole_address_space_falls_back", 3000, 1, ~std::uint64_t{0} - 1, 1}),
    [](const ::testing::TestParamInfo<Regime>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vram_only::detail
