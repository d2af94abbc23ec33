# How libsprocket is built: its sources are compiled once, into the object
# library `sprocket_objects`, and linked from those objects into
#
#   sprocket         libsprocket.so.<SOVERSION> (BUILD_SHARED_LIBS, the default
#                    at top level), or libsprocket.a when BUILD_SHARED_LIBS is OFF
#   sprocket_static  libsprocket.a, position-independent, always built: the
#                    tests (which reach internal code) link it, and so may a
#                    shared library that embeds sprocket (link it with
#                    -Wl,--exclude-libs,libsprocket.a so sprocket's API is not
#                    re-exported). With BUILD_SHARED_LIBS OFF it is an alias of
#                    `sprocket`.
#
# The objects are compiled with hidden visibility: only what the public
# headers mark SPROCKET_API (include/sprocket/detail/export.hpp) is exported
# from the shared library.
#
# A plug-in (protocols/<name>/, transports/<name>/) adds its sources and
# private dependencies to the objects, in its own CMakeLists.txt:
#   target_sources(sprocket_objects PRIVATE foo.cpp)
#   find_package(OpenSSL REQUIRED COMPONENTS Crypto)
#   set_target_properties(OpenSSL::Crypto PROPERTIES IMPORTED_GLOBAL TRUE)
#   target_link_libraries(sprocket_objects PRIVATE OpenSSL::Crypto)
# (IMPORTED_GLOBAL: the libraries are linked at the top level, which must
# see the dependency too.)
# sprocket_finish_libraries() then gives both libraries those dependencies;
# cmake/SprocketInstall.cmake tells the installed package's users how to
# find them.

# The ABI version in the shared library's name (libsprocket.so.<N>) and the
# Debian package's (libsprocket<N>). Raise it with every release that breaks
# the ABI of the public headers (a changed class layout, a removed symbol).
set(SPROCKET_SOVERSION ${PROJECT_VERSION_MAJOR})

# The object library, from the core's sources; plug-ins add theirs later.
function(sprocket_add_library_objects)
  # The public headers and what they need, for in-tree code that compiles
  # against them without linking a library (nanocat's objects, which both
  # the tool and its tests use).
  add_library(sprocket_headers INTERFACE)
  target_include_directories(sprocket_headers INTERFACE ${PROJECT_SOURCE_DIR}/include)
  target_include_directories(sprocket_headers SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
  target_compile_features(sprocket_headers INTERFACE cxx_std_20)

  add_library(sprocket_objects OBJECT ${ARGN})
  target_link_libraries(sprocket_objects PUBLIC sprocket_headers)
  target_include_directories(sprocket_objects PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  target_compile_options(sprocket_objects PRIVATE -Wall -Wextra -Wpedantic)
  # Calls inside the library bind to its own definitions: no PLT hop for
  # the exported functions it calls per message (Message's moves, the
  # socket's send and recv), and the compiler may inline them.
  target_compile_options(sprocket_objects PRIVATE -fno-semantic-interposition)
  set_target_properties(sprocket_objects PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# One library linked from the objects, carrying the public usage requirements.
function(sprocket_library_from_objects name type)
  add_library(${name} ${type} $<TARGET_OBJECTS:sprocket_objects>)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_include_directories(${name} SYSTEM PUBLIC ${ASIO_INCLUDE_DIR})
  target_compile_features(${name} PUBLIC cxx_std_20)
  set_target_properties(${name} PROPERTIES OUTPUT_NAME sprocket)
  set_property(GLOBAL APPEND PROPERTY SPROCKET_LIBRARY_TARGETS ${name})
endfunction()

# `sprocket` (shared or static, as BUILD_SHARED_LIBS says) and `sprocket_static`.
function(sprocket_add_libraries)
  if(BUILD_SHARED_LIBS)
    sprocket_library_from_objects(sprocket SHARED)
    set_target_properties(sprocket PROPERTIES VERSION ${PROJECT_VERSION}
                                              SOVERSION ${SPROCKET_SOVERSION})
    target_link_options(sprocket PRIVATE -Wl,-Bsymbolic-functions)
    sprocket_library_from_objects(sprocket_static STATIC)
    add_library(sprocket::sprocket_static ALIAS sprocket_static)
  else()
    sprocket_library_from_objects(sprocket STATIC)
    add_library(sprocket_static ALIAS sprocket)
    add_library(sprocket::sprocket_static ALIAS sprocket)
  endif()
  add_library(sprocket::sprocket ALIAS sprocket)
endfunction()

# After every plug-in: links the objects' dependencies into both libraries
# (Threads publicly, as the headers use std::thread; the rest privately) and
# records the private ones for the installed package (SPROCKET_PRIVATE_DEPS).
function(sprocket_finish_libraries)
  get_target_property(deps sprocket_objects LINK_LIBRARIES)
  # Entries "::@(...)" and "::@" only mark the directory a link was made in.
  list(FILTER deps EXCLUDE REGEX "^::@")
  list(REMOVE_ITEM deps sprocket_headers Threads::Threads)
  foreach(dep IN LISTS deps)
    if(dep MATCHES "::" AND NOT TARGET ${dep})
      message(FATAL_ERROR "${dep}, linked into sprocket_objects by a plug-in, is not visible at the "
                          "top level: after its find_package(), mark it global with "
                          "set_target_properties(${dep} PROPERTIES IMPORTED_GLOBAL TRUE).")
    endif()
  endforeach()
  get_property(libraries GLOBAL PROPERTY SPROCKET_LIBRARY_TARGETS)
  foreach(library IN LISTS libraries)
    get_target_property(sources ${library} SOURCES)
    if(NOT sources STREQUAL "$<TARGET_OBJECTS:sprocket_objects>")
      message(FATAL_ERROR "Sources were added to the target ${library} (${sources}): add them to "
                          "sprocket_objects instead, which both libraries are linked from "
                          "(see cmake/SprocketLibrary.cmake).")
    endif()
    target_link_libraries(${library} PUBLIC Threads::Threads PRIVATE ${deps})
  endforeach()
  set(SPROCKET_PRIVATE_DEPS ${deps} PARENT_SCOPE)
endfunction()
