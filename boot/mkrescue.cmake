# cmake -DGRUB_MKRESCUE=<tool> -DISO=<output> -DSTAGE=<folder> -P mkrescue.cmake
# Runs grub-mkrescue with its (long, harmless) output kept in ${ISO}.log, shown only on failure.
execute_process(COMMAND ${GRUB_MKRESCUE} -o ${ISO} ${STAGE}
                OUTPUT_FILE ${ISO}.log ERROR_FILE ${ISO}.log RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(READ ${ISO}.log log)
  message(FATAL_ERROR "grub-mkrescue failed (${rc}) making ${ISO}:\n${log}")
endif()
