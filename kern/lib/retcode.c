/* Names for Retcode values; freestanding, also linked into host tools and tests. */
#include <bastion/retcode.h>

const char *retcode_name(Retcode rc)
{
    switch (rc) {
#define BASTION_RETCODE_NAME(name, value, text) \
    case value:                                 \
        return #name;
        BASTION_RETCODES(BASTION_RETCODE_NAME)
#undef BASTION_RETCODE_NAME
    }
    return "rc?";
}

const char *retcode_text(Retcode rc)
{
    switch (rc) {
#define BASTION_RETCODE_TEXT(name, value, text) \
    case value:                                 \
        return text;
        BASTION_RETCODES(BASTION_RETCODE_TEXT)
#undef BASTION_RETCODE_TEXT
    }
    return "unknown return code";
}
