/* Names of message validation errors and their Retcode. */
#include "bastion_idl.h"

const char *idl_error_name(enum idl_error e)
{
    static const char *const names[IDL_ERR_COUNT_] = {
        [IDL_OK] = "IDL_OK",
        [IDL_ERR_TRUNCATED] = "IDL_ERR_TRUNCATED",
        [IDL_ERR_TOO_LONG] = "IDL_ERR_TOO_LONG",
        [IDL_ERR_HEADER] = "IDL_ERR_HEADER",
        [IDL_ERR_METHOD] = "IDL_ERR_METHOD",
        [IDL_ERR_ENDPOINT] = "IDL_ERR_ENDPOINT",
        [IDL_ERR_FIXED_SIZE] = "IDL_ERR_FIXED_SIZE",
        [IDL_ERR_ARENA_TOO_BIG] = "IDL_ERR_ARENA_TOO_BIG",
        [IDL_ERR_TOO_MANY_HANDLES] = "IDL_ERR_TOO_MANY_HANDLES",
        [IDL_ERR_HANDLE_COUNT] = "IDL_ERR_HANDLE_COUNT",
        [IDL_ERR_HANDLE_INDEX] = "IDL_ERR_HANDLE_INDEX",
        [IDL_ERR_OFFSET_RANGE] = "IDL_ERR_OFFSET_RANGE",
        [IDL_ERR_MISALIGNED] = "IDL_ERR_MISALIGNED",
        [IDL_ERR_COUNT_OVERFLOW] = "IDL_ERR_COUNT_OVERFLOW",
        [IDL_ERR_NO_TERMINATOR] = "IDL_ERR_NO_TERMINATOR",
        [IDL_ERR_BAD_TAG] = "IDL_ERR_BAD_TAG",
        [IDL_ERR_BUFFER_TOO_SMALL] = "IDL_ERR_BUFFER_TOO_SMALL",
        [IDL_ERR_STRING_TOO_LONG] = "IDL_ERR_STRING_TOO_LONG",
        [IDL_ERR_ARGUMENT] = "IDL_ERR_ARGUMENT",
    };
    if ((unsigned)e >= IDL_ERR_COUNT_)
        return "IDL_ERR_?";
    return names[e];
}
