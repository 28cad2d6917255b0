# Runs COMMAND (a list) and fails unless it exits 2 with EXPECTED on stderr
# (and, where MUST_NOT_EXIST is given, without creating that path: a build
# directory the command must not have started).
if(MUST_NOT_EXIST)
  file(REMOVE_RECURSE "${MUST_NOT_EXIST}")
endif()
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "expected exit 2, got ${rc}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${err}" "${EXPECTED}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected on stderr: ${EXPECTED}\ngot: ${err}")
endif()
if(MUST_NOT_EXIST AND EXISTS "${MUST_NOT_EXIST}")
  message(FATAL_ERROR "${MUST_NOT_EXIST} was created: the command started building before it refused")
endif()
