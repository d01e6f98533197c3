# Helpers for host-side code: tools that run at build time and cmocka unit tests.
#
# Host code compiles with the same warnings as the kernel, plus sanitizers for tests, so that a
# pure module shared by the kernel and its tests (buddy allocator, parsers, printf) is checked
# by both compilers' views of it.

set(BASTION_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)
set(BASTION_HOST_WARNINGS -Wall -Wextra -Werror)

# scripts/coverage configures a separate build with this on: host code (everything compiled with
# BASTION_HOST_WARNINGS: tools, their libraries, host tests) is instrumented with gcc's --coverage.
# Kernel and user programs are not (their flags are their own); linking them with --coverage
# only names libgcov, from which they take nothing.
option(BASTION_COVERAGE "Instrument host tools and host tests for line coverage" OFF)
if(BASTION_COVERAGE)
  list(APPEND BASTION_HOST_WARNINGS --coverage)
  string(APPEND CMAKE_EXE_LINKER_FLAGS " --coverage")
endif()

find_library(CMOCKA_LIBRARY cmocka REQUIRED)

# bastion_host_test(NAME <name> SOURCES <files...> [INCLUDES <dirs...>] [LIBS <libs...>])
# Builds a cmocka test with ASan/UBSan and registers it with ctest under the label "host".
function(bastion_host_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;INCLUDES;LIBS;DEFINES" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_compile_options(${T_NAME} PRIVATE ${BASTION_HOST_WARNINGS} -g -fsanitize=address,undefined
                         -fno-omit-frame-pointer)
  target_link_options(${T_NAME} PRIVATE -fsanitize=address,undefined)
  # The root: hostlib/'s headers ("hostlib/json.h"), for tests built from a tool's sources.
  target_include_directories(${T_NAME} PRIVATE ${BASTION_ROOT}/kern/uapi ${BASTION_ROOT} ${T_INCLUDES})
  target_compile_definitions(${T_NAME} PRIVATE BASTION_HOST=1 ${T_DEFINES})
  target_link_libraries(${T_NAME} PRIVATE ${CMOCKA_LIBRARY} ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS host TIMEOUT 120
                       ENVIRONMENT "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endfunction()

# bastion_fuzz_target(NAME <name> SOURCES <files...> [INCLUDES <dirs...>] [DEFINES <defs...>]
#                     [LIBS <link args...>] [DEPENDS <targets...>] CORPUS <dir> [RUNS <n>]
#                     [FLAGS <libFuzzer flags...>])
# Builds a libFuzzer target with Debian's clang (-fsanitize=fuzzer,address,undefined; any
# undefined behaviour is fatal) into <build folder>/fuzzers/<name> (a file beside the target of
# the same name would clash with it in Ninja's graph), and registers the ctest
# <name>_short: a fixed seed, RUNS inputs (default 100000) or 20 seconds, whichever ends first,
# starting from the committed seeds in CORPUS. The seeds are passed as -seed_inputs so that the
# run never writes into the source tree; crash files go to the build folder. Without clang,
# nothing is defined. scripts/fuzz-parsers runs the same binaries for as long as asked.
find_program(BASTION_CLANG clang)
function(bastion_fuzz_target)
  cmake_parse_arguments(F "" "NAME;CORPUS;RUNS" "SOURCES;INCLUDES;DEFINES;LIBS;DEPENDS;FLAGS" ${ARGN})
  if(NOT BASTION_CLANG)
    return()
  endif()
  if(NOT F_RUNS)
    set(F_RUNS 100000)
  endif()
  set(bin ${CMAKE_CURRENT_BINARY_DIR}/fuzzers/${F_NAME})
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fuzzers)
  set(args)
  foreach(d ${F_INCLUDES})
    list(APPEND args -I${d})
  endforeach()
  foreach(d ${F_DEFINES})
    list(APPEND args -D${d})
  endforeach()
  add_custom_command(OUTPUT ${bin}
    COMMAND ${BASTION_CLANG} -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -Wall -Wextra -Werror -I${BASTION_ROOT}/kern/uapi -I${BASTION_ROOT} ${args}
            ${F_SOURCES} ${F_LIBS} -o ${bin}
    DEPENDS ${F_SOURCES} ${F_DEPENDS}
    COMMENT "clang: building the libFuzzer target ${F_NAME}"
    VERBATIM)
  add_custom_target(${F_NAME} ALL DEPENDS ${bin})
  file(GLOB seeds CONFIGURE_DEPENDS ${F_CORPUS}/*)
  string(REPLACE ";" "," seeds "${seeds}")
  add_test(NAME ${F_NAME}_short
    COMMAND ${bin} -seed=1 -runs=${F_RUNS} -max_total_time=20 -seed_inputs=${seeds}
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}- ${F_FLAGS})
  set_tests_properties(${F_NAME}_short PROPERTIES LABELS host TIMEOUT 120)
endfunction()
