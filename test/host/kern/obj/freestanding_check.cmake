# Compiles kernel sources the way the kernel does (freestanding, no libc headers at all, kernel
# code model) and fails if an object needs any symbol beyond the few the kernel itself provides.
# This keeps the "pure module" promise of kern/obj and kern/elf honest while the kernel build
# does not link them yet.
#   cmake -DCC=<gcc> -DSOURCES=<a;b> -DINCLUDES=<a;b> -DOUT=<dir> -P freestanding_check.cmake
set(ALLOWED memcpy memset memmove memcmp __stack_chk_fail __stack_chk_guard)
execute_process(COMMAND ${CC} -print-file-name=include OUTPUT_VARIABLE gccinc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
set(incs)
foreach(i ${INCLUDES})
  list(APPEND incs -I${i})
endforeach()
file(MAKE_DIRECTORY ${OUT})
set(objs)
foreach(src ${SOURCES})
  get_filename_component(name ${src} NAME_WE)
  set(obj ${OUT}/${name}.o)
  # The flags of kern/CMakeLists.txt's BASTION_KERNEL_CFLAGS that change code generation.
  execute_process(COMMAND ${CC} -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin
                          -nostdinc -isystem ${gccinc} ${incs} -fno-pic -fno-pie -mno-red-zone
                          -mcmodel=kernel -mno-sse -mno-sse2 -mno-mmx -mno-80387
                          -mgeneral-regs-only -fstack-protector-strong
                          -mstack-protector-guard=global -fno-strict-aliasing -fno-common
                          -fno-asynchronous-unwind-tables -c ${src} -o ${obj}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "freestanding compile of ${src} failed:\n${err}")
  endif()
  list(APPEND objs ${obj})
  message(STATUS "freestanding compile ok: ${src}")
endforeach()

# Link the objects together so that calls between them resolve, then look at what is left.
execute_process(COMMAND ld -r -o ${OUT}/all.o ${objs} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ld -r failed:\n${err}")
endif()
execute_process(COMMAND nm -u ${OUT}/all.o OUTPUT_VARIABLE undef)
string(REGEX MATCHALL "U [A-Za-z0-9_.]+" syms "${undef}")
foreach(s ${syms})
  string(SUBSTRING "${s}" 2 -1 sym)
  list(FIND ALLOWED ${sym} found)
  if(NOT found EQUAL -1)
    continue()
  endif()
  # retcode_name/retcode_text live in kern/lib/retcode.c, which the kernel links.
  if(sym MATCHES "^retcode_")
    continue()
  endif()
  message(FATAL_ERROR "the objects need ${sym}, which the freestanding kernel does not provide")
endforeach()
message(STATUS "freestanding ok, external symbols: ${syms}")
