/* Reading the KSM's verdict (verdict.h). */
#include "security/verdict.h"

bool ksm_verdict_decode(uint64_t word, const char *text, size_t text_len,
                        struct ksm_proto_verdict *v)
{
    if (word & KSM_PROTO_VERDICT_RESERVED)
        return false;
    *v = ksm_verdict_split(word);
    if (v->granted > 1 || v->audit > 1 || v->reply > KSM_PROTO_REPLY_ALL ||
        (!v->granted && !v->audit))
        return false;
    if (!v->audit)
        return text_len == 0;
    return text != NULL && text_len != 0 && text_len <= KSM_PROTO_TEXT_MAX &&
           text[text_len - 1] == 0;
}
