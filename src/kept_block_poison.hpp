// Memory the library keeps for reuse (freed message bodies waiting in the
// body cache or a magazine) is poisoned under ASan while it waits, so a use
// after free of a body is still caught; elsewhere these do nothing.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SPROCKET_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SPROCKET_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SPROCKET_POISON(p, n) ((void)(p), (void)(n))
#define SPROCKET_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
