/*
 * Retcode: the one status type of Bastion, shared by the kernel, user mode and host tools.
 *
 * Every call that can fail returns a Retcode. The names follow the KasperskyOS SDK's `rc*`
 * convention so that people from that ecosystem recognise them. Values are stable ABI: they
 * travel in IPC replies, so append new codes at the end and never renumber.
 */
#ifndef BASTION_RETCODE_H
#define BASTION_RETCODE_H

#include <stdint.h>

typedef int32_t Retcode;

#define BASTION_RETCODES(X)                                                                        \
    X(rcOk, 0, "success")                                                                          \
    X(rcFail, -1, "unspecified failure")                                                           \
    X(rcInvalidArgument, -2, "an argument is out of its valid domain")                             \
    X(rcOutOfMemory, -3, "no memory left (RAM or kernel memory)")                                  \
    X(rcNotFound, -4, "the named object does not exist")                                           \
    X(rcOutOfRange, -5, "a value, offset or index lies outside its bounds")                        \
    X(rcBadFormat, -6, "input does not follow its format (magic, version, layout)")                \
    X(rcTruncated, -7, "input ends before the structure it describes")                             \
    X(rcBufferTooSmall, -8, "the output buffer cannot hold the result")                            \
    X(rcAccessDenied, -9, "the handle lacks the rights the operation needs")                       \
    X(rcSecurityDisallow, -10, "denied by security policy")                                        \
    X(rcBadHandle, -11, "the handle is not valid in this process")                                 \
    X(rcNotSupported, -12, "the operation is not supported on this platform")                      \
    X(rcNoHardware, -13, "the hardware this method drives is absent on this machine")              \
    X(rcTimeout, -14, "the operation did not finish before its deadline")                          \
    X(rcResourceBusy, -15, "the object is in use")                                                 \
    X(rcPeerClosed, -16, "the other end of the channel is gone")                                   \
    X(rcOverflow, -17, "an arithmetic result does not fit its type")                               \
    X(rcAlignment, -18, "an address or size is not suitably aligned")                              \
    X(rcAlreadyExists, -19, "the object already exists")                                           \
    X(rcQuotaExceeded, -20, "the process reached its kernel-memory or RAM limit")                  \
    X(rcBadMessage, -21, "an IPC message failed validation")                                       \
    X(rcNoKsm, -22, "no security monitor is running: request denied (fail closed)")                \
    X(rcBadChecksum, -23, "a checksum over the input does not match its contents")                 \
    X(rcHandleRevoked, -24, "the handle was revoked: close it, it no longer reaches its object")   \
    X(rcWxViolation, -25, "a mapping would be both writable and executable (W^X)")                 \
    X(rcReplyLost, -26,                                                                            \
      "the reply did not reach its caller (gone, timed out, no room); a ReplyRecv still received") \
    X(rcKernelResource, -27,                                                                       \
      "the range is the kernel's own: RAM, its image, APICs, PCI configuration, timer, console")   \
    X(rcNotDeviceResource, -28, "the range does not lie within one BAR of one PCI device")         \
    X(rcUnknownRegister, -29, "no privileged register or register range of that name is listed")   \
    X(rcReadOnlyRegister, -30, "the privileged register may be read, never written")               \
    X(rcRegisterFault, -31, "the CPU refused the register access (absent on this CPU model)")      \
    X(rcRateLimited, -32, "asked again too soon: the operation is rate-limited per process")       \
    X(rcNoDebugCapability, -33, "the xHCI controller has no USB debug capability (DbC)")           \
    X(rcIrqDetached, -34, "the thread was detached from its interrupt; its wait ended")            \
    X(rcDeviceNotOwned, -35, "the caller holds none of the PCI function's registered ranges")      \
    /* Network interface drivers (net.Nic): a Transmit, Receive or Release before Open. */         \
    X(rcNotOpen, -36, "the interface is not open: call Open first")                                \
    /* kl.core.Time, CpuFreq, FSUnsafe, PM (kern/klcore/Time.c, CpuFreq.c, FSUnsafe.c, PM.c):  \
     * rcRtcUnreadable when the CMOS clock never left its update or read out of range at boot;  \
     * rcNoSuchCpuGroup / rcNoSuchOpp for a processor group or an operating point the platform  \
     * does not report; rcPowerStateFailed when the firmware's power-off or reset did not take  \
     * the machine down. */   \
    X(rcRtcUnreadable, -37, "the real-time clock could not be read (stuck updating, bad fields)")  \
    X(rcNoSuchCpuGroup, -38, "no processor group of that index")                                   \
    X(rcNoSuchOpp, -39, "the processor group has no operating performance point of that index")    \
    X(rcPowerStateFailed, -40, "the machine did not enter the power state it was asked for")       \
    /* Sockets (net.Socket, services/net/netstack/socket_*.c): a Bind to an address and port     \
     * another socket has; a Connect the peer answered with a reset; a connection the peer reset  \
     * or that failed after it was made; a Send or Recv on a TCP socket that is not connected;    \
     * a call that would have waited with timeoutMs 0; a Connect with timeoutMs 0 that goes on;  \
     * a client that holds its most sockets; a stack that holds its most sockets. */ \
    X(rcAddressInUse, -41, "the address and port are already bound by another socket")             \
    X(rcConnectionRefused, -42, "the peer refused the connection")                                 \
    X(rcConnectionReset, -43, "the peer reset the connection, or it failed")                       \
    X(rcNotConnected, -44, "the socket is not connected")                                          \
    X(rcWouldBlock, -45, "the operation would have to wait, and was asked not to")                 \
    X(rcInProgress, -46, "the operation goes on; its outcome comes later")                         \
    X(rcTooManySockets, -47, "the client holds as many sockets as it may")                         \
    X(rcStackFull, -48, "the network stack holds as many sockets as it can")                       \
    /* kl.core.Task, building a process by hand (kern/klcore/Task_build.c): rcNotEmptyTask     \
     * for a build method on a process the kernel loaded from a file; rcNoEntryPoint for      \
     * Resume of an empty process whose entry point was never set (SetEntry); rcNotFrozen for \
     * an inspection method on a process that is not frozen. */   \
    X(rcNotEmptyTask, -49, "the process was loaded from a file: only an empty one is built")       \
    X(rcNoEntryPoint, -50, "the empty process has no entry point yet: call Task.SetEntry")         \
    X(rcNotFrozen, -51, "the process is not frozen: it runs, or it has ended")                     \
    /* kl.core.Notice (kern/klcore/Notice.c): rcNoticeDropped for a GetEvent that a DropAndWake \
     * without finish ended (the receiver stays usable); rcNoticeFinished for a GetEvent that a   \
     * DropAndWake with finish ended, and for every later GetEvent or SubscribeToObject on that  \
     * receiver. */  \
    X(rcNoticeDropped, -52, "the wait for notifications was ended by DropAndWake")                 \
    X(rcNoticeFinished, -53, "the notification receiver was finished by DropAndWake")              \
    /* The TEE partition (kern/klcore/TEE.c, TEEVMM.c, docs/tee.md): rcNotTeePartition for a    \
     * partition-only call (TEEVMM, TEE.FreeToken from the partition) by another process;       \
     * rcNoTeePartition for a request when no TEE partition runs, or one that ended before it   \
     * answered; rcTokenNotOwned for a token the caller does not own (another process's, or    \
     * none); rcFrameNotShared for MdlAddFrame of a frame no request the partition holds now shared. */  \
    X(rcNotTeePartition, -54, "only the TEE partition may make this call")                         \
    X(rcNoTeePartition, -55, "no TEE partition runs to take the request")                          \
    X(rcTokenNotOwned, -56, "the message token is not one of the caller's")                        \
    X(rcFrameNotShared, -57, "the physical frame is not shared by a request the TEE is serving")   \
    /* kl.core.IPC (kern/klcore/IPC.c, kern/ipc/interrupt.c): rcInterrupted from a Call or    \
     * Recv that would have waited (or was waiting) for the other side while one of its       \
     * process's IPC synchronization objects is set (IPC.SetInterrupt); rcTooManySyncObjects  \
     * from IPC.CreateSyncObject when the process holds IPC_SYNC_MAX of them. */    \
    X(rcInterrupted, -58, "the IPC wait was interrupted: the process set an IPC sync object")      \
    X(rcTooManySyncObjects, -59,                                                                   \
      "the process holds as many IPC synchronization objects as it may")                           \
    /* An executable's PT_TLS segment (kern/elf/elf_load_plan.c, the planner of both loaders;  \
     * layout in <bastion/tls.h>): rcTlsDuplicate for a second PT_TLS; rcTlsFileSize for       \
     * p_filesz > p_memsz; rcTlsAlignment for a p_align that is not 0, 1 or a power of two, or  \
     * is above BASTION_TLS_ALIGN_MAX; rcTlsTooLarge for a p_memsz above BASTION_TLS_SIZE_MAX;   \
     * rcTlsOutsideImage for a template whose bytes are not file bytes of one PT_LOAD segment  \
     * (or whose address wraps with the load bias). */   \
    X(rcTlsDuplicate, -60, "the executable has more than one PT_TLS segment")                      \
    X(rcTlsFileSize, -61, "the PT_TLS segment's file size exceeds its memory size")                \
    X(rcTlsAlignment, -62, "the PT_TLS alignment is not a power of two or is too large")           \
    X(rcTlsTooLarge, -63, "the PT_TLS segment is larger than a thread's TLS block may be")         \
    X(rcTlsOutsideImage, -64, "the PT_TLS template is not inside a loaded segment's file bytes")   \
    /* kl.core.Profiler coverage (kern/prof/kcov.c, gcov_uart.c; docs/coverage.md):            \
     * rcCoverageNotBuilt from every Kcov method of a kernel built without                      \
     * -fsanitize-coverage=trace-pc (all but kernel-kcov.elf), and from GetCoverageData and     \
     * FlushGcov of a kernel that holds no gcov records of its own; rcKcovTooLarge from         \
     * KcovAlloc beyond a hard cap (threads, points, bytes a process, bytes of all processes);  \
     * rcKcovAllocated from a second KcovAlloc before KcovFree; rcKcovNotAllocated from        \
     * Start, Stop or Free without KcovAlloc; rcKcovBusy from KcovStart when every area is    \
     * taken and from KcovFree while another thread collects; rcKcovNotStarted from KcovStop   \
     * of a thread that does not collect; rcGcovTooLarge from FlushGcovFile of more bytes than  \
     * GCOV_FILE_MAX. */   \
    X(rcCoverageNotBuilt, -65, "this kernel was built without coverage instrumentation")           \
    X(rcKcovTooLarge, -66, "the kcov buffers asked for exceed a hard cap")                         \
    X(rcKcovAllocated, -67, "the process already holds kcov buffers: KcovFree them first")         \
    X(rcKcovNotAllocated, -68, "the process holds no kcov buffers: call KcovAlloc")                \
    X(rcKcovBusy, -69, "every kcov buffer is taken, or another thread collects into one")          \
    X(rcKcovNotStarted, -70, "the calling thread does not collect kernel coverage")                \
    X(rcGcovTooLarge, -71, "the gcda data is larger than the kernel forwards in one call")         \
    /* kl.core.Profiler sampling and segments (kern/prof/sampling.c, seginfo.c): rcProfilerBusy \
     * when every sampling session is another live process's (SamplingStart, AddPidToList);     \
     * rcProfilerNotStarted for SamplingStop or SamplingRead by a process that never started   \
     * sampling; rcPidListFull for AddPidToList past BASTION_PROF_PIDS_MAX; rcNotProfilable for \
     * AddPidToList of a process that is neither the caller nor one the caller created;        \
     * rcSegInfoFull for LoadSegInfo past BASTION_PROF_SEGMENTS_MAX segments of one process;    \
     * rcUnknownCounter for ObjectGetStat of a name its object has no counter for. */  \
    X(rcProfilerBusy, -72, "every sampling session is taken by another process")                   \
    X(rcProfilerNotStarted, -73, "the caller has not started sampling")                            \
    X(rcPidListFull, -74, "the sampling pid list holds as many processes as it may")               \
    X(rcNotProfilable, -75, "only the caller itself and processes it created may be profiled")     \
    X(rcSegInfoFull, -76, "the process has as many registered segments as it may")                 \
    X(rcUnknownCounter, -77, "the object has no counter of that name")                             \
    /* kl.core.CM, dynamic IPC channels (kern/ipc/cm.c, docs/connection-manager.md):           \
     * rcTooManyConnectRequests from CM.Connect when the caller already has CM_CLIENT_PENDING_MAX \
     * requests waiting; rcServerQueueFull from CM.Connect when CM_SERVER_PENDING_MAX requests  \
     * wait for that server; rcConnectDropped from CM.Connect when the server refused it       \
     * (CM.Drop); rcServerGone from CM.Connect when the server ended before it answered (or was \
     * ending when asked); rcNoConnectRequest from CM.Accept and CM.Drop when no request of that \
     * client for that endpoint waits (never made, answered, timed out, or its client ended). */   \
    X(rcTooManyConnectRequests, -78,                                                               \
      "the process has as many connection requests waiting as it may")                             \
    X(rcServerQueueFull, -79, "the server has as many connection requests waiting as it may hold") \
    X(rcConnectDropped, -80, "the server refused the connection request (CM.Drop)")                \
    X(rcServerGone, -81, "the server ended before it answered the connection request")             \
    X(rcNoConnectRequest, -82, "no connection request of that client for that endpoint waits")     \
    /* The name server (services/ns, docs/connection-manager.md): rcNsNotPublisher from     \
     * NameServer.Publish when the server name is not the caller's own task name; rcNsTableFull \
     * from NameServer.Publish when all NS_ENTRIES_MAX entries are in use by live publishers. */      \
    X(rcNsNotPublisher, -83, "a process may publish endpoints only under its own name")            \
    X(rcNsTableFull, -84, "the name server holds as many published endpoints as it may")           \
    /* IPC (kern/ipc/call.c, docs/ipc.md): rcClientGone from Recv and ReplyRecv on a server end  \
     * (a channel of one client, CM.Accept's) whose client end no longer exists, once no request \
     * of it is left to receive: nothing can come on that channel again. */ \
    X(rcClientGone, -85, "the channel's client end is gone: no request can come on it again")      \
    /* The socket library's resolver (userland/net/dns_msg.c): rcDnsBadAnswer for a datagram  \
     * to its port that is not a well-formed answer to the query it sent. */    \
    X(rcDnsBadAnswer, -86, "the DNS answer is malformed or answers another query")                 \
    /* Shared image pages (kern/mm/aspace.h): rcImageReadOnly when a change would make a page  \
     * of a program's image that is the boot image's own frame (shared by every process that   \
     * runs the program) writable, or write into it (the region's protection, aspace_write). */   \
    X(rcImageReadOnly, -87, "the page is the boot image's, shared by its processes: never written")

enum {
#define BASTION_RETCODE_ENUM(name, value, text) name = (value),
    BASTION_RETCODES(BASTION_RETCODE_ENUM)
#undef BASTION_RETCODE_ENUM
};

/* The code's name ("rcNotFound") and a one-line meaning; unknown codes give "rc?". */
const char *retcode_name(Retcode rc);
const char *retcode_text(Retcode rc);

#endif
