/* PAIR: one-to-one, both directions (nanomsg 1.1.x API, sprocket's libnanomsg). */
#ifndef PAIR_H_INCLUDED
#define PAIR_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_PAIR 1

#define NN_PAIR (NN_PROTO_PAIR * 16 + 0)

#ifdef __cplusplus
}
#endif

#endif /* PAIR_H_INCLUDED */
