// The state diagrams in docs/ are the lifecycles in the code: for every
// lifecycle (src/lifecycle.hpp), the Mermaid diagram under its heading has
// exactly the code's edges, its initial state and its final states. A
// transition added to the code and not drawn (or drawn and not in the
// code) fails here.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "protocols/reqrep/request_state.hpp"
#include "protocols/survey/survey_state.hpp"
#include "src/endpoint_states.hpp"
#include "src/magazine_slot_state.hpp"
#include "src/pipe_state.hpp"
#include "test_util.hpp"
#include "transports/stream/pump_state.hpp"
#include "transports/stream/read_turn.hpp"

namespace sprocket::test {
namespace {

using EdgeSet = std::set<std::pair<std::string, std::string>>;

struct Diagram {
  EdgeSet edges;                // between states
  std::set<std::string> initial;  // [*] --> x
  std::set<std::string> finals;   // x --> [*]
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first Mermaid block after the heading `title` (any level) in `doc`.
::testing::AssertionResult diagram_under(const std::string& doc, const std::string& title,
                                         Diagram& out) {
  const std::string text = read_file(std::string(SPROCKET_SOURCE_DIR) + "/" + doc);
  if (text.empty()) return ::testing::AssertionFailure() << "cannot read " << doc;
  const std::regex heading("(^|\n)#+ " + title + "\n");
  std::smatch m;
  if (!std::regex_search(text, m, heading))
    return ::testing::AssertionFailure() << doc << " has no heading \"" << title << "\"";
  const auto from = text.find("```mermaid", m.position(0));
  const auto to = text.find("```", from + 10);
  if (from == std::string::npos || to == std::string::npos)
    return ::testing::AssertionFailure() << doc << ": no mermaid block under \"" << title << "\"";
  std::istringstream lines(text.substr(from, to - from));
  const std::regex edge(R"(^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*(:.*)?$)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch e;
    if (!std::regex_match(line, e, edge)) continue;
    if (e[1] == "[*]") {
      out.initial.insert(e[2]);
    } else if (e[2] == "[*]") {
      out.finals.insert(e[1]);
    } else {
      out.edges.insert({e[1], e[2]});
    }
  }
  return ::testing::AssertionSuccess();
}

template <class State>
void expect_drawn(const std::string& doc) {
  using Traits = detail::LifecycleTraits<State>;
  const std::string title(Traits::name);
  Diagram drawn;
  ASSERT_TRUE(diagram_under(doc, title, drawn));
  EdgeSet code;
  for (const auto& e : Traits::edges)
    code.insert({std::string(detail::state_name(e.from)), std::string(detail::state_name(e.to))});
  std::set<std::string> finals;
  for (State s : Traits::finals) finals.insert(std::string(detail::state_name(s)));

  for (const auto& e : code)
    EXPECT_TRUE(drawn.edges.count(e)) << title << " (" << doc << "): the code has " << e.first
                                      << " --> " << e.second << ", the diagram does not";
  for (const auto& e : drawn.edges)
    EXPECT_TRUE(code.count(e)) << title << " (" << doc << "): the diagram has " << e.first
                               << " --> " << e.second << ", the code does not";
  EXPECT_EQ(drawn.initial, std::set<std::string>{std::string(detail::state_name(Traits::initial))})
      << title << ": initial state";
  EXPECT_EQ(drawn.finals, finals) << title << ": final states";
}

TEST(LifecycleDocTest, ConnectionDiagramIsTheCode) {
  expect_drawn<stream::PumpState>("docs/architecture.md");
}
TEST(LifecycleDocTest, ReadingTurnDiagramIsTheCode) {
  expect_drawn<stream::ReadTurn>("docs/architecture.md");
}
TEST(LifecycleDocTest, PipeDiagramIsTheCode) { expect_drawn<detail::PipeState>("docs/architecture.md"); }
TEST(LifecycleDocTest, DialerDiagramIsTheCode) {
  expect_drawn<detail::DialerState>("docs/architecture.md");
}
TEST(LifecycleDocTest, ListenerDiagramIsTheCode) {
  expect_drawn<detail::ListenerState>("docs/architecture.md");
}
TEST(LifecycleDocTest, ThreadBodyMagazinesDiagramIsTheCode) {
  expect_drawn<detail::MagazineSlotState>("docs/architecture.md");
}
TEST(LifecycleDocTest, RequestDiagramIsTheCode) {
  expect_drawn<reqrep::RequestState>("docs/protocols/reqrep.md");
}
TEST(LifecycleDocTest, SurveyDiagramIsTheCode) {
  expect_drawn<survey::SurveyState>("docs/protocols/survey.md");
}

}  // namespace
}  // namespace sprocket::test
