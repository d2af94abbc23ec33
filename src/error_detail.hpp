// The words behind an error code. An error_code says what kind of failure
// happened (errc::invalid_address); the code that detects it often knows
// more ("port 99999 is out of range 0..65535", "host not found: db1"). It
// leaves that text here, for the calling thread, and the throwing overloads
// of the public API put it into their exception's message.
//
// Only synchronous failures use this: the detail is set and read on the
// same thread, within one call into the library.
#pragma once

#include <string>

namespace sprocket::detail {

/// Records why the current call is failing; replaces any earlier detail.
void set_error_detail(std::string text);
/// The detail recorded on this thread since the last take, then clears it.
std::string take_error_detail();

}  // namespace sprocket::detail
