# Reads README.md's first C++ block (the example on its first screen) into
# README_EXAMPLE, and the body of examples/readme_example.cpp (after its
# first comment line) into README_EXAMPLE_FILE, so callers can check the two
# match and build the README's own text.
function(sprocket_read_readme_example source_dir)
  file(READ ${source_dir}/README.md readme)
  string(FIND "${readme}" "```cpp\n" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "README.md has no ```cpp block")
  endif()
  math(EXPR start "${start} + 7")
  string(SUBSTRING "${readme}" ${start} -1 rest)
  string(FIND "${rest}" "```" end)
  string(SUBSTRING "${rest}" 0 ${end} example)
  set(README_EXAMPLE "${example}" PARENT_SCOPE)

  file(READ ${source_dir}/examples/readme_example.cpp file_text)
  string(REGEX REPLACE "^//[^\n]*\n" "" file_text "${file_text}")
  set(README_EXAMPLE_FILE "${file_text}" PARENT_SCOPE)
endfunction()
