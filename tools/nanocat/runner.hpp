// What nanocat does once its socket is up, per socket type, as nanomsg's
// nanocat does it (tools/nanocat.c), with nngcat's --count and sprocket's
// --stdin:
//  - PUB, PUSH send the message once, every --interval, or --count times;
//  - PULL, SUB (and REP, RESPONDENT, BUS, PAIR given nothing to send)
//    print what they receive;
//  - REP, RESPONDENT print each request and answer it with the message;
//  - REQ sends the request (every --interval) and prints each reply;
//  - SURVEYOR sends the survey (every --interval) and prints the responses
//    until the survey deadline;
//  - BUS, PAIR send the message (every --interval) and print what they
//    receive meanwhile.
// A receive that times out (--recv-timeout) ends the program with
// kExitTimeout, except where nanocat's loop expects it: between --interval
// rounds, and at the end of a survey.
#pragma once

#include "options.hpp"

namespace nanocat {

/// Opens the socket, runs the loop for options.type until it is done, lets
/// the output drain, and returns the exit status (kExitOk). Failures throw
/// nanocat::Error.
int run(const Options& options);

}  // namespace nanocat
