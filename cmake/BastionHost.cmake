# Helpers for host-side code: tools that run at build time and cmocka unit tests.
#
# Host code compiles with the same warnings as the kernel, plus sanitizers for tests, so that a
# pure module shared by the kernel and its tests (buddy allocator, parsers, printf) is checked
# by both compilers' views of it.

set(BASTION_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)
set(BASTION_HOST_WARNINGS -Wall -Wextra -Werror)

find_library(CMOCKA_LIBRARY cmocka REQUIRED)

# bastion_host_test(NAME <name> SOURCES <files...> [INCLUDES <dirs...>] [LIBS <libs...>])
# Builds a cmocka test with ASan/UBSan and registers it with ctest under the label "host".
function(bastion_host_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;INCLUDES;LIBS;DEFINES" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_compile_options(${T_NAME} PRIVATE ${BASTION_HOST_WARNINGS} -g -fsanitize=address,undefined
                         -fno-omit-frame-pointer)
  target_link_options(${T_NAME} PRIVATE -fsanitize=address,undefined)
  target_include_directories(${T_NAME} PRIVATE ${BASTION_ROOT}/kern/uapi ${T_INCLUDES})
  target_compile_definitions(${T_NAME} PRIVATE BASTION_HOST=1 ${T_DEFINES})
  target_link_libraries(${T_NAME} PRIVATE ${CMOCKA_LIBRARY} ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS host TIMEOUT 120
                       ENVIRONMENT "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endfunction()
