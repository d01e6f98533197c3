/*
 * Thread-local storage (`__thread`, `_Thread_local`) of a program: each thread's block, built
 * from the program's PT_TLS template in the layout of <bastion/tls.h>.
 *
 * crt0 builds the main thread's block before main() runs; thread_create builds one for each
 * new thread and the thread frees its own when it ends through thread_exit or by returning
 * (the join then finds nothing left to free). In a program with TLS, make threads with
 * thread_create: one made directly with Thread.Create has an FS base of 0. A program without a
 * PT_TLS segment gets no block and makes no Thread.SetTls request: its FS base stays 0, as
 * before TLS existed, so its policy needs no grant for it.
 */
#ifndef USER_TLS_H
#define USER_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/tls.h>

/* The program's template, as its own program headers state it (addresses at its load bias). */
struct tls_template {
    uint64_t image, file_size, mem_size, align;
};

/* True when the program has a PT_TLS segment; *t (may be NULL) gets its template. */
bool tls_template(struct tls_template *t);

/* The calling thread's TCB (%fs:0), or NULL when this program has no TLS. */
struct bastion_tcb *tls_current(void);

/* Blocks the C runtime made and has not freed yet: the main thread's and one per live thread
 * (a thread ended by Thread.Terminate keeps its block until the process ends). */
uint64_t tls_blocks_live(void);

/* Internal to the C runtime (thread.c): a new block, its TCB filled (self, block, magic);
 * rcOutOfMemory when malloc fails. */
Retcode tls_block_new(struct bastion_tcb **tcb);
/* Frees a block tls_block_new made (magic checked; any other pointer is left alone). */
void tls_block_free(struct bastion_tcb *tcb);
/* Thread.SetTls for the calling thread: its FS base becomes tcb. */
Retcode tls_set_current(struct bastion_tcb *tcb);

#endif
