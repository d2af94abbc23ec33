#include "error_detail.hpp"

#include <utility>

namespace sprocket::detail {
namespace {

thread_local std::string detail_text;

}  // namespace

void set_error_detail(std::string text) { detail_text = std::move(text); }

std::string take_error_detail() { return std::exchange(detail_text, {}); }

}  // namespace sprocket::detail
