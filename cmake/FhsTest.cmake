# fhs_add_test(NAME name SOURCES a.c ... LIBS lib ... [TIMEOUT s] [ARGS ...])
# One executable per test program; the program prints "N passed, N failed" and exits non-zero
# on any failure (tests/common/check.h).
function(fhs_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  if(T_TIMEOUT)
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT})
  endif()
endfunction()

# Every test gets its own fhesynth home (owner key, privacy ledgers), wiped before each ctest
# run (fixture fhs_test_homes): no test touches the user's real ledgers, and budgets do not
# accumulate across runs. Each tests/ folder defers a call to this at its end, so it covers
# every test the folder adds (CMake 3.25 sets test properties only from their own folder).
function(fhs_isolate_test_homes_here)
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(t ${tests})
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT FHESYNTH_HOME=${CMAKE_BINARY_DIR}/test-home/${t})
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED fhs_test_homes)
  endforeach()
endfunction()
