# Install rules: headers, the libraries, an exported CMake package with a
# version file, and a pkg-config file, in three install components that the
# Debian packages follow (cmake/SprocketPackaging.cmake):
#   runtime  libsprocket.so.<SOVERSION> and its real file
#   dev      headers, libsprocket.so (the link), libsprocket.a, CMake and pkg-config files
#   utils    nanocat (tools/nanocat/CMakeLists.txt)
#
# The CMake package provides sprocket::sprocket (the shared library, or the
# static one in a BUILD_SHARED_LIBS=OFF build) and sprocket::sprocket_static
# (always the static one). The static library's private dependencies (fmt,
# OpenSSL's libcrypto) are found by the package config and listed in
# sprocket.pc's Requires.private, for `pkg-config --static`.
include(CMakePackageConfigHelpers)

set(SPROCKET_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sprocket)

install(TARGETS sprocket EXPORT sprocketTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
if(BUILD_SHARED_LIBS)
  install(TARGETS sprocket_static EXPORT sprocketTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
endif()
install(DIRECTORY include/sprocket DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(EXPORT sprocketTargets NAMESPACE sprocket:: DESTINATION ${SPROCKET_CMAKE_DIR}
        COMPONENT dev)

# How a consumer finds each private dependency of the library, for the CMake
# config (find_dependency arguments) and for sprocket.pc (module names). A
# plug-in that links something new adds it here; configuring fails until then.
set(SPROCKET_FIND_fmt::fmt "fmt")
set(SPROCKET_PC_fmt::fmt "fmt")
set(SPROCKET_FIND_OpenSSL::Crypto "OpenSSL COMPONENTS Crypto")
set(SPROCKET_PC_OpenSSL::Crypto "libcrypto")

set(SPROCKET_CONFIG_DEPENDENCIES "")
set(pc_requires "")
foreach(dep IN LISTS SPROCKET_PRIVATE_DEPS)
  if(NOT DEFINED SPROCKET_FIND_${dep})
    message(FATAL_ERROR "cmake/SprocketInstall.cmake does not know how users of an installed "
                        "sprocket find ${dep}: add SPROCKET_FIND_${dep} and SPROCKET_PC_${dep}.")
  endif()
  string(APPEND SPROCKET_CONFIG_DEPENDENCIES "find_dependency(${SPROCKET_FIND_${dep}})\n")
  list(APPEND pc_requires ${SPROCKET_PC_${dep}})
endforeach()
list(JOIN pc_requires " " SPROCKET_PC_REQUIRES_PRIVATE)

configure_package_config_file(cmake/sprocketConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sprocketConfig.cmake INSTALL_DESTINATION ${SPROCKET_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sprocketConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sprocketConfig.cmake
              ${PROJECT_BINARY_DIR}/sprocketConfigVersion.cmake
        DESTINATION ${SPROCKET_CMAKE_DIR} COMPONENT dev)

# The .pc file finds the prefix from its own place, so an installed tree can
# move; the number of "../" depends on the library directory (lib, or
# lib/x86_64-linux-gnu when installing to /usr). An absolute libdir is used as is.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(SPROCKET_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SPROCKET_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH to_prefix /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
  string(REGEX REPLACE "/$" "" to_prefix "${to_prefix}")
  set(SPROCKET_PC_PREFIX "\${pcfiledir}/${to_prefix}")
  set(SPROCKET_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SPROCKET_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(SPROCKET_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/sprocket.pc.in ${PROJECT_BINARY_DIR}/sprocket.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sprocket.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)
