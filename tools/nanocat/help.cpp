// --help, laid out by nanomsg's nanocat's algorithm (tools/options.c): a
// usage line built from the table, then each group's options with their
// descriptions wrapped at 56 columns from column 24.
#include <fmt/format.h>

#include <cctype>

#include "option_table.hpp"
#include "options.hpp"

namespace nanocat {
namespace {

constexpr std::size_t kDescriptionColumn = 24;
constexpr std::size_t kDescriptionWidth = 80 - 24;

// Prints as much of `text` as fits in `width` (breaking at a space, which
// is dropped) and returns the rest, like nanocat's nn_print_line.
std::string_view print_line(std::string& out, std::string_view text, std::size_t width) {
  if (text.size() < width) {
    out += text;
    return {};
  }
  for (std::size_t i = width; i > 1; --i) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      out += text.substr(0, i);
      return text.substr(i + 1);
    }
  }
  out += text;
  return {};
}

void append_usage(std::string& out) {
  out += "    nanocat ";
  std::vector<std::string> required;
  std::string flags;
  std::string with_args;
  for (const OptionSpec& o : option_table()) {
    if (o.hidden) continue;
    if (o.provides & kRequiredMask) {
      required.push_back(fmt::format("--{}", o.name));
    } else if (o.short_name && !o.takes_argument()) {
      flags += o.short_name;
    } else if (o.short_name) {
      with_args += fmt::format("[-{} {}] ", o.short_name, o.metavar);
    }
  }
  out += fmt::format("{{{}}} ", fmt::join(required, "|"));
  if (!flags.empty()) out += fmt::format("[-{}] ", flags);
  out += with_args;
  out += "[options] \n";
}

void append_option(std::string& out, const OptionSpec& o) {
  std::string head = fmt::format(" --{}", o.name);
  if (o.short_name) head += fmt::format(",-{}", o.short_name);
  if (o.takes_argument()) head += fmt::format(" {}", o.metavar);
  out += head;
  std::string_view rest = o.help;
  if (head.size() < kDescriptionColumn - 1) {
    out.append(kDescriptionColumn - head.size(), ' ');
    rest = print_line(out, rest, kDescriptionWidth);
  }
  while (!rest.empty()) {
    out += '\n';
    out.append(kDescriptionColumn, ' ');
    rest = print_line(out, rest, kDescriptionWidth);
  }
  out += '\n';
}

}  // namespace

std::string help_text() {
  std::string out = "Usage:\n";
  append_usage(out);
  out += "\nA command-line interface to sprocket, compatible with nanomsg's nanocat\n";
  std::string_view group;
  std::vector<std::string> aliases;
  for (const OptionSpec& o : option_table()) {
    if (o.hidden) {
      aliases.push_back(fmt::format("--{}", o.name));
      continue;
    }
    if (o.group != group) {
      out += fmt::format("\n{}:\n", o.group);
      group = o.group;
    }
    append_option(out, o);
  }
  out += "\nnngcat's spellings work too: ";
  std::size_t column = 30;
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    std::string word = aliases[i] + (i + 1 < aliases.size() ? "," : ".");
    if (column + 1 + word.size() > 79) {
      out += '\n';
      column = 0;
    } else if (i > 0) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  out +=
      "\n\nExit status: 0 success, 1 bad command line, 2 --file unreadable, 3 socket error\n"
      "(bad address, bind refused, send or receive failed), 4 timed out.\n";
  return out;
}

}  // namespace nanocat
