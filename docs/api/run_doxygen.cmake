# Runs Doxygen; on failure removes its half-written output, so the next
# build runs it again instead of finding a stale index.html.
#   cmake -DDOXYGEN=... -DDOXYFILE=... -DOUTPUT=<dir>/html -P run_doxygen.cmake
file(REMOVE_RECURSE ${OUTPUT})
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE rc)
if(NOT rc STREQUAL "0")
  file(REMOVE_RECURSE ${OUTPUT})
  message(FATAL_ERROR "Doxygen failed: every public class, member and enumerator needs a doc "
                      "comment, and comments must be well-formed (warnings above).")
endif()
