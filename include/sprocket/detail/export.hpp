// SPROCKET_API: what libsprocket.so exports. The library is compiled with
// -fvisibility=hidden -fvisibility-inlines-hidden, so only declarations
// marked here are visible to programs that link it; everything else stays
// internal (and may change without breaking the ABI).
//
// Mark a class when code outside the library calls its out-of-line members,
// derives from it, or needs its type information (vtables, typeid,
// exceptions); mark a free function when it is defined in the library. Inline
// functions and templates need no mark: they are compiled into the user's
// program. The mark means the same when compiling the library and when
// using it, so one header serves both and the static library too.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define SPROCKET_API __attribute__((visibility("default")))
#else
#define SPROCKET_API
#endif
