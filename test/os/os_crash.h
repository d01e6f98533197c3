/*
 * What os_crash's "threads" mode leaves for os_task_build to find in its frozen process: its
 * second thread spins with WORKER_MARK in r12 when the main thread faults.
 */
#ifndef OSTEST_OS_CRASH_H
#define OSTEST_OS_CRASH_H

#define OS_CRASH_WORKER_MARK 0x57AB1E5EED5ull

#endif
