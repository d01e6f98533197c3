# Post-link check of a user program (bastion_user_program): what crt0 and the kernel's loader
# rely on, refused at build time rather than as a crash at boot.
#   cmake -DREADELF=readelf -DELF=<file> -P check_user_elf.cmake
execute_process(COMMAND ${READELF} -W -h -l -r ${ELF} OUTPUT_VARIABLE out RESULT_VARIABLE res)
if(NOT res EQUAL 0)
  message(FATAL_ERROR "${ELF}: readelf failed")
endif()
if(NOT out MATCHES "Type:[ ]+DYN")
  message(FATAL_ERROR "${ELF}: not a static PIE (ELF type is not DYN)")
endif()
if(out MATCHES "INTERP")
  message(FATAL_ERROR "${ELF}: has a PT_INTERP; Bastion has no dynamic linker")
endif()
# Relocation lines start with an offset and name the type: anything but RELATIVE is refused.
string(REGEX MATCHALL "R_X86_64_[A-Z0-9_]+" types "${out}")
foreach(t ${types})
  if(NOT t STREQUAL "R_X86_64_RELATIVE")
    message(FATAL_ERROR "${ELF}: relocation ${t}; crt0 applies only R_X86_64_RELATIVE")
  endif()
endforeach()
if(out MATCHES "LOAD[^\n]+RWE")
  message(FATAL_ERROR "${ELF}: a segment is writable and executable")
endif()
