/*
 * kl.core.Task.GetTasksList for userland: the live processes, read into a caller's buffer and
 * walked one process at a time. The kernel's layout (kern/klcore/Task_list.c): pids[i], and
 * for each process in that order five NUL-terminated strings: name, class, ROMFS path, state
 * ("created", "running", "frozen", "exiting") and the creator's pid in decimal ("0": the kernel).
 */
#ifndef USER_TASK_LIST_H
#define USER_TASK_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define TASK_LIST_MAX 256u           /* kl.core.Task TaskListMax */
#define TASK_LIST_STRINGS_MAX 16384u /* kl.core.Task TaskListStringsMax */
#define TASK_LIST_FIELDS 5u          /* strings per process */
/* The response: its header, both sequences at their bounds, and slack. */
#define TASK_LIST_RESPONSE_MAX 18432u

struct task_list {
    /* What the kernel answered, copied out of the response; strings[used] is a NUL, whatever
     * came, so no field runs past the array. */
    char strings[TASK_LIST_STRINGS_MAX + 1];
    uint32_t used;
    uint32_t pids[TASK_LIST_MAX];
    uint32_t count;
    bool cut; /* more processes ran than the answer holds (rcBufferTooSmall) */
    _Alignas(8) uint8_t response[TASK_LIST_RESPONSE_MAX];
};

struct task_list_entry {
    uint32_t pid;
    const char *name, *class_name, *path, *state;
    uint32_t creator; /* the creator's pid, 0 for the kernel */
};

/* Where a walk is: start at {0, 0}. After the last process, off == used for a whole list. */
struct task_list_cursor {
    uint32_t index; /* the next process's index in pids */
    uint32_t off;   /* its first string's offset in strings */
};

/*
 * GetTasksList into *l. rcOk, or rcBufferTooSmall with as many whole processes as fit
 * (l->cut); otherwise the call's error and an empty list.
 */
Retcode task_list_read(struct task_list *l);

/*
 * The next process of the walk into *e (its strings point into l); false after the last one
 * and when the strings end before a process's five fields do (then c->off == l->used).
 */
bool task_list_next(const struct task_list *l, struct task_list_cursor *c,
                    struct task_list_entry *e);

/* The pid of a process named `name` that is not ending (state "exiting"), 0 when none is. */
uint32_t task_list_pid_of(const struct task_list *l, const char *name);

#endif
