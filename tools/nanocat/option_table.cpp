#include "option_table.hpp"

#include <array>

namespace nanocat {
namespace {

using namespace mask;

constexpr unsigned kSockWriteable = sock | writeable;
constexpr unsigned kSockReadable = sock | readable;
constexpr unsigned kSockReadWrite = kSockWriteable | kSockReadable;

constexpr std::string_view kGeneric = "Generic";
constexpr std::string_view kTypes = "Socket Types";
constexpr std::string_view kSocket = "Socket Options";
constexpr std::string_view kSub = "SUB Socket Options";
constexpr std::string_view kSurveyor = "SURVEYOR Socket Options";
// nanocat's own (inverted) names: "Input" is how received messages are
// printed, "Output" what is sent.
constexpr std::string_view kInput = "Input Options";
constexpr std::string_view kOutput = "Output Options";

// A nanomsg nanocat option.
constexpr OptionSpec nn(OptionId id, std::string_view name, char short_name,
                        std::string_view metavar, std::string_view group, std::string_view help,
                        unsigned provides, unsigned conflicts, unsigned needs,
                        std::string_view arg0 = {}) {
  return {id,       name,      short_name, metavar, group, help,
          provides, conflicts, needs,      true,    false, arg0};
}

// An option nanomsg's nanocat does not have.
constexpr OptionSpec added(OptionId id, std::string_view name, char short_name,
                           std::string_view metavar, std::string_view group, std::string_view help,
                           unsigned provides, unsigned conflicts, unsigned needs) {
  return {id, name, short_name, metavar, group, help, provides, conflicts, needs, false, false, {}};
}

// An nngcat spelling of another option, left out of --help.
constexpr OptionSpec alias(OptionId id, std::string_view name, std::string_view metavar,
                           unsigned provides, unsigned conflicts, unsigned needs) {
  return {id, name, 0, metavar, {}, {}, provides, conflicts, needs, false, true, {}};
}

constexpr auto kTable = std::to_array<OptionSpec>({
    // Generic
    nn(OptionId::verbose, "verbose", 'v', {}, kGeneric, "Increase verbosity of the nanocat", 0, 0,
       0),
    nn(OptionId::silent, "silent", 'q', {}, kGeneric, "Decrease verbosity of the nanocat", 0, 0, 0),
    nn(OptionId::help, "help", 'h', {}, kGeneric, "This help text", 0, 0, 0),
    added(OptionId::version, "version", 'V', {}, kGeneric, "Print the version and exit", 0, 0, 0),

    // Socket types
    nn(OptionId::push, "push", 0, {}, kTypes, "Use NN_PUSH socket type", kSockWriteable, sock, data,
       "nn_push"),
    nn(OptionId::pull, "pull", 0, {}, kTypes, "Use NN_PULL socket type", kSockReadable, sock, 0,
       "nn_pull"),
    nn(OptionId::pub, "pub", 0, {}, kTypes, "Use NN_PUB socket type", kSockWriteable, sock, data,
       "nn_pub"),
    nn(OptionId::sub, "sub", 0, {}, kTypes, "Use NN_SUB socket type", kSockReadable | sock_sub,
       sock, 0, "nn_sub"),
    nn(OptionId::req, "req", 0, {}, kTypes, "Use NN_REQ socket type", kSockReadWrite, sock, data,
       "nn_req"),
    nn(OptionId::rep, "rep", 0, {}, kTypes, "Use NN_REP socket type", kSockReadWrite, sock, 0,
       "nn_rep"),
    nn(OptionId::surveyor, "surveyor", 0, {}, kTypes, "Use NN_SURVEYOR socket type",
       kSockReadWrite | sock_surveyor, sock, data, "nn_surveyor"),
    nn(OptionId::respondent, "respondent", 0, {}, kTypes, "Use NN_RESPONDENT socket type",
       kSockReadWrite, sock, 0, "nn_respondent"),
    nn(OptionId::bus, "bus", 0, {}, kTypes, "Use NN_BUS socket type", kSockReadWrite, sock, 0,
       "nn_bus"),
    nn(OptionId::pair, "pair", 0, {}, kTypes, "Use NN_PAIR socket type", kSockReadWrite, sock, 0,
       "nn_pair"),
    added(OptionId::pair1, "pair1", 0, {}, kTypes,
          "Use PAIR version 1 socket type (NNG's pair1, as nngcat --pair1; --pair is version 0)",
          kSockReadWrite, sock, 0),

    // Socket options
    nn(OptionId::bind, "bind", 0, "ADDR", kSocket, "Bind socket to the address ADDR", endpoint, 0,
       0),
    nn(OptionId::connect, "connect", 0, "ADDR", kSocket, "Connect socket to the address ADDR",
       endpoint, 0, 0),
    nn(OptionId::bind_ipc, "bind-ipc", 'X', "PATH", kSocket,
       "Bind socket to the ipc address \"ipc://PATH\".", endpoint, 0, 0),
    nn(OptionId::connect_ipc, "connect-ipc", 'x', "PATH", kSocket,
       "Connect socket to the ipc address \"ipc://PATH\".", endpoint, 0, 0),
    nn(OptionId::bind_local, "bind-local", 'L', "PORT", kSocket,
       "Bind socket to the tcp address \"tcp://127.0.0.1:PORT\".", endpoint, 0, 0),
    nn(OptionId::connect_local, "connect-local", 'l', "PORT", kSocket,
       "Connect socket to the tcp address \"tcp://127.0.0.1:PORT\".", endpoint, 0, 0),
    nn(OptionId::recv_timeout, "recv-timeout", 0, "SEC", kSocket,
       "Set timeout for receiving a message", 0, 0, readable),
    nn(OptionId::send_timeout, "send-timeout", 0, "SEC", kSocket,
       "Set timeout for sending a message", 0, 0, writeable),
    nn(OptionId::socket_name, "socket-name", 0, "NAME", kSocket,
       "Name of the socket for statistics", 0, 0, 0),
    added(OptionId::send_priority, "send-priority", 0, "PRIO", kSocket,
          "Priority (1 highest .. 16 lowest, default 8) of the endpoints that follow on the "
          "command line when sending (PUSH, REQ)",
          0, 0, writeable),
    added(OptionId::recv_priority, "recv-priority", 0, "PRIO", kSocket,
          "Priority (1 highest .. 16 lowest, default 8) of the endpoints that follow on the "
          "command line when receiving",
          0, 0, readable),
    added(OptionId::recv_maxsz, "recv-maxsz", 'Z', "SIZE", kSocket,
          "Largest message to receive, in bytes (default 1048576, 0: no limit); a peer sending "
          "a larger one is disconnected",
          0, 0, readable),

    // Pattern-specific options
    nn(OptionId::subscribe, "subscribe", 0, "PREFIX", kSub,
       "Subscribe to the prefix PREFIX. Note: socket will be subscribed to everything (empty "
       "prefix) if no prefixes are specified on the command-line.",
       0, 0, sock_sub),
    added(OptionId::survey_deadline, "survey-deadline", 0, "SEC", kSurveyor,
          "Collect responses for SEC seconds (default 1)", 0, 0, sock_surveyor),

    // How received messages are printed
    nn(OptionId::format, "format", 0, "FORMAT", kInput,
       "Use echo format FORMAT (same as the options below)", 0, 0, readable),
    nn(OptionId::raw, "raw", 0, {}, kInput, "Dump message as is (Note: no delimiters are printed)",
       0, 0, readable),
    nn(OptionId::ascii, "ascii", 'A', {}, kInput,
       "Print ASCII part of message delimited by newline. All non-ascii characters replaced by "
       "dot.",
       0, 0, readable),
    nn(OptionId::quoted, "quoted", 'Q', {}, kInput,
       "Print each message on separate line in double quotes with C-like character escaping", 0, 0,
       readable),
    nn(OptionId::msgpack, "msgpack", 0, {}, kInput,
       "Print each message as msgpacked string (raw type). This is useful for programmatic "
       "parsing.",
       0, 0, readable),
    nn(OptionId::hex, "hex", 0, {}, kInput,
       "Print each message on separate line in double quotes with hex values", 0, 0, readable),

    // What is sent
    nn(OptionId::interval, "interval", 'i', "SEC", kOutput,
       "Send message (or request) every SEC seconds", 0, 0, writeable),
    nn(OptionId::delay, "delay", 'd', "SEC", kOutput,
       "Wait for SEC seconds before sending message (useful for one-shot PUB sockets)", 0, 0, 0),
    nn(OptionId::data, "data", 'D', "DATA", kOutput,
       "Send DATA to the socket and quit for PUB, PUSH, PAIR, BUS socket. Use DATA to reply for "
       "REP or  RESPONDENT socket. Send DATA as request for REQ or SURVEYOR socket.",
       data, data, writeable),
    nn(OptionId::file, "file", 'F', "PATH", kOutput, "Same as --data but get data from file PATH",
       data, data, writeable),
    added(OptionId::stdin_lines, "stdin", 0, {}, kOutput,
          "Send each line of standard input (without its newline) as one message, instead of "
          "--data",
          data, data, writeable),
    added(OptionId::count, "count", 'C', "N", kOutput,
          "Stop after N messages: received, or sent by PUB and PUSH (default 0: no limit)", 0, 0,
          0),
    added(OptionId::sleep, "sleep", 0, "SEC", kOutput,
          "Keep the connections open SEC seconds after the last send before exiting "
          "(default 0.2), so that the peers get what is in flight",
          0, 0, writeable),

    // nngcat's spellings
    alias(OptionId::connect, "dial", "ADDR", endpoint, 0, 0),
    alias(OptionId::bind, "listen", "ADDR", endpoint, 0, 0),
    alias(OptionId::push, "push0", {}, kSockWriteable, sock, data),
    alias(OptionId::pull, "pull0", {}, kSockReadable, sock, 0),
    alias(OptionId::pub, "pub0", {}, kSockWriteable, sock, data),
    alias(OptionId::sub, "sub0", {}, kSockReadable | sock_sub, sock, 0),
    alias(OptionId::req, "req0", {}, kSockReadWrite, sock, data),
    alias(OptionId::rep, "rep0", {}, kSockReadWrite, sock, 0),
    alias(OptionId::surveyor, "surveyor0", {}, kSockReadWrite | sock_surveyor, sock, data),
    alias(OptionId::respondent, "respondent0", {}, kSockReadWrite, sock, 0),
    alias(OptionId::bus, "bus0", {}, kSockReadWrite, sock, 0),
    alias(OptionId::pair, "pair0", {}, kSockReadWrite, sock, 0),
});

}  // namespace

std::span<const OptionSpec> option_table() {
  return kTable;
}

}  // namespace nanocat
