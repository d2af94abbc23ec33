# Compile-time checks of the public API: OK_SOURCE must compile, and
# FAIL_SOURCE must fail with an error on each line marked
# "EXPECT-ERROR: <word>" (the message naming <word>) and on no other line.
# Run as `cmake -D... -P check.cmake`; tests/CMakeLists.txt passes:
#   CXX_COMPILER  the compiler
#   INCLUDES      the public include directories, separated by '|'
#   OK_SOURCE, FAIL_SOURCE
cmake_minimum_required(VERSION 3.22)

string(REPLACE "|" ";" include_dirs "${INCLUDES}")
set(flags -std=c++20 -fsyntax-only -fmax-errors=100)
foreach(dir IN LISTS include_dirs)
  list(APPEND flags -I${dir})
endforeach()

execute_process(COMMAND ${CXX_COMPILER} ${flags} ${OK_SOURCE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 120)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "${OK_SOURCE} should compile but does not:\n${out}")
endif()
message(STATUS "${OK_SOURCE}: compiles")

execute_process(COMMAND ${CXX_COMPILER} ${flags} ${FAIL_SOURCE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 120)
if(rc STREQUAL "0")
  message(FATAL_ERROR "${FAIL_SOURCE} should not compile, but it does")
endif()

# The error lines, as "LINE:message".
get_filename_component(fail_name ${FAIL_SOURCE} NAME)
string(REGEX MATCHALL "${fail_name}:[0-9]+:[0-9]+: error: [^\n]*" errors "${out}")
set(error_lines "")
foreach(error IN LISTS errors)
  string(REGEX REPLACE "^${fail_name}:([0-9]+):.*" "\\1" line "${error}")
  list(APPEND error_lines ${line})
endforeach()

file(STRINGS ${FAIL_SOURCE} source_lines)
set(line 0)
set(expected_lines "")
foreach(text IN LISTS source_lines)
  math(EXPR line "${line} + 1")
  if(text MATCHES "EXPECT-ERROR: ([a-z_]+)")
    set(word ${CMAKE_MATCH_1})
    list(APPEND expected_lines ${line})
    set(found FALSE)
    foreach(error IN LISTS errors)
      if(error MATCHES "^${fail_name}:${line}:[0-9]+: error: use of deleted function .*::${word}\\(")
        set(found TRUE)
      endif()
    endforeach()
    if(NOT found)
      message(FATAL_ERROR "${fail_name}:${line}: expected \"use of deleted function ...${word}()\", "
                          "got:\n${out}")
    endif()
  endif()
endforeach()
foreach(line IN LISTS error_lines)
  if(NOT line IN_LIST expected_lines)
    message(FATAL_ERROR "${fail_name}:${line}: an error on a line not marked EXPECT-ERROR:\n${out}")
  endif()
endforeach()
list(LENGTH expected_lines n)
message(STATUS "${FAIL_SOURCE}: the ${n} marked lines fail as expected")
