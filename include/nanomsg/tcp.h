/* tcp:// transport (nanomsg 1.1.x API, sprocket's libnanomsg). */
#ifndef TCP_H_INCLUDED
#define TCP_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_TCP -3

/* Option of level NN_TCP: disable Nagle's algorithm (int, 0 or 1). */
#define NN_TCP_NODELAY 1

#ifdef __cplusplus
}
#endif

#endif /* TCP_H_INCLUDED */
