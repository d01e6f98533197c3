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
    /* Network interface drivers (net.Nic): a Transmit, Receive or Release before Open. */         \
    X(rcNotOpen, -35, "the interface is not open: call Open first")

enum {
#define BASTION_RETCODE_ENUM(name, value, text) name = (value),
    BASTION_RETCODES(BASTION_RETCODE_ENUM)
#undef BASTION_RETCODE_ENUM
};

/* The code's name ("rcNotFound") and a one-line meaning; unknown codes give "rc?". */
const char *retcode_name(Retcode rc);
const char *retcode_text(Retcode rc);

#endif
