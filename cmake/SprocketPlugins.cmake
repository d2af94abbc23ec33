# Built-in transports and protocols: each lives in its own folder with its own
# CMakeLists.txt, which adds its sources to `sprocket_objects` (see
# SprocketLibrary.cmake) and its tests.
# Registration is generated from the lists in the top-level CMakeLists.txt, so
# no static self-registering objects are needed (a static library would drop them).

function(sprocket_add_plugins kind names)
  foreach(name IN LISTS names)
    add_subdirectory(${kind}/${name})
  endforeach()
endfunction()

# Declares the URL schemes the transport in folder `name` registers, when
# they are not just its name (checked at start-up like the name would be).
function(sprocket_transport_schemes name)
  set_property(GLOBAL PROPERTY SPROCKET_SCHEMES_${name} ${ARGN})
endfunction()

# Writes builtins.cpp: one call per plug-in, checked at start-up.
function(sprocket_generate_builtins transports protocols)
  set(decls "")
  set(calls "")
  foreach(name IN LISTS transports)
    string(APPEND decls "void register_builtin_transport_${name}();\n")
    string(APPEND calls "  register_builtin_transport_${name}();\n")
    # The schemes a transport serves: its name, unless its folder says
    # otherwise with sprocket_transport_schemes().
    get_property(schemes GLOBAL PROPERTY SPROCKET_SCHEMES_${name})
    if(NOT schemes)
      set(schemes ${name})
    endif()
    foreach(scheme IN LISTS schemes)
      string(APPEND calls "  require_transport(\"${scheme}\");\n")
    endforeach()
  endforeach()
  foreach(name IN LISTS protocols)
    string(APPEND decls "void register_builtin_protocol_${name}();\n")
    string(APPEND calls "  register_builtin_protocol_${name}();\n")
  endforeach()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/builtins.cpp.in
                 ${PROJECT_BINARY_DIR}/generated/builtins.cpp @ONLY)
  target_sources(sprocket_objects PRIVATE ${PROJECT_BINARY_DIR}/generated/builtins.cpp)
endfunction()

# A GoogleTest program registered with CTest, each case bounded in time
# (TIMEOUT seconds, default 60) and optionally labelled (LABELS, for
# `ctest -L`).
function(sprocket_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  set(properties TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    list(APPEND properties LABELS "${ARG_LABELS}")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  if(SPROCKET_SANITIZE MATCHES "address")
    # The test programs' own code unoptimised in the ASan+UBSan tree: it
    # halves their compile time there (tests/async_test.cpp: 32 s -> 17 s),
    # and the library they check keeps -O1.
    target_compile_options(${name} PRIVATE -O0)
  endif()
  target_link_libraries(${name} PRIVATE sprocket_test_support ${ARG_LIBS})
  add_dependencies(${name} sprocket_test_pki)  # before its cases are listed
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${properties})
endfunction()

# A test program that meets the peers sprocket must interoperate with: NNG's
# nngcat and nanomsg's nanocat as child processes (their paths compiled in as
# SPROCKET_NNGCAT / SPROCKET_NANOCAT, "" when not found), plus libnng (NNG)
# and libnanomsg (NANOMSG) linked in when asked for and installed
# (SPROCKET_HAVE_NNG / SPROCKET_HAVE_NANOMSG). A missing peer is not a reason
# to skip: the tests fail and say what to install (tools/test.sh installs them).
function(sprocket_add_interop_test name)
  cmake_parse_arguments(ARG "NNG;NANOMSG" "TIMEOUT" "SOURCES" ${ARGN})
  find_program(SPROCKET_NNGCAT nngcat)
  find_program(SPROCKET_NANOCAT nanocat)
  sprocket_add_test(${name} SOURCES ${ARG_SOURCES} TIMEOUT ${ARG_TIMEOUT})
  target_compile_definitions(${name} PRIVATE
                             SPROCKET_NNGCAT="$<$<BOOL:${SPROCKET_NNGCAT}>:${SPROCKET_NNGCAT}>"
                             SPROCKET_NANOCAT="$<$<BOOL:${SPROCKET_NANOCAT}>:${SPROCKET_NANOCAT}>")
  if(ARG_NNG)
    find_package(nng CONFIG QUIET)
    if(TARGET nng::nng)
      target_link_libraries(${name} PRIVATE nng::nng)
      target_compile_definitions(${name} PRIVATE SPROCKET_HAVE_NNG)
    endif()
  endif()
  if(ARG_NANOMSG)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
      pkg_check_modules(SPROCKET_NANOMSG QUIET IMPORTED_TARGET nanomsg)
    endif()
    if(TARGET PkgConfig::SPROCKET_NANOMSG)
      target_link_libraries(${name} PRIVATE PkgConfig::SPROCKET_NANOMSG)
      target_compile_definitions(${name} PRIVATE SPROCKET_HAVE_NANOMSG)
    endif()
  endif()
endfunction()

# A Node.js test — `node --test FILES...` run in WORKING_DIRECTORY with
# ENVIRONMENT — registered with CTest, bounded by TIMEOUT, labelled `js`.
# Without node the test fails and says what to install (tools/test.sh does).
function(sprocket_add_node_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT;WORKING_DIRECTORY" "FILES;ENVIRONMENT" ${ARGN})
  find_program(SPROCKET_NODE node)
  if(SPROCKET_NODE)
    add_test(NAME ${name} COMMAND ${SPROCKET_NODE} --test ${ARG_FILES} WORKING_DIRECTORY ${ARG_WORKING_DIRECTORY})
  else()
    add_test(NAME ${name} COMMAND sh -c "echo 'node not found: apt-get install nodejs node-ws (tools/test.sh installs them)' >&2; exit 1")
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS js ENVIRONMENT "${ARG_ENVIRONMENT}")
endfunction()
