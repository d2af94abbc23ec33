#include "url.hpp"

#include <algorithm>
#include <cctype>

#include "sprocket/error.hpp"

namespace sprocket::detail {

Url parse_url(std::string_view text, std::error_code& ec) {
  ec.clear();
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0 || sep + 3 == text.size()) {
    ec = errc::invalid_address;
    return {};
  }
  auto scheme = text.substr(0, sep);
  bool scheme_ok = std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '+' || c == '.' || c == '-';
  });
  if (!scheme_ok) {
    ec = errc::invalid_address;
    return {};
  }
  return Url{std::string(text), std::string(scheme), std::string(text.substr(sep + 3))};
}

}  // namespace sprocket::detail
