// Programs that return from main with sockets open (exit_with_live_sockets)
// must end cleanly, every time, on every transport: no I/O thread may
// outlive main's static destruction or the libraries it uses (issue #11:
// with ws, 150 crashes in 150 runs). Each case runs the program many times.
#include <sys/wait.h>

#include <string>

#include "child_process.hpp"
#include "test_util.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

class ExitTest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Transports, ExitTest,
                         ::testing::Values("inproc", "tcp", "ipc", "ws"),
                         [](const auto& info) { return info.param; });

// ChildProcess::wait_exit's code: the exit status, 128 + a signal, -1 while running.
std::string describe_exit(int code) {
  if (code < 0) return "still running";
  if (code > 128) return std::string("killed by signal ") + strsignal(code - 128);
  return "exit status " + std::to_string(code);
}

TEST_P(ExitTest, ProgramsThatExitWithLiveSocketsEndCleanly) {
  const std::string dir = ipc_dir().string();
  for (int run = 0; run < SPROCKET_EXIT_RUNS; ++run) {
    ChildProcess child({SPROCKET_EXIT_PROGRAM, GetParam(), dir});
    ASSERT_TRUE(child.error().empty()) << child.error();
    // Generous: at exit, lingering output may take up to a second.
    const int code = child.wait_exit(std::chrono::seconds(60));
    ASSERT_EQ(code, 0) << "run " << run << " of " << SPROCKET_EXIT_RUNS << ": " << describe_exit(code)
                       << "\n"
        << child.describe();
  }
}

}  // namespace
}  // namespace sprocket::test
