# The ABI test: libnanomsg.so.5 against nanomsg 1.1.5's own library and
# headers (libnanomsg-dev). Run as `cmake -D... -P check_abi.cmake`:
#   OURS_LIB      our libnanomsg.so.5       REAL_LIB     nanomsg's
#   OURS_INCLUDE  our include/nanomsg       REAL_INCLUDE nanomsg's
#   OURS_CONSTANTS, REAL_CONSTANTS   nn_constants_dump built against each header set
#   OURS_SYMBOLS, REAL_SYMBOLS       nn_symbols_dump linked with each library
#   NM            the nm program
# Checks: the same exported API symbols (every symbol nanomsg exports and
# declares in its headers, and nothing else), the same macros, constant
# values and structure layouts, and the same nn_symbol table.
cmake_minimum_required(VERSION 3.22)

foreach(var OURS_LIB REAL_LIB OURS_INCLUDE REAL_INCLUDE OURS_CONSTANTS REAL_CONSTANTS
            OURS_SYMBOLS REAL_SYMBOLS NM)
  if(NOT EXISTS "${${var}}")
    message(FATAL_ERROR "check_abi: ${var} (${${var}}) does not exist "
                        "(nanomsg's own library and headers come with libnanomsg-dev)")
  endif()
endforeach()

function(run out)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err
                  TIMEOUT 60)
  if(NOT rc STREQUAL "0")
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "${cmd} failed (${rc}): ${err}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(exported lib out)
  run(text ${NM} -D --defined-only ${lib})
  string(REGEX MATCHALL "[0-9a-f]+ [TDRBVWi] [^\n]+" lines "${text}")
  set(names "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[0-9a-f]+ [A-Za-z] " "" name "${line}")
    list(APPEND names ${name})
  endforeach()
  list(SORT names)
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# The identifiers nanomsg's headers declare or define.
file(GLOB real_headers ${REAL_INCLUDE}/*.h)
file(GLOB ours_headers ${OURS_INCLUDE}/*.h)
set(real_text "")
foreach(h IN LISTS real_headers)
  file(READ ${h} t)
  string(APPEND real_text "${t}\n")
endforeach()

# 1. Exported symbols.
exported(${REAL_LIB} real_exports)
exported(${OURS_LIB} ours_exports)
set(api "")
foreach(name IN LISTS real_exports)
  string(REGEX MATCH "[^A-Za-z0-9_]${name} *\\(" declared "${real_text}")
  if(declared)
    list(APPEND api ${name})
  endif()
endforeach()
list(LENGTH api api_count)
if(api_count LESS 20)
  message(FATAL_ERROR "found only ${api_count} API symbols in ${REAL_LIB}: ${api}")
endif()
if(NOT api STREQUAL ours_exports)
  message(FATAL_ERROR "exported symbols differ\n nanomsg's API: ${api}\n ours: ${ours_exports}")
endif()
message(STATUS "exported: the ${api_count} API symbols of nanomsg, and nothing else")

# 2. The same macro names in the headers.
function(macro_names headers out)
  set(names "")
  foreach(h IN LISTS headers)
    # The whole text, matched for "#define NAME" only: reading it line by
    # line would join continued lines (a trailing backslash escapes CMake's
    # list separator).
    file(READ ${h} text)
    string(REGEX MATCHALL "#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*" defines "${text}")
    foreach(d IN LISTS defines)
      string(REGEX REPLACE "^#[ \t]*define[ \t]+" "" name "${d}")
      if(NOT name MATCHES "_INCLUDED$|^NN_EXPORT$")
        list(APPEND names ${name})
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  set(${out} "${names}" PARENT_SCOPE)
endfunction()
macro_names("${real_headers}" real_macros)
macro_names("${ours_headers}" ours_macros)
if(NOT real_macros STREQUAL ours_macros)
  message(FATAL_ERROR "header macros differ\n nanomsg: ${real_macros}\n ours: ${ours_macros}")
endif()
foreach(h IN LISTS real_headers)
  get_filename_component(n ${h} NAME)
  if(NOT EXISTS ${OURS_INCLUDE}/${n})
    message(FATAL_ERROR "nanomsg has <nanomsg/${n}>, we do not")
  endif()
endforeach()

# 3. Constant values and layouts, 4. the symbol table.
foreach(pair "CONSTANTS;constants and layouts" "SYMBOLS;nn_symbol table")
  list(GET pair 0 kind)
  list(GET pair 1 what)
  run(real ${REAL_${kind}})
  run(ours ${OURS_${kind}})
  if(NOT real STREQUAL ours)
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/abi-${kind}-real.txt "${real}")
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/abi-${kind}-ours.txt "${ours}")
    message(FATAL_ERROR "${what} differ: compare abi-${kind}-real.txt and abi-${kind}-ours.txt "
                        "in ${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  message(STATUS "${what}: identical")
endforeach()
