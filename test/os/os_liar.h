/* What os_attack_ksm and its hostile server os_liar_server agree on (see os_liar_server.c). */
#ifndef OS_LIAR_H
#define OS_LIAR_H

/* The forgeries, chosen by the first byte of a one-byte Echo request. */
#define LIAR_AS_ECHO 0u  /* Stats answered with a well-formed Echo answer */
#define LIAR_AS_ERROR 1u /* the same bytes marked as an error answer to Stats */
#define LIAR_HONEST 2u   /* a true Stats answer, which the policy denies */

/* The value the liar puts in every forged answer: the client must never see it. */
#define LIAR_SECRET 0x5EC12E75EC12E75Eull

#endif
