/*
 * sha256.h: SHA-256 (FIPS 180-4), written here so that rubric versions need
 * no crypto library.  Incremental: sha256_init, sha256_update as often as
 * needed, sha256_final; or sha256_hex over a whole buffer or file.
 */
#ifndef CALLQA_SHA256_H
#define CALLQA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "callqa/callqa.h"

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char block[64];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Finish and write the 32-byte digest; s must be re-initialised to reuse. */
void sha256_final(struct sha256 *s, unsigned char digest[32]);
/* Hex digest (64 lowercase digits and a NUL) of data[0..len). */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
