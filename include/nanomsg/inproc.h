/* inproc:// transport: within one process (nanomsg 1.1.x API, sprocket's libnanomsg). */
#ifndef INPROC_H_INCLUDED
#define INPROC_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_INPROC -1

#ifdef __cplusplus
}
#endif

#endif /* INPROC_H_INCLUDED */
