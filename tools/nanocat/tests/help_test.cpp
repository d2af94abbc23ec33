// --help has nanomsg's nanocat's shape: its usage line, and for every one
// of nanocat's options exactly the lines nanocat prints (checked against
// the installed nanocat's own --help), in the same groups.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e_util.hpp"
#include "option_table.hpp"
#include "options.hpp"

namespace nanocat {
namespace {

using test::Process;
using test::Tool;

// nanocat's help split into its option entries: a line starting " --"
// with the description lines indented below it.
std::vector<std::string> option_entries(const std::string& help) {
  std::vector<std::string> entries;
  std::size_t at = 0;
  while (at < help.size()) {
    std::size_t end = help.find('\n', at);
    if (end == std::string::npos) end = help.size();
    std::string line = help.substr(at, end - at + 1);
    if (line.starts_with(" --")) {
      entries.push_back(line);
    } else if (line.starts_with("                        ") && !entries.empty()) {
      entries.back() += line;
    }
    at = end + 1;
  }
  return entries;
}

TEST(NanocatHelp, UsageLine) {
  const std::string help = help_text();
  EXPECT_TRUE(help.starts_with(
      "Usage:\n    nanocat {--push|--pull|--pub|--sub|--req|--rep|--surveyor|--respondent|--bus|"
      "--pair|--pair1|--bind|--connect|--bind-ipc|--connect-ipc|--bind-local|--connect-local} [-vqhVAQk] "
      "[-Z SIZE] [-i SEC] [-d SEC] [-D DATA] [-F PATH] [-C N] [-E FILE] [options] \n"))
      << help;
}

TEST(NanocatHelp, EveryVisibleOptionIsDescribed) {
  const std::string help = help_text();
  for (const OptionSpec& o : option_table()) {
    std::string head = " --" + std::string(o.name);
    if (o.hidden) {
      EXPECT_EQ(help.find(head + " "), std::string::npos) << o.name;
      EXPECT_NE(help.find("--" + std::string(o.name)), std::string::npos) << o.name;
    } else {
      EXPECT_NE(help.find("\n" + head), std::string::npos) << o.name;
    }
  }
  for (std::string_view line : {"\nGeneric:\n", "\nSocket Types:\n", "\nSocket Options:\n",
                                "\nSUB Socket Options:\n", "\nSURVEYOR Socket Options:\n",
                                "\nInput Options:\n", "\nOutput Options:\n", "\nExit status: "})
    EXPECT_NE(help.find(line), std::string::npos) << line;
}

TEST(NanocatHelp, NanomsgOptionsReadExactlyAsInNanocat) {
  ASSERT_TRUE(test::tool_available(Tool::nanomsg));
  Process p({test::tool_path(Tool::nanomsg), "--help"});
  ASSERT_EQ(p.wait_exit(test::kPatience), 0) << p.describe();
  const auto theirs = option_entries(p.out());
  ASSERT_GE(theirs.size(), 30u) << p.out();
  const std::string ours = help_text();
  for (const std::string& entry : theirs) EXPECT_NE(ours.find(entry), std::string::npos) << entry;
}

}  // namespace
}  // namespace nanocat
