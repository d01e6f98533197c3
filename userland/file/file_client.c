/* The file library's channel to the RAM file system and its lock (file_client.h). */
#include <errno.h>

#include <user/cm.h>
#include <user/ipc.h>
#include <user/mutex.h>

#include "file_client.h"
#include "file_errno.h"

#define FILE_MSG_MAX 6144u /* services/vfs/vfs_server.h VFS_MSG_MAX: 4,096 data bytes + header */
#define FILE_CONNECT_WAIT_MS 5000u

static mutex_t lock = MUTEX_INIT;
static int connected; /* under lock: cl is bound to ch */
static struct ipc_channel ch;
static struct idl_client cl;
static _Alignas(8) uint8_t req[FILE_MSG_MAX], res[FILE_MSG_MAX];

struct idl_client *file_call_begin(void)
{
    mutex_lock(&lock);
    if (!connected) {
        uint32_t riid = 0;
        Retcode r = cm_connect_retry(FILE_SERVER, FILE_ENDPOINT, FILE_CONNECT_WAIT_MS, &ch, &riid);
        if (r != rcOk) {
            mutex_unlock(&lock);
            int32_t none = 0;
            file_fail(r, &none);
            return NULL;
        }
        ipc_client_init(&cl, &ch, riid, req, sizeof req, res, sizeof res);
        connected = 1;
    }
    return &cl;
}

void file_call_end(void)
{
    mutex_unlock(&lock);
}

int file_fail(Retcode call, const int32_t *rc)
{
    int32_t v = call != rcOk ? (int32_t)call : *rc;
    if (v == 0)
        return 0;
    errno = file_errno(v);
    return -1;
}
