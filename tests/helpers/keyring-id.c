/* keyring-id: print the serial number of the calling process's session keyring (without creating
 * one: a process that has none gets its user session keyring's serial, as the kernel resolves
 * KEY_SPEC_SESSION_KEYRING), followed by the keyring's description. For the tests of
 * --no-new-keyring; built static so it runs inside the busybox image.
 *
 * Build: cc -O2 -Wall -Werror -static -o keyring-id tests/helpers/keyring-id.c */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEY_SPEC_SESSION_KEYRING (-3)
#define KEYCTL_GET_KEYRING_ID	 0
#define KEYCTL_DESCRIBE		 6

int main(void)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (id < 0) {
		fprintf(stderr, "keyring-id: keyctl(KEYCTL_GET_KEYRING_ID): %s\n", strerror(errno));
		return 1;
	}
	char desc[256] = "";
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc - 1);
	if (n < 0)
		snprintf(desc, sizeof desc, "(describe: %s)", strerror(errno));
	printf("%ld %s\n", id, desc);
	return 0;
}
