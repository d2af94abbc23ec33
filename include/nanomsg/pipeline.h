/* PUSH/PULL: load-balanced one-way pipeline (nanomsg 1.1.x API, sprocket's libnanomsg). */
#ifndef PIPELINE_H_INCLUDED
#define PIPELINE_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_PIPELINE 5

#define NN_PUSH (NN_PROTO_PIPELINE * 16 + 0)
#define NN_PULL (NN_PROTO_PIPELINE * 16 + 1)

#ifdef __cplusplus
}
#endif

#endif /* PIPELINE_H_INCLUDED */
