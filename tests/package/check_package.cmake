# Installs a sprocket build tree into a scratch prefix, then builds the
# README example against it the two ways the README shows — find_package
# (tests/package/consumer) and the pkg-config command line — and runs each
# program, checking how it is linked:
#   shared install (BUILD_SHARED_LIBS=ON, the default): sprocket::sprocket and
#     the README's `pkg-config --cflags --libs` need libsprocket.so.N;
#     sprocket::sprocket_static needs none.
#   static install (BUILD_SHARED_LIBS=OFF): sprocket::sprocket and
#     `pkg-config --static --cflags --libs` link libsprocket.a (and its
#     private dependencies).
# Run as `cmake -D... -P check_package.cmake`; tests/CMakeLists.txt passes:
#   BUILD_DIR       the sprocket build tree to install
#   SOURCE_DIR      sprocket's source tree (README.md, tests/package/consumer)
#   WORK_DIR        scratch directory (wiped first)
#   GENERATOR, MAKE_PROGRAM, CXX_COMPILER, BUILD_TYPE: as in the main build
#   CXX_FLAGS       the main build's CMAKE_CXX_FLAGS
#   SANITIZE_FLAGS  -fsanitize=... when the library was built with sanitizers
#   INSTALL_LIBDIR  CMAKE_INSTALL_LIBDIR of the main build
#   SOVERSION       the shared library's ABI version
#   READELF         readelf, to read what a program needs
#   NANOMSG_CONSUMER  tests/package/nanomsg_consumer/main.c when the build
#                   has libnanomsg (SPROCKET_NANOMSG_COMPAT), with C_COMPILER
#                   and C_FLAGS: built with pkg-config nanomsg and run too
cmake_minimum_required(VERSION 3.22)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER INSTALL_LIBDIR SOVERSION READELF)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_package.cmake: ${var} is not set")
  endif()
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/readme.cmake)

# Runs a command; stops with its output if it fails. Leaves the output in
# `step_output` for the caller.
function(run_step name)
  execute_process(COMMAND ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out
                  TIMEOUT 240)
  if(NOT rc STREQUAL "0")
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${name} failed (${rc}):\n  ${command}\n${out}")
  endif()
  message(STATUS "${name}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# Runs a built program, checks it printed the README's "hello" and that it
# needs libsprocket.so.N exactly when `linkage` is "shared".
function(run_consumer name program linkage)
  execute_process(COMMAND ${READELF} -d ${program} OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "${name}: readelf -d ${program} failed")
  endif()
  string(FIND "${dynamic}" "[libsprocket.so.${SOVERSION}]" at)
  if(linkage STREQUAL "shared" AND at EQUAL -1)
    message(FATAL_ERROR "${name}: ${program} does not need libsprocket.so.${SOVERSION}:\n${dynamic}")
  elseif(linkage STREQUAL "static" AND NOT at EQUAL -1)
    message(FATAL_ERROR "${name}: ${program} should link sprocket statically:\n${dynamic}")
  endif()
  execute_process(COMMAND ${program}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "${name}: ${program} exited with ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  if(NOT out STREQUAL "hello\n")
    message(FATAL_ERROR "${name}: expected \"hello\", got:\n${out}\nstderr:\n${err}")
  endif()
  message(STATUS "${name}: printed hello (${linkage})")
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# The README example, from README.md itself.
sprocket_read_readme_example(${SOURCE_DIR})
if(NOT README_EXAMPLE STREQUAL README_EXAMPLE_FILE)
  message(FATAL_ERROR "README.md's example and examples/readme_example.cpp differ:\n"
                      "README:\n${README_EXAMPLE}\nfile:\n${README_EXAMPLE_FILE}")
endif()
set(app_source ${WORK_DIR}/app.cpp)
file(WRITE ${app_source} "${README_EXAMPLE}")

set(config_args "")
if(BUILD_TYPE)
  set(config_args --config ${BUILD_TYPE})
endif()
run_step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})

set(libdir ${prefix}/${INSTALL_LIBDIR})
if(EXISTS ${libdir}/libsprocket.so)
  set(flavor shared)
  if(NOT EXISTS ${libdir}/libsprocket.so.${SOVERSION} OR NOT EXISTS ${libdir}/libsprocket.a)
    message(FATAL_ERROR "a shared install needs libsprocket.so.${SOVERSION} and libsprocket.a")
  endif()
else()
  set(flavor static)
  if(NOT EXISTS ${libdir}/libsprocket.a)
    message(FATAL_ERROR "no libsprocket.so or libsprocket.a in ${libdir}")
  endif()
endif()
message(STATUS "install flavor: ${flavor}")

string(STRIP "${CXX_FLAGS} ${SANITIZE_FLAGS}" consumer_cxx_flags)

# --- find_package(sprocket) ---------------------------------------------------
function(build_cmake_consumer name target linkage)
  set(build ${WORK_DIR}/cmake-${name})
  set(configure_args -S ${SOURCE_DIR}/tests/package/consumer -B ${build} -G ${GENERATOR}
      -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
      -DCMAKE_PREFIX_PATH=${prefix}
      -DAPP_SOURCE=${app_source}
      -DSPROCKET_TARGET=${target}
      # Only the scratch prefix may provide sprocket, never a registry entry.
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
      -DCMAKE_BUILD_RPATH=${libdir}
      "-DCMAKE_CXX_FLAGS=${consumer_cxx_flags}"
      "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE_FLAGS}")
  if(MAKE_PROGRAM)
    list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
  endif()
  if(BUILD_TYPE)
    list(APPEND configure_args -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
  endif()
  run_step("configure ${name}" ${CMAKE_COMMAND} ${configure_args})

  file(STRINGS ${build}/CMakeCache.txt found_dir REGEX "^sprocket_DIR:")
  string(REGEX REPLACE "^sprocket_DIR:[A-Z]+=" "" found_dir "${found_dir}")
  string(FIND "${found_dir}" "${prefix}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "find_package(sprocket) used ${found_dir}, not the package in ${prefix}")
  endif()

  run_step("build ${name}" ${CMAKE_COMMAND} --build ${build} ${config_args})
  set(app ${build}/app)
  if(NOT EXISTS ${app} AND BUILD_TYPE)
    set(app ${build}/${BUILD_TYPE}/app)  # multi-config generators
  endif()
  run_consumer("${name}" ${app} ${linkage})
endfunction()

if(flavor STREQUAL "shared")
  build_cmake_consumer(sprocket sprocket::sprocket shared)
  build_cmake_consumer(sprocket_static sprocket::sprocket_static static)
else()
  build_cmake_consumer(sprocket sprocket::sprocket static)
  build_cmake_consumer(sprocket_static sprocket::sprocket_static static)
endif()

# --- pkg-config: the README's command line ------------------------------------
find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${libdir}/pkgconfig)
# The README: c++ -std=c++20 app.cpp $(pkg-config --cflags --libs sprocket)
# (with --static for a static-only install).
set(pc_args --cflags --libs sprocket)
if(flavor STREQUAL "static")
  set(pc_args --static ${pc_args})
endif()
run_step("pkg-config" ${PKG_CONFIG_EXECUTABLE} ${pc_args})
string(STRIP "${step_output}" pc_flags)
message(STATUS "pkg-config ${pc_args}: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${consumer_cxx_flags}")
set(pc_app ${WORK_DIR}/pkg-config-consumer)
run_step("build pkg-config consumer"
         ${CXX_COMPILER} ${cxx_flags} -std=c++20 ${app_source} -o ${pc_app} ${pc_flags}
         -Wl,-rpath,${libdir})
run_consumer("pkg-config consumer" ${pc_app} ${flavor})

# --- libnanomsg: a nanomsg 1.1.5 C program, built with pkg-config nanomsg ---
if(NOT NANOMSG_CONSUMER)
  return()
endif()
foreach(file ${libdir}/libnanomsg.so.5 ${libdir}/pkgconfig/nanomsg.pc ${prefix}/include/nanomsg/nn.h)
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "the installed tree lacks ${file}")
  endif()
endforeach()
foreach(h nn pair reqrep pubsub survey bus pipeline tcp ipc inproc ws)
  if(NOT EXISTS ${prefix}/include/nanomsg/${h}.h)
    message(FATAL_ERROR "the installed tree lacks include/nanomsg/${h}.h")
  endif()
endforeach()
run_step("pkg-config nanomsg" ${PKG_CONFIG_EXECUTABLE} --define-prefix --cflags --libs nanomsg)
string(STRIP "${step_output}" nn_flags)
message(STATUS "pkg-config nanomsg flags: ${nn_flags}")
if(NOT nn_flags MATCHES "-L${libdir}" OR NOT nn_flags MATCHES "-I${prefix}/include")
  message(FATAL_ERROR "pkg-config nanomsg does not point into ${prefix}: ${nn_flags}")
endif()
separate_arguments(nn_flags UNIX_COMMAND "${nn_flags}")
string(STRIP "${C_FLAGS} ${SANITIZE_FLAGS}" nn_c_flags)
separate_arguments(nn_c_flags UNIX_COMMAND "${nn_c_flags}")
set(nn_app ${WORK_DIR}/nanomsg-consumer)
run_step("build nanomsg consumer"
         ${C_COMPILER} ${nn_c_flags} ${NANOMSG_CONSUMER} -o ${nn_app} ${nn_flags}
         -Wl,-rpath,${libdir})
execute_process(COMMAND ${nn_app} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc STREQUAL "0" OR NOT out STREQUAL "hello\n")
  message(FATAL_ERROR "nanomsg consumer: exited with ${rc}, printed:\n${out}\nstderr:\n${err}")
endif()
# It really ran on the installed library.
execute_process(COMMAND ldd ${nn_app} OUTPUT_VARIABLE ldd_out)
if(NOT ldd_out MATCHES "libnanomsg.so.5 => ${libdir}/libnanomsg.so.5")
  message(FATAL_ERROR "the consumer does not resolve libnanomsg.so.5 to ${libdir}:\n${ldd_out}")
endif()
message(STATUS "nanomsg consumer: linked with ${libdir}/libnanomsg.so.5")
