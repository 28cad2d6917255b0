# The Debian package: `cpack -G DEB` in a build tree gives
# vram-only_<version>_<arch>.deb with everything `cmake --install` installs
# (vram-only-run, lib/libvram_only_attach.so, the runtime's headers, the
# CMake package and, in a build with the analysis, vram-check, vram-tidy,
# the clang plugin and the clang-tidy module), under /usr. The version is
# project(VERSION) in CMakeLists.txt, the one place it is written.
# test/package/ builds it, extracts it and uses it.
set(CPACK_PACKAGE_NAME "vram-only")
set(CPACK_PACKAGE_VENDOR "vram-only")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Keeps CUDA inference workers VRAM-only: static analysis, runtime tracker and /health, vram-only-run")
set(CPACK_PACKAGE_CONTACT "vram-only maintainers <vram-only@example.org>")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
# The libraries the binaries link (libstdc++, and LLVM/Clang 19 for the
# analysis), found by dpkg-shlibdeps; the headers' own dependencies are
# recommended: the runtime needs the CUDA toolkit's headers, the
# HealthServer cpp-httplib and nlohmann/json.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nlohmann-json3-dev, libcpp-httplib-dev")
set(CPACK_GENERATOR "DEB")
include(CPack)
