# einit-compile as a program: exit codes, the file:line:column format on stderr, and that a
# failed run writes nothing (the previous output survives, no temporary file is left behind).
# Run by ctest: cmake -DTOOL=<einit-compile> -DDIR=<this folder> -DWORK=<scratch> -P cli_test.cmake

function(expect what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "initcfg_cli: ${what}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(out ${WORK}/table.c)

# A valid description: exit 0 and a table.
execute_process(COMMAND ${TOOL} -o ${out} ${DIR}/good.yaml RESULT_VARIABLE rc ERROR_VARIABLE err)
expect("good.yaml should compile (rc=${rc}, ${err})" rc EQUAL 0)
file(READ ${out} text)
string(FIND "${text}" "const struct einit_startup_table einit_startup_table" at)
expect("the output should define einit_startup_table" NOT at EQUAL -1)

# An invalid one over an existing output: exit 1, the error at its line:column, output untouched.
file(WRITE ${out} "previous good table\n")
execute_process(COMMAND ${TOOL} -o ${out} ${DIR}/bad.yaml RESULT_VARIABLE rc ERROR_VARIABLE err)
expect("bad.yaml should fail with 1, got ${rc}" rc EQUAL 1)
string(FIND "${err}" "bad.yaml:6:13: error: connection target 'Sever'" at)
expect("stderr should hold the positioned error, got: ${err}" NOT at EQUAL -1)
file(READ ${out} text)
expect("a failed run must leave the previous output alone" text STREQUAL "previous good table\n")
file(GLOB leftovers ${WORK}/table.c.*)
expect("no temporary file may be left: ${leftovers}" NOT leftovers)

# --dump prints the model.
execute_process(COMMAND ${TOOL} --dump ${DIR}/good.yaml RESULT_VARIABLE rc OUTPUT_VARIABLE dump)
expect("--dump should succeed" rc EQUAL 0)
string(FIND "${dump}" "connection id=server_connection target=Server server=1 listener=0" at)
expect("--dump should show the connection, got: ${dump}" NOT at EQUAL -1)

# --romfs-dir: the executables must exist there (good.yaml needs Client and Server).
file(MAKE_DIRECTORY ${WORK}/romfs)
file(WRITE ${WORK}/romfs/Client "")
execute_process(COMMAND ${TOOL} --romfs-dir ${WORK}/romfs ${DIR}/good.yaml RESULT_VARIABLE rc
                ERROR_VARIABLE err)
expect("a missing executable should fail with 1, got ${rc}" rc EQUAL 1)
string(FIND "${err}" "good.yaml:7:9: error: no executable 'Server'" at)
expect("stderr should name the missing executable, got: ${err}" NOT at EQUAL -1)
file(WRITE ${WORK}/romfs/Server "")
execute_process(COMMAND ${TOOL} --romfs-dir ${WORK}/romfs ${DIR}/good.yaml RESULT_VARIABLE rc)
expect("with both executables present it should pass, got ${rc}" rc EQUAL 0)

# Usage and I/O errors: exit 2, nothing created.
execute_process(COMMAND ${TOOL} RESULT_VARIABLE rc ERROR_QUIET)
expect("no argument should give 2, got ${rc}" rc EQUAL 2)
execute_process(COMMAND ${TOOL} ${DIR}/no-such-file.yaml RESULT_VARIABLE rc ERROR_QUIET)
expect("a missing input should give 2, got ${rc}" rc EQUAL 2)
execute_process(COMMAND ${TOOL} --frobnicate ${DIR}/good.yaml RESULT_VARIABLE rc ERROR_QUIET)
expect("an unknown option should give 2, got ${rc}" rc EQUAL 2)
execute_process(COMMAND ${TOOL} -o ${WORK}/no-such-dir/t.c ${DIR}/good.yaml RESULT_VARIABLE rc ERROR_QUIET)
expect("an unwritable output should give 2, got ${rc}" rc EQUAL 2)
expect("nothing may be created for an unwritable output" NOT EXISTS ${WORK}/no-such-dir)
