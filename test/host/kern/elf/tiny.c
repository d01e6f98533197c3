/*
 * A minimal static program, built with the host compiler at test build time only so that the
 * ELF loader test sees what a real linker produces (never run). It has code, read-only data,
 * writable data, zero-initialised data and a TLS variable, so every segment kind is present.
 */
static const char message[] = "bastion";
int counter = 1;
int zeroed[1024];
__thread int tls_value = 7;

void _start(void)
{
    counter += message[0] + tls_value + zeroed[counter & 1023];
    for (;;)
        __asm__ volatile("pause");
}
