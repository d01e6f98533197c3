/* The errors' names: see vfs_errors.h. */
#include "vfs_errors.h"

const char *vfs_error_name(int32_t rc)
{
    switch (rc) {
#define VFS_ERROR_CASE(name, value, text) \
    case name:                            \
        return text;
        VFS_ERRORS(VFS_ERROR_CASE)
#undef VFS_ERROR_CASE
    }
    return "Err?";
}
