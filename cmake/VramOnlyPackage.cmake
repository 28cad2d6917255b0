# Installation and the CMake package: find_package(VramOnly CONFIG) gives
# VramOnly::runtime and vram_only_enforce(). The analysis front ends install
# themselves (clang-plugin/); this file installs what every build has.
include(CMakePackageConfigHelpers)

set(VRAM_ONLY_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/VramOnly)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS vram_only_runtime EXPORT VramOnlyTargets)
install(EXPORT VramOnlyTargets NAMESPACE VramOnly::
        DESTINATION ${VRAM_ONLY_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/VramOnlyConfig.cmake.in
  ${PROJECT_BINARY_DIR}/VramOnlyConfig.cmake
  INSTALL_DESTINATION ${VRAM_ONLY_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/VramOnlyConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/VramOnlyConfig.cmake
  ${PROJECT_BINARY_DIR}/VramOnlyConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/VramOnlyEnforce.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindCppHttplib.cmake
  DESTINATION ${VRAM_ONLY_INSTALL_CMAKEDIR})
