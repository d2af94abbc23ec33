# Install rules: headers, the library, an exported CMake package with a
# version file, and a pkg-config file.
include(CMakePackageConfigHelpers)

set(SPROCKET_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sprocket)

install(TARGETS sprocket EXPORT sprocketTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/sprocket DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sprocketTargets NAMESPACE sprocket:: DESTINATION ${SPROCKET_CMAKE_DIR})

configure_package_config_file(cmake/sprocketConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sprocketConfig.cmake INSTALL_DESTINATION ${SPROCKET_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sprocketConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sprocketConfig.cmake
              ${PROJECT_BINARY_DIR}/sprocketConfigVersion.cmake
        DESTINATION ${SPROCKET_CMAKE_DIR})

configure_file(cmake/sprocket.pc.in ${PROJECT_BINARY_DIR}/sprocket.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sprocket.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
