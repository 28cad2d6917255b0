# Runs the real-client runner with "--only torch,progams" (a typo of
# "programs") and fails unless it exits 2 naming the unknown name and the
# known ones.
execute_process(
  COMMAND ${PYTHON} ${RUNNER} --build none --gpu-tests none --out ${OUT} --only torch,progams
  RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
set(expected "run_realclients.py: error: --only: unknown name 'progams' (known: torch, llama, jax, cupy, mp, programs)")
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "expected exit 2, got ${rc}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${err}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected on stderr: ${expected}\ngot: ${err}")
endif()
