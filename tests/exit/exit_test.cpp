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

std::string describe_status(int status) {
  if (status < 0) return "still running";
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

TEST_P(ExitTest, ProgramsThatExitWithLiveSocketsEndCleanly) {
  const std::string dir = ipc_dir().string();
  for (int run = 0; run < SPROCKET_EXIT_RUNS; ++run) {
    ChildProcess child({SPROCKET_EXIT_PROGRAM, GetParam(), dir});
    ASSERT_TRUE(child.error().empty()) << child.error();
    // Generous: at exit, lingering output may take up to a second.
    const int status = child.wait_exit(std::chrono::seconds(60));
    ASSERT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "run " << run << " of " << SPROCKET_EXIT_RUNS << ": " << describe_status(status) << "\n"
        << child.describe();
  }
}

}  // namespace
}  // namespace sprocket::test
