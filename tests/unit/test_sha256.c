/*
 * test_sha256: the FIPS 180-2 / NIST example vectors, one of them fed in
 * awkward pieces, and the million-'a' message.
 */
#include <stdlib.h>
#include <string.h>

#include "callqa/sha256.h"
#include "../tap.h"

static void
hex_of(struct sha256 *s, char hex[65])
{
	static const char xd[] = "0123456789abcdef";
	unsigned char d[32];
	int i;

	sha256_final(s, d);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = xd[d[i] >> 4];
		hex[2 * i + 1] = xd[d[i] & 15];
	}
	hex[64] = 0;
}

int
main(void)
{
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnop"
			  "nopq";
	const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghij"
			   "klmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
			   "nopqrstu";
	char hex[65], *a;
	struct sha256 s;
	size_t i;

	sha256_hex("abc", 3, hex);
	check_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "FIPS 180 one-block message 'abc'");
	sha256_hex("", 0, hex);
	check_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty message");
	sha256_hex(two, strlen(two), hex);
	check_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "FIPS 180 two-block message (448 bits)");
	sha256_hex(four, strlen(four), hex);
	check_str(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", "896-bit message");
	sha256_init(&s);
	for (i = 0; i < strlen(two); i += 7)
		sha256_update(&s, two + i, strlen(two) - i < 7 ? strlen(two) - i : 7);
	hex_of(&s, hex);
	check_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "same digest fed in 7-byte pieces");
	a = malloc(1000000);
	memset(a, 'a', 1000000);
	sha256_init(&s);
	for (i = 0; i < 1000000; i += 999)
		sha256_update(&s, a + i, 1000000 - i < 999 ? 1000000 - i : 999);
	hex_of(&s, hex);
	check_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "one million 'a'");
	free(a);
	sha256_hex(four, 56, hex);
	check_str(hex, "078c0dfc3278fd7759920f5cca94c6d55db2c694510f6e26a8fe5c5b50a4f417", "56-byte message (padding spills into a second block)");
	return test_done();
}
