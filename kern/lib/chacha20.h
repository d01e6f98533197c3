/*
 * The ChaCha20 block function (RFC 8439, section 2.3): 64 bytes of key stream from a 256-bit
 * key, a 32-bit block counter and a 96-bit nonce, as sixteen 32-bit words (little-endian
 * when serialised, as the RFC's test vectors are). A pure function: no state, no locks;
 * host-tested against the RFC's vector. The kernel uses it for its random generator without
 * a hardware source (lib/crng.h), not to encrypt.
 */
#ifndef BASTION_LIB_CHACHA20_H
#define BASTION_LIB_CHACHA20_H

#include <stdint.h>

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                    uint32_t out[16]);

#endif
