/* idlc: the interface compiler for IDL/EDL/CDL descriptions (see idlc.h for the CLI). */
#include "idlc.h"

int main(int argc, char **argv)
{
    return idlc_main(argc, argv, stderr, NULL);
}
