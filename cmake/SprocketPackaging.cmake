# Debian packages: `cpack -G DEB` in a configured and built tree writes one
# .deb per install component (cmake/SprocketInstall.cmake):
#   libsprocket<SOVERSION>  runtime  the shared library
#   libsprocket-dev         dev      headers, libsprocket.so, libsprocket.a, CMake and pkg-config files
#   sprocket-utils          utils    nanocat, as /usr/bin/sprocket-nanocat: nanomsg-utils owns
#                                    /usr/bin/nanocat, and the two packages install side by side
# Dependencies on system libraries come from dpkg-shlibdeps; those between
# the packages from the component list below (an exact version, as they are
# built together). tools/test.sh builds, installs and removes them.
#
# libnanomsg.so.5 (components nanomsg, nanomsg-dev; SPROCKET_NANOMSG_COMPAT)
# is not packaged: its files are the paths of Debian's libnanomsg5 and
# libnanomsg-dev, which nanomsg-utils and the bindings depend on. It is
# installed with `cmake --install` only (docs/nanomsg-api.md).
#
# Another package is one more sprocket_deb_package() call for its install
# component.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sprocket)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "sprocket")
set(SPROCKET_PACKAGE_CONTACT "sprocket developers <root@localhost>"
    CACHE STRING "The Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT "${SPROCKET_PACKAGE_CONTACT}")
# Equal to CPack's own default, so CPackDeb does not put one summary line in
# front of every package's description: each package has its own below.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_NAME} built using CMake")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# nanocat needs libsprocket.so.N, which is in this build tree, not installed:
# dpkg-shlibdeps finds it here, and the dependency on its package comes from
# the component list.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
set(CPACK_COMPONENTS_ALL "")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "")

# One Debian package for an install component. DESCRIPTION: a one-line
# summary, then paragraphs. DEPENDS: other components it needs; PACKAGE_DEPENDS:
# Debian packages dpkg-shlibdeps cannot see (headers, tools).
function(sprocket_deb_package component name)
  cmake_parse_arguments(ARG "SHARED_LIBRARY" "SECTION;DESCRIPTION" "DEPENDS;PACKAGE_DEPENDS" ${ARGN})
  string(TOUPPER ${component} up)
  set(CPACK_COMPONENTS_ALL ${CPACK_COMPONENTS_ALL} ${component} PARENT_SCOPE)
  set(CPACK_DEBIAN_${up}_PACKAGE_NAME ${name} PARENT_SCOPE)
  set(CPACK_DEBIAN_${up}_PACKAGE_SECTION ${ARG_SECTION} PARENT_SCOPE)
  set(CPACK_DEBIAN_${up}_DESCRIPTION "${ARG_DESCRIPTION}" PARENT_SCOPE)
  set(CPACK_COMPONENT_${up}_DEPENDS ${ARG_DEPENDS} PARENT_SCOPE)
  if(ARG_PACKAGE_DEPENDS)
    list(JOIN ARG_PACKAGE_DEPENDS ", " depends)
    set(CPACK_DEBIAN_${up}_PACKAGE_DEPENDS "${depends}" PARENT_SCOPE)
  endif()
  if(ARG_SHARED_LIBRARY)
    # A shlibs file, so packages built against this one depend on it.
    set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON PARENT_SCOPE)
    set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=" PARENT_SCOPE)
  endif()
endfunction()

set(version_note "This is sprocket ${PROJECT_VERSION}.")
sprocket_deb_package(runtime libsprocket${SPROCKET_SOVERSION} SECTION libs SHARED_LIBRARY
  DESCRIPTION "scalability-protocol sockets for C++ (shared library)
sprocket is a C++20 library of scalability-protocol sockets: the PAIR,
REQ/REP, PUSH/PULL, BUS, PUB/SUB and SURVEYOR/RESPONDENT patterns of
nanomsg, over inproc, ipc, tcp and ws, speaking the SP wire protocols of
nanomsg, NNG and mangos.
.
This package holds the shared library. ${version_note}")
if(BUILD_SHARED_LIBS)
  set(needs_runtime DEPENDS runtime)
else()
  set(needs_runtime "")
endif()
sprocket_deb_package(dev libsprocket-dev SECTION libdevel ${needs_runtime}
  # The headers include asio's; the static library needs fmt and libcrypto.
  PACKAGE_DEPENDS libasio-dev libfmt-dev libssl-dev
  DESCRIPTION "scalability-protocol sockets for C++ (development files)
sprocket is a C++20 library of scalability-protocol sockets speaking the
SP wire protocols of nanomsg, NNG and mangos.
.
This package holds the headers, the static library, the CMake package
(find_package(sprocket), targets sprocket::sprocket and
sprocket::sprocket_static) and the pkg-config file (sprocket.pc).
${version_note}")
sprocket_deb_package(utils sprocket-utils SECTION net ${needs_runtime}
  DESCRIPTION "scalability-protocol sockets for C++ (command-line tool)
sprocket-nanocat is sprocket's nanocat: nanomsg's nanocat command line
(scripts written for it run unchanged) plus NNG's nngcat additions, for
sending and receiving messages on any SP socket from a shell.
.
It is named sprocket-nanocat so that it installs beside nanomsg-utils,
whose /usr/bin/nanocat stays nanomsg's. ${version_note}")
if(NOT BUILD_SHARED_LIBS)
  # A static build has no shared library to package.
  list(REMOVE_ITEM CPACK_COMPONENTS_ALL runtime)
endif()

# nanocat is installed as bin/nanocat (cmake --install); in the package it
# becomes sprocket-nanocat, renamed in CPack's staging directory.
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/deb_rename_nanocat.cmake)

include(CPack)
