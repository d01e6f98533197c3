/*
 * Building the start-up parameters of a child process (Task.SetEnv): its arguments,
 * environment, named channel handles and memory limits, in the layout the kernel turns into
 * the child's start block. Used by Einit; any process that creates processes may use it.
 *
 * Calls must come in order: scp_init, then scp_arg*, scp_env*, scp_conn*, then scp_finish.
 * The first error (no room, wrong order, bad argument) sticks and scp_finish returns it.
 */
#ifndef USER_SCP_H
#define USER_SCP_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct scp_builder {
    uint8_t *buf;
    size_t cap, len;
    Retcode err;
    int section; /* 0 args, 1 env, 2 connections */
    uint32_t argc, envc, nconn;
};

void scp_init(struct scp_builder *b, void *buf, size_t cap, uint64_t kernel_memory_limit,
              uint64_t ram_limit);
void scp_arg(struct scp_builder *b, const char *arg);
void scp_env(struct scp_builder *b, const char *name, const char *value);
void scp_conn(struct scp_builder *b, const char *name, uint32_t handle);
/* Writes the counts into the header; *len = bytes to pass to Task.SetEnv. */
Retcode scp_finish(struct scp_builder *b, size_t *len);

#endif
