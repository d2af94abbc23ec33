// Programs that return from main with sockets open (exit_with_live_sockets)
// must end cleanly, every time, on every transport: no I/O thread may
// outlive main's static destruction or the libraries it uses (issue #11:
// with ws, 150 crashes in 150 runs). Each case runs the program many times.
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "live_threads.hpp"
#include "test_util.hpp"
#include "tls_test_pki.hpp"
#include "transports/stream/stream_test_util.hpp"

namespace sprocket::test {
namespace {

class ExitTest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Transports, ExitTest,
                         ::testing::Values("inproc", "tcp", "ipc", "ws", "tls", "wss"),
                         [](const auto& info) { return info.param; });

// ChildProcess::wait_exit's code: the exit status, 128 + a signal, -1 while running.
std::string describe_exit(int code) {
  if (code < 0) return "still running";
  if (code > 128) return std::string("killed by signal ") + strsignal(code - 128);
  return "exit status " + std::to_string(code);
}

TEST_P(ExitTest, ProgramsThatExitWithLiveSocketsEndCleanly) {
  const std::string dir = ipc_dir().string();
  const auto& pki = TestPki::get();  // the children inherit its SSL_CERT_FILE
  for (int run = 0; run < SPROCKET_EXIT_RUNS; ++run) {
    ChildProcess child({SPROCKET_EXIT_PROGRAM, GetParam(), dir, pki.file("srv.pem"),
                        pki.file("srv.key")});
    ASSERT_TRUE(child.error().empty()) << child.error();
    // Generous: at exit, lingering output may take up to a second.
    const int code = child.wait_exit(std::chrono::seconds(60));
    ASSERT_EQ(code, 0) << "run " << run << " of " << SPROCKET_EXIT_RUNS << ": " << describe_exit(code)
                       << "\n"
        << child.describe();
  }
}

// The CI failure this check once gave: a thread that the runtime's stop had
// joined, still listed by the kernel, in state R and then X, both with
// PF_EXITING in their flags (0x40004c). Lines from /proc, from a loop of
// 200 000 joins on a loaded machine.
TEST(ExitCheck, AJoinedThreadStillListedIsNotCounted) {
  EXPECT_FALSE(may_still_run_code(
      "18399 (sprocket-io) X 0 -1 -1 0 -1 4194380 0 0 0 0 0 0 0 0 20 0 0 0 7254038 0 0"));
  EXPECT_FALSE(may_still_run_code(
      "10359 (sprocket-io) R 8697 8697 15788 0 -1 4194380 0 0 0 0 0 0 0 0 20 0 2 0 7254682"));
}

TEST(ExitCheck, AThreadOutsideItsExitIsCounted) {
  EXPECT_TRUE(may_still_run_code("10360 (sprocket-io) S 8697 8697 15788 0 -1 4194368 0 0 0 0"));
  // A name may hold spaces and ')': fields count from the last ')'.
  EXPECT_TRUE(may_still_run_code("10361 (a) b (c)) S 8697 8697 15788 0 -1 4194368 0 0 0 0"));
  EXPECT_FALSE(may_still_run_code("10361 (a) b (c)) S 8697 8697 15788 0 -1 4194380 0 0 0 0"));
  // Unreadable: reported, not ignored.
  EXPECT_TRUE(may_still_run_code("10362 (sprocket-io"));
}

// A live thread of the name is found by its id; once joined it is not, as
// soon as the kernel has it past its exit (waited for, never timed).
TEST(ExitCheck, FindsALiveThreadAndNotAJoinedOne) {
  std::atomic<pid_t> tid{0};
  std::atomic<bool> release{false};
  std::thread probe([&] {
    ::pthread_setname_np(::pthread_self(), "sprocket-probe");
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  // The probe is released and joined on every path: a failed wait that
  // returned with it still joinable would abort the test program.
  const bool started = wait_until([&] { return tid != 0; });
  const std::string found = started ? threads_still_running("sprocket-probe") : "";
  release = true;
  probe.join();
  ASSERT_TRUE(started) << "the probe thread did not report its id";
  EXPECT_EQ(found, " " + std::to_string(tid) + " (sprocket-probe)");
  EXPECT_TRUE(wait_until([] { return threads_still_running("sprocket-probe").empty(); }));
}

}  // namespace
}  // namespace sprocket::test
