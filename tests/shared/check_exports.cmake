# libsprocket.so exports sprocket's public API and nothing else of
# sprocket's: every exported symbol in namespace sprocket must belong to a
# class or function the public headers mark SPROCKET_API. (asio's own
# template instantiations are exported too — asio marks its symbols
# default-visible, so that its per-process state is shared between the
# library and the program — and are not checked here.)
#   cmake -DLIBRARY=<libsprocket.so> -DINCLUDE_DIR=<include> -DNM=<nm> -P check_exports.cmake
cmake_minimum_required(VERSION 3.22)

file(GLOB_RECURSE headers ${INCLUDE_DIR}/sprocket/*.hpp)
set(names "")
foreach(header IN LISTS headers)
  file(READ ${header} text)
  string(REGEX MATCHALL "(class|struct) SPROCKET_API [A-Za-z_0-9]+" found "${text}")
  foreach(item IN LISTS found)
    string(REGEX REPLACE ".* " "" item "${item}")
    list(APPEND names ${item})
  endforeach()
  string(REGEX MATCHALL "SPROCKET_API [^(;{]*[ *&]([A-Za-z_0-9]+)\\(" found "${text}")
  foreach(item IN LISTS found)
    string(REGEX REPLACE ".*[ *&]([A-Za-z_0-9]+)\\($" "\\1" item "${item}")
    list(APPEND names ${item})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES names)
list(JOIN names "|" names_regex)
message(STATUS "SPROCKET_API names: ${names}")

execute_process(COMMAND ${NM} -D --defined-only -C ${LIBRARY}
                OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "${NM} -D ${LIBRARY} failed")
endif()
string(REPLACE ";" "\\;" symbols "${symbols}")
string(REPLACE "\n" ";" symbols "${symbols}")
set(checked 0)
set(leaks "")
foreach(line IN LISTS symbols)
  # "<address> <type> <name>"
  string(REGEX REPLACE "^[0-9a-f]* *[A-Za-z] " "" name "${line}")
  string(REGEX REPLACE "^(typeinfo name for|typeinfo for|vtable for|VTT for|guard variable for) " ""
         name "${name}")
  if(NOT name MATCHES "^sprocket::")
    continue()  # std:: or asio:: instantiations, or a return type first (templates)
  endif()
  if(name MATCHES "^sprocket::[A-Za-z_0-9:]*[&*]* (std|__gnu_cxx|asio)::")
    # A std:: or asio:: template instantiation that returns a sprocket type
    # ("sprocket::Message& std::deque<...>::emplace_back<...>(...)"), emitted
    # when the compiler does not inline it (-O1 in the sanitizer trees).
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  if(NOT name MATCHES "^sprocket::(detail::)?(${names_regex})(::|\\(|$|\\[)")
    list(APPEND leaks "${name}")
  endif()
endforeach()
if(leaks)
  list(JOIN leaks "\n  " leaks)
  message(FATAL_ERROR "libsprocket.so exports internal symbols (mark what is public "
                      "SPROCKET_API, keep the rest hidden):\n  ${leaks}")
endif()
if(checked LESS 50)
  message(FATAL_ERROR "only ${checked} sprocket symbols exported: is this the shared library?")
endif()
message(STATUS "${checked} exported sprocket symbols, all public")
