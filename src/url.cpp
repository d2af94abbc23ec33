#include "url.hpp"

#include <algorithm>
#include <cctype>

#include "error_detail.hpp"
#include "sprocket/error.hpp"

namespace sprocket::detail {

Url parse_url(std::string_view text, std::error_code& ec) {
  ec.clear();
  auto fail = [&](const char* why) {
    set_error_detail(why);
    ec = errc::invalid_address;
    return Url{};
  };
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return fail("no \"://\" (expected scheme://address)");
  if (sep == 0) return fail("no scheme before \"://\"");
  if (sep + 3 == text.size()) return fail("no address after \"://\"");
  auto scheme = text.substr(0, sep);
  bool scheme_ok = std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '+' || c == '.' || c == '-';
  });
  if (!scheme_ok) return fail("the scheme may hold only a-z, 0-9, '+', '.' and '-'");
  return Url{std::string(text), std::string(scheme), std::string(text.substr(sep + 3))};
}

}  // namespace sprocket::detail
