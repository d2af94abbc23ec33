/* ws:// transport: SP over WebSocket (nanomsg 1.1.x API, sprocket's libnanomsg). */
#ifndef WS_H_INCLUDED
#define WS_H_INCLUDED

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NN_WS -4

/* Option of level NN_WS: the frame type of messages sent on endpoints
 * made afterwards (int): text or binary (the default). */
#define NN_WS_MSG_TYPE 1

#define NN_WS_MSG_TYPE_TEXT 0x01
#define NN_WS_MSG_TYPE_BINARY 0x02

#ifdef __cplusplus
}
#endif

#endif /* WS_H_INCLUDED */
