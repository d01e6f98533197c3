# Post-link check of a user program (bastion_user_program): what crt0 and the kernel's loader
# rely on, refused at build time rather than as a crash at boot.
#   cmake -DREADELF=readelf -DELF=<file> [-DNO_TLS=TRUE] -P check_user_elf.cmake
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
# NO_TLS (the KSM, Einit): crt0 would ask for Thread.SetTls, which the kernel's fixed list of the
# KSM's requests and the images' grants to Einit leave out, so a PT_TLS (a `__thread` variable,
# also one a library brings in) is refused at build time rather than at boot.
if(NO_TLS AND out MATCHES "\n[ ]+TLS[ ]")
  message(FATAL_ERROR "${ELF}: has a PT_TLS segment; this program may not use thread-local storage")
endif()
