// Whether a thread about to wait may spin first: only while every runnable
// thread on the machine has a core.
//
// A spin saves a futex sleep and wake-up when the answer comes within it,
// and keeps the waiting core out of its idle states, which makes even a
// later wake-up quicker. But while runnable threads wait for a core (another
// process keeps one busy, or more threads want to run than there are cores),
// the spinner holds a core that one of them — often the very peer it waits
// for — needs: an inproc PAIR round trip took 12× a mutex and condition
// variable's with one core kept busy, and a receiver of 64 KiB messages
// spent a third of a core spinning while its I/O thread waited to run.
#pragma once

#include <cstdint>

namespace sprocket::detail {

/// True when the kernel's count of runnable threads (this one included) is
/// at most the number of online cores. `now_ns` is a steady-clock reading;
/// the count is sampled at most once a millisecond, by whichever caller
/// finds the last sample old, so a call is an atomic load or two. True
/// when the count cannot be read.
bool cores_to_spare(std::int64_t now_ns);

}  // namespace sprocket::detail
