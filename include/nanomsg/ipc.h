/* ipc:// transport: UNIX domain sockets (nanomsg 1.1.x API, sprocket's libnanomsg). */
#ifndef IPC_H_INCLUDED
#define IPC_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_IPC -2

/* Options of level NN_IPC. They configure Windows named pipes in nanomsg:
 * accepted and remembered here, with no effect on UNIX domain sockets. */
#define NN_IPC_SEC_ATTR 1
#define NN_IPC_OUTBUFSZ 2
#define NN_IPC_INBUFSZ 3

#ifdef __cplusplus
}
#endif

#endif /* IPC_H_INCLUDED */
